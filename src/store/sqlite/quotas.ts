/** The latest quota per credential in SQLite: one row each, replaced when it changes. */
import type { Database } from 'bun:sqlite'
import type { Quota, QuotaStore, StoredQuota } from '../types.ts'

interface Row {
  provider: string
  account: string
  observed_at: number
  quota_json: string
}

const toQuota = (r: Row): StoredQuota => ({
  provider: r.provider,
  account: r.account,
  observedAt: r.observed_at,
  quota: JSON.parse(r.quota_json) as Quota,
})

export function sqliteQuotas(db: Database): QuotaStore {
  const save = db.prepare(
    `INSERT INTO account_quotas (provider, account, observed_at, quota_json) VALUES ($p, $a, $t, $q)
     ON CONFLICT (provider, account) DO UPDATE SET observed_at = excluded.observed_at, quota_json = excluded.quota_json`,
  )
  const all = db.query('SELECT * FROM account_quotas ORDER BY provider, account')
  const one = db.query('SELECT * FROM account_quotas WHERE provider = $p ORDER BY account')
  return {
    save: (q) => {
      save.run({ p: q.provider, a: q.account, t: q.observedAt, q: JSON.stringify(q.quota) })
    },
    list: (provider) =>
      (provider === undefined ? (all.all() as Row[]) : (one.all({ p: provider }) as Row[])).map(toQuota),
  }
}
