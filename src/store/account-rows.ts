/**
 * An `accounts` row as both stores read it, and the `Account` it becomes. The columns are the same
 * on SQLite and PostgreSQL; PostgreSQL hands BIGINT columns back as strings, SQLite as numbers.
 */
import type { TokenCipher } from './token-seal.ts'
import type { Account, AccountState } from './types.ts'

export interface AccountRow {
  provider: string
  account_id: string
  label: string | null
  kind: 'oauth' | 'api_key'
  is_active: number
  token_json: string
  expires_at: number | string | null
  state: AccountState
  last_error: string | null
  created_at: number | string
  updated_at: number | string
}

/** The row as an `Account`, its token opened with `cipher`. */
export function toAccount(r: AccountRow, cipher: TokenCipher): Account {
  const acc: Account = {
    provider: r.provider,
    accountId: r.account_id,
    kind: r.kind,
    active: r.is_active === 1,
    token: JSON.parse(cipher.open(r.token_json)) as Record<string, unknown>,
    state: r.state,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }
  if (r.label !== null) acc.label = r.label
  if (r.expires_at !== null) acc.expiresAt = Number(r.expires_at)
  if (r.last_error !== null) acc.lastError = r.last_error
  return acc
}
