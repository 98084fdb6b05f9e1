/** The SQLite implementation of `Store`. */
import { type Keyring, tokenCipher } from '../token-seal.ts'
import type { Store } from '../types.ts'
import { sqliteAccounts } from './accounts.ts'
import { sqliteAdminKeys } from './admin-keys.ts'
import { sqliteCooldowns } from './cooldowns.ts'
import { sqliteKeys } from './keys.ts'
import { migrate } from './migrations.ts'
import { openDatabase } from './open.ts'
import { sqliteQuotas } from './quotas.ts'
import { sqliteUsage } from './usage.ts'

export interface SqliteStoreOptions {
  /** How long a usage record may wait in the queue before it is written (default 50 ms, as `server.usage_flush_ms`). */
  usageFlushMs?: number
  /** Hears that the usage writer thread failed (usage is then written on the main thread). */
  onUsageWriterError?: (err: Error) => void
  /** The usage writer thread's script, for tests; the real one otherwise. */
  usageWriterScript?: string
  /** The keys tokens are sealed with at rest (`keyringFromEnv`); absent: stored in clear. */
  keyring?: Keyring
}

export function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): Store {
  const db = openDatabase(path)
  try {
    migrate(db)
  } catch (e) {
    db.close()
    throw e
  }
  let accounts: Store['accounts']
  try {
    accounts = sqliteAccounts(db, tokenCipher(opts.keyring))
  } catch (e) {
    // a missing or wrong secret key: nothing was written, the file stays as it was
    db.close()
    throw e
  }
  const usage = sqliteUsage(db, opts.usageFlushMs ?? 50, {
    path,
    ...(opts.onUsageWriterError ? { onWriterError: opts.onUsageWriterError } : {}),
    ...(opts.usageWriterScript ? { writerScript: opts.usageWriterScript } : {}),
  })
  const ping = db.query('SELECT 1 AS ok')
  let closed = false
  return {
    accounts,
    keys: sqliteKeys(db),
    adminKeys: sqliteAdminKeys(db),
    cooldowns: sqliteCooldowns(db),
    usage,
    quotas: sqliteQuotas(db),
    location: path,
    ping() {
      if (closed) return false
      try {
        return (ping.get() as { ok: number } | null)?.ok === 1
      } catch {
        return false
      }
    },
    // reads go to the file, so this process always sees the latest rows
    sync: async () => {},
    async close() {
      if (closed) return
      usage.stop()
      closed = true
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
      db.close()
    },
  }
}
