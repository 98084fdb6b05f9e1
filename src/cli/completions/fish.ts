/** The fish completion script: `complete -c byokey` lines, one per command, option and argument set. */
import type { CompletionSpec, OptionSpec } from './spec.ts'

function quote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

function optionLine(condition: string, o: OptionSpec): string {
  const parts = ['complete -c byokey', `-n ${quote(condition)}`]
  for (const f of o.flags) parts.push(f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`)
  if (o.value === 'file') parts.push('-r -F')
  if (o.value === 'word') parts.push('-x')
  if (o.description) parts.push(`-d ${quote(o.description)}`)
  return parts.join(' ')
}

export function fishScript(spec: CompletionSpec): string {
  const lines = [
    '# fish completion for byokey. Load it with:  byokey completions fish | source',
    'complete -c byokey -f',
  ]
  for (const o of spec.globalOptions) lines.push(optionLine('__fish_use_subcommand', o))
  for (const c of spec.commands) {
    const add = [`-a ${quote(c.name)}`, c.description ? `-d ${quote(c.description)}` : '']
    lines.push(`complete -c byokey -n __fish_use_subcommand ${add.filter(Boolean).join(' ')}`)
  }
  const providers = quote(spec.providers.join(' '))
  for (const c of spec.commands) {
    const inCommand = `__fish_seen_subcommand_from ${c.name}`
    for (const o of c.options) lines.push(optionLine(inCommand, o))
    if (c.subcommands.length > 0) {
      const none = `${inCommand}; and not __fish_seen_subcommand_from ${c.subcommands.join(' ')}`
      lines.push(`complete -c byokey -n ${quote(none)} -a ${quote(c.subcommands.join(' '))}`)
    } else if (c.takesProvider) {
      const none = `${inCommand}; and not __fish_seen_subcommand_from ${spec.providers.join(' ')}`
      lines.push(`complete -c byokey -n ${quote(none)} -a ${providers}`)
    }
  }
  return `${lines.join('\n')}\n`
}
