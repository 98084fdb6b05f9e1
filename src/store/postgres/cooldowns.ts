/** Account cooldowns on PostgreSQL, answered from memory, so a restart or another instance sees them. */
import type { SQL } from 'bun'
import type { Cooldown, CooldownReason, CooldownStore } from '../types.ts'
import { type Mirror, sameOrder } from './mirror.ts'
import type { WriteQueue } from './write-queue.ts'

interface Row {
  provider: string
  account: string
  until_ms: string
  reason: CooldownReason
  failures: number
}

const toCooldown = (r: Row): Cooldown => ({
  provider: r.provider,
  account: r.account,
  untilMs: Number(r.until_ms),
  reason: r.reason,
  failures: r.failures,
})

const byAccount = sameOrder<Cooldown>(
  (c) => c.provider,
  (c) => c.account,
)

export class PostgresCooldowns implements CooldownStore, Mirror {
  readonly table = 'account_cooldowns' as const
  #rows: Cooldown[] = []

  constructor(private readonly queue: WriteQueue) {}

  async load(sql: SQL): Promise<() => void> {
    const rows =
      (await sql`SELECT provider, account, until_ms, reason, failures FROM account_cooldowns`) as Row[]
    const next = rows.map(toCooldown).sort(byAccount)
    return () => {
      this.#rows = next
    }
  }

  list(provider?: string): Cooldown[] {
    return (provider === undefined ? this.#rows : this.#rows.filter((c) => c.provider === provider)).map(
      (c) => ({
        ...c,
      }),
    )
  }

  put(c: Cooldown): void {
    const now = Date.now()
    this.#rows = [
      ...this.#rows.filter((r) => r.provider !== c.provider || r.account !== c.account),
      { ...c },
    ].sort(byAccount)
    this.queue.push({
      table: this.table,
      run: (
        sql,
      ) => sql`INSERT INTO account_cooldowns (provider, account, until_ms, reason, failures, updated_at)
        VALUES (${c.provider}, ${c.account}, ${c.untilMs}, ${c.reason}, ${c.failures}, ${now})
        ON CONFLICT (provider, account) DO UPDATE SET until_ms = excluded.until_ms, reason = excluded.reason,
          failures = excluded.failures, updated_at = excluded.updated_at`,
    })
  }

  clear(provider: string, account: string): void {
    const before = this.#rows.length
    this.#rows = this.#rows.filter((r) => r.provider !== provider || r.account !== account)
    // clearing what is not there is the request path's common case: nothing to write
    if (this.#rows.length === before) return
    this.queue.push({
      table: this.table,
      run: (sql) => sql`DELETE FROM account_cooldowns WHERE provider = ${provider} AND account = ${account}`,
    })
  }
}
