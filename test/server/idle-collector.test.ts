/**
 * The idle collector's contract, on a hand-driven timer: it collects once per quiet spell, on the
 * second quiet tick after the last request, never while a request is in flight or when requests
 * keep arriving, and arms no timer at all when off (0) or after it has collected.
 */
import { expect, test } from 'bun:test'
import { IdleCollector } from '../../src/server/idle-collector.ts'

/** A collector whose ticks run when the test says so. */
function driven(delayMs = 100) {
  const state = { pending: 0, delayMs, collected: 0, armed: [] as number[] }
  let due: (() => void) | undefined
  const collector = new IdleCollector({
    pending: () => state.pending,
    delayMs: () => state.delayMs,
    collect: () => {
      expect(state.pending).toBe(0)
      state.collected++
    },
    schedule: (tick, ms) => {
      expect(due).toBeUndefined() // one timer at most
      state.armed.push(ms)
      due = tick
      return () => {
        due = undefined
      }
    },
  })
  return {
    state,
    collector,
    armed: () => due !== undefined,
    /** Runs the pending tick. */
    tick,
    /** Two ticks with nothing in flight or arriving: the first only notes the quiet, the second collects. */
    quietSpell() {
      const before = state.collected
      tick()
      expect(state.collected).toBe(before)
      tick()
      expect(state.collected).toBe(before + 1)
    },
  }
  function tick(): void {
    const run = due
    if (!run) throw new Error('no tick armed')
    due = undefined
    run()
  }
}

test('one request, then quiet: collects on the second quiet tick, then arms nothing', () => {
  const d = driven()
  d.state.pending = 1
  d.collector.arrived()
  expect(d.state.armed).toEqual([100])
  d.state.pending = 0
  d.tick() // quiet, but the request ended within this tick's wait
  expect(d.state.collected).toBe(0)
  d.tick()
  expect(d.state.collected).toBe(1)
  expect(d.collector.collections).toBe(1)
  expect(d.collector.ticks).toBe(2)
  expect(d.armed()).toBe(false)
})

test('a request in flight keeps it from collecting, however many ticks pass', () => {
  const d = driven()
  d.state.pending = 1
  d.collector.arrived()
  for (let i = 0; i < 10; i++) d.tick()
  expect(d.state.collected).toBe(0)
  expect(d.armed()).toBe(true)
  d.state.pending = 0
  d.quietSpell()
})

test('requests arriving between ticks keep it from collecting, even when none is in flight at a tick', () => {
  const d = driven()
  d.collector.arrived()
  for (let i = 0; i < 5; i++) {
    d.collector.arrived()
    d.tick()
  }
  expect(d.state.collected).toBe(0)
  d.quietSpell()
})

test('a quiet tick followed by an arrival starts the quiet spell over', () => {
  const d = driven()
  d.collector.arrived()
  d.tick() // quiet
  d.collector.arrived()
  d.tick() // not quiet: a request came
  expect(d.state.collected).toBe(0)
  d.quietSpell()
})

test('after a collection the next request arms it again, for one more collection', () => {
  const d = driven()
  d.collector.arrived()
  d.tick()
  d.tick()
  d.collector.arrived()
  expect(d.armed()).toBe(true)
  d.tick()
  d.tick()
  expect(d.collector.collections).toBe(2)
})

test('0 turns it off: no timer, no collection', () => {
  const d = driven(0)
  for (let i = 0; i < 3; i++) d.collector.arrived()
  expect(d.armed()).toBe(false)
  expect(d.state.armed).toEqual([])
  expect(d.collector.ticks).toBe(0)
})

test('the delay is read when a tick is armed (a reload applies from the next tick)', () => {
  const d = driven(100)
  d.collector.arrived()
  d.state.delayMs = 30
  d.tick()
  d.tick()
  expect(d.state.armed).toEqual([100, 30])
})

test('stop cancels the armed tick', () => {
  const d = driven()
  d.collector.arrived()
  d.collector.stop()
  expect(d.armed()).toBe(false)
})
