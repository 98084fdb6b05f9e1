/**
 * What only the PostgreSQL store has: one migration list with SQLite, several instances on one
 * database (each other's writes, races decided in SQL), health that follows the server, and usage
 * rows that wait in a bounded buffer while it is away.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { openPostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/index.ts'
import { POSTGRES_MIGRATIONS, POSTGRES_SQL } from '../../src/store/postgres/migrations.ts'
import { MIGRATIONS } from '../../src/store/sqlite/migrations.ts'
import type { Store } from '../../src/store/types.ts'
import { hasPostgres, type PostgresServer, requireServers, startPostgres } from '../helpers/servers.ts'
import { waitFor } from '../helpers/tmp.ts'
import { usageRow } from '../helpers/usage-row.ts'

requireServers({ postgres: true })
setDefaultTimeout(30_000)

test('both stores have the same numbered migrations, under the same names', () => {
  expect(POSTGRES_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(
    MIGRATIONS.map((m) => [m.version, m.name]),
  )
  expect(Object.keys(POSTGRES_SQL).map(Number)).toEqual(MIGRATIONS.map((m) => m.version))
})

describe.skipIf(!hasPostgres)('postgres store', () => {
  let pg: PostgresServer
  let databases = 0
  const open: Store[] = []
  beforeAll(async () => {
    pg = await startPostgres()
  })
  afterAll(async () => {
    for (const s of open) await s.close().catch(() => {})
    await pg?.[Symbol.asyncDispose]()
  })
  const freshDatabase = () => pg.createDatabase(`pgstore_${++databases}`)
  /**
   * Kills the server the way a crash would, once what was committed is on disk: the test server
   * runs with synchronous_commit off, so a kill right after a migration could take it back.
   */
  const crash = async () => {
    const sql = new Bun.SQL(pg.url, { max: 1 })
    await sql`CHECKPOINT`
    await sql.close()
    await pg.kill()
  }
  const store = async (url: string, opts: PostgresStoreOptions = {}) => {
    const s = await openPostgresStore(url, opts)
    open.push(s)
    return s
  }

  test('instances starting together apply each migration once; a newer database is refused', async () => {
    const url = await freshDatabase()
    const [a, b, c] = await Promise.all([store(url), store(url), store(url)])
    const sql = new Bun.SQL(url, { max: 1 })
    const applied = await sql`SELECT version FROM schema_migrations ORDER BY version`
    expect(applied.map((r: { version: number }) => r.version)).toEqual(MIGRATIONS.map((m) => m.version))
    await sql`INSERT INTO schema_migrations VALUES (${MIGRATIONS.length + 1}, 'future', 0)`
    await sql.close()
    await expect(openPostgresStore(url)).rejects.toThrow(/newer than this byokey understands/)
    for (const s of [a, b, c]) expect(s!.ping()).toBe(true)
  })

  test("two instances see each other's writes after sync(), and within sync_ms without it", async () => {
    const url = await freshDatabase()
    const a = await store(url, { syncMs: 100 })
    const b = await store(url, { syncMs: 100 })
    const v = b.accounts.version()
    a.accounts.upsert({ provider: 'claude', accountId: 'one', kind: 'oauth', token: { access_token: 't1' } })
    const key = a.keys.create({ name: 'team' }).key
    a.cooldowns.put({ provider: 'claude', account: 'one', untilMs: 5000, reason: 'rate_limit', failures: 1 })
    a.quotas.save({ provider: 'claude', account: 'one', observedAt: 7, quota: { windows: [{ name: '5h' }] } })
    const admin = a.adminKeys.create('ops')
    await a.sync()
    await b.sync()
    expect(b.accounts.active('claude')).toMatchObject({ accountId: 'one', token: { access_token: 't1' } })
    expect(b.accounts.version()).not.toBe(v)
    expect(b.keys.list()).toEqual([key])
    expect(b.cooldowns.list()).toEqual(a.cooldowns.list())
    expect(b.quotas.list()).toEqual(a.quotas.list())
    expect(b.adminKeys.verify(admin.key)?.id).toBe(admin.info.id)

    // without sync(): the background check picks it up
    b.accounts.updateToken('claude', 'one', { access_token: 't2' }, 99)
    b.cooldowns.clear('claude', 'one')
    await waitFor(() => a.accounts.get('claude', 'one')?.token['access_token'] === 't2', 5000)
    await waitFor(() => a.cooldowns.list().length === 0, 5000)
    expect(a.accounts.get('claude', 'one')?.expiresAt).toBe(99)
  })

  test("an instance busy writing one table still sees other instances' changes to the others", async () => {
    const url = await freshDatabase()
    const a = await store(url, { syncMs: 50 })
    const b = await store(url)
    let n = 0
    // a's cooldown writes never let its queue drain
    const busy = setInterval(() => {
      for (let i = 0; i < 5; i++)
        a.cooldowns.put({
          provider: 'claude',
          account: `k${n++ % 50}`,
          untilMs: n,
          reason: 'rate_limit',
          failures: 1,
        })
    }, 1)
    try {
      b.keys.create({ name: 'from b' })
      await b.sync()
      await waitFor(() => a.keys.list().length === 1, 5000)
    } finally {
      clearInterval(busy)
    }
    await a.sync()
  })

  test("a provider's first account is active once, whichever instance logged in first", async () => {
    const url = await freshDatabase()
    const a = await store(url)
    const b = await store(url)
    // each mirror thinks its account is the provider's first
    a.accounts.upsert({ provider: 'codex', accountId: 'from-a', kind: 'oauth', token: {} })
    b.accounts.upsert({ provider: 'codex', accountId: 'from-b', kind: 'oauth', token: {} })
    await Promise.all([a.sync(), b.sync()])
    await Promise.all([a.sync(), b.sync()])
    for (const s of [a, b]) {
      expect(s.accounts.list('codex').filter((x) => x.active)).toHaveLength(1)
      expect(s.accounts.list('codex')).toHaveLength(2)
    }
    expect(a.accounts.active('codex')?.accountId).toBe(b.accounts.active('codex')!.accountId)
  })

  test('an account is marked unavailable once in the database, whoever marks it', async () => {
    const url = await freshDatabase()
    const a = await store(url)
    a.accounts.upsert({ provider: 'kiro', accountId: 'x', kind: 'oauth', token: {} })
    await a.sync()
    const b = await store(url)
    // each mirror saw it unmarked; the database keeps the one that came first
    expect(a.accounts.markUnavailable('kiro', 'x', 'first')).toBe(true)
    expect(b.accounts.markUnavailable('kiro', 'x', 'second')).toBe(true)
    expect(a.accounts.markUnavailable('kiro', 'x', 'again')).toBe(false)
    await Promise.all([a.sync(), b.sync()])
    await Promise.all([a.sync(), b.sync()])
    const kept = a.accounts.get('kiro', 'x')
    expect(kept?.state).toBe('unavailable')
    expect(['first', 'second']).toContain(kept?.lastError ?? '')
    expect(b.accounts.get('kiro', 'x')).toEqual(kept)
  })

  test('ping() turns false when the server dies and true when it is back; writes made meanwhile arrive', async () => {
    const url = await freshDatabase()
    const warnings: string[] = []
    const a = await store(url, { usageFlushMs: 10, warn: (_f, m) => warnings.push(m) })
    expect(a.ping()).toBe(true)
    await crash()
    try {
      // the probe runs every 250 ms and gives up after 500 ms
      await waitFor(() => !a.ping(), 3000, 20)
      a.usage.record(usageRow({ requestId: 'while-down' }))
      a.accounts.upsert({
        provider: 'claude',
        accountId: 'while-down',
        kind: 'api_key',
        token: { api_key: 'k' },
      })
      // answered from memory meanwhile
      expect(a.accounts.active('claude')?.accountId).toBe('while-down')
      await expect(a.sync()).rejects.toThrow(/unreachable/)
      await a.usage.flush()
      expect(a.usage.pending).toBe(1)
    } finally {
      await pg.start()
    }
    await waitFor(() => a.ping(), 5000, 20)
    await waitFor(async () => {
      try {
        await a.sync()
        await a.usage.flush()
        return a.usage.pending === 0
      } catch {
        return false
      }
    }, 10_000)
    const b = await store(url)
    expect(b.accounts.active('claude')?.accountId).toBe('while-down')
    expect((await b.usage.recent(5)).map((r) => r.requestId)).toEqual(['while-down'])
    expect(warnings).toContain('PostgreSQL does not answer')
    expect(warnings).toContain('PostgreSQL answers again')
  })

  test('while the server is away usage waits in a bounded buffer: the oldest are dropped and counted, once warned', async () => {
    const url = await freshDatabase()
    const warnings: string[] = []
    const a = await store(url, { usageBufferRows: 1000, usageFlushMs: 10, warn: (_f, m) => warnings.push(m) })
    await crash()
    try {
      for (let i = 0; i < 1500; i++) a.usage.record(usageRow({ ts: i, requestId: `r${i}` }))
      expect(a.usage.dropped).toBe(500)
      expect(a.usage.pending).toBe(1000)
      await a.usage.flush()
      expect(a.usage.pending).toBe(1000)
      expect(warnings.filter((w) => w.startsWith('usage buffer full'))).toHaveLength(1)
    } finally {
      await pg.start()
    }
    await waitFor(async () => {
      await a.usage.flush()
      return a.usage.pending === 0
    }, 10_000)
    const rows = await a.usage.recent(2000)
    expect(rows).toHaveLength(1000)
    expect(rows.at(-1)?.requestId).toBe('r500')
    expect(rows[0]?.requestId).toBe('r1499')
    expect(a.usage.dropped).toBe(500)
  })

  test('close() writes what is queued, and says what it could not write when the server is gone', async () => {
    const url = await freshDatabase()
    const a = await openPostgresStore(url, { usageFlushMs: 60_000 })
    for (let i = 0; i < 30; i++) a.usage.record(usageRow({ ts: i }))
    await a.close()
    const b = await store(url, { closeTimeoutMs: 300 })
    expect(await b.usage.recent(100)).toHaveLength(30)
    await crash()
    try {
      b.usage.record(usageRow({ ts: 99 }))
      await expect(b.close()).rejects.toThrow(/1 usage rows were not saved/)
    } finally {
      await pg.start()
    }
  })
})
