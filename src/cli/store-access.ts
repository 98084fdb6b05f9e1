/** Opening the account store for a CLI command: `--db`, else the default database; works beside a running server (WAL). */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { resolvePaths } from '../config/paths.ts'
import { openSqliteStore } from '../store/sqlite/index.ts'
import type { Store } from '../store/types.ts'

/** The database file a command works on: `--db` when given, else `$BYOKEY_HOME/byokey.db` or `~/.byokey/byokey.db`. */
export function dbPath(db: string | undefined): string {
  return resolve(db ?? resolvePaths().dbFile)
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
  const store = openSqliteStore(file)
  try {
    return await fn(store, file)
  } finally {
    await store.close()
  }
}
