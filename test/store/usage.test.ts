/**
 * Usage on every store: queued off the request path, written by the timer or a flush, kept by
 * close; the same rows give the same reports, totals and spend on SQLite and PostgreSQL.
 */
import { describe, expect, test } from 'bun:test'
import type { Store, UsageDimension } from '../../src/store/types.ts'
import { storeBackends } from '../helpers/store-backends.ts'
import { waitFor } from '../helpers/tmp.ts'
import { usageRow } from '../helpers/usage-row.ts'
import { seedUsage } from '../helpers/usage-seed.ts'

const backends = storeBackends()

for (const backend of backends) {
  describe.skipIf(backend.skip)(`usage on ${backend}`, () => {
    test('rows wait in the queue, are written by the timer, and what close finds queued is written', async () => {
      await using s = await backend.open({ usageFlushMs: 20 })
      s.store.usage.record(usageRow({ ts: 1, status: 429, requestId: 'timer' }))
      await waitFor(async () => s.store.usage.pending === 0, 5000)
      expect((await s.store.usage.totals())[0]).toMatchObject({ requests: 1, errors: 1 })
      expect(s.store.usage.dropped).toBe(0)

      const later = await s.another()
      for (let i = 0; i < 25; i++)
        later.usage.record(usageRow({ ts: 100 + i, requestId: `r${i}`, stream: i % 2 === 0 }))
      await later.close()
      const rows = await s.rawRows('usage_records')
      expect(rows).toHaveLength(26)
      expect((await s.store.usage.recent(1))[0]).toMatchObject({ ts: 124, requestId: 'r24', stream: true })
      expect((await s.store.usage.recent(100)).map((r) => r.requestId)).toContain('timer')
    })

    test('a flush with nothing queued (the budgets at start) leaves later rows to the timer and close', async () => {
      await using s = await backend.open({ usageFlushMs: 20 })
      await s.store.usage.flush()
      s.store.usage.record(usageRow({ requestId: 'after-an-empty-flush' }))
      await waitFor(async () => s.store.usage.pending === 0, 5000)
      expect((await s.store.usage.recent(1))[0]?.requestId).toBe('after-an-empty-flush')
      await s.store.usage.flush()
      s.store.usage.record(usageRow({ requestId: 'left-for-close' }))
      await s.store.close()
      expect((await s.rawRows('usage_records')).map((r) => r['request_id'])).toContain('left-for-close')
    })
  })
}

/** Numbers rounded to 1e-9: the two databases add floats in different orders. */
function rounded(v: unknown): unknown {
  if (typeof v === 'number') return Math.round(v * 1e9) / 1e9
  if (Array.isArray(v)) return v.map(rounded)
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rounded(x)]))
  return v
}

/** Everything a reader of usage can ask, for one set of rows. */
async function answers(store: Store, now: number) {
  const dims: UsageDimension[][] = [
    [],
    ['day'],
    ['hour'],
    ['model'],
    ['provider', 'account'],
    ['key'],
    ['day', 'model'],
  ]
  const range = { fromMs: now - 40 * 86_400_000, toMs: now + 1 }
  return rounded({
    reports: await Promise.all(dims.map((groupBy) => store.usage.report({ ...range, groupBy }))),
    totals: await store.usage.totals(),
    recent: await store.usage.recent(100, { failedOver: true }),
    spend: [...(await store.usage.spendByKey(now - 40 * 86_400_000)).entries()].sort(),
  })
}

const [sqlite, postgres] = backends
describe.skipIf(!sqlite || !postgres || postgres.skip)('usage answers on both stores', () => {
  test('the same rows report the same sums, groups, totals, rows and spend', async () => {
    await using a = await sqlite!.open()
    await using b = await postgres!.open()
    const now = Date.now()
    const seeded = await seedUsage(a.store, ['key_a', 'key_b'], now)
    for (const r of seeded) b.store.usage.record(r)
    await b.store.usage.flush()
    const fromSqlite = await answers(a.store, now)
    const { reports, totals } = fromSqlite as { reports: { rows: unknown[] }[]; totals: unknown[] }
    expect(reports[1]!.rows.length).toBeGreaterThan(1)
    expect(totals.length).toBeGreaterThan(1)
    expect(await answers(b.store, now)).toEqual(fromSqlite)
  })
})
