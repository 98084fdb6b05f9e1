/**
 * The accounts layer: the one place that decides which of a provider's credentials (keys from the
 * config and stored logins alike) a request tries, in which order, and what each attempt's
 * outcome means for the account. One `Accounts` per gateway (`GatewayState`).
 *
 * Seams left for what comes next: session affinity would pick a preferred label before
 * `orderBy` (the candidates' first place), a concurrency cap would be one more `Standing`, and a
 * fallback chain appends another provider's candidates after these.
 */
import type { Config } from '../config/schema.ts'
import type { Credential, Provider } from '../providers/types.ts'
import type { AccountStore, CooldownStore } from '../store/types.ts'
import { Cooldowns, type CooledDown } from './cooldowns.ts'
import { classifyStatus, type FailureClass } from './failure.ts'
import { newPosition, orderBy, type Position } from './strategy.ts'

export type { CooledDown } from './cooldowns.ts'
export {
  classifyStatus,
  type FailureClass,
  isRetryable,
  retryAfterSeconds,
  upstreamWaitSeconds,
} from './failure.ts'

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
  readonly #cooldowns: Cooldowns

  /** `store`: where cooldowns outlive the process (none: memory only). */
  constructor(store?: CooldownStore, now?: () => number) {
    this.#cooldowns = new Cooldowns(store, now)
  }

  /** The provider's credentials in the order its `routing` strategy tries them, minus those cooling down. */
  candidates(provider: Provider, config: Config, stored?: AccountStore): Candidates {
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
    if (this.#cooldowns.none || all.length === 1) return { credentials: ordered, total: all.length }
    // A healed account's probe goes first, so the next real request is the one that probes it;
    // one probe per request, so a probe it holds is always tried (and its outcome heard).
    let probe: Credential | undefined
    const healthy: Credential[] = []
    let soonestMs: number | undefined
    for (const c of ordered) {
      const s = this.#cooldowns.standing(provider.id, c.label, probe === undefined)
      if (s.kind === 'healthy') healthy.push(c)
      else if (s.kind === 'probe') probe = c
      else soonestMs = Math.min(soonestMs ?? s.untilMs, s.untilMs)
    }
    const credentials = probe ? [probe, ...healthy] : healthy
    return credentials.length > 0 || soonestMs === undefined
      ? { credentials, total: all.length }
      : { credentials, total: all.length, soonestMs }
  }

  /**
   * Hears how an attempt on `account` went. Returns the cooldown it started, for the caller to
   * log (with `cappedFrom` when the upstream asked for longer than the cap).
   */
  report(provider: string, account: string, outcome: Outcome, config: Config): CooledDown | undefined {
    if (outcome.kind === 'ok') {
      this.#cooldowns.succeeded(provider, account)
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
