/**
 * The latest limits each account's answers reported (`Provider.quotaFrom`), kept per gateway and
 * written to the store when they change, so `byokey status` and `accounts` show them from their
 * own process. A request only leaves its answer's headers here (one map write); reading them and
 * writing the store happen on `flush`, which the gateway runs on a timer, so nothing is parsed
 * or written on a request's path, and only the latest answer per account is ever read.
 */
import type { Provider, Quota } from '../providers/types.ts'
import type { QuotaStore, StoredQuota } from '../store/types.ts'

interface Seen {
  provider: Provider
  account: string
  headers: Headers
  at: number
}

/** How often the gateway reads what answers left and writes what changed. */
export const QUOTA_FLUSH_MS = 1000

export class QuotaBoard {
  /** Answers not read yet, the latest per account. */
  readonly #pending = new Map<string, Seen>()
  /** What was last read per account, and its JSON, to write only changes. */
  readonly #latest = new Map<string, { stored: StoredQuota; json: string }>()

  /** Leaves an answer's headers for the next flush; a later answer of the same account replaces them. */
  capture(provider: Provider, account: string, headers: Headers): void {
    if (!provider.quotaFrom) return
    this.#pending.set(`${provider.id}\n${account}`, { provider, account, headers, at: Date.now() })
  }

  /** Reads the pending answers; writes each account whose limits changed to `store`. */
  flush(store: QuotaStore | undefined): void {
    if (this.#pending.size === 0) return
    const seen = [...this.#pending]
    this.#pending.clear()
    for (const [key, s] of seen) {
      const quota = s.provider.quotaFrom?.(s.headers, s.at)
      if (!quota) continue
      this.#keep(key, { provider: s.provider.id, account: s.account, observedAt: s.at, quota }, store)
    }
  }

  /** Limits read rather than captured (Copilot's quota endpoint), kept and written when changed. */
  record(stored: StoredQuota, store: QuotaStore | undefined): void {
    this.#keep(`${stored.provider}\n${stored.account}`, stored, store)
  }

  #keep(key: string, stored: StoredQuota, store: QuotaStore | undefined): void {
    const json = JSON.stringify(stored.quota)
    const unchanged = this.#latest.get(key)?.json === json
    this.#latest.set(key, { stored, json })
    if (!unchanged) store?.save(stored)
  }

  /** The latest limits of one account, as of the last flush. */
  latest(provider: string, account: string): Quota | undefined {
    return this.#latest.get(`${provider}\n${account}`)?.stored.quota
  }
}
