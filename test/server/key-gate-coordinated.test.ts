/** The key gate's rpm: in this process without a promise while coordination is local, across instances while it is shared. */
import { expect, test } from 'bun:test'
import { LocalCoordination } from '../../src/coordination/local.ts'
import { KeyBudgets } from '../../src/server/key-budgets.ts'
import { KeyGate } from '../../src/server/key-gate.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { sharedCoordinations } from '../helpers/shared-coordination.ts'
import { tempDir } from '../helpers/tmp.ts'

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
