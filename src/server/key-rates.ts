/**
 * Requests per minute per gateway key: a sliding window over the last minute, kept as a ring of
 * the times of the key's last `rpm` admitted requests. A request is admitted when the oldest of
 * them is more than a minute old; otherwise it waits until that one leaves the window.
 */

const WINDOW_MS = 60_000

export class KeyRates {
  readonly #rings = new Map<string, { rpm: number; times: number[]; next: number }>()

  /**
   * Admits one request of `keyId` at `now` (counting it), or says how many ms until it would be
   * admitted (not counting it).
   */
  take(keyId: string, rpm: number, now: number): { ok: true } | { ok: false; waitMs: number } {
    let ring = this.#rings.get(keyId)
    if (ring?.rpm !== rpm) {
      // first request, or the key's limit changed: start over
      ring = { rpm, times: [], next: 0 }
      this.#rings.set(keyId, ring)
    }
    if (ring.times.length < rpm) {
      ring.times.push(now)
      return { ok: true }
    }
    const oldest = ring.times[ring.next]!
    if (now - oldest < WINDOW_MS) return { ok: false, waitMs: oldest + WINDOW_MS - now }
    ring.times[ring.next] = now
    ring.next = (ring.next + 1) % rpm
    return { ok: true }
  }

  /** Forgets keys no longer in use. */
  keepOnly(ids: ReadonlySet<string>): void {
    for (const id of this.#rings.keys()) if (!ids.has(id)) this.#rings.delete(id)
  }
}
