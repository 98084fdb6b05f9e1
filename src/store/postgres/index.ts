/**
 * The PostgreSQL implementation of `Store`, for several byokey instances on one database.
 *
 * Accounts, gateway keys, admin keys, cooldowns and quotas are small and read many times per
 * request, so they are mirrored in memory: loaded at open, answered synchronously, written through
 * one ordered queue, and reloaded when `table_versions` says another instance changed them (read
 * every `syncMs`, and by `sync()`). Usage rows are batched off the request path and wait in a
 * bounded buffer while the database is away. `ping()` reads a background probe's last answer.
 */
import { SQL } from 'bun'
import { redactedDatabaseUrl } from '../database-url.ts'
import { DEFAULT_SECRET_KEY_ENV, type Keyring, SecretKeyError, tokenCipher } from '../token-seal.ts'
import type { Store } from '../types.ts'
import { PostgresAccounts } from './accounts.ts'
import { PostgresAdminKeys } from './admin-keys.ts'
import { PostgresCooldowns } from './cooldowns.ts'
import { PostgresKeys } from './keys.ts'
import { MIRRORED_TABLES, type MirroredTable, migratePostgres } from './migrations.ts'
import type { Mirror } from './mirror.ts'
import { PostgresQuotas } from './quotas.ts'
import { PostgresUsage } from './usage.ts'
import { WriteQueue } from './write-queue.ts'

export interface PostgresStoreOptions {
  /** How often (ms) to look for other instances' changes (default 1000, as `store.sync_ms`). */
  syncMs?: number
  /** Usage rows kept while the database is unreachable (default 100000, as `store.usage_buffer_rows`). */
  usageBufferRows?: number
  /** How long a usage row may wait before it is written (default 50 ms, as `server.usage_flush_ms`). */
  usageFlushMs?: number
  /** How often the health probe runs (default 250 ms); it gives up on an answer after twice that. */
  probeMs?: number
  /** How long `close` waits for queued writes and usage rows (default 5000 ms). */
  closeTimeoutMs?: number
  /** The keys tokens are sealed with at rest (`keyringFromEnv`); absent: stored in clear. */
  keyring?: Keyring
  /** Warnings: the database went away or came back, usage rows dropped, a write refused. Never the URL's password. */
  warn?: (fields: Record<string, unknown>, message: string) => void
}

/** What a PostgreSQL store offers beyond `Store`: the pool, for tools that copy rows in. */
export interface PostgresStore extends Store {
  readonly sql: SQL
}

export async function openPostgresStore(
  url: string,
  opts: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  const warn = opts.warn ?? (() => {})
  const probeMs = opts.probeMs ?? 250
  const sql = new SQL(url, { max: 8, connectionTimeout: 2, idleTimeout: 60 })
  // its own connection: a pool busy with long reports must not read as a database that is away
  const probeSql = new SQL(url, { max: 1, connectionTimeout: 1 })
  try {
    await migratePostgres(sql)
  } catch (e) {
    await Promise.all([sql.close({ timeout: 0 }), probeSql.close({ timeout: 0 })])
    throw new Error(`cannot open PostgreSQL at ${redactedDatabaseUrl(url)}: ${(e as Error).message}`)
  }

  const stale = new Set<MirroredTable>()
  const queue = new WriteQueue(sql, (table, err) => {
    warn({ table, err }, 'PostgreSQL refused a write; reloading what it holds')
    stale.add(table)
  })
  const accounts = new PostgresAccounts(queue, tokenCipher(opts.keyring))
  const keys = new PostgresKeys(queue)
  const adminKeys = new PostgresAdminKeys(queue)
  const cooldowns = new PostgresCooldowns(queue)
  const quotas = new PostgresQuotas(queue)
  const mirrors: Record<MirroredTable, Mirror> = {
    accounts,
    gateway_keys: keys,
    admin_keys: adminKeys,
    account_cooldowns: cooldowns,
    account_quotas: quotas,
  }
  const usage = new PostgresUsage(sql, {
    flushMs: opts.usageFlushMs ?? 50,
    bufferRows: opts.usageBufferRows ?? 100_000,
    warn,
  })

  /** The version of each table the mirror was last loaded at. */
  const loadedAt = new Map<MirroredTable, string>()
  const readVersions = async (from: SQL) =>
    new Map(
      (
        (await from`SELECT name, version FROM table_versions`) as { name: MirroredTable; version: string }[]
      ).map((r) => [r.name, r.version]),
    )
  /**
   * Reloads the tables whose version moved (or that a refused write left stale). A read that a
   * write of this process overtook is dropped: the next check reloads after that write.
   */
  const refresh = async (from: SQL) => {
    const versions = await readVersions(from)
    for (const table of MIRRORED_TABLES) {
      const v = versions.get(table)
      if (v === undefined || (v === loadedAt.get(table) && !stale.has(table))) continue
      // per table: a busy table's writes (cooldowns, quotas) must not starve the others' reloads
      const queuedBefore = queue.queuedFor(table)
      const apply = await mirrors[table].load(sql)
      if (queue.queuedFor(table) !== queuedBefore || queue.pendingFor(table) > 0) continue
      apply()
      loadedAt.set(table, v)
      stale.delete(table)
    }
  }
  try {
    await refresh(sql)
  } catch (e) {
    await Promise.all([sql.close({ timeout: 0 }), probeSql.close({ timeout: 0 })])
    // a missing or wrong secret key is a setting to fix, told as such (the variable named)
    if (e instanceof SecretKeyError) throw e
    throw new Error(`cannot read PostgreSQL at ${redactedDatabaseUrl(url)}: ${(e as Error).message}`)
  }

  if (!opts.keyring?.current) {
    // a shared database is read by others (DBAs, backups): say so once, at start
    const env = opts.keyring?.envName ?? DEFAULT_SECRET_KEY_ENV
    warn({ env }, `account tokens are stored in clear in PostgreSQL: set ${env} to encrypt them`)
  }

  let healthy = true
  let closed = false
  let probing = false
  const probe = async () => {
    if (probing || closed) return
    probing = true
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      const answered = await Promise.race([
        probeSql`SELECT 1 AS ok`.then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), probeMs * 2)
        }),
      ])
      if (answered !== healthy) warn({}, answered ? 'PostgreSQL answers again' : 'PostgreSQL does not answer')
      healthy = answered
    } catch (err) {
      if (healthy) warn({ err }, 'PostgreSQL does not answer')
      healthy = false
    } finally {
      clearTimeout(timer)
      probing = false
    }
  }
  const probeTimer = setInterval(probe, probeMs)
  probeTimer.unref()

  let checking = false
  const check = async () => {
    if (checking || closed || !healthy) return
    checking = true
    try {
      await refresh(probeSql)
    } catch {
      // the probe reports the database's absence; the next check tries again
    } finally {
      checking = false
    }
  }
  const syncTimer = setInterval(check, opts.syncMs ?? 1000)
  syncTimer.unref()

  return {
    sql,
    accounts,
    keys,
    adminKeys,
    cooldowns,
    usage,
    quotas,
    location: redactedDatabaseUrl(url),
    ping: () => !closed && healthy,
    async sync() {
      await queue.settled()
      await refresh(sql)
    },
    async close() {
      if (closed) return
      closed = true
      clearInterval(probeTimer)
      clearInterval(syncTimer)
      const deadline = opts.closeTimeoutMs ?? 5000
      let timer: ReturnType<typeof setTimeout> | undefined
      const timeUp = new Promise<'late'>((r) => {
        timer = setTimeout(() => r('late'), deadline)
      })
      let closedLate = false
      const written = async () => {
        for (;;) {
          await usage.flush()
          await queue.settled().catch(() => {})
          if ((usage.pending === 0 && queue.length === 0) || closedLate) return
          await Bun.sleep(100)
        }
      }
      if ((await Promise.race([written(), timeUp])) === 'late') closedLate = true
      clearTimeout(timer)
      usage.stop()
      const lost = { usageRows: usage.pending, writes: queue.length }
      queue.stop()
      await Promise.all([sql.close({ timeout: 1 }), probeSql.close({ timeout: 0 })])
      if (lost.usageRows > 0 || lost.writes > 0) {
        warn(lost, 'closed with PostgreSQL unreachable: these were not saved')
        throw new Error(
          `PostgreSQL unreachable: ${lost.writes} changes and ${lost.usageRows} usage rows were not saved`,
        )
      }
    },
  }
}
