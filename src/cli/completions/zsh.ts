/** The zsh completion script: `_arguments` specs per command, behind a `_describe` of the commands. */
import type { CommandSpec, CompletionSpec, OptionSpec } from './spec.ts'

/** Text inside single quotes: a quote closes, adds an escaped quote and reopens. */
const singleQuoted = (text: string) => text.replaceAll("'", "'\\''")

/** An `_arguments` description: `[`, `]`, `:` and `\` are its syntax, so they are escaped first. */
const specText = (text: string) => singleQuoted(text.replace(/([[\]:\\])/g, '\\$1'))

function optionSpec(o: OptionSpec): string {
  const action = o.value === 'file' ? ':file:_files' : o.value === 'word' ? ':value: ' : ''
  const desc = `[${specText(o.description)}]`
  if (o.flags.length === 1) return `'${o.flags[0]}${desc}${action}'`
  return `'(${o.flags.join(' ')})'{${o.flags.join(',')}}'${desc}${action}'`
}

function commandArm(c: CommandSpec, providers: readonly string[]): string {
  const specs = c.options.map(optionSpec)
  if (c.subcommands.length > 0) specs.push(`'1:subcommand:(${c.subcommands.join(' ')})'`)
  if (c.takesProvider) specs.push(`'${c.subcommands.length > 0 ? 2 : 1}:provider:(${providers.join(' ')})'`)
  return `    ${c.name})\n      _arguments -s ${specs.join(' \\\n        ')}\n      ;;`
}

export function zshScript(spec: CompletionSpec): string {
  const commands = spec.commands.map((c) => `    '${c.name}:${singleQuoted(c.description)}'`).join('\n')
  return `#compdef byokey
# zsh completion for byokey. Load it with:  source <(byokey completions zsh)
# or save it as _byokey in a folder of $fpath before compinit runs.
_byokey() {
  local -a commands
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'byokey command' commands
    _arguments ${spec.globalOptions.map(optionSpec).join(' ')}
    return
  fi
  local cmd=$words[2]
  shift words
  (( CURRENT-- ))
  case $cmd in
${spec.commands.map((c) => commandArm(c, spec.providers)).join('\n')}
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _byokey "$@"
else
  compdef _byokey byokey
fi
`
}
