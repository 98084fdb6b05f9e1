/**
 * Accounts on PostgreSQL, answered from memory. Writes change the mirror at once and reach the
 * database through the write queue; the ones other instances may race on are decided there,
 * under a per-provider advisory lock: a provider's first account becomes active, one active
 * account per provider, the newest takes over from a removed active one. Should the database
 * decide otherwise than this mirror did, the reload after the write shows its answer.
 */

import type { SQL } from 'bun'
import { type AccountRow as Row, toAccount } from '../account-rows.ts'
import { checkTokensOpen, isSealedAsCurrent, sealCounts, type TokenCipher } from '../token-seal.ts'
import type { Account, AccountState, AccountStore, NewAccount } from '../types.ts'
import { type Mirror, sameOrder } from './mirror.ts'
import type { WriteQueue } from './write-queue.ts'

/** A copy callers may change without changing the mirror. */
const copy = (a: Account): Account => ({ ...a, token: { ...a.token } })

const byListOrder = sameOrder<Account>(
  (a) => a.provider,
  (a) => a.createdAt,
  (a) => a.accountId,
)

/** Serializes writes to one provider's accounts across instances, inside a transaction. */
const lockProvider = (tx: SQL, provider: string) =>
  tx`SELECT pg_advisory_xact_lock(hashtext(${`byokey.accounts:${provider}`}))`

const storedKey = (provider: string, accountId: string) => `${provider}\0${accountId}`

export class PostgresAccounts implements AccountStore, Mirror {
  readonly table = 'accounts' as const
  #rows: Account[] = []
  #version = 0
  /** Each account's token as stored (sealed or in clear), by `storedKey`: what `tokenSeals` counts. */
  #stored = new Map<string, string>()

  /**
   * `cipher` seals tokens as they are written and opens them as they are loaded; a load whose
   * tokens do not all open fails whole (with the key's variable named) and changes nothing.
   */
  constructor(
    private readonly queue: WriteQueue,
    private readonly cipher: TokenCipher,
  ) {}

  async load(sql: SQL): Promise<() => void> {
    const rows =
      (await sql`SELECT provider, account_id, label, kind, is_active, token_json, expires_at, state,
      last_error, created_at, updated_at FROM accounts`) as Row[]
    checkTokensOpen(
      rows.map((r) => r.token_json),
      this.cipher,
    )
    const next = rows.map((r) => toAccount(r, this.cipher)).sort(byListOrder)
    const stored = new Map(rows.map((r) => [storedKey(r.provider, r.account_id), r.token_json]))
    return () => {
      this.#rows = next
      this.#stored = stored
      this.#version++
    }
  }

  list(provider?: string): Account[] {
    return (provider === undefined ? this.#rows : this.#rows.filter((a) => a.provider === provider)).map(copy)
  }

  get(provider: string, accountId: string): Account | undefined {
    const a = this.#find(provider, accountId)
    return a ? copy(a) : undefined
  }

  active(provider: string): Account | undefined {
    const a = this.#rows.find((r) => r.provider === provider && r.active)
    return a ? copy(a) : undefined
  }

  upsert(acc: NewAccount): Account {
    const now = Date.now()
    const old = this.#find(acc.provider, acc.accountId)
    if (old) {
      if (acc.label !== undefined) old.label = acc.label
      old.kind = acc.kind
      old.token = { ...acc.token }
      if (acc.expiresAt === undefined) delete old.expiresAt
      else old.expiresAt = acc.expiresAt
      old.state = 'ok'
      delete old.lastError
      old.updatedAt = now
    } else {
      const first = !this.#rows.some((r) => r.provider === acc.provider)
      const row: Account = {
        provider: acc.provider,
        accountId: acc.accountId,
        kind: acc.kind,
        active: first,
        token: { ...acc.token },
        state: 'ok',
        createdAt: now,
        updatedAt: now,
      }
      if (acc.label !== undefined) row.label = acc.label
      if (acc.expiresAt !== undefined) row.expiresAt = acc.expiresAt
      this.#rows.push(row)
      this.#rows.sort(byListOrder)
    }
    this.#version++
    const token = this.cipher.seal(JSON.stringify(acc.token))
    this.#stored.set(storedKey(acc.provider, acc.accountId), token)
    this.#writeLocked(acc.provider, async (tx) => {
      await tx`INSERT INTO accounts (provider, account_id, label, kind, is_active, token_json, expires_at, state,
              last_error, created_at, updated_at)
            VALUES (${acc.provider}, ${acc.accountId}, ${acc.label ?? null}, ${acc.kind},
              CASE WHEN EXISTS (SELECT 1 FROM accounts WHERE provider = ${acc.provider}) THEN 0 ELSE 1 END,
              ${token}, ${acc.expiresAt ?? null}, 'ok', NULL, ${now}, ${now})
            ON CONFLICT (provider, account_id) DO UPDATE SET
              label = COALESCE(excluded.label, accounts.label), kind = excluded.kind, token_json = excluded.token_json,
              expires_at = excluded.expires_at, state = 'ok', last_error = NULL, updated_at = excluded.updated_at`
    })
    return copy(this.#find(acc.provider, acc.accountId)!)
  }

  setActive(provider: string, accountId: string): boolean {
    const target = this.#find(provider, accountId)
    if (!target) return false
    const now = Date.now()
    for (const r of this.#rows) if (r.provider === provider) r.active = false
    target.active = true
    target.updatedAt = now
    this.#version++
    this.#writeLocked(provider, async (tx) => {
      const [found] =
        await tx`SELECT 1 AS one FROM accounts WHERE provider = ${provider} AND account_id = ${accountId}`
      if (!found) return
      await tx`UPDATE accounts SET is_active = 0 WHERE provider = ${provider} AND is_active = 1`
      await tx`UPDATE accounts SET is_active = 1, updated_at = ${now}
        WHERE provider = ${provider} AND account_id = ${accountId}`
    })
    return true
  }

  remove(provider: string, accountId: string): boolean {
    const gone = this.#find(provider, accountId)
    if (!gone) return false
    this.#rows = this.#rows.filter((r) => r !== gone)
    this.#stored.delete(storedKey(provider, accountId))
    const now = Date.now()
    if (gone.active) {
      const next = this.#rows
        .filter((r) => r.provider === provider)
        .reduce<Account | undefined>(
          (best, r) => (!best || r.updatedAt >= best.updatedAt ? r : best),
          undefined,
        )
      if (next) {
        next.active = true
        next.updatedAt = now
      }
    }
    this.#version++
    this.#writeLocked(provider, async (tx) => {
      const [removed] =
        await tx`DELETE FROM accounts WHERE provider = ${provider} AND account_id = ${accountId}
        RETURNING is_active`
      if ((removed as { is_active: number } | undefined)?.is_active !== 1) return
      await tx`UPDATE accounts SET is_active = 1, updated_at = ${now} WHERE id = (
        SELECT id FROM accounts WHERE provider = ${provider} ORDER BY updated_at DESC, id DESC LIMIT 1)`
    })
    return true
  }

  updateToken(provider: string, accountId: string, token: Record<string, unknown>, expiresAt?: number): void {
    const now = Date.now()
    const a = this.#find(provider, accountId)
    if (a) {
      a.token = { ...token }
      if (expiresAt === undefined) delete a.expiresAt
      else a.expiresAt = expiresAt
      a.updatedAt = now
      this.#version++
    }
    const json = this.cipher.seal(JSON.stringify(token))
    if (a) this.#stored.set(storedKey(provider, accountId), json)
    this.queue.push({
      table: this.table,
      run: (
        sql,
      ) => sql`UPDATE accounts SET token_json = ${json}, expires_at = ${expiresAt ?? null}, updated_at = ${now}
        WHERE provider = ${provider} AND account_id = ${accountId}`,
    })
  }

  setState(provider: string, accountId: string, state: AccountState, lastError?: string): void {
    const now = Date.now()
    const a = this.#find(provider, accountId)
    if (a) {
      a.state = state
      if (lastError === undefined) delete a.lastError
      else a.lastError = lastError
      a.updatedAt = now
      this.#version++
    }
    this.queue.push({
      table: this.table,
      run: (
        sql,
      ) => sql`UPDATE accounts SET state = ${state}, last_error = ${lastError ?? null}, updated_at = ${now}
        WHERE provider = ${provider} AND account_id = ${accountId}`,
    })
  }

  /**
   * True when this mirror saw the account not yet marked. The database's update is conditional
   * too, so two instances marking at once leave one marking; each may log it once.
   */
  markUnavailable(provider: string, accountId: string, reason: string): boolean {
    const a = this.#find(provider, accountId)
    if (!a || a.state === 'unavailable') return false
    const now = Date.now()
    a.state = 'unavailable'
    a.lastError = reason
    a.updatedAt = now
    this.#version++
    this.queue.push({
      table: this.table,
      run: (sql) => sql`UPDATE accounts SET state = 'unavailable', last_error = ${reason}, updated_at = ${now}
        WHERE provider = ${provider} AND account_id = ${accountId} AND state <> 'unavailable'`,
    })
    return true
  }

  version(): number {
    return this.#version
  }

  tokenSeals(): Record<string, number> {
    return sealCounts([...this.#stored.values()])
  }

  /** In the write queue, after this process's earlier writes; each row rewritten only if unchanged since read. */
  async resealTokens(): Promise<number> {
    let resealed = 0
    this.queue.push({
      table: this.table,
      run: (sql) =>
        sql.begin(async (tx) => {
          const rows = (await tx`SELECT provider, account_id, token_json FROM accounts`) as Row[]
          for (const r of rows) {
            if (isSealedAsCurrent(r.token_json, this.cipher.keyring)) continue
            const fresh = this.cipher.seal(this.cipher.open(r.token_json))
            const done = await tx`UPDATE accounts SET token_json = ${fresh}
              WHERE provider = ${r.provider} AND account_id = ${r.account_id} AND token_json = ${r.token_json}`
            resealed += done.count
            if (done.count > 0) this.#stored.set(storedKey(r.provider, r.account_id), fresh)
          }
        }),
    })
    await this.queue.settled()
    return resealed
  }

  /** Queues `write` in a transaction that holds the provider's lock first. */
  #writeLocked(provider: string, write: (tx: SQL) => Promise<void>): void {
    this.queue.push({
      table: this.table,
      run: (sql) =>
        sql.begin(async (tx) => {
          await lockProvider(tx, provider)
          await write(tx)
        }),
    })
  }

  #find(provider: string, accountId: string): Account | undefined {
    return this.#rows.find((r) => r.provider === provider && r.accountId === accountId)
  }
}
