/** Opening the account store for a CLI command: `--db`, else the default database; works beside a running server (WAL). */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError } from '../config/load.ts'
import { resolvePaths } from '../config/paths.ts'
import { ConfigRef } from '../config/snapshot.ts'
import { openSqliteStore } from '../store/sqlite/index.ts'
import { DEFAULT_SECRET_KEY_ENV, type Keyring, keyringFromEnv } from '../store/token-seal.ts'
import type { Store } from '../store/types.ts'

/** The database file a command works on: `--db` when given, else `$BYOKEY_HOME/byokey.db` or `~/.byokey/byokey.db`. */
export function dbPath(db: string | undefined): string {
  return resolve(db ?? resolvePaths().dbFile)
}

/**
 * The keys tokens are sealed with, from the variable the usual config file names in
 * `store.secret_key_env` (the default name when there is no file or it does not parse: the
 * command works on the database, the config's own errors are `config check`'s to report).
 */
export function commandKeyring(): Keyring {
  let envName = DEFAULT_SECRET_KEY_ENV
  try {
    envName = new ConfigRef({ file: resolvePaths().configFile, required: false, onWarning: () => {} }).current
      .config.store.secret_key_env
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e
  }
  return keyringFromEnv(envName)
}

/**
 * Runs `fn` with the store open and closes it afterwards. With `create: false` a missing database
 * is not created: `fn` gets undefined (nothing is logged in yet), so read-only commands leave no file behind.
 */
export async function withStore<T>(
  db: string | undefined,
  opts: { create: boolean },
  fn: (store: Store | undefined, file: string) => T | Promise<T>,
): Promise<T> {
  const file = dbPath(db)
  if (!opts.create && !existsSync(file)) return await fn(undefined, file)
  const store = openSqliteStore(file, { keyring: commandKeyring() })
  try {
    return await fn(store, file)
  } finally {
    await store.close()
  }
}
