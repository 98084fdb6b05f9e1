/**
 * What happens to a gateway's usage rows besides being stored: each is priced with its config
 * snapshot's prices, and whoever keeps running totals (key budgets, metrics) hears of it as it is
 * written, without reading the database back.
 */
import type { Config } from '../config/schema.ts'
import type { UsageRecord } from '../store/types.ts'
import { PriceBook } from './pricing.ts'

export type UsageListener = (rec: Readonly<UsageRecord>) => void

/** The ledger as one config snapshot sees it: that snapshot's prices, the gateway's listeners. */
export interface MeterLedger {
  readonly prices: PriceBook
  notify(rec: Readonly<UsageRecord>): void
  /** A stream sent its first byte to the client. */
  streamOpened(): void
  /** That stream's row was written: it ended, however. */
  streamClosed(): void
}

/** One per gateway. */
export class UsageLedger {
  readonly #listeners: UsageListener[] = []
  readonly #bySnapshot = new WeakMap<Config, MeterLedger>()
  #streams = 0

  /** Streams sending to their clients now. */
  get streamsInFlight(): number {
    return this.#streams
  }

  /** Hears every usage row the gateway writes, after it is priced. */
  listen(f: UsageListener): void {
    this.#listeners.push(f)
  }

  /** The ledger of one config snapshot, made once per snapshot (prices are looked up once per model). */
  for(config: Config): MeterLedger {
    let view = this.#bySnapshot.get(config)
    if (!view) {
      const listeners = this.#listeners
      view = {
        prices: new PriceBook(config),
        notify(rec) {
          for (const f of listeners) f(rec)
        },
        streamOpened: () => {
          this.#streams++
        },
        streamClosed: () => {
          this.#streams--
        },
      }
      this.#bySnapshot.set(config, view)
    }
    return view
  }
}
