/** Accounts and their tokens in SQLite; one active account per provider, enforced by a partial unique index. */

import type { Database } from 'bun:sqlite'
import { type AccountRow as Row, toAccount } from '../account-rows.ts'
import { checkTokensOpen, isSealedAsCurrent, sealCounts, type TokenCipher } from '../token-seal.ts'
import type { AccountStore, NewAccount } from '../types.ts'

const COLUMNS =
  'provider, account_id, label, kind, is_active, token_json, expires_at, state, last_error, created_at, updated_at'

/**
 * `cipher` seals tokens as they are written and opens them as they are read; every stored token
 * is opened once here, so a missing or wrong secret key fails the open, before any row is touched.
 */
export function sqliteAccounts(db: Database, cipher: TokenCipher): AccountStore {
  const q = {
    list: db.query<Row, []>(`SELECT ${COLUMNS} FROM accounts ORDER BY provider, created_at, account_id`),
    listFor: db.query<Row, { p: string }>(
      `SELECT ${COLUMNS} FROM accounts WHERE provider = $p ORDER BY created_at, account_id`,
    ),
    get: db.query<Row, { p: string; a: string }>(
      `SELECT ${COLUMNS} FROM accounts WHERE provider = $p AND account_id = $a`,
    ),
    active: db.query<Row, { p: string }>(
      `SELECT ${COLUMNS} FROM accounts WHERE provider = $p AND is_active = 1`,
    ),
    count: db.query<{ n: number }, { p: string }>('SELECT COUNT(*) AS n FROM accounts WHERE provider = $p'),
    insert: db.prepare(
      `INSERT INTO accounts (provider, account_id, label, kind, is_active, token_json, expires_at, state, last_error, created_at, updated_at)
       VALUES ($p, $a, $label, $kind, $active, $token, $exp, 'ok', NULL, $now, $now)
       ON CONFLICT (provider, account_id) DO UPDATE SET
         label = COALESCE(excluded.label, accounts.label), kind = excluded.kind, token_json = excluded.token_json,
         expires_at = excluded.expires_at, state = 'ok', last_error = NULL, updated_at = excluded.updated_at`,
    ),
    deactivateAll: db.prepare('UPDATE accounts SET is_active = 0 WHERE provider = $p AND is_active = 1'),
    activate: db.prepare(
      'UPDATE accounts SET is_active = 1, updated_at = $now WHERE provider = $p AND account_id = $a',
    ),
    remove: db.prepare('DELETE FROM accounts WHERE provider = $p AND account_id = $a'),
    newest: db.query<{ account_id: string }, { p: string }>(
      'SELECT account_id FROM accounts WHERE provider = $p ORDER BY updated_at DESC, id DESC LIMIT 1',
    ),
    token: db.prepare(
      'UPDATE accounts SET token_json = $token, expires_at = $exp, updated_at = $now WHERE provider = $p AND account_id = $a',
    ),
    state: db.prepare(
      'UPDATE accounts SET state = $state, last_error = $err, updated_at = $now WHERE provider = $p AND account_id = $a',
    ),
    unavailable: db.prepare(
      `UPDATE accounts SET state = 'unavailable', last_error = $err, updated_at = $now
       WHERE provider = $p AND account_id = $a AND state != 'unavailable'`,
    ),
    tokens: db.query<{ provider: string; account_id: string; token_json: string }, []>(
      'SELECT provider, account_id, token_json FROM accounts',
    ),
    reseal: db.prepare(
      'UPDATE accounts SET token_json = $new WHERE provider = $p AND account_id = $a AND token_json = $old',
    ),
    // moved by triggers on `accounts` (migration 3), so writes of other connections count too
    version: db.query<{ version: number }, []>('SELECT version FROM accounts_version'),
  }

  checkTokensOpen(
    q.tokens.all().map((r) => r.token_json),
    cipher,
  )
  const toAcc = (r: Row) => toAccount(r, cipher)
  const get = (p: string, a: string) => {
    const r = q.get.get({ p, a })
    return r ? toAcc(r) : undefined
  }

  return {
    list: (provider) => (provider ? q.listFor.all({ p: provider }) : q.list.all()).map(toAcc),
    get,
    active(provider) {
      const r = q.active.get({ p: provider })
      return r ? toAcc(r) : undefined
    },
    upsert(acc: NewAccount) {
      db.transaction(() => {
        const first = (q.count.get({ p: acc.provider })?.n ?? 0) === 0
        q.insert.run({
          p: acc.provider,
          a: acc.accountId,
          label: acc.label ?? null,
          kind: acc.kind,
          active: first ? 1 : 0,
          token: cipher.seal(JSON.stringify(acc.token)),
          exp: acc.expiresAt ?? null,
          now: Date.now(),
        })
      }).immediate()
      return get(acc.provider, acc.accountId)!
    },
    setActive(provider, accountId) {
      return db
        .transaction(() => {
          if (!q.get.get({ p: provider, a: accountId })) return false
          q.deactivateAll.run({ p: provider })
          q.activate.run({ p: provider, a: accountId, now: Date.now() })
          return true
        })
        .immediate()
    },
    remove(provider, accountId) {
      return db
        .transaction(() => {
          const row = q.get.get({ p: provider, a: accountId })
          if (!row) return false
          q.remove.run({ p: provider, a: accountId })
          if (row.is_active === 1) {
            const next = q.newest.get({ p: provider })
            if (next) q.activate.run({ p: provider, a: next.account_id, now: Date.now() })
          }
          return true
        })
        .immediate()
    },
    updateToken(provider, accountId, token, expiresAt) {
      q.token.run({
        p: provider,
        a: accountId,
        token: cipher.seal(JSON.stringify(token)),
        exp: expiresAt ?? null,
        now: Date.now(),
      })
    },
    setState(provider, accountId, state, lastError) {
      q.state.run({ p: provider, a: accountId, state, err: lastError ?? null, now: Date.now() })
    },
    markUnavailable(provider, accountId, reason) {
      return q.unavailable.run({ p: provider, a: accountId, err: reason, now: Date.now() }).changes > 0
    },
    version: () => q.version.get()?.version ?? 0,
    tokenSeals: () => sealCounts(q.tokens.all().map((r) => r.token_json)),
    async resealTokens() {
      return db
        .transaction(() => {
          let n = 0
          for (const r of q.tokens.all()) {
            if (isSealedAsCurrent(r.token_json, cipher.keyring)) continue
            const fresh = cipher.seal(cipher.open(r.token_json))
            n += q.reseal.run({ p: r.provider, a: r.account_id, old: r.token_json, new: fresh }).changes
          }
          return n
        })
        .immediate()
    },
  }
}
