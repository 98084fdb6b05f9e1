/**
 * The pid file `byokey start` writes beside the database: which process serves, how to recognise
 * it later (its command line, so a recycled pid that now belongs to another program is never
 * signalled), and the options it was started with (for `restart`).
 */
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

export interface PidRecord {
  pid: number
  /** The process's command line as the OS reports it, words joined by spaces. */
  command?: string
  /** The `serve` options it was started with. */
  args?: string[]
  log_file?: string
  url?: string
  started_at?: string
  version?: string
}

/** The pid file of the server that owns `db`. */
export function pidFileFor(db: string): string {
  return join(dirname(db), 'byokey.pid')
}

/** The record in `file`; a bare number (BYOKEY's format) is a record with only a pid. */
export function readPidFile(file: string): PidRecord | undefined {
  if (!existsSync(file)) return undefined
  const text = readFileSync(file, 'utf8').trim()
  if (/^\d+$/.test(text)) return { pid: Number(text) }
  try {
    const rec = JSON.parse(text) as Partial<PidRecord>
    return Number.isInteger(rec.pid) && (rec.pid as number) > 0 ? (rec as PidRecord) : undefined
  } catch {
    return undefined
  }
}

/** `rec` in a private file beside `file`, so the pid file itself only ever appears whole. */
function writeTemp(file: string, rec: PidRecord): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(rec, null, 2)}\n`, { mode: 0o600 })
  return tmp
}

export function writePidFile(file: string, rec: PidRecord): void {
  renameSync(writeTemp(file, rec), file)
}

/** Creates the pid file only if there is none: of two `start`s at once, one gets it. Whether this one did. */
export function claimPidFile(file: string, rec: PidRecord): boolean {
  const tmp = writeTemp(file, rec)
  try {
    linkSync(tmp, file) // fails when the file exists; never shows a half-written file
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw e
  } finally {
    rmSync(tmp, { force: true })
  }
}

export function removePidFile(file: string): void {
  rmSync(file, { force: true })
}

/** The command line of a live process, or undefined when no process has this pid. */
export function commandOf(pid: number): string | undefined {
  if (process.platform === 'linux') {
    try {
      const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      return raw.split('\0').filter(Boolean).join(' ') || undefined
    } catch {
      return undefined
    }
  }
  const ps = Bun.spawnSync(['ps', '-o', 'command=', '-p', String(pid)], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const out = ps.stdout.toString().trim()
  return ps.exitCode === 0 && out !== '' ? out : undefined
}

/** Whether the OS still has a process with this pid (zombies included). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export type Identity = 'byokey' | 'other' | 'gone'

/**
 * Whether `rec.pid` is still the byokey server the record describes: its command line is the one
 * recorded at start; for a record without one (a bare pid), a command line running `serve` of a
 * byokey executable or script.
 */
export function identify(rec: PidRecord): Identity {
  const command = commandOf(rec.pid)
  if (command === undefined) return 'gone'
  if (rec.command !== undefined) return command === rec.command ? 'byokey' : 'other'
  const words = command.split(' ')
  const byokeyProgram = words.some((w) => /(^|\/)byokey(\.exe)?$/.test(w) || /(^|\/)main\.ts$/.test(w))
  return byokeyProgram && words.includes('serve') ? 'byokey' : 'other'
}
