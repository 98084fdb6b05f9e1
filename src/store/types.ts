/**
 * What the rest of byokey may ask of durable storage, on SQLite or PostgreSQL. Reads of the small
 * tables (accounts, keys, cooldowns, quotas) are synchronous: the request path asks them many
 * times per request, so a networked backend answers them from a mirror kept fresh by `sync()`.
 * Usage queries go to the backend and are async.
 */

export type AccountKind = 'oauth' | 'api_key'

/**
 * `ok`; `needs_login` after invalid_grant; `refresh_failed` after a failed refresh (retried later);
 * `unavailable` after the upstream answered that the account's tier, the account or the provider
 * no longer works (docs/accounts.md, "Accounts whose provider gave up"): skipped, never refreshed,
 * until a new login or `switch` clears it.
 */
export type AccountState = 'ok' | 'needs_login' | 'refresh_failed' | 'unavailable'

export interface Account {
  provider: string
  accountId: string
  label?: string
  kind: AccountKind
  active: boolean
  /** Provider-specific token JSON (access/refresh tokens, API key…). Never logged. */
  token: Record<string, unknown>
  /** Unix ms when the access token expires, when it does. */
  expiresAt?: number
  state: AccountState
  lastError?: string
  createdAt: number
  updatedAt: number
}

export interface NewAccount {
  provider: string
  accountId: string
  label?: string
  kind: AccountKind
  token: Record<string, unknown>
  expiresAt?: number
}

export interface AccountStore {
  list(provider?: string): Account[]
  get(provider: string, accountId: string): Account | undefined
  /** The provider's active account (exactly one per provider when any exist). */
  active(provider: string): Account | undefined
  /** Inserts or replaces the token of an account; a provider's first account becomes active. */
  upsert(acc: NewAccount): Account
  /** Makes one account the active one; false when it does not exist. */
  setActive(provider: string, accountId: string): boolean
  /** Removes an account; when it was active, the most recently updated other one takes over. */
  remove(provider: string, accountId: string): boolean
  updateToken(provider: string, accountId: string, token: Record<string, unknown>, expiresAt?: number): void
  setState(provider: string, accountId: string, state: AccountState, lastError?: string): void
  /**
   * Marks an account `unavailable` with why; true only for the call that changed it (a second
   * marking, by this process or another, finds it marked), so the warning is logged once.
   */
  markUnavailable(provider: string, accountId: string, reason: string): boolean
  /**
   * A number that moves whenever any account is added, changed or removed, by this process or
   * another one on the same store (a `byokey login` beside the server). Equal numbers: the
   * accounts are as they were.
   */
  version(): number
  /** How tokens are kept at rest: rows per id of the key that sealed them, `clear` for rows in clear. */
  tokenSeals(): Record<string, number>
  /**
   * Rewrites every token that is not yet as the store writes now (sealed under the current secret
   * key; in clear when there is none); a row changed meanwhile is left alone, its writer sealed it.
   * Neither the account's `updatedAt` nor its token changes. How many rows were rewritten (async:
   * a networked store rewrites them on the backend).
   */
  resealTokens(): Promise<number>
}

export type InboundDialect = 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'gemini'

export interface UsageRecord {
  /** Unix ms when the request arrived. */
  ts: number
  requestId?: string
  provider: string
  /** Account id or API-key label used upstream. */
  account?: string
  model: string
  dialect: InboundDialect
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  reasoningTokens: number
  /** HTTP status the client got (or 499 when it went away). */
  status: number
  latencyMs: number
  /** Time to the first byte sent to the client. */
  ttfbMs?: number
  stream: boolean
  /** Which of the request's upstream attempts this was, from 1 (absent in rows of older builds). */
  attempt?: number
  /** The attempt failed and the request went on to the next account: the client never saw this status. */
  failedOver?: boolean
  /** The gateway key the request came with (its id, never the key), when keys are in use. */
  keyId?: string
  /** What the row cost in USD at API prices; absent when the model has no known price. */
  cost?: UsageCost
}

/**
 * A usage row's price in USD, split as the row's tokens are. Subscription traffic is priced at
 * what the same tokens would cost through the vendor's API.
 */
export interface UsageCost {
  /** Input tokens not read from or written to a cache. */
  input: number
  /** Output tokens other than reasoning. */
  output: number
  cacheRead: number
  cacheWrite: number
  reasoning: number
  total: number
}

export interface UsageTotals {
  provider: string
  model: string
  requests: number
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  reasoningTokens: number
  errors: number
}

/** What usage can be grouped by: UTC day or hour, model, provider, account, gateway key id. */
export const USAGE_DIMENSIONS = ['day', 'hour', 'model', 'provider', 'account', 'key'] as const
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number]

export interface UsageQuery {
  /** Unix ms, inclusive. */
  fromMs: number
  /** Unix ms, exclusive. */
  toMs: number
  /** Up to two dimensions (`day` and `model` for a stacked chart); none: totals only. */
  groupBy: readonly UsageDimension[]
}

/** Sums over usage rows, in the management API's words. */
export interface UsageSums {
  /** Requests as the client saw them (failed-over attempts left out). */
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  cache_read_tokens: number
  cache_write_tokens: number
  reasoning_tokens: number
  /** USD at API prices, every row with a known price (failed-over attempts too: they were spent). */
  cost_usd: number
  /** Rows whose model has no known price, so `cost_usd` leaves them out. */
  unpriced: number
}

export interface UsageReport {
  /** One per group, the group's values under the dimension names (`day`, `model`…). */
  rows: Array<UsageSums & Partial<Record<UsageDimension, string | null>>>
  totals: UsageSums
}

export interface UsageStore {
  /** Sums over a time range, grouped as asked, with the range's totals. */
  report(q: UsageQuery): Promise<UsageReport>
  /** Queues a record; it is written off the request path in a batch, within the store's flush interval. */
  record(rec: UsageRecord): void
  /**
   * Writes everything queued now (shutdown, tests, before a read of written rows); resolves when
   * the rows are written, or when the backend cannot take them yet (they stay queued: `pending`).
   */
  flush(): Promise<void>
  /**
   * Records newest first: one per request (its answering attempt), and with `failedOver` the
   * attempts it moved on from too.
   */
  recent(limit: number, opts?: { failedOver?: boolean }): Promise<UsageRecord[]>
  /** Totals per provider and model since `sinceMs`, one request per request (failed-over attempts left out). */
  totals(sinceMs?: number): Promise<UsageTotals[]>
  /** USD spent per gateway key id since `sinceMs` (written rows only; failed-over attempts count, they cost too). */
  spendByKey(sinceMs: number): Promise<Map<string, number>>
  /** Records waiting to be written. */
  readonly pending: number
  /** Records dropped unwritten because the backend was away and the wait buffer was full (0 on SQLite). */
  readonly dropped: number
}

/**
 * One limit window an upstream reports on its answers: a rate limit (`requests`, `tokens`…) with
 * its limit and what remains, or a plan window (`5h`, `7d`, Codex's `primary`) as a share used.
 */
export interface QuotaWindow {
  /** What it counts, in the upstream's words: `requests`, `tokens`, `input_tokens`, `5h`, `primary`… */
  name: string
  limit?: number
  remaining?: number
  /** Percent of the window used (0–100), where the upstream reports a share rather than counts. */
  usedPercent?: number
  /** The window's length, where the upstream says it (Codex). */
  windowMinutes?: number
  /** When the window starts over, ISO 8601. */
  resetsAt?: string
  /** The upstream's own word for the window's state (Anthropic's `allowed`, `rejected`…). */
  status?: string
}

/** The limits one answer reported for the account that made the call. */
export interface Quota {
  /** The upstream's overall state where it says one (Anthropic's unified `status`). */
  status?: string
  /** When it starts over as a whole, ISO 8601 (Anthropic's unified `reset`). */
  resetsAt?: string
  windows: QuotaWindow[]
}

/** The latest limits an account's answers reported. */
export interface StoredQuota {
  provider: string
  /** The credential's label: a stored account's id, or a config key's label (`api_key`, `api_keys[0]`). */
  account: string
  /** When the answer came (ms). */
  observedAt: number
  quota: Quota
}

/** The latest quota per account, written by the gateway when it changes, read by the CLI. */
export interface QuotaStore {
  save(q: StoredQuota): void
  /** All of them, or one provider's, by provider and account. */
  list(provider?: string): StoredQuota[]
}

/**
 * Why an account cools down: what its last upstream failure was. `unavailable`: a key of the
 * config whose provider said it no longer works (a stored account would be marked instead).
 */
export type CooldownReason = 'rate_limit' | 'quota' | 'overloaded' | 'auth' | 'upstream' | 'unavailable'

/** An account (a stored login or a config key, by its label) that is not tried until `untilMs`. */
export interface Cooldown {
  provider: string
  /** The credential's label: the account id of a login, the label of a key. */
  account: string
  /** Unix ms when the account may be tried again (by one probe). */
  untilMs: number
  reason: CooldownReason
  /** Failures in a row; the next backoff doubles with each. */
  failures: number
}

export interface CooldownStore {
  /** All cooldowns (ended ones included until a success clears them), or one provider's. */
  list(provider?: string): Cooldown[]
  put(c: Cooldown): void
  clear(provider: string, account: string): void
}

/** How often a key's budget starts over (UTC calendar day or month). */
export type BudgetPeriod = 'day' | 'month'

/**
 * A key a client sends to byokey. Only a digest of the secret is stored; `prefix` (the first
 * characters of the secret) is what lists show so a person can tell keys apart.
 */
export interface GatewayKey {
  /** Stable id (`key_…`), kept across rotations; usage rows name it. */
  id: string
  name: string
  /** The secret's first characters (`byk-AbCd1234`), for display. */
  prefix: string
  /** Model globs the key may use; absent: every model. */
  models?: string[]
  /** Requests per minute; absent: no limit. */
  rpm?: number
  /** USD the key may spend per `budgetPeriod`; absent: no budget. */
  budgetUsd?: number
  budgetPeriod?: BudgetPeriod
  /** Unix ms after which the key is refused. */
  expiresAt?: number
  createdAt: number
  /** Unix ms of the last rotation, when it was rotated. */
  rotatedAt?: number
  /** Unix ms when it was revoked; revoked keys are kept so usage rows still name them. */
  revokedAt?: number
}

export interface NewGatewayKey {
  name: string
  models?: string[]
  rpm?: number
  budgetUsd?: number
  budgetPeriod?: BudgetPeriod
  expiresAt?: number
}

/** A key and its secret, returned once by `create` and `rotate`: the store keeps only a digest. */
export interface IssuedGatewayKey {
  key: GatewayKey
  secret: string
}

export interface KeyStore {
  /** Every key, revoked ones included, oldest first. */
  list(): GatewayKey[]
  get(id: string): GatewayKey | undefined
  /** Makes a key with a fresh secret. */
  create(k: NewGatewayKey): IssuedGatewayKey
  /** Gives the key a fresh secret (the old one stops working); undefined when no such key. */
  rotate(id: string): IssuedGatewayKey | undefined
  /** Marks the key revoked; false when no such key or already revoked. */
  revoke(id: string): boolean
  /**
   * Every key with the digest of its secret, revoked ones included (so a client can be told its
   * key was revoked), for the request path's lookup table. The digest is as secret as the key:
   * never show, log or return it.
   */
  digests(): { digest: string; key: GatewayKey }[]
  /**
   * A number that moves whenever any key changes, by this process or another on the same store.
   * A read of the backend: the request path asks it at most about once a second.
   */
  version(): number
  /** Writes made through this object: free to read, so the request path sees its own process's changes at once. */
  readonly writes: number
}

/** A management API key as listed: never the key nor its hash. */
export interface AdminKey {
  id: string
  name: string
  /** The key's last four characters, to tell keys apart. */
  hint: string
  createdAt: number
  lastUsedAt?: number
}

/** Keys of the management API; only their hashes are stored. */
export interface AdminKeyStore {
  /** Stores a new key's hash; the key itself is returned once and kept nowhere. */
  create(name: string): { key: string; info: AdminKey }
  list(): AdminKey[]
  /** The key `presented` is, or undefined; marks it used. */
  verify(presented: string): AdminKey | undefined
  /** Removes a key by id or name; false when there is none. */
  revoke(idOrName: string): boolean
}

export interface Store {
  readonly accounts: AccountStore
  readonly keys: KeyStore
  readonly adminKeys: AdminKeyStore
  readonly cooldowns: CooldownStore
  readonly usage: UsageStore
  readonly quotas: QuotaStore
  /** Where the data lives (a file path for SQLite). */
  readonly location: string
  /** True when the backend answers (synchronous: readiness asks it on every probe). */
  ping(): boolean
  /**
   * Brings this process's view of accounts, keys, admin keys, cooldowns and quotas up to date with
   * the backend and waits for this process's queued writes to them. Resolves at once where the
   * store reads through (SQLite).
   */
  sync(): Promise<void>
  /** Flushes queued writes and closes. */
  close(): Promise<void>
}
