/**
 * Sliding windows in one process: for each name, a ring of the times of its last `limit` admitted
 * events. An event is admitted when the oldest of them is more than a window old; otherwise it
 * waits until that one leaves the window. Memory per name is `limit` numbers, whatever the traffic.
 */

interface Ring {
  limit: number
  windowMs: number
  times: number[]
  next: number
}

export class SlidingWindows {
  readonly #rings = new Map<string, Ring>()

  /**
   * Admits one event of `name` at `now` (counting it), or says how many ms until it would be
   * admitted (not counting it).
   */
  take(
    name: string,
    limit: number,
    windowMs: number,
    now: number,
  ): { ok: true } | { ok: false; waitMs: number } {
    let ring = this.#rings.get(name)
    if (ring?.limit !== limit || ring.windowMs !== windowMs) {
      // first event, or the limit changed: start over
      ring = { limit, windowMs, times: [], next: 0 }
      this.#rings.set(name, ring)
    }
    if (ring.times.length < limit) {
      ring.times.push(now)
      return { ok: true }
    }
    const oldest = ring.times[ring.next]!
    if (now - oldest < windowMs) return { ok: false, waitMs: oldest + windowMs - now }
    ring.times[ring.next] = now
    ring.next = (ring.next + 1) % limit
    return { ok: true }
  }

  /** Forgets names no longer in use. */
  keepOnly(names: ReadonlySet<string>): void {
    for (const name of this.#rings.keys()) if (!names.has(name)) this.#rings.delete(name)
  }

  /** Forgets names with no event inside their window: they would start over empty anyway. */
  forgetIdle(now: number): void {
    for (const [name, ring] of this.#rings) {
      const newest = ring.times[(ring.next + ring.times.length - 1) % ring.times.length]
      if (newest === undefined || now - newest >= ring.windowMs) this.#rings.delete(name)
    }
  }

  get size(): number {
    return this.#rings.size
  }
}
