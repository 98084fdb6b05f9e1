/** A meter with the gateway's ledger: its row is priced with the snapshot's prices, carries the key, and is heard by listeners. */
import { expect, test } from 'bun:test'
import type { Config } from '../../src/config/schema.ts'
import { UsageLedger } from '../../src/gateway/usage-ledger.ts'
import { UsageMeter } from '../../src/gateway/usage-meter.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import type { UsageRecord } from '../../src/store/types.ts'
import { tempDir } from '../helpers/tmp.ts'

const config = (pricing: Config['pricing']) => ({ pricing, upstreams: [] }) as unknown as Config

test('rows are priced per snapshot, keep their key id and reach every listener', async () => {
  using dir = tempDir()
  const store = openSqliteStore(dir.join('u.db'))
  const ledger = new UsageLedger()
  const heard: Readonly<UsageRecord>[] = []
  ledger.listen((r) => heard.push(r))
  const snapshot = config({ 'my-model': { input: 2, output: 10 } })
  expect(ledger.for(snapshot)).toBe(ledger.for(snapshot))

  const base = {
    requestId: 'r1',
    provider: 'local',
    model: 'my-model',
    dialect: 'openai-chat' as const,
    stream: false,
  }
  const meter = new UsageMeter(
    { ...base, start: performance.now(), keyId: 'key_1' },
    store,
    ledger.for(snapshot),
  )
  meter.setUsage({ inputTokens: 1_000_000, outputTokens: 500_000 })
  meter.finish(200)
  const unpriced = new UsageMeter(
    { ...base, model: 'unknown', start: performance.now() },
    store,
    ledger.for(snapshot),
  )
  unpriced.finish(200)
  await store.usage.flush()

  const [last, first] = await store.usage.recent(2)
  expect(first).toMatchObject({ keyId: 'key_1', cost: { input: 2, output: 5, total: 7 } })
  expect(last!.cost).toBeUndefined()
  expect(last!.keyId).toBeUndefined()
  expect(heard.map((r) => r.cost?.total)).toEqual([7, undefined])
  // a new snapshot's prices apply to the rows metered under it
  const next = new UsageMeter(
    { ...base, start: performance.now() },
    store,
    ledger.for(config({ 'my-model': { input: 1, output: 1 } })),
  )
  next.setUsage({ inputTokens: 1_000_000, outputTokens: 0 })
  next.finish(200)
  expect(heard[2]?.cost?.total).toBe(1)
  store.close()
})
