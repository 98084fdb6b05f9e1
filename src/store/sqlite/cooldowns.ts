/** Account cooldowns in SQLite, so a restart does not send traffic to an account the upstream refused. */
import type { Database } from 'bun:sqlite'
import type { Cooldown, CooldownReason, CooldownStore } from '../types.ts'

interface Row {
  provider: string
  account: string
  until_ms: number
  reason: CooldownReason
  failures: number
}

const toCooldown = (r: Row): Cooldown => ({
  provider: r.provider,
  account: r.account,
  untilMs: r.until_ms,
  reason: r.reason,
  failures: r.failures,
})

export function sqliteCooldowns(db: Database): CooldownStore {
  const cols = 'provider, account, until_ms, reason, failures'
  const all = db.query<Row, []>(`SELECT ${cols} FROM account_cooldowns ORDER BY provider, account`)
  const ofProvider = db.query<Row, [string]>(
    `SELECT ${cols} FROM account_cooldowns WHERE provider = ? ORDER BY account`,
  )
  const put = db.query(
    `INSERT INTO account_cooldowns (provider, account, until_ms, reason, failures, updated_at)
     VALUES ($provider, $account, $until, $reason, $failures, $now)
     ON CONFLICT (provider, account) DO UPDATE SET until_ms = $until, reason = $reason,
       failures = $failures, updated_at = $now`,
  )
  const clear = db.query('DELETE FROM account_cooldowns WHERE provider = ? AND account = ?')
  return {
    list: (provider) => (provider === undefined ? all.all() : ofProvider.all(provider)).map(toCooldown),
    put(c) {
      put.run({
        provider: c.provider,
        account: c.account,
        until: c.untilMs,
        reason: c.reason,
        failures: c.failures,
        now: Date.now(),
      })
    },
    clear(provider, account) {
      clear.run(provider, account)
    },
  }
}
