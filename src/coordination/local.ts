/**
 * Coordination for one instance, in this process: locks and slots are leases in maps with an
 * expiry checked when read, windows are rings of admitted times, totals are numbers with an
 * expiry. There is nobody to tell: `publish` does nothing and no notice is ever heard.
 *
 * The Redis implementation keeps one of these to answer from while Redis is lost.
 */
import { SlidingWindows } from './sliding-windows.ts'
import type { Admission, Coordination, Lease, Notice, SlotLease } from './types.ts'
import { Wakeups } from './wakeups.ts'

interface Held {
  token: number
  untilMs: number
}

interface Total {
  value: number
  expireAtMs: number
}

/** Idle windows and lapsed totals are swept after this many new ones, so names that stop coming go. */
const SWEEP_EVERY = 1024

export class LocalCoordination implements Coordination {
  readonly kind = 'local' as const
  readonly shared = false

  readonly #locks = new Map<string, Held>()
  /** Who waits for a lock to be free: woken by a release (their own wait covers the lease's end). */
  readonly #waiters = new Wakeups()
  readonly #windows = new SlidingWindows()
  readonly #slots = new Map<string, Map<number, number>>()
  readonly #totals = new Map<string, Total>()
  /** Seeds being read, so concurrent first adds of one total read the store once. */
  readonly #seeding = new Map<string, Promise<void>>()
  #nextToken = 1
  #sinceSweep = 0
  #closed = false

  constructor(private readonly now: () => number = Date.now) {}

  async tryLock(name: string, leaseMs: number): Promise<Lease | undefined> {
    const now = this.now()
    const held = this.#locks.get(name)
    if (held && held.untilMs > now) return undefined
    const token = this.#nextToken++
    this.#locks.set(name, { token, untilMs: now + leaseMs })
    return {
      release: async () => {
        // a holder whose lease ran out (and was taken by another) releases nothing
        if (this.#locks.get(name)?.token !== token) return
        this.#locks.delete(name)
        this.#waiters.wake(name)
      },
    }
  }

  waitFree(name: string, maxMs: number): Promise<void> {
    const held = this.#locks.get(name)
    const now = this.now()
    if (this.#closed || !held || held.untilMs <= now) return Promise.resolve()
    return this.#waiters.wait(name, Math.min(maxMs, held.untilMs - now))
  }

  async admit(name: string, limit: number, windowMs: number): Promise<Admission> {
    const now = this.now()
    if (++this.#sinceSweep >= SWEEP_EVERY) this.#sweep(now)
    return this.#windows.take(name, limit, windowMs, now)
  }

  async trySlot(name: string, capacity: number, leaseMs: number): Promise<SlotLease | undefined> {
    const now = this.now()
    let leases = this.#slots.get(name)
    if (leases) for (const [token, untilMs] of leases) if (untilMs <= now) leases.delete(token)
    if ((leases?.size ?? 0) >= capacity) return undefined
    if (!leases) {
      leases = new Map()
      this.#slots.set(name, leases)
    }
    const token = this.#nextToken++
    leases.set(token, now + leaseMs)
    const taken = leases
    return {
      release: async () => {
        taken.delete(token)
        if (taken.size === 0 && this.#slots.get(name) === taken) this.#slots.delete(name)
      },
      renew: async (ms) => {
        const until = taken.get(token)
        const at = this.now()
        if (until === undefined || until <= at) return false
        taken.set(token, at + ms)
        return true
      },
    }
  }

  async addTo(
    name: string,
    amount: number,
    expireAtMs: number,
    seed: () => Promise<number>,
  ): Promise<number> {
    let total = this.#live(name)
    if (!total) {
      let seeding = this.#seeding.get(name)
      if (!seeding) {
        seeding = seed()
          .then((value) => {
            this.#totals.set(name, { value, expireAtMs })
            if (++this.#sinceSweep >= SWEEP_EVERY) this.#sweep(this.now())
          })
          .finally(() => this.#seeding.delete(name))
        this.#seeding.set(name, seeding)
      }
      await seeding
      total = this.#totals.get(name)!
    }
    total.value += amount
    total.expireAtMs = expireAtMs
    return total.value
  }

  async total(name: string): Promise<number | undefined> {
    return this.#live(name)?.value
  }

  publish(_notice: Notice): void {}

  onNotice(_listener: (notice: Notice) => void): () => void {
    return () => {}
  }

  onSharedChange(_listener: (shared: boolean) => void): () => void {
    return () => {}
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#waiters.wakeAll()
  }

  #live(name: string): Total | undefined {
    const total = this.#totals.get(name)
    if (!total) return undefined
    if (total.expireAtMs > this.now()) return total
    this.#totals.delete(name)
    return undefined
  }

  #sweep(now: number): void {
    this.#sinceSweep = 0
    this.#windows.forgetIdle(now)
    for (const [name, total] of this.#totals) if (total.expireAtMs <= now) this.#totals.delete(name)
    for (const [name, held] of this.#locks) if (held.untilMs <= now) this.#locks.delete(name)
  }
}
