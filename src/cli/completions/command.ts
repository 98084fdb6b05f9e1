/** `byokey completions bash|zsh|fish`: prints the completion script for a shell. */
import { parseCommand, UsageError } from '../args.ts'
import { COMMAND_HELP, MAIN_HELP } from '../help.ts'
import { noExtraArgs } from '../provider-arg.ts'
import { bashScript } from './bash.ts'
import { fishScript } from './fish.ts'
import { completionSpec } from './spec.ts'
import { zshScript } from './zsh.ts'

const SHELLS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const

/** `commands`: the command table's names, so every command there completes. */
export async function completionsCommand(argv: string[], commands: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {})
  if (values.help) {
    console.log(COMMAND_HELP['completions'])
    return 0
  }
  const shell = positionals[0]
  if (shell === undefined || !Object.hasOwn(SHELLS, shell)) {
    throw new UsageError(`name a shell: ${Object.keys(SHELLS).join(', ')}${shell ? ` (got '${shell}')` : ''}`)
  }
  noExtraArgs(positionals, 1, 'completions')
  const spec = completionSpec(commands, COMMAND_HELP, MAIN_HELP)
  process.stdout.write(SHELLS[shell as keyof typeof SHELLS](spec))
  return 0
}
