/**
 * What each gateway key has spent in its budget period, kept in memory: loaded from the usage
 * rows once per period (after writing what is queued, so nothing is counted twice or missed) and
 * moved on by every priced row the gateway writes. Periods are UTC calendar days and months.
 * Loading is async (the usage store may be across a network); `spent` stays synchronous for the
 * key gate, which awaits `ready` only at start and when a period turns.
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

/** After a failed load, how long the key gate goes on with the tables it has before trying again. */
const RETRY_MS = 1000

const PERIODS: readonly BudgetPeriod[] = ['day', 'month']

export class KeyBudgets {
  /** Per kind of period: the loaded period's start and the spend per key since then. */
  readonly #current = new Map<BudgetPeriod, { start: number; spent: Map<string, number> }>()
  /** Until when (Unix ms) the loaded tables hold: the earliest end of their periods. */
  #freshUntil = 0
  #loading: Promise<void> | undefined

  constructor(
    private readonly usage: UsageStore,
    private readonly onLoadError: (err: unknown) => void = () => {},
  ) {}

  /**
   * Undefined when the tables for `now` are loaded (the request path's case: one comparison);
   * otherwise the load that makes them so, to await before `spent`. A failed load is reported and
   * the old tables serve on until a retry a second later: budgets are then what was last known.
   */
  ready(now: number): Promise<void> | undefined {
    if (now < this.#freshUntil) return undefined
    this.#loading ??= this.#load(now).finally(() => {
      this.#loading = undefined
    })
    return this.#loading
  }

  /** USD the key has spent in the period holding `now`, as of the last load (0 before any). */
  spent(keyId: string, period: BudgetPeriod, now: number): number {
    const current = this.#current.get(period)
    if (current?.start !== periodStart(period, now)) void this.ready(now)
    return current?.spent.get(keyId) ?? 0
  }

  /** Counts a written row in every period it falls into. */
  add(rec: Readonly<UsageRecord>): void {
    if (rec.keyId === undefined || !rec.cost) return
    for (const { start, spent } of this.#current.values()) {
      if (rec.ts >= start) spent.set(rec.keyId, (spent.get(rec.keyId) ?? 0) + rec.cost.total)
    }
  }

  async #load(now: number): Promise<void> {
    try {
      // what is queued is written first, then read back once per period
      await this.usage.flush()
      const loaded = await Promise.all(
        PERIODS.map(async (period) => {
          const start = periodStart(period, now)
          return { period, start, spent: await this.usage.spendByKey(start) }
        }),
      )
      for (const { period, start, spent } of loaded) this.#current.set(period, { start, spent })
      this.#freshUntil = Math.min(...PERIODS.map((p) => periodEnd(p, now)))
    } catch (err) {
      this.onLoadError(err)
      this.#freshUntil = now + RETRY_MS
    }
  }
}
