/**
 * What the shell completions know, read from the command table and the help texts: a command
 * completes the options its help lists, the subcommands and `<provider>` its usage line names,
 * and file names after an option whose value is a FILE or PATH. So a new command with a help text
 * completes without touching the completion code.
 */
import { PROVIDER_IDS } from '../../providers/ids.ts'

export interface OptionSpec {
  /** `-c`, `--config` */
  readonly flags: readonly string[]
  /** `file` for FILE/PATH values, `word` for other values, `none` for a switch. */
  readonly value: 'none' | 'word' | 'file'
  readonly description: string
}

export interface CommandSpec {
  readonly name: string
  readonly description: string
  readonly options: readonly OptionSpec[]
  /** Literal words the usage line names right after the command (`check`, `install|uninstall`). */
  readonly subcommands: readonly string[]
  /** The first argument (after a subcommand, if any) is a provider. */
  readonly takesProvider: boolean
}

export interface CompletionSpec {
  readonly commands: readonly CommandSpec[]
  readonly providers: readonly string[]
  readonly globalOptions: readonly OptionSpec[]
}

const HELP: OptionSpec = { flags: ['-h', '--help'], value: 'none', description: 'Show help' }
const GLOBAL: readonly OptionSpec[] = [
  HELP,
  { flags: ['-V', '--version'], value: 'none', description: 'Print the version' },
]

/** `  -c, --config FILE     Config file` and `      --json   Machine-readable output`. */
const OPTION_LINE = /^\s+((?:-[A-Za-z0-9], )?--[a-z][a-z0-9-]*)(?: ([A-Z][A-Z_|]*))?\s*(.*)$/

export function optionsFromHelp(help: string): OptionSpec[] {
  const out: OptionSpec[] = []
  for (const line of help.split('\n')) {
    const m = OPTION_LINE.exec(line)
    if (!m) continue
    const flags = m[1]!.split(', ')
    const meta = m[2]
    const value = meta === undefined ? 'none' : /FILE|PATH|DIR/.test(meta) ? 'file' : 'word'
    out.push({ flags, value, description: m[3]!.trim() })
  }
  if (!out.some((o) => o.flags.includes('--help'))) out.push(HELP)
  return out
}

/** The usage line after `byokey <name>`: literal words (`check`, `a|b`) before the first option or `<arg>`. */
function usageWords(name: string, help: string): { subcommands: string[]; takesProvider: boolean } {
  const usage = /^Usage: byokey (.*)$/m.exec(help)?.[1] ?? ''
  const tokens = usage.split(/\s+/).slice(name.split(' ').length)
  const subcommands: string[] = []
  let i = 0
  for (; i < tokens.length && /^[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)*$/.test(tokens[i]!); i++) {
    subcommands.push(...tokens[i]!.split('|'))
  }
  return { subcommands, takesProvider: tokens[i] === '<provider>' }
}

/** `  serve               Run the gateway in the foreground` lines of the main help's Commands section. */
function descriptions(mainHelp: string): Map<string, string> {
  const out = new Map<string, string>()
  const section = /^Commands:\n((?: .*\n?)*)/m.exec(mainHelp)?.[1] ?? ''
  for (const m of section.matchAll(/^ {2}([a-z][a-z0-9-]*)(?: [a-z|-]+)? {2,}(\S.*)$/gm)) {
    if (!out.has(m[1]!)) out.set(m[1]!, m[2]!.trim())
  }
  return out
}

export function completionSpec(
  commands: readonly string[],
  help: Readonly<Record<string, string>>,
  mainHelp: string,
): CompletionSpec {
  const described = descriptions(mainHelp)
  return {
    providers: [...PROVIDER_IDS],
    globalOptions: GLOBAL,
    commands: commands.map((name) => {
      const text = Object.hasOwn(help, name) ? (help[name] ?? '') : ''
      return {
        name,
        description: described.get(name) ?? '',
        options: optionsFromHelp(text),
        ...usageWords(name, text),
      }
    }),
  }
}
