/**
 * One full garbage collection once the gateway has gone quiet. Nothing collects an idle process:
 * after a burst of large bodies the garbage of the last requests (parsed bodies, their
 * re-serialised copies) and the allocator's free pages stay in RSS until traffic comes back.
 *
 * Nothing runs per request but a count and one check; the collection is decided by a timer armed
 * by the first request after a collection: each tick re-arms while requests are in flight or
 * arrived since the last tick, and collects on the tick after one that already saw the server
 * quiet. So it runs once per quiet spell, between `delayMs` and twice that after the last request
 * ended, never while one is in flight, and an idle gateway has no timer at all.
 */

/** What the collector reads and does; `Bun.gc(true)` and `setTimeout` in the gateway. */
export interface IdleCollectorHooks {
  /** Requests in flight now (streams still sending included). */
  pending(): number
  /** The quiet time wanted before collecting, read when a tick is armed; 0 turns collection off. */
  delayMs(): number
  collect(): void
  /** Runs `tick` after `ms`; returns what cancels it. */
  schedule(tick: () => void, ms: number): () => void
}

/** Full collection; mimalloc is told to give back what it can as well. */
export const fullCollection = (): void => Bun.gc(true)

/** A timer that does not keep the process alive. */
export function unrefTimer(tick: () => void, ms: number): () => void {
  const timer = setTimeout(tick, ms)
  timer.unref()
  return () => clearTimeout(timer)
}

export class IdleCollector {
  #arrived = 0
  #arrivedAtTick = 0
  #quietAtTick = false
  #cancel: (() => void) | undefined
  #collections = 0
  #ticks = 0

  constructor(private readonly hooks: IdleCollectorHooks) {}

  /** Collections run so far. */
  get collections(): number {
    return this.#collections
  }

  /** Timer ticks so far (collections included): how often the collector has looked. */
  get ticks(): number {
    return this.#ticks
  }

  /** A request arrived; arms the timer when it is not armed. */
  arrived(): void {
    this.#arrived++
    if (this.#cancel === undefined) {
      this.#quietAtTick = false
      this.#arm()
    }
  }

  /** Cancels a pending tick (at shutdown). */
  stop(): void {
    this.#cancel?.()
    this.#cancel = undefined
  }

  #arm(): void {
    const ms = this.hooks.delayMs()
    this.#arrivedAtTick = this.#arrived
    this.#cancel = ms > 0 ? this.hooks.schedule(() => this.#tick(), ms) : undefined
  }

  #tick(): void {
    this.#cancel = undefined
    this.#ticks++
    const quiet = this.hooks.pending() === 0 && this.#arrived === this.#arrivedAtTick
    if (quiet && this.#quietAtTick) {
      this.hooks.collect()
      this.#collections++
      return
    }
    this.#quietAtTick = quiet
    this.#arm()
  }
}
