/**
 * Two coordination objects on one real Redis stand for two byokey instances: what one takes,
 * counts or announces, the other sees. Then Redis goes away and comes back: every call keeps
 * answering (for its own instance), `shared` says so, and sharing resumes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { openCoordination } from '../../src/coordination/index.ts'
import type { Coordination, Notice } from '../../src/coordination/types.ts'
import { hasRedis, type RedisServer, requireServers, startRedis } from '../helpers/servers.ts'
import { waitFor } from '../helpers/tmp.ts'

requireServers({ redis: true })

let unique = 0
const fresh = (what: string) => `${what}-${++unique}`

/** Opens a coordination on Redis and waits until it is shared: a loaded machine may miss the first connect's timeout. */
async function sharedOn(url: string, instanceId?: string, prefix?: string): Promise<Coordination> {
  const c = await openCoordination({
    kind: 'redis',
    url,
    ...(instanceId ? { instanceId } : {}),
    ...(prefix ? { prefix } : {}),
  })
  await waitFor(() => c.shared, 15_000, 50)
  return c
}

describe.skipIf(!hasRedis)('two instances on one Redis', () => {
  let redis: RedisServer
  let a: Coordination
  let b: Coordination
  beforeAll(async () => {
    redis = await startRedis()
    a = await sharedOn(redis.url, 'a')
    b = await sharedOn(redis.url, 'b')
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await redis?.[Symbol.asyncDispose]()
  })

  test('both are shared', () => {
    expect(a.shared).toBe(true)
    expect(b.shared).toBe(true)
  })

  test('100 concurrent tryLocks over both: one holder', async () => {
    const name = fresh('refresh')
    const leases = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).tryLock(name, 10_000)),
    )
    expect(leases.filter((l) => l !== undefined)).toHaveLength(1)
  })

  test('one holder at a time: workers of both take turns through waitFree', async () => {
    const name = fresh('turns')
    let inside = 0
    let most = 0
    let done = 0
    const worker = async (c: Coordination) => {
      for (let tries = 0; tries < 500; tries++) {
        const lease = await c.tryLock(name, 10_000)
        if (!lease) {
          await c.waitFree(name, 1000)
          continue
        }
        inside++
        most = Math.max(most, inside)
        await Bun.sleep(1)
        inside--
        done++
        await lease.release()
        return
      }
    }
    await Promise.all(Array.from({ length: 20 }, (_, i) => worker(i % 2 ? a : b)))
    expect(done).toBe(20)
    expect(most).toBe(1)
  })

  test('waitFree on one wakes when the other releases', async () => {
    const name = fresh('release')
    const lease = await a.tryLock(name, 60_000)
    const waiting = b.waitFree(name, 60_000)
    await lease!.release()
    await waiting // a minute otherwise: the test's timeout would fail it first
    expect(await b.tryLock(name, 1000)).toBeDefined()
  })

  test('a holder that never releases frees the lock when its lease ends', async () => {
    const name = fresh('dead-holder')
    expect(await a.tryLock(name, 300)).toBeDefined()
    expect(await b.tryLock(name, 10_000)).toBeUndefined()
    await b.waitFree(name, 60_000) // only the lease's end can end this wait
    expect(await b.tryLock(name, 10_000)).toBeDefined()
  })

  test('admit: a limit holds across both', async () => {
    const name = fresh('key-rpm')
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).admit(name, 10, 60_000)),
    )
    expect(answers.filter((x) => x.ok)).toHaveLength(10)
    for (const refused of answers.filter((x) => !x.ok)) {
      expect(refused).toMatchObject({ ok: false })
      if (!refused.ok) expect(refused.waitMs).toBeLessThanOrEqual(60_000)
    }
  })

  test('trySlot: a capacity holds across both; a release on one frees a slot for the other', async () => {
    const name = fresh('account-concurrency')
    const leases = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).trySlot(name, 3, 60_000)),
    )
    const taken = leases.filter((l) => l !== undefined)
    expect(taken).toHaveLength(3)
    expect(await a.trySlot(name, 3, 60_000)).toBeUndefined()
    await taken[0]!.release()
    expect(await b.trySlot(name, 3, 60_000)).toBeDefined()
    expect(await a.trySlot(name, 3, 60_000)).toBeUndefined()
  })

  test('addTo: one total for both, one seed kept', async () => {
    const name = fresh('budget')
    let seeds = 0
    const seed = async () => {
      seeds++
      return 1.5
    }
    const until = Date.now() + 60_000
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).addTo(name, 0.25, until, seed)))
    // both may have read the store before either seeded it, but only one seed was kept: 1.5 + 10 × 0.25
    expect(seeds).toBeGreaterThanOrEqual(1)
    expect(await a.total(name)).toBeCloseTo(4, 9)
    expect(await b.total(name)).toBeCloseTo(4, 9)
  })

  test('notices reach the other instance, never the sender', async () => {
    const toA: Notice[] = []
    const toB: Notice[] = []
    const offA = a.onNotice((n) => toA.push(n))
    const offB = b.onNotice((n) => toB.push(n))
    const cooldown: Notice = { kind: 'cooldown-cleared', provider: 'claude', account: 'x@example.com' }
    a.publish(cooldown)
    await waitFor(() => toB.length > 0)
    expect(toB).toEqual([cooldown])
    // one channel delivers in order: once a hears b's reply, it would have heard its own before it
    b.publish({ kind: 'keys-changed' })
    await waitFor(() => toA.length > 0)
    expect(toA).toEqual([{ kind: 'keys-changed' }])
    offA()
    offB()
  })

  test('a prefix sets deployments apart', async () => {
    const other = await sharedOn(redis.url, undefined, 'staging')
    try {
      const name = fresh('prefixed')
      expect(await a.tryLock(name, 10_000)).toBeDefined()
      expect(await other.tryLock(name, 10_000)).toBeDefined()
      expect(await b.tryLock(name, 10_000)).toBeUndefined()
    } finally {
      await other.close()
    }
  })
})

describe.skipIf(!hasRedis)('losing Redis and getting it back', () => {
  test('calls answer locally while Redis is gone; sharing resumes when it is back', async () => {
    await using redis = await startRedis()
    const a = await sharedOn(redis.url, 'a')
    const b = await sharedOn(redis.url, 'b')
    const changes: boolean[] = []
    a.onSharedChange((shared) => changes.push(shared))
    try {
      expect(await a.tryLock('before', 60_000)).toBeDefined()
      expect(await b.tryLock('before', 60_000)).toBeUndefined()

      await redis.stop()
      // the closed connection is noticed without a call
      await waitFor(() => !a.shared && !b.shared, 5000)
      expect(changes).toEqual([false])

      // every method answers, for this instance alone
      const lease = await a.tryLock('during', 60_000)
      expect(lease).toBeDefined()
      expect(await a.tryLock('during', 60_000)).toBeUndefined()
      expect(await b.tryLock('during', 60_000)).toBeDefined() // not shared: b knows nothing of a's
      await a.waitFree('free-during', 60_000)
      expect(await a.admit('rpm', 1, 60_000)).toEqual({ ok: true })
      expect((await a.admit('rpm', 1, 60_000)).ok).toBe(false)
      expect(await a.trySlot('slots', 1, 60_000)).toBeDefined()
      expect(await a.trySlot('slots', 1, 60_000)).toBeUndefined()
      expect(await a.addTo('spend', 1, Date.now() + 60_000, async () => 2)).toBe(3)
      expect(await a.total('spend')).toBe(3)
      a.publish({ kind: 'config-reloaded' })
      await lease!.release()
      expect(changes).toEqual([false])

      await redis.start()
      await waitFor(() => a.shared && b.shared, 15_000, 50)
      expect(changes).toEqual([false, true])

      // shared again: a lock and a window are one for both
      expect(await a.tryLock('after', 60_000)).toBeDefined()
      expect(await b.tryLock('after', 60_000)).toBeUndefined()
      expect(await b.admit('rpm-after', 1, 60_000)).toEqual({ ok: true })
      expect((await a.admit('rpm-after', 1, 60_000)).ok).toBe(false)
      const heard: Notice[] = []
      const off = b.onNotice((n) => heard.push(n))
      a.publish({ kind: 'accounts-changed', provider: 'codex' })
      await waitFor(() => heard.length > 0)
      expect(heard).toEqual([{ kind: 'accounts-changed', provider: 'codex' }])
      off()
    } finally {
      await a.close()
      await b.close()
    }
  })

  test('a Redis that stops answering counts as lost after the call timeout', async () => {
    await using redis = await startRedis()
    const a = await openCoordination({ kind: 'redis', url: redis.url, callTimeoutMs: 500 })
    const admin = new Bun.RedisClient(redis.url)
    await waitFor(() => a.shared, 15_000, 50) // a loaded machine may take longer than 500 ms to connect
    const changes: boolean[] = []
    a.onSharedChange((shared) => changes.push(shared))
    try {
      await admin.send('CLIENT', ['PAUSE', '2500', 'ALL'])
      // answered locally once the call times out, instead of waiting for Redis
      expect(await a.admit('paused', 5, 60_000)).toEqual({ ok: true })
      expect(a.shared).toBe(false)
      await waitFor(() => a.shared, 15_000, 50)
      expect(changes).toEqual([false, true])
    } finally {
      admin.close()
      await a.close()
    }
  })

  test('a Redis that takes connections but fails every call: calls answer locally, never throw', async () => {
    await using redis = await startRedis()
    const a = await sharedOn(redis.url)
    const admin = new Bun.RedisClient(redis.url)
    const changes: boolean[] = []
    a.onSharedChange((shared) => changes.push(shared))
    try {
      // out of memory: every write is refused, while connecting and PING still work
      await admin.send('CONFIG', ['SET', 'maxmemory', '1'])
      await admin.send('CONFIG', ['SET', 'maxmemory-policy', 'noeviction'])
      for (let i = 0; i < 20; i++) {
        expect((await a.admit('oom', 100, 60_000)).ok).toBe(true)
        expect(await a.tryLock(`oom-${i}`, 1000)).toBeDefined()
        expect(await a.addTo('oom-total', 1, Date.now() + 60_000, async () => 0)).toBeGreaterThan(0)
        await Bun.sleep(5)
      }
      expect(changes[0]).toBe(false)
      // back to normal: shared again
      await admin.send('CONFIG', ['SET', 'maxmemory', '0'])
      await waitFor(
        async () => a.shared && (await a.tryLock(fresh('after-oom'), 1000)) && a.shared,
        15_000,
        50,
      )
      expect(changes.at(-1)).toBe(true)
    } finally {
      admin.close()
      await a.close()
    }
  })

  test('started while Redis is down: unshared at first, shared once it is up', async () => {
    await using redis = await startRedis()
    await redis.stop()
    const a = await openCoordination({ kind: 'redis', url: redis.url })
    const changes: boolean[] = []
    a.onSharedChange((shared) => changes.push(shared))
    try {
      expect(a.shared).toBe(false)
      expect(await a.tryLock('x', 1000)).toBeDefined()
      await redis.start()
      await waitFor(() => a.shared, 15_000, 50)
      expect(changes).toEqual([true])
    } finally {
      await a.close()
    }
  })
})
