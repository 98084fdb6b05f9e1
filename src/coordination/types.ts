/**
 * What several byokey instances must agree on in real time, behind one interface: `local`
 * (in-process, the default, for one instance) or `redis` (shared by every instance that points at
 * the same Redis). Durable state stays in the store; this holds what is short-lived and must be
 * agreed at once: refresh locks, probe leases, rate windows, concurrency slots, running budget
 * totals, and notices that tell the other instances something changed.
 *
 * Every method keeps working when a shared backend is lost: it then answers for this process
 * alone (as `local` would), `shared` turns false, and it turns true again once the backend is back.
 * No method throws for a backend failure.
 */
import type { Cooldown } from '../store/types.ts'

export type CoordinationKind = 'local' | 'redis'

/** Something held for a while: a lock or a slot. Released by its holder, or by its lease running out. */
export interface Lease {
  release(): Promise<void>
}

/** A slot held while its call runs: renewed by its holder, so a lease can be short and a dead holder's slot comes back soon. */
export interface SlotLease extends Lease {
  /** Moves the lease's end to `leaseMs` from now; false when the slot was already gone (its lease ended, or the backend was lost). */
  renew(leaseMs: number): Promise<boolean>
}

export type Admission = { ok: true } | { ok: false; waitMs: number }

/**
 * What one instance tells the others. Never carries a secret: no token, key or digest.
 * - `config-reloaded`: reload your config file (a `reload` was asked of one instance).
 * - `accounts-changed`: the store's accounts changed (login, switch, logout, a refreshed token,
 *   a state): bring your view up to date (`Store.sync`).
 * - `keys-changed`: gateway keys changed: read them again.
 * - `cooldown` / `cooldown-cleared`: an account started or ended a cooldown.
 * - `probing`: an instance is probing an account whose cooldown ended; others leave it alone
 *   until `untilMs`.
 * - `affinity`: a conversation is now served by `account` (null: forget it).
 */
export type Notice =
  | { kind: 'config-reloaded' }
  | { kind: 'accounts-changed'; provider?: string }
  | { kind: 'keys-changed' }
  | { kind: 'cooldown'; cooldown: Cooldown }
  | { kind: 'cooldown-cleared'; provider: string; account: string }
  | { kind: 'probing'; provider: string; account: string; untilMs: number }
  | { kind: 'affinity'; provider: string; session: string; account: string | null }

export interface Coordination {
  readonly kind: CoordinationKind
  /**
   * True while this instance coordinates with the others (always false for `local`: there are
   * none; false for `redis` while Redis cannot be reached).
   */
  readonly shared: boolean
  /** Takes `name` for at most `leaseMs` across every instance; undefined when another holder has it. */
  tryLock(name: string, leaseMs: number): Promise<Lease | undefined>
  /** Resolves once `name` is free (released, or its lease ran out) or after `maxMs`, whichever is first. */
  waitFree(name: string, maxMs: number): Promise<void>
  /** A sliding window across every instance: admits (and counts) one event of `name`, at most `limit` per `windowMs`. */
  admit(name: string, limit: number, windowMs: number): Promise<Admission>
  /**
   * Takes one of `capacity` slots of `name` across every instance, for `leaseMs` unless renewed (a
   * holder that dies frees its slot when the lease ends); undefined when all are taken.
   */
  trySlot(name: string, capacity: number, leaseMs: number): Promise<SlotLease | undefined>
  /**
   * Adds `amount` to the shared total `name` and returns the new total. The first add of a total
   * that does not exist yet starts it from `seed()` (read from the store). `expireAtMs`: when the
   * total may be forgotten (the end of a budget period, plus a margin).
   */
  addTo(name: string, amount: number, expireAtMs: number, seed: () => Promise<number>): Promise<number>
  /**
   * The shared total `name`, or undefined when there is none (never added, or expired). While the
   * backend is lost: this instance's own total, as `addTo` keeps one meanwhile (as `local` would).
   */
  total(name: string): Promise<number | undefined>
  /** Tells every other instance (best effort; nothing is queued while the backend is lost). */
  publish(notice: Notice): void
  /** Hears notices from other instances, never this one's own (a listener must not throw). Returns an unsubscribe. */
  onNotice(listener: (notice: Notice) => void): () => void
  /** Hears `shared` change (lost, back), to log it, count it and catch up (sync the store) on return. */
  onSharedChange(listener: (shared: boolean) => void): () => void
  close(): Promise<void>
}
