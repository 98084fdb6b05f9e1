/** The bash completion script: one `_byokey` function with the command table inlined as case arms. */
import type { CommandSpec, CompletionSpec, OptionSpec } from './spec.ts'

const flagsOf = (options: readonly OptionSpec[], value?: OptionSpec['value']) =>
  options.filter((o) => value === undefined || o.value === value).flatMap((o) => o.flags)

function commandArm(c: CommandSpec, providers: readonly string[]): string {
  const files = flagsOf(c.options, 'file')
  const words = flagsOf(c.options, 'word')
  const positional = c.subcommands.length > 0 ? c.subcommands : c.takesProvider ? providers : []
  const afterSub = c.subcommands.length > 0 && c.takesProvider ? providers : []
  const lines = [
    `    ${c.name})`,
    `      opts=${JSON.stringify(flagsOf(c.options).join(' '))}`,
    `      filearg=${JSON.stringify(` ${files.join(' ')} `)}`,
    `      wordarg=${JSON.stringify(` ${words.join(' ')} `)}`,
    `      first=${JSON.stringify(positional.join(' '))}`,
    `      second=${JSON.stringify(afterSub.join(' '))}`,
    '      ;;',
  ]
  return lines.join('\n')
}

export function bashScript(spec: CompletionSpec): string {
  const names = spec.commands.map((c) => c.name).join(' ')
  const globals = flagsOf(spec.globalOptions).join(' ')
  return `# bash completion for byokey. Load it with:  source <(byokey completions bash)
_byokey() {
  local cur prev cmd opts filearg wordarg first second i n w
  COMPREPLY=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${names} ${globals}" -- "$cur"))
    return 0
  fi
  cmd="\${COMP_WORDS[1]}"
  case "$cmd" in
${spec.commands.map((c) => commandArm(c, spec.providers)).join('\n')}
    *) return 0 ;;
  esac
  if [[ "$filearg" == *" $prev "* ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
    return 0
  fi
  [[ "$wordarg" == *" $prev "* ]] && return 0
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return 0
  fi
  # arguments given so far, skipping options and their values
  n=0
  for ((i = 2; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if [[ "$w" == -* ]]; then
      [[ "$filearg$wordarg" == *" $w "* ]] && ((i++))
      continue
    fi
    ((n++))
  done
  if [[ $n -eq 0 ]]; then
    COMPREPLY=($(compgen -W "$first" -- "$cur"))
  elif [[ $n -eq 1 ]]; then
    COMPREPLY=($(compgen -W "$second" -- "$cur"))
  fi
  return 0
}
complete -F _byokey byokey
`
}
