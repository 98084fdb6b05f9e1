/**
 * Session affinity: which account each conversation was last served by, so its next turn goes to
 * the same one and the upstream's prompt cache (kept per account) keeps working. A bounded table
 * in least-recently-used order; an entry idle longer than `idleMs` is gone.
 */

/** The most conversations remembered per gateway; the least recently used is forgotten first. */
export const AFFINITY_MAX_SESSIONS = 10_000
/** How long a conversation's account is remembered after its last turn. */
export const AFFINITY_IDLE_MS = 60 * 60 * 1000

interface Entry {
  account: string
  lastMs: number
}

export class Affinity {
  /** Map iteration order is insertion order: re-inserting on use keeps the oldest first. */
  readonly #entries = new Map<string, Entry>()

  constructor(
    private readonly now: () => number,
    private readonly maxSessions = AFFINITY_MAX_SESSIONS,
    private readonly idleMs = AFFINITY_IDLE_MS,
  ) {}

  get size(): number {
    return this.#entries.size
  }

  /** The account the conversation was served by, unless it has been idle too long. */
  get(provider: string, session: string): string | undefined {
    const key = keyOf(provider, session)
    const e = this.#entries.get(key)
    if (!e) return undefined
    const now = this.now()
    this.#entries.delete(key)
    if (now - e.lastMs > this.idleMs) return undefined
    e.lastMs = now
    this.#entries.set(key, e)
    return e.account
  }

  /** Whether the conversation is remembered (without touching its place). */
  has(provider: string, session: string): boolean {
    return this.#entries.has(keyOf(provider, session))
  }

  /** The conversation's account can no longer serve it; false when it was not remembered. */
  forget(provider: string, session: string): boolean {
    return this.#entries.delete(keyOf(provider, session))
  }

  /** The conversation is now served by `account`. */
  set(provider: string, session: string, account: string): void {
    const key = keyOf(provider, session)
    this.#entries.delete(key)
    this.#entries.set(key, { account, lastMs: this.now() })
    if (this.#entries.size > this.maxSessions) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
  }
}

const keyOf = (provider: string, session: string) => `${provider}\u0000${session}`
