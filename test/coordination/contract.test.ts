/**
 * The `Coordination` contract, run against every implementation: what one instance sees of its
 * own locks, windows, slots, totals and notices. (What several instances see of each other is in
 * the Redis tests.) Leases are short and their end is awaited in bounded polls, never timed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { openCoordination } from '../../src/coordination/index.ts'
import type { Coordination, Notice } from '../../src/coordination/types.ts'
import { hasRedis, type RedisServer, requireServers, startRedis } from '../helpers/servers.ts'
import { waitFor } from '../helpers/tmp.ts'

requireServers({ redis: true })

interface Implementation {
  name: string
  /** What `shared` reads while the backend answers. */
  shared: boolean
  skip: boolean
  open(): Promise<Coordination>
  setUp?(): Promise<void>
  tearDown?(): Promise<void>
}

let redis: RedisServer | undefined
const implementations: Implementation[] = [
  { name: 'local', shared: false, skip: false, open: () => openCoordination({ kind: 'local' }) },
  {
    name: 'redis',
    shared: true,
    skip: !hasRedis,
    setUp: async () => {
      redis = await startRedis()
    },
    open: async () => {
      const c = await openCoordination({ kind: 'redis', url: redis!.url, prefix: 'contract' })
      await waitFor(() => c.shared, 15_000, 50) // a loaded machine may miss the first connect's timeout
      return c
    },
    tearDown: async () => redis?.[Symbol.asyncDispose](),
  },
]

let unique = 0
/** A name no other test used, so tests on one shared backend never meet. */
const fresh = (what: string) => `${what}-${process.pid}-${++unique}`

for (const impl of implementations) {
  describe.skipIf(impl.skip)(`Coordination contract: ${impl.name}`, () => {
    let c: Coordination
    beforeAll(async () => {
      await impl.setUp?.()
      c = await impl.open()
    })
    afterAll(async () => {
      await c?.close()
      await impl.tearDown?.()
    })

    test('kind and shared', () => {
      expect(c.kind).toBe(impl.name === 'local' ? 'local' : 'redis')
      expect(c.shared).toBe(impl.shared)
    })

    test('a lock has one holder until it is released', async () => {
      const name = fresh('lock')
      const first = await c.tryLock(name, 10_000)
      expect(first).toBeDefined()
      expect(await c.tryLock(name, 10_000)).toBeUndefined()
      await first!.release()
      const again = await c.tryLock(name, 10_000)
      expect(again).toBeDefined()
      await again!.release()
    })

    test('a lock never released frees itself when its lease ends', async () => {
      const name = fresh('lease')
      expect(await c.tryLock(name, 100)).toBeDefined()
      expect(await c.tryLock(name, 100)).toBeUndefined()
      const next = await waitFor(() => c.tryLock(name, 10_000), 3000, 20)
      await next.release()
    })

    test('a holder whose lease ran out cannot release the next holder', async () => {
      const name = fresh('stale')
      const stale = await c.tryLock(name, 100)
      const next = await waitFor(() => c.tryLock(name, 10_000), 3000, 20)
      await stale!.release()
      expect(await c.tryLock(name, 10_000)).toBeUndefined()
      await next.release()
      expect(await c.tryLock(name, 10_000)).toBeDefined()
    })

    test('waitFree: at once when free, on release when held', async () => {
      const name = fresh('wait')
      await c.waitFree(name, 60_000) // free: would hang the test otherwise
      const lease = await c.tryLock(name, 60_000)
      let freed = false
      const waiting = c.waitFree(name, 60_000).then(() => {
        freed = true
      })
      await Bun.sleep(30)
      expect(freed).toBe(false)
      await lease!.release()
      await waiting
      expect(await c.tryLock(name, 1000)).toBeDefined()
    })

    test('waitFree: when the lease ends, or after maxMs while still held', async () => {
      const ending = fresh('wait-lease')
      await c.tryLock(ending, 150)
      await c.waitFree(ending, 60_000) // only the lease's end can resolve it
      expect(await c.tryLock(ending, 1000)).toBeDefined()

      const held = fresh('wait-max')
      const lease = await c.tryLock(held, 60_000)
      await c.waitFree(held, 50)
      expect(await c.tryLock(held, 1000)).toBeUndefined()
      await lease!.release()
    })

    test('admit: limit per window, then how long to wait; names apart', async () => {
      const name = fresh('rpm')
      for (let i = 0; i < 3; i++) expect(await c.admit(name, 3, 60_000)).toEqual({ ok: true })
      const refused = await c.admit(name, 3, 60_000)
      expect(refused.ok).toBe(false)
      if (!refused.ok) {
        expect(refused.waitMs).toBeGreaterThan(0)
        expect(refused.waitMs).toBeLessThanOrEqual(60_000)
      }
      expect(await c.admit(fresh('rpm'), 3, 60_000)).toEqual({ ok: true })
    })

    test('admit: a refused event is not counted, and the window slides', async () => {
      const name = fresh('slide')
      expect(await c.admit(name, 2, 200)).toEqual({ ok: true })
      expect(await c.admit(name, 2, 200)).toEqual({ ok: true })
      // refusals in a row do not push the wait further out
      const a = await c.admit(name, 2, 200)
      const b = await c.admit(name, 2, 200)
      expect(a.ok || b.ok).toBe(false)
      if (!b.ok) expect(b.waitMs).toBeLessThanOrEqual(200)
      await waitFor(async () => (await c.admit(name, 2, 200)).ok, 3000, 20)
    })

    test('trySlot: capacity held, released slots and ended leases come back', async () => {
      const name = fresh('slot')
      const one = await c.trySlot(name, 2, 60_000)
      const two = await c.trySlot(name, 2, 150)
      expect(one).toBeDefined()
      expect(two).toBeDefined()
      expect(await c.trySlot(name, 2, 60_000)).toBeUndefined()
      await one!.release()
      const three = await c.trySlot(name, 2, 60_000)
      expect(three).toBeDefined()
      expect(await c.trySlot(name, 2, 60_000)).toBeUndefined()
      // `two` is never released: its lease ends
      const four = await waitFor(() => c.trySlot(name, 2, 60_000), 3000, 20)
      await three!.release()
      await four.release()
      await two!.release() // long gone: frees nothing it does not hold
      const a = await c.trySlot(name, 2, 60_000)
      const b = await c.trySlot(name, 2, 60_000)
      expect(a && b).toBeDefined()
      expect(await c.trySlot(name, 2, 60_000)).toBeUndefined()
    })

    test('trySlot: a renewed slot outlives its first lease; once not renewed it comes back', async () => {
      const name = fresh('renew')
      const held = await c.trySlot(name, 1, 1000)
      expect(held).toBeDefined()
      // 6 × 200 ms: past the first lease, renewed well before each end
      for (let i = 0; i < 6; i++) {
        await Bun.sleep(200)
        expect(await held!.renew(1000)).toBe(true)
      }
      expect(await c.trySlot(name, 1, 1000)).toBeUndefined()
      const next = await waitFor(() => c.trySlot(name, 1, 60_000), 5000, 20)
      // the lease ended before this renewal: it says so and takes nothing back
      expect(await held!.renew(1000)).toBe(false)
      expect(await c.trySlot(name, 1, 1000)).toBeUndefined()
      await next.release()
    })

    test('addTo: seeded once from the store, then added to; total reads it', async () => {
      const name = fresh('budget')
      expect(await c.total(name)).toBeUndefined()
      let seeds = 0
      const seed = async () => {
        seeds++
        await Bun.sleep(10)
        return 10
      }
      const until = Date.now() + 60_000
      const sums = await Promise.all([1, 2, 3, 4].map((n) => c.addTo(name, n * 0.25, until, seed)))
      expect(seeds).toBe(1)
      expect(Math.max(...sums)).toBeCloseTo(12.5, 9)
      expect(await c.total(name)).toBeCloseTo(12.5, 9)
      expect(await c.addTo(name, 0.5, until, seed)).toBeCloseTo(13, 9)
      expect(seeds).toBe(1)
    })

    test('addTo: a total past its expiry is forgotten and seeded again', async () => {
      const name = fresh('lapsed')
      const seed = async () => 5
      expect(await c.addTo(name, 1, Date.now() + 100, seed)).toBe(6)
      await waitFor(async () => (await c.total(name)) === undefined, 3000, 20)
      expect(await c.addTo(name, 2, Date.now() + 60_000, seed)).toBe(7)
    })

    test('notices: one instance never hears its own', async () => {
      const heard: Notice[] = []
      const off = c.onNotice((n) => heard.push(n))
      c.publish({ kind: 'keys-changed' })
      c.publish({ kind: 'config-reloaded' })
      await Bun.sleep(50)
      off()
      expect(heard).toEqual([])
    })

    test('listeners come with an unsubscribe', () => {
      const off = c.onSharedChange(() => {})
      expect(typeof off).toBe('function')
      off()
    })
  })
}

test('close wakes whoever waits for a lock', async () => {
  const c = await openCoordination({ kind: 'local' })
  await c.tryLock('held', 60_000)
  const waiting = c.waitFree('held', 60_000)
  await c.close()
  await waiting
})
