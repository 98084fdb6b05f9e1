/**
 * Keeps OAuth access tokens fresh: on demand (`getFresh`), in the background (`startBackground`) and
 * after an upstream 401 (`withRefreshOn401`).
 *
 * - One refresh in flight per account: concurrent callers share its promise (refresh tokens are
 *   often single-use, so a second call would burn the new one).
 * - `invalid_grant` marks the account `needs_login` and keeps it (BYOKEY deleted it); later calls fail
 *   at once with a `NeedsLoginError` naming `byokey login <provider>`, without calling the provider.
 * - Other failures mark it `refresh_failed` (with the reason, visible in `status`) and back off:
 *   30 s, doubling up to 10 min, or longer when the server sent `Retry-After`. While backing off a
 *   token that still works is handed out; an expired one fails with a `RefreshFailedError` that says
 *   why and when the next attempt is (BYOKEY's cooldown failed silently).
 * - A refresher that throws `AccountUnavailableError` (the provider says the account is done for)
 *   marks it `unavailable`: it is neither refreshed again, in the background or on demand, nor
 *   handed out, until a new login replaces it.
 * - Across instances sharing a store (`coordination` shared): one refresh per account among all of
 *   them. The instance that takes the lock `refresh:<provider>:<account>` brings its view of the
 *   store up to date first (another may have refreshed meanwhile), refreshes, waits until its
 *   write reached the store and tells the others (`accounts-changed`); the others wait for the
 *   lock to be free, read the store again and use the new token. A holder that died leaves the
 *   lock to its lease: the waiters then try the lock themselves, a bounded number of times.
 *   Backoff is per instance; a refresh another instance saw fail (`refresh_failed` written while
 *   this one waited) backs this one off too, and `needs_login` travels through the store.
 */
import type { Coordination } from '../coordination/types.ts'
import type { Account, AccountStore } from '../store/types.ts'
import {
  AccountUnavailableError,
  InvalidGrantError,
  NeedsLoginError,
  OAuthError,
  RefreshFailedError,
} from './errors.ts'
import type { Refresher } from './refresh-token.ts'

export interface TokenManagerOptions {
  /** Refresh when the token expires within this (default 5 min). */
  leadMs?: number
  /** A token this close to expiry is not handed out while refreshing is backing off (default 30 s). */
  expirySkewMs?: number
  /** First backoff after a failed refresh (default 30 s); doubles per failure. */
  backoffMs?: number
  /** Cap of the backoff (default 10 min). */
  maxBackoffMs?: number
  now?: () => number
  /**
   * Told once when a refresh marks an account `unavailable` (the refresher threw
   * `AccountUnavailableError`), for the one warning in the log.
   */
  onUnavailable?: (provider: string, accountId: string, reason: string) => void
  /** Hears how each refresh the provider was asked for ended (metrics). */
  onRefresh?: (provider: string, outcome: RefreshOutcome) => void
  /** What several instances agree on: while `shared`, one refresh per account among all of them. */
  coordination?: Coordination
  /**
   * Brings the store's view up to date and waits for this process's queued writes to it
   * (`Store.sync`); absent: the store reads through.
   */
  sync?: () => Promise<void>
  /** How long a refresh lock is held at most: a holder that dies frees it after this (default 30 s). */
  refreshLockMs?: number
}

/** Times a waiter tries the refresh lock again after a holder left no new token (it died). */
const LOCK_ROUNDS = 3

/** How one refresh call to a provider ended. */
export type RefreshOutcome = 'ok' | 'failed' | 'needs_login' | 'unavailable'

export interface RefreshBackoff {
  failures: number
  /** Unix ms of the earliest next attempt. */
  retryAt: number
  lastError: string
  /** The refresh token that failed; a new login (another refresh token) ends the backoff. */
  refreshToken: unknown
}

export interface RefreshStatus {
  state: Account['state']
  lastError?: string
  expiresAt?: number
  /** Set while refreshing is backing off. */
  retryAt?: number
  failures?: number
  refreshing: boolean
}

export interface BackgroundRefresh {
  stop(): void
}

export interface WithRefreshOptions<T> {
  /** Whether a result means "unauthorized"; default: a `Response` with status 401. */
  isUnauthorized?: (result: T) => boolean
  /** Lets go of an unauthorized result before the retry; default: cancels a `Response`'s body. */
  discard?: (result: T) => Promise<void>
}

async function cancelBody(result: unknown): Promise<void> {
  if (result instanceof Response) await result.body?.cancel().catch(() => {})
}

const keyOf = (provider: string, accountId: string) => `${provider}\u0000${accountId}`

/** Replaces every secret-looking string of the token that appears in `text`. */
function redact(text: string, token: Record<string, unknown>): string {
  let out = text
  for (const v of Object.values(token)) {
    if (typeof v === 'string' && v.length >= 8) out = out.split(v).join('[redacted]')
  }
  return out
}

/** The credential an account's token holds: `access_token`, else an API key. */
export function accessTokenOf(acc: Account): string | undefined {
  for (const k of ['access_token', 'api_key', 'key']) {
    const v = acc.token[k]
    if (typeof v === 'string' && v !== '') return v
  }
  return undefined
}

function statusOf(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined
  const s = (e as { status?: unknown }).status
  return typeof s === 'number' ? s : undefined
}

export class TokenManager {
  readonly #store: AccountStore
  readonly #refreshers: ReadonlyMap<string, Refresher>
  readonly #inflight = new Map<string, Promise<Account>>()
  readonly #backoff = new Map<string, RefreshBackoff>()
  readonly #leadMs: number
  readonly #skewMs: number
  readonly #backoffMs: number
  readonly #maxBackoffMs: number
  readonly #now: () => number
  readonly #onUnavailable: TokenManagerOptions['onUnavailable']
  readonly #onRefresh: ((provider: string, outcome: RefreshOutcome) => void) | undefined
  readonly #coordination: Coordination | undefined
  readonly #sync: () => Promise<void>
  readonly #lockMs: number

  constructor(
    store: AccountStore,
    refreshers: Record<string, Refresher> | ReadonlyMap<string, Refresher>,
    opts: TokenManagerOptions = {},
  ) {
    this.#store = store
    this.#refreshers = refreshers instanceof Map ? refreshers : new Map(Object.entries(refreshers))
    this.#leadMs = opts.leadMs ?? 5 * 60_000
    this.#skewMs = opts.expirySkewMs ?? 30_000
    this.#backoffMs = opts.backoffMs ?? 30_000
    this.#maxBackoffMs = opts.maxBackoffMs ?? 10 * 60_000
    this.#now = opts.now ?? Date.now
    this.#onUnavailable = opts.onUnavailable
    this.#onRefresh = opts.onRefresh
    this.#coordination = opts.coordination
    this.#sync = opts.sync ?? (() => Promise.resolve())
    this.#lockMs = opts.refreshLockMs ?? 30_000
  }

  /** The account (the provider's active one when `accountId` is absent); throws `NeedsLoginError` when there is none. */
  account(provider: string, accountId?: string): Account {
    const acc = accountId === undefined ? this.#store.active(provider) : this.#store.get(provider, accountId)
    if (!acc) throw new NeedsLoginError(provider, accountId, 'no such account')
    return acc
  }

  /** Whether the token should be refreshed now (expires within the lead time, or there is none). */
  needsRefresh(acc: Account): boolean {
    if (accessTokenOf(acc) === undefined) return true
    return acc.expiresAt !== undefined && acc.expiresAt - this.#now() <= this.#leadMs
  }

  #usable(acc: Account): boolean {
    return (
      accessTokenOf(acc) !== undefined &&
      (acc.expiresAt === undefined || acc.expiresAt - this.#now() > this.#skewMs)
    )
  }

  /** A valid access token for the account, refreshed first when it is about to expire. */
  async getFresh(provider: string, accountId?: string): Promise<string> {
    let acc = this.account(provider, accountId)
    this.#throwIfUnusable(acc)
    if (this.#refreshers.has(provider) && this.needsRefresh(acc)) {
      try {
        acc = await this.refresh(provider, acc.accountId)
      } catch (e) {
        // A proactive refresh that fails (or is backing off) does not spoil a token that still works.
        if (e instanceof RefreshFailedError && this.#usable(acc)) return accessTokenOf(acc)!
        throw e
      }
    }
    const token = accessTokenOf(acc)
    if (token === undefined) throw new NeedsLoginError(provider, acc.accountId, 'no access token is stored')
    return token
  }

  /**
   * Refreshes now (shared with any refresh already in flight for the account). Rejects with
   * `NeedsLoginError` (invalid_grant) or `RefreshFailedError` (anything else, or backing off).
   */
  refresh(provider: string, accountId: string): Promise<Account> {
    const key = keyOf(provider, accountId)
    const running = this.#inflight.get(key)
    if (running) return running
    const coordination = this.#coordination
    const once = coordination?.shared
      ? this.#refreshAcross(coordination, provider, accountId)
      : this.#refreshOnce(provider, accountId)
    const p = once.finally(() => this.#inflight.delete(key))
    this.#inflight.set(key, p)
    return p
  }

  /**
   * One refresh among every instance: the lock's holder refreshes (unless the token it reads
   * after syncing is already another than the one this call set out to replace); the others
   * wait for it and read the store again.
   */
  async #refreshAcross(coordination: Coordination, provider: string, accountId: string): Promise<Account> {
    const stale = this.account(provider, accountId)
    const replaced = (acc: Account) => accessTokenOf(acc) !== accessTokenOf(stale) && !this.needsRefresh(acc)
    const lock = `refresh:${provider}:${accountId}`
    for (let round = 0; round < LOCK_ROUNDS; round++) {
      const lease = await coordination.tryLock(lock, this.#lockMs)
      if (lease) {
        try {
          await this.#sync()
          const now = this.account(provider, accountId)
          if (replaced(now)) return now
          let out: Account
          try {
            out = await this.#refreshOnce(provider, accountId)
          } finally {
            // what it wrote (a token, or a failure's state) reaches the store before the lock goes
            await this.#sync()
            coordination.publish({ kind: 'accounts-changed', provider })
          }
          return out
        } finally {
          await lease.release()
        }
      }
      await coordination.waitFree(lock, this.#lockMs)
      await this.#sync()
      const now = this.account(provider, accountId)
      this.#throwIfUnusable(now)
      if (replaced(now)) return now
      const failedMeanwhile =
        now.state === 'refresh_failed' &&
        (stale.state !== 'refresh_failed' || now.updatedAt > stale.updatedAt)
      if (failedMeanwhile) throw this.#failedElsewhere(now)
    }
    throw new RefreshFailedError(
      provider,
      accountId,
      'another byokey instance holds the refresh lock and left no new token',
      this.#now() + this.#backoffMs,
    )
  }

  /** Another instance's refresh failed while this one waited: back off as if this one had. */
  #failedElsewhere(acc: Account): RefreshFailedError {
    const key = keyOf(acc.provider, acc.accountId)
    const b = this.#backoff.get(key)
    const failures = b && b.refreshToken === acc.token.refresh_token ? b.failures + 1 : 1
    const retryAt = this.#now() + Math.min(this.#maxBackoffMs, this.#backoffMs * 2 ** (failures - 1))
    const lastError = acc.lastError ?? 'refresh failed on another instance'
    this.#backoff.set(key, { failures, retryAt, lastError, refreshToken: acc.token.refresh_token })
    return new RefreshFailedError(acc.provider, acc.accountId, lastError, retryAt)
  }

  async #refreshOnce(provider: string, accountId: string): Promise<Account> {
    const acc = this.account(provider, accountId)
    this.#throwIfUnusable(acc)
    const refresher = this.#refreshers.get(provider)
    if (!refresher) {
      throw new RefreshFailedError(
        provider,
        accountId,
        `${provider} tokens cannot be refreshed`,
        Number.POSITIVE_INFINITY,
      )
    }
    const key = keyOf(provider, accountId)
    const b = this.#backoff.get(key)
    if (b && b.refreshToken === acc.token.refresh_token && this.#now() < b.retryAt) {
      const secs = Math.ceil((b.retryAt - this.#now()) / 1000)
      throw new RefreshFailedError(
        provider,
        accountId,
        `${b.lastError} (next attempt in ${secs} s)`,
        b.retryAt,
      )
    }
    let result: Awaited<ReturnType<Refresher['refresh']>>
    try {
      result = await refresher.refresh(acc)
    } catch (e) {
      if (e instanceof AccountUnavailableError) {
        this.#onRefresh?.(provider, 'unavailable')
        this.#backoff.delete(key)
        const reason = redact(e.reason, acc.token)
        if (this.#store.markUnavailable(provider, accountId, reason)) {
          this.#onUnavailable?.(provider, accountId, reason)
        }
        throw new AccountUnavailableError(provider, accountId, reason)
      }
      const reason = redact(e instanceof Error ? e.message : String(e), acc.token)
      this.#onRefresh?.(provider, e instanceof InvalidGrantError ? 'needs_login' : 'failed')
      if (e instanceof InvalidGrantError) {
        this.#backoff.delete(key)
        this.#store.setState(provider, accountId, 'needs_login', reason)
        throw new NeedsLoginError(
          provider,
          accountId,
          'the provider rejected the refresh token (invalid_grant)',
        )
      }
      const failures = b && b.refreshToken === acc.token.refresh_token ? b.failures + 1 : 1
      const delay = Math.max(
        Math.min(this.#maxBackoffMs, this.#backoffMs * 2 ** (failures - 1)),
        e instanceof OAuthError ? (e.retryAfterMs ?? 0) : 0,
      )
      const retryAt = this.#now() + delay
      this.#backoff.set(key, { failures, retryAt, lastError: reason, refreshToken: acc.token.refresh_token })
      this.#store.setState(provider, accountId, 'refresh_failed', reason)
      throw new RefreshFailedError(provider, accountId, reason, retryAt)
    }
    this.#onRefresh?.(provider, 'ok')
    this.#backoff.delete(key)
    this.#store.updateToken(provider, accountId, result.token, result.expiresAt)
    // an upstream answer may have given the account up while this refresh ran: that mark stays
    if (this.account(provider, accountId).state !== 'unavailable')
      this.#store.setState(provider, accountId, 'ok')
    return this.account(provider, accountId)
  }

  /** A login that waits for `byokey login` (or was given up by its provider) is not used or refreshed. */
  #throwIfUnusable(acc: Account): void {
    if (acc.state === 'needs_login') throw this.#needsLogin(acc)
    if (acc.state === 'unavailable') {
      throw new AccountUnavailableError(acc.provider, acc.accountId, acc.lastError ?? 'marked unavailable')
    }
  }

  #needsLogin(acc: Account): NeedsLoginError {
    return new NeedsLoginError(acc.provider, acc.accountId, 'the stored login is no longer valid')
  }

  /** What `status` shows about an account's tokens. */
  status(provider: string, accountId: string): RefreshStatus | undefined {
    const acc = this.#store.get(provider, accountId)
    if (!acc) return undefined
    const out: RefreshStatus = {
      state: acc.state,
      refreshing: this.#inflight.has(keyOf(provider, accountId)),
    }
    if (acc.lastError !== undefined) out.lastError = acc.lastError
    if (acc.expiresAt !== undefined) out.expiresAt = acc.expiresAt
    const b = this.#backoff.get(keyOf(provider, accountId))
    if (b && this.#now() < b.retryAt) {
      out.retryAt = b.retryAt
      out.failures = b.failures
    }
    return out
  }

  /**
   * One background sweep: refreshes every refreshable account expiring within `leadMs` that is
   * neither waiting for a login nor backing off. Failures are recorded on the accounts.
   */
  async refreshDue(leadMs = this.#leadMs): Promise<void> {
    const due: Promise<unknown>[] = []
    for (const acc of this.#store.list()) {
      if (acc.kind !== 'oauth' || acc.state === 'needs_login' || acc.state === 'unavailable') continue
      if (!this.#refreshers.has(acc.provider)) continue
      if (acc.expiresAt === undefined || acc.expiresAt - this.#now() > leadMs) continue
      const b = this.#backoff.get(keyOf(acc.provider, acc.accountId))
      if (b && b.refreshToken === acc.token.refresh_token && this.#now() < b.retryAt) continue
      due.push(this.refresh(acc.provider, acc.accountId).catch(() => {}))
    }
    await Promise.all(due)
  }

  /** Sweeps every `intervalMs` (default 60 s) on an unref'd timer; `stop()` ends it. */
  startBackground(opts: { intervalMs?: number; leadMs?: number } = {}): BackgroundRefresh {
    let running = false
    const timer = setInterval(() => {
      if (running) return
      running = true
      void this.refreshDue(opts.leadMs).finally(() => {
        running = false
      })
    }, opts.intervalMs ?? 60_000)
    timer.unref()
    return { stop: () => clearInterval(timer) }
  }

  /**
   * Runs `call` with a fresh token; when it comes back unauthorized (a 401 `Response`, or a thrown
   * error with `status` 401) the token is refreshed once — unless another caller already replaced
   * it — and `call` runs once more. The second outcome is returned as it is.
   */
  async withRefreshOn401<T>(
    provider: string,
    accountId: string | undefined,
    call: (token: string) => Promise<T>,
    opts: WithRefreshOptions<T> = {},
  ): Promise<T> {
    const id = this.account(provider, accountId).accountId
    const isUnauthorized = opts.isUnauthorized ?? ((r: T) => r instanceof Response && r.status === 401)
    const used = await this.getFresh(provider, id)
    let first: T
    try {
      first = await call(used)
    } catch (e) {
      if (statusOf(e) !== 401 || !this.#refreshers.has(provider)) throw e
      return call(await this.#replacementFor(provider, id, used))
    }
    if (!isUnauthorized(first) || !this.#refreshers.has(provider)) return first
    await (opts.discard ?? cancelBody)(first)
    return call(await this.#replacementFor(provider, id, used))
  }

  /** A token other than the rejected one: the stored one when it already changed, else a new refresh. */
  async #replacementFor(provider: string, accountId: string, rejected: string): Promise<string> {
    const acc = this.account(provider, accountId)
    const current = accessTokenOf(acc)
    if (current !== undefined && current !== rejected && acc.state !== 'needs_login') return current
    const fresh = accessTokenOf(await this.refresh(provider, accountId))
    if (fresh === undefined) throw new NeedsLoginError(provider, accountId, 'no access token is stored')
    return fresh
  }
}
