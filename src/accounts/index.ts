/**
 * The accounts layer: the one place that decides which of a provider's credentials (keys from the
 * config and stored logins alike) a request tries, in which order, and what each attempt's
 * outcome means for the account. One `Accounts` per gateway (`GatewayState`).
 *
 * A conversation stays on the account that served it while that account is healthy (session
 * affinity, `affinity.ts`); a fallback chain (`src/gateway/fallback.ts`) plans each further provider on its own and asks this layer for that provider's candidates.
 */
import type { Config } from '../config/schema.ts'
import type { Coordination, Notice } from '../coordination/types.ts'
import type { Credential, Provider } from '../providers/types.ts'
import type { AccountStore, CooldownStore } from '../store/types.ts'
import { Affinity } from './affinity.ts'
import { type AccountSlots, Concurrency } from './concurrency.ts'
import { Cooldowns, type CooledDown } from './cooldowns.ts'
import { classifyStatus, type FailureClass } from './failure.ts'
import { newPosition, orderBy, type Position } from './strategy.ts'

export { sessionKeyOf } from '../providers/shared/session.ts'
export { AFFINITY_IDLE_MS, AFFINITY_MAX_SESSIONS } from './affinity.ts'
export type { AccountSlots } from './concurrency.ts'
export type { CooledDown } from './cooldowns.ts'
export {
  classifyStatus,
  type FailureClass,
  isRetryable,
  retryAfterSeconds,
  upstreamWaitSeconds,
} from './failure.ts'

/** The request's conversation key, computed on first call only (undefined: none to tell). */
export type SessionOf = () => string | undefined

/** A provider's credentials for one request. */
export interface Candidates {
  /** In the order to try them; those cooling down are left out. */
  credentials: Credential[]
  /** How many the provider has at all (0: no login and no key). */
  total: number
  /** When every credential cools down: when the first of them may be tried again (unix ms). */
  soonestMs?: number
}

/** What one attempt on an account came to. */
export type Outcome =
  | { kind: 'ok' }
  /** The upstream refused or failed; `waitSeconds`: what it asked, when it said. */
  | { kind: 'failed'; failure: FailureClass; waitSeconds?: number }
  /** Nothing was learned about the account (the client left first). */
  | { kind: 'abandoned' }

export class Accounts {
  readonly #positions = new Map<string, Position>()
  /**
   * Providers whose last candidates were one credential: a conversation there has nowhere else
   * to go, so its key is not worth reading (hashing an agent's opening turn costs a stringify of
   * tens of KB a request).
   */
  readonly #lone = new Set<string>()
  readonly #cooldowns: Cooldowns
  /** Which account each conversation was last served by. */
  readonly #affinity: Affinity
  /** Upstream calls in flight per account, for `max_concurrency`. */
  readonly #concurrency: Concurrency
  readonly #coordination: Pick<Coordination, 'publish'> | undefined

  /**
   * `store`: where cooldowns outlive the process (none: memory only). `slots`: makes the queue
   * that holds an account to its `max_concurrency` (none: caps are not enforced). `coordination`:
   * where cooldowns, probes and conversations' accounts are told to the other instances (none:
   * this process only); theirs arrive through `hear`.
   */
  constructor(
    store?: CooldownStore,
    now: () => number = Date.now,
    slots?: (capacity: number) => AccountSlots,
    coordination?: Pick<Coordination, 'publish'>,
  ) {
    this.#cooldowns = new Cooldowns(store, now, coordination)
    this.#affinity = new Affinity(now)
    this.#concurrency = new Concurrency(slots)
    this.#coordination = coordination
  }

  /** Applies another instance's cooldown, probe or conversation notice (others are not this layer's). */
  hear(notice: Notice): void {
    if (notice.kind === 'affinity') {
      if (notice.account === null) this.#affinity.forget(notice.provider, notice.session)
      else this.#affinity.set(notice.provider, notice.session, notice.account)
    } else this.#cooldowns.apply(notice)
  }

  /** Reads the cooldowns from the store again, after a time in which others' notices may have been missed. */
  reloadCooldowns(): void {
    this.#cooldowns.reload()
  }

  /**
   * The slots an upstream call on `account` takes and gives back, when its provider sets
   * `max_concurrency`; undefined when the account has no limit of its own.
   */
  slotsFor(provider: string, account: string, config: Config): AccountSlots | undefined {
    return this.#concurrency.slotsFor(provider, account, config.providers[provider]?.max_concurrency)
  }

  /**
   * The provider's credentials in the order its `routing` strategy tries them, minus those
   * cooling down. With `session`, a conversation's own account goes first while it is healthy.
   */
  candidates(provider: Provider, config: Config, stored?: AccountStore, session?: SessionOf): Candidates {
    const all = provider.credentials(config, stored)
    const settings = config.providers[provider.id]
    let at = this.#positions.get(provider.id)
    if (!at) {
      at = newPosition()
      this.#positions.set(provider.id, at)
    }
    const ordered = orderBy(settings?.routing ?? 'round_robin', all, at, settings)
    // A lone credential is never held back: with nothing to fail over to, the upstream's own
    // answer (its status, message and Retry-After) tells the client more than a 429 of ours.
    if (all.length === 1) {
      this.#lone.add(provider.id)
      return { credentials: ordered, total: 1 }
    }
    this.#lone.delete(provider.id)
    const pinned = this.#pinned(provider.id, settings?.affinity, session)
    if (this.#cooldowns.none) {
      return { credentials: this.#pinFirst(provider.id, pinned, ordered, session), total: all.length }
    }
    // A healed account's probe goes first, so the next real request is the one that probes it;
    // one probe per request, so a probe it holds is always tried (and its outcome heard). A
    // conversation on a healthy account stays there and leaves the probe to another request.
    const pinnedHealthy =
      pinned !== undefined && this.#cooldowns.standing(provider.id, pinned, false).kind === 'healthy'
    let probe: Credential | undefined
    const healthy: Credential[] = []
    let soonestMs: number | undefined
    for (const c of ordered) {
      const s = this.#cooldowns.standing(provider.id, c.label, !pinnedHealthy && probe === undefined)
      if (s.kind === 'healthy') healthy.push(c)
      else if (s.kind === 'probe') probe = c
      else soonestMs = Math.min(soonestMs ?? s.untilMs, s.untilMs)
    }
    const credentials = probe
      ? [probe, ...this.#pinFirst(provider.id, undefined, healthy, session)]
      : this.#pinFirst(provider.id, pinnedHealthy ? pinned : undefined, healthy, session)
    return credentials.length > 0 || soonestMs === undefined
      ? { credentials, total: all.length }
      : { credentials, total: all.length, soonestMs }
  }

  /** The account the request's conversation is on, when affinity is on and it has one. */
  #pinned(
    provider: string,
    affinity: boolean | undefined,
    session: SessionOf | undefined,
  ): string | undefined {
    if (affinity === false || !session) return undefined
    const key = session()
    return key === undefined ? undefined : this.#affinity.get(provider, key)
  }

  /**
   * `usable` with the conversation's account first. When that account is not among them (it
   * cools down, or is gone from the config) the conversation is let go, and the account that
   * serves this turn becomes its own (`report`).
   */
  #pinFirst(
    provider: string,
    pinned: string | undefined,
    usable: Credential[],
    session: SessionOf | undefined,
  ): Credential[] {
    if (pinned === undefined) {
      const key = session?.()
      if (key !== undefined && this.#affinity.forget(provider, key))
        this.#coordination?.publish({ kind: 'affinity', provider, session: key, account: null })
      return usable
    }
    const i = usable.findIndex((c) => c.label === pinned)
    if (i === -1) return this.#pinFirst(provider, undefined, usable, session)
    if (i === 0) return usable
    return [usable[i]!, ...usable.slice(0, i), ...usable.slice(i + 1)]
  }

  /**
   * Hears how an attempt on `account` went. Returns the cooldown it started, for the caller to
   * log (with `cappedFrom` when the upstream asked for longer than the cap). With `session`, an
   * answer makes `account` the conversation's own unless it already has a usable one.
   */
  report(
    provider: string,
    account: string,
    outcome: Outcome,
    config: Config,
    session?: SessionOf,
  ): CooledDown | undefined {
    if (outcome.kind === 'ok') {
      this.#cooldowns.succeeded(provider, account)
      const key =
        config.providers[provider]?.affinity === false || this.#lone.has(provider) ? undefined : session?.()
      if (key !== undefined && !this.#affinity.has(provider, key)) {
        this.#affinity.set(provider, key, account)
        this.#coordination?.publish({ kind: 'affinity', provider, session: key, account })
      }
      return undefined
    }
    if (outcome.kind === 'abandoned' || outcome.failure === 'bad_request') {
      // the request's own fault says nothing about the account; a probe it held is handed back
      this.#cooldowns.release(provider, account)
      return undefined
    }
    const max = config.providers[provider]?.cooldown?.max_seconds ?? config.cooldown.max_seconds
    return this.#cooldowns.failed(provider, account, outcome.failure, outcome.waitSeconds, max)
  }
}

/** An upstream's error status (and decoded code) as an attempt's outcome. */
export function failedWith(
  status: number,
  code: string | undefined,
  waitSeconds: number | undefined,
): Outcome {
  const failure = classifyStatus(status, code)
  return waitSeconds === undefined ? { kind: 'failed', failure } : { kind: 'failed', failure, waitSeconds }
}
