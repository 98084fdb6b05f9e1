/** byokey's queue for upstream calls, on its own: order, leaving, deadlines, resizing, the counts. */
import { describe, expect, test } from 'bun:test'
import {
  runtimeFetchLimit,
  SlotWaitTimeout,
  slotCapacity,
  UpstreamSlots,
} from '../../src/gateway/upstream-slots.ts'

const LONG = 60_000

describe('hardening #4: UpstreamSlots', () => {
  test('a free slot is taken without waiting; a full set is not', () => {
    const slots = new UpstreamSlots(2)
    expect(slots.tryTake()).toBe(true)
    expect(slots.tryTake()).toBe(true)
    expect(slots.tryTake()).toBe(false)
    expect([slots.inFlight, slots.queued]).toEqual([2, 0])
    slots.release()
    expect(slots.tryTake()).toBe(true)
  })

  test('waiters get slots in arrival order, and a newcomer does not overtake them', async () => {
    const slots = new UpstreamSlots(1)
    slots.tryTake()
    const order: number[] = []
    const waits = [1, 2, 3].map((n) =>
      slots.wait(new AbortController().signal, LONG).then(() => order.push(n)),
    )
    expect(slots.queued).toBe(3)
    slots.release()
    // the slot went to the first waiter, so none is free for a newcomer
    expect(slots.tryTake()).toBe(false)
    slots.release()
    slots.release()
    await Promise.all(waits)
    expect(order).toEqual([1, 2, 3])
    expect([slots.inFlight, slots.queued]).toEqual([1, 0])
  })

  test('a waiter whose signal aborts leaves the queue at once and takes no slot', async () => {
    const slots = new UpstreamSlots(1)
    slots.tryTake()
    const ac = new AbortController()
    const leaving = slots.wait(ac.signal, LONG)
    const staying = slots.wait(new AbortController().signal, LONG)
    ac.abort(new Error('client gone'))
    await expect(leaving).rejects.toThrow('client gone')
    expect(slots.queued).toBe(1)
    slots.release()
    await staying
    expect([slots.inFlight, slots.queued]).toEqual([1, 0])
  })

  test('a wait past its deadline rejects with SlotWaitTimeout and leaves the queue', async () => {
    const slots = new UpstreamSlots(1)
    slots.tryTake()
    const err = await slots.wait(new AbortController().signal, 20).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SlotWaitTimeout)
    expect((err as Error).message).toBe('all 1 upstream slots stayed busy for 20 ms')
    expect([slots.inFlight, slots.queued]).toEqual([1, 0])
  })

  test('a larger capacity lets waiters go at once; a smaller one lets in-flight calls finish', async () => {
    const slots = new UpstreamSlots(1)
    slots.tryTake()
    const waits = [
      slots.wait(new AbortController().signal, LONG),
      slots.wait(new AbortController().signal, LONG),
    ]
    slots.resize(3)
    await Promise.all(waits)
    expect([slots.inFlight, slots.queued, slots.capacity]).toEqual([3, 0, 3])
    slots.resize(1)
    expect(slots.tryTake()).toBe(false)
    slots.release()
    slots.release()
    expect(slots.tryTake()).toBe(false)
    slots.release()
    expect(slots.tryTake()).toBe(true)
  })

  test('after thousands of waiters leave, the counts are exact and the next waiter is served', async () => {
    const slots = new UpstreamSlots(1)
    slots.tryTake()
    for (let round = 0; round < 3; round++) {
      const acs = Array.from({ length: 2000 }, () => new AbortController())
      const waits = acs.map((ac) => slots.wait(ac.signal, LONG).catch(() => 'left'))
      for (const ac of acs.slice(0, 1999)) ac.abort()
      expect(slots.queued).toBe(1)
      slots.release()
      expect(await waits[1999]).toBeUndefined()
      expect((await Promise.all(waits.slice(0, 1999))).every((w) => w === 'left')).toBe(true)
    }
    expect([slots.inFlight, slots.queued]).toEqual([1, 0])
  })

  test("the runtime's limit comes from BUN_CONFIG_MAX_HTTP_REQUESTS (1-65535), else 256", () => {
    expect(runtimeFetchLimit({})).toBe(256)
    expect(runtimeFetchLimit({ BUN_CONFIG_MAX_HTTP_REQUESTS: '1000' })).toBe(1000)
    for (const bad of ['0', '70000', 'lots', '', '12.5', '-3']) {
      expect(runtimeFetchLimit({ BUN_CONFIG_MAX_HTTP_REQUESTS: bad })).toBe(256)
    }
  })

  test('the capacity stays within the runtime limit, keeping connections for other calls', () => {
    expect(slotCapacity(240, 256)).toBe(240)
    expect(slotCapacity(1000, 256)).toBe(240)
    expect(slotCapacity(1000, 1016)).toBe(1000)
    expect(slotCapacity(50, 64)).toBe(50)
    expect(slotCapacity(100, 64)).toBe(60)
    expect(slotCapacity(100, 1)).toBe(1)
  })
})
