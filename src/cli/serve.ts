/** `byokey serve`: config → logger → database → gateway → control socket, then wait for a signal. */
import { dirname, join, resolve } from 'node:path'
import { coordinationSettings } from '../config/coordination.ts'
import { ConfigError, type Overrides } from '../config/load.ts'
import { resolvePaths } from '../config/paths.ts'
import type { LogLevelName } from '../config/schema.ts'
import { exposedConfigMode } from '../config/secrets.ts'
import { ConfigRef, type ConfigSnapshot } from '../config/snapshot.ts'
import { type Coordination, openCoordination } from '../coordination/index.ts'
import { createLogger, type LogFile, type Logger, openLogFile } from '../log.ts'
import { type ControlServer, startControl } from '../server/control.ts'
import { openBindRefusal } from '../server/key-gate.ts'
import { startGateway } from '../server/serve.ts'
import { processStatus } from '../server/status.ts'
import { keyringFromEnv } from '../store/token-seal.ts'
import type { Store } from '../store/types.ts'
import { intFlag, parseCommand, UsageError } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { describeTarget, openStore, type StoreTarget, storeTarget } from './store-access.ts'
import { VERSION } from './version.ts'

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])

/** The control socket of the server that owns `db`: beside the database file. */
export function socketFor(db: string): string {
  return join(dirname(db), 'byokey.sock')
}

/** Warns when the snapshot's file holds keys that other users of this machine can read. */
function warnIfConfigExposed(log: Logger, snap: ConfigSnapshot): void {
  const mode = exposedConfigMode(snap.file, snap.config)
  if (mode === undefined) return
  log.warn(
    { file: snap.file, mode: `0${mode.toString(8)}` },
    `the config file holds API keys and other users can read or change it: run chmod 600 ${snap.file}`,
  )
}

/** The options of `serve`, which `start` and `restart` pass on to it. */
export const SERVE_OPTIONS = {
  config: { type: 'string', short: 'c' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  db: { type: 'string' },
  'log-file': { type: 'string' },
  'log-level': { type: 'string' },
  'insecure-no-auth': { type: 'boolean' },
} as const

/** `serve` options parsed and checked; usage errors name `command`. */
export function parseServeOptions(argv: string[], command: string) {
  const { values, positionals } = parseCommand(argv, SERVE_OPTIONS)
  if (positionals.length > 0 && !values.help)
    throw new UsageError(`${command} takes no arguments (got '${positionals.join(' ')}')`)
  const level = values['log-level']
  if (level !== undefined && !LEVELS.has(level)) {
    throw new UsageError(`--log-level must be one of ${[...LEVELS].join(', ')} (got '${level}')`)
  }
  return { values, port: intFlag('port', values.port, 0, 65535), level }
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values, port, level } = parseServeOptions(argv, 'serve')
  if (values.help) {
    console.log(COMMAND_HELP['serve'])
    return 0
  }
  const paths = resolvePaths()
  const overrides: Overrides = {
    port,
    host: values.host,
    log: { level, file: values['log-file'] },
  }
  const file = values.config ? resolve(values.config) : paths.configFile

  // The logger depends on the config; config warnings seen before it exists are replayed into it.
  const early: { warn: string[] } = { warn: [] }
  let log: Logger | undefined
  let config: ConfigRef
  try {
    config = new ConfigRef({
      file,
      required: Boolean(values.config),
      overrides,
      onWarning: (w) => (log ? log.warn(w) : early.warn.push(w)),
      onError: (e) =>
        log?.error({ reason: e.message }, 'config reload rejected: keeping the previous config'),
      onSwap: (next, prev) => {
        if (next.config.log.level !== prev.config.log.level && log) log.level = next.config.log.level
        log?.info({ version: next.version }, 'config reloaded')
        if (log) warnIfConfigExposed(log, next)
      },
    })
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`byokey: config error: ${e.message}`)
      return 1
    }
    throw e
  }
  const boot = config.current.config
  const { log: logConfig } = boot
  let logFile: LogFile | undefined
  try {
    logFile = logConfig.file
      ? openLogFile(logConfig.file, {
          maxBytes: logConfig.max_size_mb * 1024 * 1024,
          daily: logConfig.daily,
          keep: logConfig.keep,
        })
      : undefined
  } catch (e) {
    console.error(`byokey: cannot open the log file ${logConfig.file}: ${(e as Error).message}`)
    return 1
  }
  log = createLogger({
    level: logConfig.level as LogLevelName,
    format: logConfig.format,
    stream: logFile?.stream,
  })
  if (logFile?.loosened !== undefined) {
    log.warn(
      { file: logConfig.file, mode: `0${logFile.loosened.toString(8)}` },
      'log file was readable by other users: tightened to 0600',
    )
  }
  try {
    return await run(
      log,
      config,
      resolve(values.db ?? paths.dbFile),
      values.db !== undefined,
      early.warn,
      values['insecure-no-auth'] === true,
    )
  } finally {
    // buffered lines reach the file before the process exits
    await logFile?.close()
  }
}

/** Runs the gateway until it is told to stop; the exit code. */
async function run(
  log: Logger,
  config: ConfigRef,
  dbFile: string,
  /** `--db` given: that SQLite file, whatever the config or environment say. */
  dbGiven: boolean,
  earlyWarnings: string[],
  insecureNoAuth: boolean,
): Promise<number> {
  const boot = config.current.config
  for (const w of earlyWarnings) log.warn(w)
  warnIfConfigExposed(log, config.current)

  let store: Store
  let where = dbFile
  try {
    const target: StoreTarget = dbGiven ? { kind: 'sqlite', file: dbFile } : storeTarget(boot.store, dbFile)
    where = describeTarget(target)
    const warn = log
    store = await openStore(target, {
      keyring: keyringFromEnv(boot.store.secret_key_env),
      usageFlushMs: boot.server.usage_flush_ms,
      warn: (fields, message) => warn.warn(fields, message),
    })
  } catch (e) {
    log.fatal({ db: where, reason: (e as Error).message }, 'cannot open the database')
    return 1
  }

  const refusal = openBindRefusal(boot.host, store.keys.list().length > 0)
  if (refusal && !insecureNoAuth) {
    log.fatal({ host: boot.host }, refusal)
    await store.close()
    return 1
  }
  if (refusal) {
    log.warn(
      { host: boot.host },
      'INSECURE: --insecure-no-auth given: listening beyond loopback with no gateway keys; anyone who can reach this port can spend your subscriptions and API keys',
    )
  }

  let coordination: Coordination
  try {
    coordination = await openCoordination(coordinationSettings(boot))
  } catch (e) {
    log.fatal({ reason: (e as Error).message }, 'cannot start the coordination')
    await store.close()
    return 1
  }

  let control: ControlServer | undefined
  let gateway: ReturnType<typeof startGateway>
  try {
    control = await startControl(socketFor(dbFile), {
      status: () => ({ ...processStatus(VERSION, config.current), url: gateway.url }),
      reload: () => gateway.reload(),
      shutdown: () => void shutdown('control socket'),
    })
    gateway = startGateway({ config, store, log, version: VERSION, coordination })
  } catch (e) {
    log.fatal({ reason: (e as Error).message }, 'cannot start')
    control?.close()
    await coordination.close()
    await store.close()
    return 1
  }
  config.watch()

  let done: (code: number) => void = () => {}
  const finished = new Promise<number>((r) => {
    done = r
  })
  let stopping = false
  async function shutdown(reason: string): Promise<void> {
    if (stopping) return
    stopping = true
    log?.info({ reason }, 'stopping')
    try {
      await gateway.stop()
      await coordination.close()
      config.close()
      control?.close()
      const pending = store.usage.pending
      await store.close()
      log?.info({ flushedUsage: pending }, 'stopped')
      done(0)
    } catch (e) {
      log?.error({ err: e }, 'error during shutdown')
      done(1)
    }
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGHUP', () => {
    const r = gateway.reload()
    log?.info({ changed: r.changed, version: r.version, error: r.error }, 'SIGHUP: config re-read')
  })

  log.info(
    { url: gateway.url, config: config.current.file ?? '(built-in defaults)', db: where, version: VERSION },
    'byokey listening',
  )
  if (boot.host !== '127.0.0.1' && boot.host !== 'localhost' && boot.host !== '::1') {
    log.warn(
      { host: boot.host },
      'listening beyond loopback: anyone who can reach this port can use your accounts',
    )
  }
  // The binary starts with the JIT held back for run-once start-up code (scripts/build.ts); what
  // runs from now on is serving, which must tier up as usual.
  Bun.unsafe.setJITPolicy(1)
  return finished
}
