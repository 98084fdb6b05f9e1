/** Gateway keys on every store: only a digest is kept, rotation and revocation, the version that moves, usage by key. */
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { KEY_SECRET_PREFIX, keyDigest } from '../../src/store/key-secret.ts'
import { storeBackends } from '../helpers/store-backends.ts'
import { usageRow as row } from '../helpers/usage-row.ts'

for (const backend of storeBackends()) {
  describe.skipIf(backend.skip)(`gateway keys on ${backend}`, () => {
    test('a created key is stored as a digest only, with its limits, and survives a reopen', async () => {
      await using s = await backend.open()
      const { store } = s
      const { key, secret } = store.keys.create({
        name: 'laptop',
        models: ['claude-*'],
        rpm: 10,
        budgetUsd: 5,
        budgetPeriod: 'day',
        expiresAt: 9_999_999_999_999,
      })
      expect(secret.startsWith(KEY_SECRET_PREFIX)).toBe(true)
      expect(secret.length).toBeGreaterThan(40)
      expect(key).toMatchObject({
        name: 'laptop',
        prefix: secret.slice(0, 12),
        models: ['claude-*'],
        rpm: 10,
        budgetUsd: 5,
        budgetPeriod: 'day',
        expiresAt: 9_999_999_999_999,
      })
      expect(key.id).toMatch(/^key_[0-9a-f]{12}$/)
      expect(JSON.stringify(key)).not.toContain(secret)
      expect(store.keys.digests()).toEqual([{ digest: keyDigest(secret), key }])
      await store.close()

      // neither the secret nor anything but its 12-character prefix is at rest
      const stored = JSON.stringify(await s.rawRows('gateway_keys'))
      expect(stored).not.toContain(secret)
      expect(stored).not.toContain(secret.slice(12))
      expect(stored).toContain(keyDigest(secret))
      if (s.file) {
        const bytes = readFileSync(s.file).toString('latin1')
        expect(bytes).not.toContain(secret)
        expect(bytes).not.toContain(secret.slice(12))
      }
      const again = await s.another()
      expect(again.keys.list()).toEqual([key])
    })

    test('a budget without a period is monthly; no models means every model', async () => {
      await using s = await backend.open()
      const { key } = s.store.keys.create({ name: 'a', budgetUsd: 1, models: [] })
      expect(key.budgetPeriod).toBe('month')
      expect(key.models).toBeUndefined()
    })

    test('rotation replaces the secret under the same id; revocation marks it in the lookup', async () => {
      await using s = await backend.open()
      const { store } = s
      const first = store.keys.create({ name: 'ci' })
      expect(store.keys.writes).toBe(1)
      const v0 = store.keys.version()
      const rotated = store.keys.rotate(first.key.id)!
      expect(rotated.key.id).toBe(first.key.id)
      expect(rotated.secret).not.toBe(first.secret)
      expect(rotated.key.rotatedAt).toBeNumber()
      expect(store.keys.version()).toBeGreaterThan(v0)
      expect(store.keys.digests().map((d) => d.digest)).toEqual([keyDigest(rotated.secret)])

      const v1 = store.keys.version()
      expect(store.keys.revoke(first.key.id)).toBe(true)
      expect(store.keys.revoke(first.key.id)).toBe(false)
      expect(store.keys.rotate(first.key.id)).toBeUndefined()
      expect(store.keys.rotate('key_missing')).toBeUndefined()
      // rotate, revoke: two writes; the refused revoke and rotations wrote nothing
      expect(store.keys.writes).toBe(3)
      expect(store.keys.version()).toBeGreaterThan(v1)
      const revoked = store.keys.get(first.key.id)!
      expect(revoked.revokedAt).toBeNumber()
      expect(store.keys.digests()).toEqual([{ digest: keyDigest(rotated.secret), key: revoked }])
      // and so it is in the backend
      await store.sync()
      const other = await s.another()
      expect(other.keys.digests()).toEqual([{ digest: keyDigest(rotated.secret), key: revoked }])
    })

    test('a key made by another connection moves the version this one reads', async () => {
      await using s = await backend.open()
      const server = s.store
      const before = server.keys.version()
      const cli = await s.another()
      cli.keys.create({ name: 'from the cli' })
      await cli.close()
      await server.sync()
      expect(server.keys.version()).toBeGreaterThan(before)
      expect(server.keys.list().map((k) => k.name)).toEqual(['from the cli'])
    })

    test('usage rows keep their key and cost; spend per key sums the priced rows since a time', async () => {
      await using s = await backend.open()
      const { store } = s
      const cost = {
        input: 0.1,
        output: 0.2,
        cacheRead: 0.01,
        cacheWrite: 0.02,
        reasoning: 0.05,
        total: 0.38,
      }
      store.usage.record(row({ ts: 500, keyId: 'key_a', cost }))
      store.usage.record(row({ ts: 1000, keyId: 'key_a', cost }))
      store.usage.record(row({ ts: 1001, keyId: 'key_a', cost, failedOver: true, status: 429 }))
      store.usage.record(row({ ts: 1002, keyId: 'key_a' }))
      store.usage.record(
        row({
          ts: 1003,
          keyId: 'key_b',
          cost: { input: 1, output: 0.5, cacheRead: 0, cacheWrite: 0, reasoning: 0, total: 1.5 },
        }),
      )
      store.usage.record(row({ ts: 1004, cost }))
      await store.usage.flush()
      expect((await store.usage.recent(1))[0]).toMatchObject({ ts: 1004, cost })
      expect((await store.usage.recent(1))[0]!.keyId).toBeUndefined()
      expect((await store.usage.recent(3)).find((r) => r.ts === 1002)).toMatchObject({ keyId: 'key_a' })
      expect((await store.usage.recent(3)).find((r) => r.ts === 1002)!.cost).toBeUndefined()
      const spend = await store.usage.spendByKey(1000)
      expect(spend.get('key_a')).toBeCloseTo(0.76, 10)
      expect(spend.get('key_b')).toBe(1.5)
      await store.close()

      const rows = await s.rawRows('usage_records')
      const n = (v: unknown) => (v === null ? 0 : Number(v))
      const priced = rows.filter((r) => r['cost_usd'] !== null)
      const total = priced.reduce((t, r) => t + n(r['cost_usd']), 0)
      const parts = priced.reduce(
        (t, r) =>
          t +
          n(r['cost_input_usd']) +
          n(r['cost_output_usd']) +
          n(r['cost_cache_read_usd']) +
          n(r['cost_cache_write_usd']) +
          n(r['cost_reasoning_usd']),
        0,
      )
      expect(rows).toHaveLength(6)
      expect(priced).toHaveLength(5)
      expect(total).toBeCloseTo(0.38 * 4 + 1.5, 10)
      expect(parts).toBeCloseTo(0.38 * 4 + 1.5, 10)
    })
  })
}
