/**
 * Cooldowns that end: an account the upstream refused rests for what the upstream asked (capped)
 * or an exponential backoff of its failure class, then one real request probes it (half-open);
 * success clears it, failure rests it twice as long. Kept in memory for the request path and
 * written through to the store, so a restart remembers it. With a coordination, every change is
 * told to the other instances (`cooldown`, `cooldown-cleared`, `probing`) and theirs are applied
 * here (`apply`), so an account cooled through one instance rests on all, and one probes it.
 */
import type { Coordination, Notice } from '../coordination/types.ts'
import type { Cooldown, CooldownReason, CooldownStore } from '../store/types.ts'

/** Backoff per class when the upstream names no time: first rest and longest, in seconds. */
export const BACKOFF: Record<CooldownReason, { first: number; longest: number }> = {
  rate_limit: { first: 10, longest: 600 },
  quota: { first: 60, longest: 3600 },
  overloaded: { first: 5, longest: 300 },
  auth: { first: 60, longest: 3600 },
  upstream: { first: 5, longest: 300 },
  // nothing heals it: as long as byokey lets any account rest (`cooldown.max_seconds`)
  unavailable: { first: Number.POSITIVE_INFINITY, longest: Number.POSITIVE_INFINITY },
}

/**
 * How long one probe holds an account before another request may probe it: a probe whose
 * outcome never comes (the process was busy, the request vanished) must not wedge it.
 */
export const PROBE_LEASE_MS = 60_000

/** What a failure did to an account, for the gateway to log. */
export interface CooledDown extends Cooldown {
  seconds: number
  /** The upstream's wait when it was longer than the cap. */
  cappedFrom?: number
}

/** An account's standing now, as the order of candidates needs it. */
export type Standing =
  | { kind: 'healthy' }
  /** Its cooldown ended and no one probes it: the next request does. */
  | { kind: 'probe' }
  | { kind: 'cooling'; untilMs: number }

interface State extends Cooldown {
  /** Unix ms until which a probe in flight holds the account. */
  probeUntil?: number
}

const keyOf = (provider: string, account: string) => `${provider}\u0000${account}`

export class Cooldowns {
  readonly #states = new Map<string, State>()

  constructor(
    private readonly store: CooldownStore | undefined,
    private readonly now: () => number = Date.now,
    private readonly coordination?: Pick<Coordination, 'publish'>,
  ) {
    this.reload()
  }

  /** Reads the cooldowns from the store again (coordination is back: others' changes may have been missed). */
  reload(): void {
    if (!this.store) return
    const probes = new Map<string, number | undefined>()
    for (const [key, s] of this.#states) probes.set(key, s.probeUntil)
    this.#states.clear()
    for (const c of this.store.list()) {
      const key = keyOf(c.provider, c.account)
      const probeUntil = probes.get(key)
      this.#states.set(key, probeUntil === undefined ? { ...c } : { ...c, probeUntil })
    }
  }

  /** Another instance's change, applied here without telling anyone again (the store was written by it). */
  apply(notice: Notice): void {
    if (notice.kind === 'cooldown') {
      const c = notice.cooldown
      this.#states.set(keyOf(c.provider, c.account), { ...c })
    } else if (notice.kind === 'cooldown-cleared') {
      this.#states.delete(keyOf(notice.provider, notice.account))
    } else if (notice.kind === 'probing') {
      const s = this.#states.get(keyOf(notice.provider, notice.account))
      if (s) s.probeUntil = notice.untilMs
    }
  }

  /** True when no account cools down or waits for its probe: the request path's fast case. */
  get none(): boolean {
    return this.#states.size === 0
  }

  /**
   * The account's standing. With `claim`, a `probe` answer hands this request the probe;
   * without, an account waiting for its probe is only reported (`cooling`, ready now).
   */
  standing(provider: string, account: string, claim: boolean): Standing {
    const s = this.#states.get(keyOf(provider, account))
    if (!s) return { kind: 'healthy' }
    const now = this.now()
    if (s.untilMs > now) return { kind: 'cooling', untilMs: s.untilMs }
    if (s.probeUntil !== undefined && s.probeUntil > now) return { kind: 'cooling', untilMs: now + 1000 }
    if (!claim) return { kind: 'cooling', untilMs: now }
    s.probeUntil = now + PROBE_LEASE_MS
    this.coordination?.publish({ kind: 'probing', provider, account, untilMs: s.probeUntil })
    return { kind: 'probe' }
  }

  /** Hands back a probe this request did not use (it ended before reaching the account). */
  release(provider: string, account: string): void {
    const s = this.#states.get(keyOf(provider, account))
    if (s?.probeUntil === undefined) return
    delete s.probeUntil
    // the others may probe it now
    this.coordination?.publish({ kind: 'probing', provider, account, untilMs: 0 })
  }

  /** The account answered: it is healthy again. */
  succeeded(provider: string, account: string): void {
    if (this.#states.size === 0 || !this.#states.delete(keyOf(provider, account))) return
    this.store?.clear(provider, account)
    this.coordination?.publish({ kind: 'cooldown-cleared', provider, account })
  }

  /**
   * The account failed with `reason`: it rests `waitSeconds` when the upstream named a time,
   * else its class's backoff doubled per failure in a row; either way at most `maxSeconds`.
   */
  failed(
    provider: string,
    account: string,
    reason: CooldownReason,
    waitSeconds: number | undefined,
    maxSeconds: number,
  ): CooledDown {
    const key = keyOf(provider, account)
    const failures = (this.#states.get(key)?.failures ?? 0) + 1
    const { first, longest } = BACKOFF[reason]
    const wanted = waitSeconds ?? Math.min(longest, first * 2 ** Math.min(failures - 1, 30))
    const seconds = Math.min(wanted, maxSeconds)
    const c: Cooldown = { provider, account, untilMs: this.now() + seconds * 1000, reason, failures }
    this.#states.set(key, c)
    this.store?.put(c)
    this.coordination?.publish({ kind: 'cooldown', cooldown: c })
    return waitSeconds !== undefined && waitSeconds > maxSeconds
      ? { ...c, seconds, cappedFrom: waitSeconds }
      : { ...c, seconds }
  }
}
