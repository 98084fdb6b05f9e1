/**
 * What each gateway key has spent in its budget period, kept in memory: loaded from the usage
 * rows once per period (after writing what is queued, so nothing is counted twice or missed) and
 * moved on by every priced row the gateway writes. Periods are UTC calendar days and months.
 */
import type { BudgetPeriod, UsageRecord, UsageStore } from '../store/types.ts'

/** Unix ms when the period holding `now` began. */
export function periodStart(period: BudgetPeriod, now: number): number {
  const d = new Date(now)
  return period === 'day'
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
}

/** Unix ms when the period holding `now` ends and the next begins. */
export function periodEnd(period: BudgetPeriod, now: number): number {
  const d = new Date(now)
  return period === 'day'
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
}

export class KeyBudgets {
  /** Per kind of period: the current period's start and the spend per key since then. */
  readonly #current = new Map<BudgetPeriod, { start: number; spent: Map<string, number> }>()

  constructor(private readonly usage: UsageStore) {}

  /** USD the key has spent in the period holding `now`. */
  spent(keyId: string, period: BudgetPeriod, now: number): number {
    return this.#table(period, periodStart(period, now)).get(keyId) ?? 0
  }

  /** Counts a written row in every period it falls into. */
  add(rec: Readonly<UsageRecord>): void {
    if (rec.keyId === undefined || !rec.cost) return
    for (const { start, spent } of this.#current.values()) {
      if (rec.ts >= start) spent.set(rec.keyId, (spent.get(rec.keyId) ?? 0) + rec.cost.total)
    }
  }

  #table(period: BudgetPeriod, start: number): Map<string, number> {
    const current = this.#current.get(period)
    if (current?.start === start) return current.spent
    // first use, or a new period began: what is queued is written first, then read back once
    this.usage.flush()
    const spent = this.usage.spendByKey(start)
    this.#current.set(period, { start, spent })
    return spent
  }
}
