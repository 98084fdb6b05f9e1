/**
 * Stand-ins for system tools (systemctl, launchctl, useradd…): real executables in a temp folder put
 * first on PATH, each appending its arguments to a log before running the given shell body.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface FakeTools {
  /** The folder to put first on PATH. */
  bin: string
  /** Adds (or replaces) a tool; `body` is sh run after the call is logged (default: exit 0). */
  add(name: string, body?: string): void
  /** Every call so far, `name arg1 arg2…`, in order. */
  calls(): string[]
}

export function fakeTools(dir: string): FakeTools {
  const bin = join(dir, 'fake-bin')
  const log = join(dir, 'fake-calls.log')
  mkdirSync(bin, { recursive: true })
  return {
    bin,
    add(name, body = 'exit 0') {
      const file = join(bin, name)
      writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> '${log}'\n${body}\n`)
      chmodSync(file, 0o755)
    },
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  }
}
