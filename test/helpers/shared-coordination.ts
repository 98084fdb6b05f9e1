/**
 * Several "instances" in one test process that coordinate through one in-process table of locks,
 * windows, slots and totals, and hear each other's notices (never their own, as copies, a turn
 * later, as a wire would deliver them). They say they are `shared`, so the code paths taken
 * across instances run without a Redis server; the same tests run on Redis where it is installed.
 */
import { LocalCoordination } from '../../src/coordination/local.ts'
import type { Coordination, Lease, Notice, SlotLease } from '../../src/coordination/types.ts'

export class Member implements Coordination {
  readonly kind = 'redis' as const
  readonly listeners = new Set<(notice: Notice) => void>()
  readonly #sharedListeners = new Set<(shared: boolean) => void>()
  #shared = true

  constructor(
    private readonly table: LocalCoordination,
    private readonly members: Set<Member>,
  ) {}

  tryLock(name: string, leaseMs: number): Promise<Lease | undefined> {
    return this.table.tryLock(name, leaseMs)
  }
  waitFree(name: string, maxMs: number): Promise<void> {
    return this.table.waitFree(name, maxMs)
  }
  admit(name: string, limit: number, windowMs: number) {
    return this.table.admit(name, limit, windowMs)
  }
  trySlot(name: string, capacity: number, leaseMs: number): Promise<SlotLease | undefined> {
    return this.table.trySlot(name, capacity, leaseMs)
  }
  addTo(name: string, amount: number, expireAtMs: number, seed: () => Promise<number>): Promise<number> {
    return this.table.addTo(name, amount, expireAtMs, seed)
  }
  total(name: string): Promise<number | undefined> {
    return this.table.total(name)
  }
  publish(notice: Notice): void {
    const wire = JSON.stringify(notice)
    for (const m of this.members) {
      if (m === this) continue
      setTimeout(() => {
        for (const l of m.listeners) l(JSON.parse(wire) as Notice)
      }, 0)
    }
  }
  onNotice(listener: (notice: Notice) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  onSharedChange(listener: (shared: boolean) => void): () => void {
    this.#sharedListeners.add(listener)
    return () => this.#sharedListeners.delete(listener)
  }

  get shared(): boolean {
    return this.#shared
  }

  /** As a lost (false) or returned (true) backend would: `shared` turns, and the listeners hear it. */
  setShared(shared: boolean): void {
    if (shared === this.#shared) return
    this.#shared = shared
    for (const l of this.#sharedListeners) l(shared)
  }
  async close(): Promise<void> {
    this.members.delete(this)
  }
}

/** `n` coordinations that share one table and hear each other. */
export function sharedCoordinations(n: number): Member[] {
  const table = new LocalCoordination()
  const members = new Set<Member>()
  return Array.from({ length: n }, () => {
    const m = new Member(table, members)
    members.add(m)
    return m
  })
}
