import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { statSync } from 'node:fs'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { LATEST_VERSION, migrate, schemaVersion } from '../../src/store/sqlite/migrations.ts'
import { openDatabase } from '../../src/store/sqlite/open.ts'
import type { UsageRecord } from '../../src/store/types.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'

const mode = (p: string) => statSync(p).mode & 0o777

function usageRow(over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    ts: Date.now(),
    provider: 'claude',
    model: 'claude-sonnet-4-5',
    dialect: 'anthropic-messages',
    inputTokens: 10,
    outputTokens: 5,
    cacheReadTokens: 2,
    cacheWriteTokens: 1,
    reasoningTokens: 0,
    status: 200,
    latencyMs: 12,
    stream: false,
    ...over,
  }
}

describe('sqlite store', () => {
  test('database file is 0600 (and -wal/-shm too) inside a 0700 folder', () => {
    using dir = tempDir()
    const path = dir.join('data', 'byokey.db')
    const store = openSqliteStore(path)
    store.accounts.upsert({ provider: 'claude', accountId: 'a', kind: 'oauth', token: { access_token: 'x' } })
    expect(mode(path)).toBe(0o600)
    expect(mode(`${path}-wal`)).toBe(0o600)
    expect(mode(`${path}-shm`)).toBe(0o600)
    expect(mode(dir.join('data'))).toBe(0o700)
    const db = new Database(path)
    expect((db.query('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal')
    db.close()
    store.close()
  })

  test('migrations are idempotent', () => {
    using dir = tempDir()
    const db = openDatabase(dir.join('m.db'))
    expect(migrate(db)).toBe(LATEST_VERSION)
    expect(migrate(db)).toBe(LATEST_VERSION)
    const n = db.query('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }
    expect(n.n).toBe(LATEST_VERSION)
    db.close()
  })

  test('a database created by migration 1 opens with the latest and keeps its rows', async () => {
    using dir = tempDir()
    const path = dir.join('old.db')
    const old = openDatabase(path)
    expect(migrate(old, 1)).toBe(1)
    old.exec(`INSERT INTO accounts (provider, account_id, kind, is_active, token_json, created_at, updated_at)
              VALUES ('codex', 'me', 'oauth', 1, '{"access_token":"t"}', 1, 1)`)
    old.exec(
      `INSERT INTO usage_records (ts, provider, model, dialect, status, latency_ms) VALUES (5, 'codex', 'gpt-5', 'openai-chat', 200, 3)`,
    )
    old.close()

    const store = openSqliteStore(path)
    const acc = store.accounts.active('codex')
    expect(acc).toMatchObject({ accountId: 'me', state: 'ok', token: { access_token: 't' } })
    expect(await store.usage.recent(5)).toEqual([
      {
        ts: 5,
        provider: 'codex',
        model: 'gpt-5',
        dialect: 'openai-chat',
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
        status: 200,
        latencyMs: 3,
        stream: false,
      },
    ])
    store.close()
    const check = new Database(path)
    expect(schemaVersion(check)).toBe(LATEST_VERSION)
    check.close()
  })

  test('a database from a newer byokey is refused, not damaged', () => {
    using dir = tempDir()
    const path = dir.join('new.db')
    const db = openDatabase(path)
    migrate(db)
    db.exec(`INSERT INTO schema_migrations VALUES (${LATEST_VERSION + 1}, 'future', 0)`)
    db.close()
    expect(() => openSqliteStore(path)).toThrow(/newer than this byokey understands/)
  })

  test('usage is queued off the request path, written in a batch, and flushed on close', async () => {
    using dir = tempDir()
    const path = dir.join('u.db')
    const store = openSqliteStore(path, { usageFlushMs: 60_000 })
    for (let i = 0; i < 25; i++)
      store.usage.record(usageRow({ ts: 1000 + i, requestId: `r${i}`, stream: i % 2 === 0 }))
    expect(store.usage.pending).toBe(25)
    const reader = new Database(path)
    const count = () => (reader.query('SELECT COUNT(*) AS n FROM usage_records').get() as { n: number }).n
    expect(count()).toBe(0)
    store.close()
    expect(count()).toBe(25)
    reader.close()
    const again = openSqliteStore(path)
    expect((await again.usage.recent(1))[0]).toMatchObject({
      ts: 1024,
      requestId: 'r24',
      stream: true,
      cacheReadTokens: 2,
    })
    expect(await again.usage.totals()).toEqual([
      {
        provider: 'claude',
        model: 'claude-sonnet-4-5',
        requests: 25,
        inputTokens: 250,
        outputTokens: 125,
        cacheReadTokens: 50,
        cacheWriteTokens: 25,
        reasoningTokens: 0,
        errors: 0,
      },
    ])
    again.close()
  })

  test('usage handed to the writer thread in several batches is all written by flush, none twice', async () => {
    using dir = tempDir()
    const path = dir.join('b.db')
    const store = openSqliteStore(path, { usageFlushMs: 60_000 })
    // 2500 rows: two full batches go to the writer thread as they fill, the rest with the flush
    for (let i = 0; i < 2500; i++) store.usage.record(usageRow({ ts: i, requestId: `r${i}` }))
    await store.usage.flush()
    expect(store.usage.pending).toBe(0)
    const reader = new Database(path)
    const n = reader.query('SELECT COUNT(*) AS n, COUNT(DISTINCT request_id) AS d FROM usage_records').get()
    expect(n).toEqual({ n: 2500, d: 2500 })
    reader.close()
    store.close()
  })

  test('a writer thread that fails is reported once, and its rows and all later ones are written here', async () => {
    using dir = tempDir()
    const path = dir.join('w.db')
    const errors: string[] = []
    const failing = URL.createObjectURL(new Blob(['throw new Error("writer thread broke")']))
    const store = openSqliteStore(path, {
      usageFlushMs: 10,
      onUsageWriterError: (e) => errors.push(e.message),
      usageWriterScript: failing,
    })
    store.usage.record(usageRow({ requestId: 'sent-to-the-thread' }))
    await waitFor(async () => errors.length > 0 || undefined, 3000)
    store.usage.record(usageRow({ requestId: 'after' }))
    await store.usage.flush()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain('writer thread broke')
    expect((await store.usage.recent(10)).map((r) => r.requestId).sort()).toEqual([
      'after',
      'sent-to-the-thread',
    ])
    store.close()
  })

  test('usage is written by the timer without a flush', async () => {
    using dir = tempDir()
    const store = openSqliteStore(dir.join('t.db'), { usageFlushMs: 20 })
    store.usage.record(usageRow({ status: 429 }))
    // the writer thread starts with the first batch; a loaded machine may take a while
    await waitFor(async () => store.usage.pending === 0, 5000)
    expect((await store.usage.totals())[0]?.errors).toBe(1)
    store.close()
  })
})
