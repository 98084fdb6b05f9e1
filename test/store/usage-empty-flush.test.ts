/**
 * A flush with nothing queued (the admin API and key budgets flush before they read) must leave
 * the writer as it found it: rows recorded afterwards are still written by the timer, and a later
 * flush returns. On PostgreSQL it once kept a settled "write under way" for ever, so `serve`
 * wrote no usage row at all and the next flush with rows queued never returned.
 */
import { describe, expect, test } from 'bun:test'
import { storeBackends } from '../helpers/store-backends.ts'
import { waitFor } from '../helpers/tmp.ts'
import { usageRow } from '../helpers/usage-row.ts'

for (const backend of storeBackends()) {
  describe.skipIf(backend.skip)(`usage on ${backend}`, () => {
    test('rows recorded after an empty flush are written, by the timer and by the next flush', async () => {
      await using s = await backend.open({ usageFlushMs: 20 })
      await s.store.usage.flush()
      s.store.usage.record(usageRow({ ts: 1, requestId: 'after-empty-flush' }))
      await waitFor(async () => (await s.rawRows('usage_records')).length === 1, 5000, 20)
      await s.store.usage.flush()
      s.store.usage.record(usageRow({ ts: 2, requestId: 'flushed' }))
      await s.store.usage.flush()
      expect((await s.rawRows('usage_records')).map((r) => r['request_id'])).toEqual([
        'after-empty-flush',
        'flushed',
      ])
    })
  })
}
