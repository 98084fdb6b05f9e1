/** The key gate's rpm and budgets: in this process without a promise while coordination is local, across instances while it is shared. */
import { expect, test } from 'bun:test'
import { LocalCoordination } from '../../src/coordination/local.ts'
import { KeyBudgets } from '../../src/server/key-budgets.ts'
import { KeyGate } from '../../src/server/key-gate.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { sharedCoordinations } from '../helpers/shared-coordination.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'
import { usageRow } from '../helpers/usage-row.ts'

const request = (secret: string) =>
  new Request('http://127.0.0.1/v1/messages', { method: 'POST', headers: { 'x-api-key': secret } })

test('local coordination: admission is answered without a promise', async () => {
  using dir = tempDir()
  const store = openSqliteStore(dir.join('b.db'))
  try {
    const { secret } = store.keys.create({ name: 'k', rpm: 1 })
    const gate = new KeyGate(store.keys, new KeyBudgets(store.usage), Date.now, new LocalCoordination())
    const first = gate.admit(request(secret))
    expect(first).not.toBeInstanceOf(Promise)
    expect(first).toMatchObject({ key: { name: 'k' } })
    const second = gate.admit(request(secret))
    expect(second).not.toBeInstanceOf(Promise)
    expect(second).toMatchObject({ refused: { info: { kind: 'rate_limit', retryAfter: 60 } } })
  } finally {
    await store.close()
  }
})

test('shared coordination: one window of the key across two gates', async () => {
  using dir = tempDir()
  const stores = [openSqliteStore(dir.join('b.db')), openSqliteStore(dir.join('b.db'))]
  try {
    const { secret } = stores[0]!.keys.create({ name: 'k', rpm: 3 })
    const gates = sharedCoordinations(2).map(
      (c, i) => new KeyGate(stores[i]!.keys, new KeyBudgets(stores[i]!.usage), Date.now, c),
    )
    const answers = []
    for (let i = 0; i < 5; i++) answers.push(await gates[i % 2]!.admit(request(secret)))
    expect(answers.map((a) => ('key' in a ? 'ok' : a.refused.info.kind))).toEqual([
      'ok',
      'ok',
      'ok',
      'rate_limit',
      'rate_limit',
    ])
  } finally {
    for (const s of stores) await s.close()
  }
})

test("shared coordination: a key's spend counts across instances' budgets", async () => {
  using dir = tempDir()
  const stores = [openSqliteStore(dir.join('b.db')), openSqliteStore(dir.join('b.db'))]
  try {
    const at = Date.UTC(2026, 11, 7, 12)
    const row = (total: number) =>
      usageRow({
        ts: at,
        keyId: 'k',
        cost: { input: total, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, total },
      })
    // spent before either instance started: where the shared total starts from
    stores[0]!.usage.record(row(1))
    await stores[0]!.usage.flush()
    const coordinations = sharedCoordinations(2)
    const [a, b] = coordinations.map((c, i) => new KeyBudgets(stores[i]!.usage, undefined, c)) as [
      KeyBudgets,
      KeyBudgets,
    ]
    await a.ready(at)
    await b.ready(at)
    expect(b.spent('k', 'day', at)).toBe(1)
    // the gateway records a row, then tells its budgets
    const spent = row(2)
    stores[0]!.usage.record(spent)
    a.add(spent)
    expect(a.spent('k', 'day', at)).toBe(3)
    // the shared total starts from the written rows, this one counted once
    const name = `spend:k:day:${Date.UTC(2026, 11, 7)}`
    await waitFor(async () => (await coordinations[1]!.total(name)) === 3)
    // `b` reads the total again once a second has passed since it last asked
    expect(b.spent('k', 'day', at + 500)).toBe(1)
    b.spent('k', 'day', at + 1000)
    await waitFor(() => b.spent('k', 'day', at + 1001) === 3)
    expect(b.spent('k', 'month', at + 1001)).toBe(1)
  } finally {
    for (const s of stores) await s.close()
  }
})
