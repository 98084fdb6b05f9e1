/**
 * Two "instances" in one test process that share one table of locks, windows, slots and totals:
 * an in-process coordination that says it is `shared`, so the code paths taken across instances
 * run without a Redis server. Notices go nowhere (as with `local`); tests of notices use Redis.
 */
import { LocalCoordination } from '../../src/coordination/local.ts'
import type { Coordination, Lease, Notice } from '../../src/coordination/types.ts'

export class OneLockTable implements Coordination {
  readonly kind = 'redis' as const
  shared = true
  readonly #inner = new LocalCoordination()

  tryLock(name: string, leaseMs: number): Promise<Lease | undefined> {
    return this.#inner.tryLock(name, leaseMs)
  }
  waitFree(name: string, maxMs: number): Promise<void> {
    return this.#inner.waitFree(name, maxMs)
  }
  admit(name: string, limit: number, windowMs: number) {
    return this.#inner.admit(name, limit, windowMs)
  }
  trySlot(name: string, capacity: number, leaseMs: number): Promise<Lease | undefined> {
    return this.#inner.trySlot(name, capacity, leaseMs)
  }
  addTo(name: string, amount: number, expireAtMs: number, seed: () => Promise<number>): Promise<number> {
    return this.#inner.addTo(name, amount, expireAtMs, seed)
  }
  total(name: string): Promise<number | undefined> {
    return this.#inner.total(name)
  }
  publish(_notice: Notice): void {}
  onNotice(_listener: (notice: Notice) => void): () => void {
    return () => {}
  }
  onSharedChange(_listener: (shared: boolean) => void): () => void {
    return () => {}
  }
  close(): Promise<void> {
    return this.#inner.close()
  }
}
