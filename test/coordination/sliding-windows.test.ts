/** The in-process sliding window behind a gateway key's rpm and local `admit`. */
import { describe, expect, test } from 'bun:test'
import { SlidingWindows } from '../../src/coordination/sliding-windows.ts'

const MINUTE = 60_000

describe('SlidingWindows', () => {
  test('admits limit events per sliding window, then says how long to wait', () => {
    const rates = new SlidingWindows()
    expect(rates.take('k', 2, MINUTE, 1000)).toEqual({ ok: true })
    expect(rates.take('k', 2, MINUTE, 20_000)).toEqual({ ok: true })
    expect(rates.take('k', 2, MINUTE, 30_000)).toEqual({ ok: false, waitMs: 31_000 })
    expect(rates.take('other', 2, MINUTE, 30_000)).toEqual({ ok: true })
    expect(rates.take('k', 2, MINUTE, 61_000)).toEqual({ ok: true })
    expect(rates.take('k', 2, MINUTE, 61_001)).toEqual({ ok: false, waitMs: 18_999 })
    expect(rates.take('k', 2, MINUTE, 80_000)).toEqual({ ok: true })
  })

  test('a changed limit or window starts over; forgotten names are dropped', () => {
    const rates = new SlidingWindows()
    expect(rates.take('k', 1, MINUTE, 0)).toEqual({ ok: true })
    expect(rates.take('k', 1, MINUTE, 1)).toMatchObject({ ok: false })
    expect(rates.take('k', 3, MINUTE, 2)).toEqual({ ok: true })
    rates.keepOnly(new Set())
    expect(rates.take('k', 3, MINUTE, 3)).toEqual({ ok: true })
    expect(rates.take('k', 3, 1000, 4)).toEqual({ ok: true })
    expect(rates.take('k', 1, 1000, 5)).toEqual({ ok: true })
    expect(rates.take('k', 1, 1000, 6)).toEqual({ ok: false, waitMs: 999 })
  })

  test('forgetIdle drops only names with nothing left in their window', () => {
    const rates = new SlidingWindows()
    rates.take('old', 3, 1000, 0)
    rates.take('old', 3, 1000, 10)
    rates.take('busy', 3, 1000, 0)
    rates.take('busy', 3, 1000, 900)
    rates.forgetIdle(1010)
    expect(rates.size).toBe(1)
    // busy kept its events (started over, it would admit three more): 900 is still inside the window
    expect(rates.take('busy', 3, 1000, 1010)).toEqual({ ok: true })
    expect(rates.take('busy', 3, 1000, 1011)).toEqual({ ok: true })
    expect(rates.take('busy', 3, 1000, 1012)).toEqual({ ok: false, waitMs: 888 })
  })
})
