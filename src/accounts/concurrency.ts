/**
 * Per-account concurrency caps (`providers.<id>.max_concurrency`): one queue of slots per
 * account, made on first use and resized when a reload changes the cap. The queue itself (arrival
 * order, waits bounded by a deadline and left when the client goes) is the gateway's; it is
 * handed in, so this layer keeps the state without depending on the layer above.
 */

/** What a cap needs of a queue of slots. */
export interface AccountSlots {
  readonly capacity: number
  /** Takes a slot when one is free, without waiting. */
  tryTake(): boolean
  /** Waits in line for a slot; rejects when `signal` aborts or `ms` pass first. */
  wait(signal: AbortSignal, ms: number): Promise<void>
  release(): void
  resize(capacity: number): void
}

const keyOf = (provider: string, account: string) => `${provider}\u0000${account}`

export class Concurrency {
  readonly #slots = new Map<string, AccountSlots>()

  constructor(private readonly make?: (capacity: number) => AccountSlots) {}

  /** The account's slots under `cap`; undefined without a cap (or without a way to make slots). */
  slotsFor(provider: string, account: string, cap: number | undefined): AccountSlots | undefined {
    if (cap === undefined || !this.make) return undefined
    const key = keyOf(provider, account)
    let slots = this.#slots.get(key)
    if (!slots) {
      slots = this.make(cap)
      this.#slots.set(key, slots)
    } else if (slots.capacity !== cap) slots.resize(cap)
    return slots
  }
}
