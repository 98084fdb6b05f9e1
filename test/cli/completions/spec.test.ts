import { describe, expect, test } from 'bun:test'
import { bashScript } from '../../../src/cli/completions/bash.ts'
import { completionSpec, optionsFromHelp } from '../../../src/cli/completions/spec.ts'

describe('completion spec from the help texts', () => {
  test('options: flags, FILE/PATH values complete files, other values take a word', () => {
    const help = `Usage: byokey x [options]

Options:
  -c, --config FILE     Config file
      --db PATH         SQLite database
  -p, --port PORT       Listen port
      --json            Machine-readable output
`
    expect(optionsFromHelp(help)).toEqual([
      { flags: ['-c', '--config'], value: 'file', description: 'Config file' },
      { flags: ['--db'], value: 'file', description: 'SQLite database' },
      { flags: ['-p', '--port'], value: 'word', description: 'Listen port' },
      { flags: ['--json'], value: 'none', description: 'Machine-readable output' },
      { flags: ['-h', '--help'], value: 'none', description: 'Show help' },
    ])
  })

  test('a new command with a help text completes without changes to the completion code', () => {
    const help = {
      frob: `Usage: byokey frob start|stop <provider> [--log-file PATH]

Options:
      --log-file PATH   Where to log
`,
    }
    const main = 'Commands:\n  frob start|stop    Frobnicate the gateway\n'
    const spec = completionSpec(['frob'], help, main)
    expect(spec.commands).toEqual([
      {
        name: 'frob',
        description: 'Frobnicate the gateway',
        subcommands: ['start', 'stop'],
        takesProvider: true,
        options: [
          { flags: ['--log-file'], value: 'file', description: 'Where to log' },
          { flags: ['-h', '--help'], value: 'none', description: 'Show help' },
        ],
      },
    ])
    const script = bashScript(spec)
    expect(script).toContain('    frob)')
    expect(script).toContain('first="start stop"')
    expect(script).toContain('filearg=" --log-file "')
  })

  test('a command without a help text still completes by name', () => {
    const spec = completionSpec(['bare'], {}, '')
    expect(spec.commands[0]).toMatchObject({ name: 'bare', subcommands: [], takesProvider: false })
  })
})
