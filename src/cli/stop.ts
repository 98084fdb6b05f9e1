/** `byokey stop`: stops the background server gracefully and waits until its port is closed. */
import { parseCommand } from './args.ts'
import { daemonFiles, stopDaemon } from './daemon.ts'
import { COMMAND_HELP } from './help.ts'
import { noExtraArgs } from './provider-arg.ts'

export async function stopCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { db: { type: 'string' } })
  if (values.help) {
    console.log(COMMAND_HELP['stop'])
    return 0
  }
  noExtraArgs(positionals, 0, 'stop')
  return (await stopDaemon(daemonFiles(values.db))) === 'stopped' ? 0 : 1
}
