/**
 * Running `serve` in the background and stopping it again: what `start`, `stop` and `restart`
 * share. The pid file says which process to look at; the control socket is asked first, and a
 * signal only ever goes to a process whose command line shows it is the byokey server.
 */
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseConfig } from '../config/load.ts'
import { resolvePaths } from '../config/paths.ts'
import { callControl } from '../server/control.ts'
import { ensurePrivateFile } from '../store/private-file.ts'
import {
  claimPidFile,
  commandOf,
  identify,
  type PidRecord,
  pidFileFor,
  readPidFile,
  removePidFile,
  writePidFile,
} from './pid-file.ts'
import { parseServeOptions, socketFor } from './serve.ts'
import { VERSION } from './version.ts'

/** How long `start` waits for `/readyz`, and `stop` for the process to exit and the port to close. */
const START_WAIT_MS = 20_000
const STOP_WAIT_MS = 30_000
const LOG_TAIL_LINES = 20

/**
 * The command that runs this byokey again: the executable alone when compiled (its script lives
 * in the binary's virtual file system), else the runtime and the script.
 */
export function selfCommand(): string[] {
  const main = Bun.main
  const compiled = main.startsWith('/$bunfs/') || /^[A-Z]:[\\/]~BUN[\\/]/i.test(main)
  return compiled ? [process.execPath] : [process.execPath, main]
}

/** Polls `check` every 50 ms until it is true or `ms` pass; whether it became true. */
async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await check()) return true
    if (Date.now() > deadline) return false
    await Bun.sleep(50)
  }
}

/** Whether something accepts TCP connections at `url`'s host and port. */
export async function portOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  try {
    const socket = await Bun.connect({
      hostname: hostname.replace(/^\[|\]$/g, ''),
      port: Number(port),
      socket: { data() {} },
    })
    socket.end()
    return true
  } catch {
    return false
  }
}

/** Where a server's files are: its database, pid file and control socket. */
export interface DaemonFiles {
  db: string
  pidFile: string
  socket: string
}

export function daemonFiles(db: string | undefined): DaemonFiles {
  const file = resolve(db ?? resolvePaths().dbFile)
  return { db: file, pidFile: pidFileFor(file), socket: socketFor(file) }
}

/** The server that answers for these files: from the control socket, else a live pid file's process. */
export async function runningServer(
  files: DaemonFiles,
): Promise<{ pid: number; url?: string; via: 'control' | 'pid file' } | undefined> {
  const res = await callControl(files.socket, 'status')
  if (res?.status === 200 && typeof res.body['pid'] === 'number') {
    const url = typeof res.body['url'] === 'string' ? res.body['url'] : undefined
    return { pid: res.body['pid'], url, via: 'control' }
  }
  const rec = readPidFile(files.pidFile)
  if (rec && identify(rec) === 'byokey') return { pid: rec.pid, url: rec.url, via: 'pid file' }
  return undefined
}

/** Removes a pid file whose process is gone or is another program now; says so. The process is left alone. */
function dropStalePidFile(files: DaemonFiles): void {
  const rec = readPidFile(files.pidFile)
  if (!existsSync(files.pidFile)) return
  const why = !rec
    ? 'it is unreadable'
    : identify(rec) === 'gone'
      ? `pid ${rec.pid} is not running`
      : `pid ${rec.pid} is another program now, left alone`
  removePidFile(files.pidFile)
  console.error(`byokey: removed stale pid file ${files.pidFile} (${why})`)
}

/** The config file's `log.file`, when it names one (a broken file is reported by `serve` itself). */
function configuredLogFile(file: string): string | undefined {
  try {
    return existsSync(file) ? parseConfig(readFileSync(file, 'utf8'), file).config.log.file : undefined
  } catch {
    return undefined
  }
}

/**
 * The `serve` arguments for `argv` (start's options) with every path made absolute. The log goes
 * to `--log-file`, else the config's `log.file`, else `byokey.log` in the data folder.
 */
export function serveArgs(argv: string[]): { args: string[]; files: DaemonFiles; logFile: string } {
  const { values } = parseServeOptions(argv, 'start')
  const files = daemonFiles(values.db)
  const paths = resolvePaths()
  const logFile = resolve(
    values['log-file'] ??
      configuredLogFile(values.config ? resolve(values.config) : paths.configFile) ??
      join(paths.dataDir, 'byokey.log'),
  )
  const args: string[] = []
  if (values.config !== undefined) args.push('--config', resolve(values.config))
  if (values.port !== undefined) args.push('--port', values.port)
  if (values.host !== undefined) args.push('--host', values.host)
  args.push('--db', files.db, '--log-file', logFile)
  if (values['log-level'] !== undefined) args.push('--log-level', values['log-level'])
  if (values['insecure-no-auth']) args.push('--insecure-no-auth')
  return { args, files, logFile }
}

/** The last lines of the log, for a start that failed. */
function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n')
  } catch {
    return '(no log written)'
  }
}

/** Starts `serve` detached with `argv`, waits for `/readyz`; the exit code. */
export async function startDaemon(argv: string[]): Promise<number> {
  const { args, files, logFile } = serveArgs(argv)
  const running = await runningServer(files)
  if (running) {
    console.error(
      `byokey is already running (pid ${running.pid}${running.url ? `, ${running.url}` : ''}); run 'byokey stop' first`,
    )
    return 1
  }
  dropStalePidFile(files)
  // held by this process until the server runs, so a second `start` now sees a live byokey
  if (!claimPidFile(files.pidFile, { pid: process.pid, command: commandOf(process.pid) })) {
    const other = readPidFile(files.pidFile)
    console.error(`byokey is already starting or running (pid ${other?.pid ?? 'unknown'})`)
    return 1
  }

  const argvOfChild = [...selfCommand(), 'serve', ...args]
  let child: ReturnType<typeof Bun.spawn>
  try {
    ensurePrivateFile(logFile)
    const out = openSync(logFile, 'a', 0o600)
    try {
      child = Bun.spawn(argvOfChild, {
        cwd: dirname(files.db),
        env: process.env,
        stdio: ['ignore', out, out],
        detached: true,
      })
    } finally {
      closeSync(out)
    }
  } catch (e) {
    removePidFile(files.pidFile)
    throw e
  }
  child.unref()
  const rec: PidRecord = {
    pid: child.pid,
    // what the OS will show once the exec is done; re-read below when the server is ready
    command: argvOfChild.join(' '),
    args,
    log_file: logFile,
    started_at: new Date().toISOString(),
    version: VERSION,
  }
  writePidFile(files.pidFile, rec)

  let url: string | undefined
  const exited = () => child.exitCode !== null || child.signalCode !== null
  const ready = await until(async () => {
    if (exited()) return true
    if (url === undefined) {
      // another server that won a race for this socket is not ours to report
      const res = await callControl(files.socket, 'status')
      if (res?.status === 200 && res.body['pid'] === child.pid && typeof res.body['url'] === 'string') {
        url = res.body['url']
      }
      if (url === undefined) return false
    }
    try {
      return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })).status === 200
    } catch {
      return false
    }
  }, START_WAIT_MS)
  if (!ready || exited() || url === undefined) {
    const why = exited() ? 'it exited' : `not ready within ${START_WAIT_MS / 1000} s`
    if (!exited()) child.kill('SIGTERM') // our own child, which never became ready
    if (readPidFile(files.pidFile)?.pid === child.pid) removePidFile(files.pidFile)
    console.error(`byokey: the server did not start (${why}). Last lines of ${logFile}:\n${logTail(logFile)}`)
    return 1
  }
  writePidFile(files.pidFile, { ...rec, command: commandOf(child.pid) ?? rec.command, url })
  console.log(`byokey is running at ${url} (pid ${child.pid})`)
  console.log(`logs: ${logFile}`)
  return 0
}

/**
 * Stops the server of `files`: over the control socket (in-flight requests finish, usage is
 * flushed), else SIGTERM to the pid file's process once it is known to be byokey. Waits until the
 * process is gone and its port closed. `stopped`: it ran and stopped; `not running`: nothing was
 * running (a stale pid file is removed); `failed`: it still runs.
 */
export async function stopDaemon(files: DaemonFiles): Promise<'stopped' | 'not running' | 'failed'> {
  const server = await runningServer(files)
  if (!server) {
    if (existsSync(files.pidFile)) dropStalePidFile(files)
    else console.error('byokey is not running')
    return 'not running'
  }
  if (server.via === 'control') await callControl(files.socket, 'shutdown')
  else process.kill(server.pid, 'SIGTERM')
  const gone = await until(
    async () => commandOf(server.pid) === undefined && !(server.url && (await portOpen(server.url))),
    STOP_WAIT_MS,
  )
  if (!gone) {
    console.error(`byokey: pid ${server.pid} is still running after ${STOP_WAIT_MS / 1000} s`)
    return 'failed'
  }
  const rec = readPidFile(files.pidFile)
  if (rec === undefined || rec.pid === server.pid) removePidFile(files.pidFile)
  console.log(`byokey stopped (pid ${server.pid})`)
  return 'stopped'
}
