/** Regression: a flush with nothing queued must not leave the next row unwritten and the next flush spinning. */
import { describe, expect, test } from 'bun:test'
import { openPostgresStore } from '../../src/store/postgres/index.ts'
import { hasPostgres, requireServers, startPostgres } from '../helpers/servers.ts'
import { usageRow } from '../helpers/usage-row.ts'

requireServers({ postgres: true })

describe.skipIf(!hasPostgres)('PostgreSQL usage rows', () => {
  test('a row recorded after an empty flush is written by the next flush', async () => {
    await using pg = await startPostgres()
    const store = await openPostgresStore(pg.url, { usageFlushMs: 10 })
    try {
      // what a gateway's budgets do at start, before any row exists
      await store.usage.flush()
      store.usage.record(usageRow({ ts: Date.now(), requestId: 'after-empty-flush' }))
      await store.usage.flush()
      expect(store.usage.pending).toBe(0)
      expect((await store.usage.recent(5)).map((r) => r.requestId)).toEqual(['after-empty-flush'])
    } finally {
      await store.close()
    }
  })
})
