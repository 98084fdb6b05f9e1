/**
 * Opening the store, for `serve` and for CLI commands: SQLite (`--db`, else the default file; works
 * beside a running server thanks to WAL) or PostgreSQL when the config or `BYOKEY_DATABASE_URL`
 * says so. One factory, so every command works against either.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError, defaultConfig, parseConfig } from '../config/load.ts'
import { resolvePaths } from '../config/paths.ts'
import type { Config } from '../config/schema.ts'
import { redactedDatabaseUrl } from '../store/database-url.ts'
import { openSqliteStore } from '../store/sqlite/index.ts'
import { type Keyring, keyringFromEnv } from '../store/token-seal.ts'
import type { Store } from '../store/types.ts'

/** The environment variable that points every byokey process at one PostgreSQL database. */
export const DATABASE_URL_ENV = 'BYOKEY_DATABASE_URL'

/** The database file a command works on: `--db` when given, else `$BYOKEY_HOME/byokey.db` or `~/.byokey/byokey.db`. */
export function dbPath(db: string | undefined): string {
  return resolve(db ?? resolvePaths().dbFile)
}

export type StoreTarget =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; syncMs: number; usageBufferRows: number }

/**
 * Where the store is. `BYOKEY_DATABASE_URL`, when set, wins over the config (the usual way to hand
 * a container its database); then `store.kind: postgres` with `store.url`; else the SQLite file.
 */
export function storeTarget(
  store: Config['store'],
  dbFile: string,
  env: Record<string, string | undefined> = process.env,
): StoreTarget {
  const fromEnv = env[DATABASE_URL_ENV]
  const url = fromEnv || (store.kind === 'postgres' ? store.url : undefined)
  // checked here, not by a pattern in the schema, whose error would quote the URL and its password
  if (url && !/^postgres(ql)?:\/\//i.test(url)) {
    throw new Error(`${fromEnv ? DATABASE_URL_ENV : 'store.url'} must be a postgres:// URL`)
  }
  if (url) return { kind: 'postgres', url, syncMs: store.sync_ms, usageBufferRows: store.usage_buffer_rows }
  if (store.kind === 'postgres') {
    throw new Error(`store.kind is postgres but no URL is given: set store.url or ${DATABASE_URL_ENV}`)
  }
  return { kind: 'sqlite', file: dbFile }
}

/** Where the target is, for messages: the file, or the URL without its password. */
export function describeTarget(target: StoreTarget): string {
  return target.kind === 'sqlite' ? target.file : redactedDatabaseUrl(target.url)
}

export interface OpenStoreOptions {
  /** The keys tokens are sealed with at rest (`keyringFromEnv(store.secret_key_env)`); absent: stored in clear. */
  keyring?: Keyring
  /** `server.usage_flush_ms`. */
  usageFlushMs?: number
  /** Warnings of the store (writer thread failed, PostgreSQL away or back, usage rows dropped). */
  warn?: (fields: Record<string, unknown>, message: string) => void
}

export async function openStore(target: StoreTarget, opts: OpenStoreOptions = {}): Promise<Store> {
  const warn = opts.warn
  if (target.kind === 'postgres') {
    // loaded only here: a gateway on SQLite never evaluates the PostgreSQL store
    const { openPostgresStore } = await import('../store/postgres/index.ts')
    return await openPostgresStore(target.url, {
      ...(opts.keyring ? { keyring: opts.keyring } : {}),
      syncMs: target.syncMs,
      usageBufferRows: target.usageBufferRows,
      ...(opts.usageFlushMs !== undefined ? { usageFlushMs: opts.usageFlushMs } : {}),
      ...(warn ? { warn } : {}),
    })
  }
  return openSqliteStore(target.file, {
    ...(opts.keyring ? { keyring: opts.keyring } : {}),
    ...(opts.usageFlushMs !== undefined ? { usageFlushMs: opts.usageFlushMs } : {}),
    ...(warn
      ? {
          onUsageWriterError: (err: Error) =>
            warn({ reason: err.message }, 'usage writer thread failed; writing usage on the main thread'),
        }
      : {}),
  })
}

/**
 * A command's store: `--db` means that SQLite file; without it, PostgreSQL when the environment
 * or the default config file's `store:` says so, else the default SQLite file.
 */
function commandTarget(db: string | undefined): StoreTarget {
  if (db === undefined) {
    const target = storeTarget(configuredStore(), dbPath(undefined))
    if (target.kind === 'postgres') return target
  }
  return { kind: 'sqlite', file: dbPath(db) }
}

/** The default config file's `store:`; the defaults when there is none or it does not parse (as before stores had a choice). */
function configuredStore(): Config['store'] {
  const file = resolvePaths().configFile
  try {
    if (existsSync(file)) return parseConfig(readFileSync(file, 'utf8'), file).config.store
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e
  }
  return defaultConfig().store
}

/**
 * The keys tokens are sealed with, from the variable the default config file names in
 * `store.secret_key_env` (the default name when there is no file or it does not parse).
 */
export function commandKeyring(): Keyring {
  return keyringFromEnv(configuredStore().secret_key_env)
}

/**
 * Runs `fn` with the store open and closes it afterwards (waiting for its writes). With
 * `create: false` a missing SQLite file is not created: `fn` gets undefined (nothing is logged in
 * yet), so read-only commands leave no file behind.
 */
export async function withStore<T>(
  db: string | undefined,
  opts: { create: boolean },
  fn: (store: Store | undefined, where: string) => T | Promise<T>,
): Promise<T> {
  const target = commandTarget(db)
  const where = describeTarget(target)
  if (target.kind === 'sqlite' && !opts.create && !existsSync(target.file)) return await fn(undefined, where)
  const store = await openStore(target, { keyring: commandKeyring() })
  try {
    return await fn(store, where)
  } finally {
    await store.close()
  }
}
