/**
 * What each gateway key has spent in its budget period, kept in memory: loaded from the usage
 * rows once per period (after writing what is queued, so nothing is counted twice or missed) and
 * moved on by every priced row the gateway writes. Periods are UTC calendar days and months.
 * Loading is async (the usage store may be across a network); `spent` stays synchronous for the
 * key gate, which awaits `ready` only at start and when a period turns.
 *
 * While coordination is shared, every priced row is also added to the key's running total of the
 * period across instances (`spend:<key id>:<period>:<period start>`, started from the store's
 * rows), and `spent` answers the larger of this instance's table and the last total it heard:
 * the answer of its own adds, or a read of the total at most once a second per key and period.
 */
import type { Coordination } from '../coordination/types.ts'
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

/** How often `spent` reads a shared total again. */
const SHARED_READ_MS = 1000
/** A shared total is kept this long past its period's end (late rows, clocks a little apart). */
const SHARED_MARGIN_MS = 60 * 60_000

const sharedName = (keyId: string, period: BudgetPeriod, start: number) => `spend:${keyId}:${period}:${start}`

interface Heard {
  value: number
  /** When it was last asked for (ms). */
  readAt: number
}

export class KeyBudgets {
  /** Per kind of period: the loaded period's start and the spend per key since then. */
  readonly #current = new Map<BudgetPeriod, { start: number; spent: Map<string, number> }>()
  /** Until when (Unix ms) the loaded tables hold: the earliest end of their periods. */
  #freshUntil = 0
  #loading: Promise<void> | undefined
  /** The shared totals as last heard, by name. */
  readonly #heard = new Map<string, Heard>()

  constructor(
    private readonly usage: UsageStore,
    private readonly onLoadError: (err: unknown) => void = () => {},
    private readonly coordination?: Pick<Coordination, 'shared' | 'addTo' | 'total'>,
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
    const start = periodStart(period, now)
    if (current?.start !== start) void this.ready(now)
    const mine = current?.spent.get(keyId) ?? 0
    if (!this.coordination?.shared) return mine
    const name = sharedName(keyId, period, start)
    let heard = this.#heard.get(name)
    if (!heard) {
      heard = { value: 0, readAt: Number.NEGATIVE_INFINITY }
      this.#heard.set(name, heard)
    }
    if (now - heard.readAt >= SHARED_READ_MS) this.#read(name, heard, now)
    return Math.max(mine, heard.value)
  }

  /** Counts a written row in every period it falls into. */
  add(rec: Readonly<UsageRecord>): void {
    if (rec.keyId === undefined || !rec.cost) return
    for (const { start, spent } of this.#current.values()) {
      if (rec.ts >= start) spent.set(rec.keyId, (spent.get(rec.keyId) ?? 0) + rec.cost.total)
    }
    if (this.coordination?.shared)
      for (const period of PERIODS) this.#addShared(rec, rec.keyId, rec.cost.total, period)
  }

  #addShared(rec: Readonly<UsageRecord>, keyId: string, cost: number, period: BudgetPeriod): void {
    const start = periodStart(period, rec.ts)
    const name = sharedName(keyId, period, start)
    // The total starts from the written rows. This row was queued before it was heard here:
    // written first, then left out, so it is counted once.
    const seed = async () => {
      await this.usage.flush()
      return Math.max(0, ((await this.usage.spendByKey(start)).get(keyId) ?? 0) - cost)
    }
    void this.coordination!.addTo(name, cost, periodEnd(period, rec.ts) + SHARED_MARGIN_MS, seed).then(
      (value) => {
        const heard = this.#heard.get(name)
        if (heard) heard.value = Math.max(heard.value, value)
        else this.#heard.set(name, { value, readAt: Date.now() })
      },
      (err: unknown) => this.onLoadError(err),
    )
  }

  #read(name: string, heard: Heard, now: number): void {
    heard.readAt = now
    void this.coordination!.total(name).then(
      (value) => {
        // a total only grows within its period: an answer older than an add's must not lower it
        if (value !== undefined) heard.value = Math.max(heard.value, value)
      },
      (err: unknown) => this.onLoadError(err),
    )
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
      // totals of periods that ended are not asked for again
      this.#heard.clear()
      this.#freshUntil = Math.min(...PERIODS.map((p) => periodEnd(p, now)))
    } catch (err) {
      this.onLoadError(err)
      this.#freshUntil = now + RETRY_MS
    }
  }
}
