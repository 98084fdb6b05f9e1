/** The latest quota per credential on PostgreSQL, answered from memory: one row each, replaced when it changes. */
import type { SQL } from 'bun'
import type { Quota, QuotaStore, StoredQuota } from '../types.ts'
import { type Mirror, sameOrder } from './mirror.ts'
import type { WriteQueue } from './write-queue.ts'

interface Row {
  provider: string
  account: string
  observed_at: string
  quota_json: string
}

const toQuota = (r: Row): StoredQuota => ({
  provider: r.provider,
  account: r.account,
  observedAt: Number(r.observed_at),
  quota: JSON.parse(r.quota_json) as Quota,
})

const byAccount = sameOrder<StoredQuota>(
  (q) => q.provider,
  (q) => q.account,
)

export class PostgresQuotas implements QuotaStore, Mirror {
  readonly table = 'account_quotas' as const
  #rows: StoredQuota[] = []

  constructor(private readonly queue: WriteQueue) {}

  async load(sql: SQL): Promise<() => void> {
    const next = ((await sql`SELECT * FROM account_quotas`) as Row[]).map(toQuota).sort(byAccount)
    return () => {
      this.#rows = next
    }
  }

  save(q: StoredQuota): void {
    const json = JSON.stringify(q.quota)
    const kept: StoredQuota = { ...q, quota: JSON.parse(json) as Quota }
    this.#rows = [
      ...this.#rows.filter((r) => r.provider !== q.provider || r.account !== q.account),
      kept,
    ].sort(byAccount)
    this.queue.push({
      table: this.table,
      run: (sql) => sql`INSERT INTO account_quotas (provider, account, observed_at, quota_json)
        VALUES (${q.provider}, ${q.account}, ${q.observedAt}, ${json})
        ON CONFLICT (provider, account) DO UPDATE SET observed_at = excluded.observed_at, quota_json = excluded.quota_json`,
    })
  }

  list(provider?: string): StoredQuota[] {
    return (provider === undefined ? this.#rows : this.#rows.filter((q) => q.provider === provider)).map(
      (q) => ({
        ...q,
        quota: structuredClone(q.quota),
      }),
    )
  }
}
