/**
 * byokey's own queue for upstream calls: at most `capacity` calls in flight, the rest wait here in
 * arrival order. The runtime's fetch keeps a queue of its own (it opens at most 256 connections
 * unless `BUN_CONFIG_MAX_HTTP_REQUESTS` was set when the process started), but a wait there is
 * invisible, cannot be left, and runs inside the call's first-byte timer. With the capacity kept
 * below the runtime's limit every wait happens here instead: not counted as upstream time, left
 * the moment the client goes away, and bounded by a deadline of its own.
 */

/** The wait for a slot outlasted its deadline. */
export class SlotWaitTimeout extends Error {
  constructor(
    readonly ms: number,
    readonly capacity: number,
  ) {
    super(`all ${capacity} upstream slots stayed busy for ${ms} ms`)
    this.name = 'SlotWaitTimeout'
  }
}

interface Waiter {
  /** Granted, timed out or abandoned: the queue skips it. */
  settled: boolean
  grant(): void
}

/** Fewer queued entries than this are never compacted: shifting a short array costs more than it saves. */
const COMPACT_AFTER = 1024

export class UpstreamSlots {
  #capacity: number
  #inFlight = 0
  #queued = 0
  /** Waiters in arrival order from `#head`; settled ones stay until passed over. */
  #queue: Waiter[] = []
  #head = 0

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  /** Calls in flight upstream now. */
  get inFlight(): number {
    return this.#inFlight
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.#queued
  }

  get capacity(): number {
    return this.#capacity
  }

  /** A new limit (config reload): a larger one lets waiting calls go at once. */
  resize(capacity: number): void {
    this.#capacity = capacity
    this.#grantWaiting()
  }

  /**
   * Takes a slot when one is free: a counter, no promise. While anyone waits no slot is free
   * (a release hands its slot to the first waiter), so a newcomer never overtakes the queue.
   */
  tryTake(): boolean {
    if (this.#inFlight >= this.#capacity) return false
    this.#inFlight++
    return true
  }

  /**
   * Waits in line for a slot. Rejects with the signal's reason when it aborts (the waiter leaves
   * the queue at once), or with `SlotWaitTimeout` once `ms` pass without a slot.
   */
  wait(signal: AbortSignal, ms: number): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason)
    return new Promise<void>((resolve, reject) => {
      const leave = (reason: unknown) => {
        if (waiter.settled) return
        waiter.settled = true
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        this.#queued--
        if (this.#queued === 0) this.#clearQueue()
        reject(reason)
      }
      const onAbort = () => leave(signal.reason)
      const waiter: Waiter = {
        settled: false,
        grant: () => {
          waiter.settled = true
          clearTimeout(timer)
          signal.removeEventListener('abort', onAbort)
          resolve()
        },
      }
      const timer = setTimeout(() => leave(new SlotWaitTimeout(ms, this.#capacity)), ms)
      signal.addEventListener('abort', onAbort, { once: true })
      this.#queue.push(waiter)
      this.#queued++
    })
  }

  /** Gives a slot back: to the first waiter when there is one. */
  release(): void {
    this.#inFlight--
    if (this.#queued > 0) this.#grantWaiting()
  }

  #grantWaiting(): void {
    while (this.#queued > 0 && this.#inFlight < this.#capacity) {
      const waiter = this.#queue[this.#head++]
      if (!waiter || waiter.settled) continue
      this.#queued--
      this.#inFlight++
      waiter.grant()
    }
    if (this.#queued === 0) this.#clearQueue()
    else if (this.#head > COMPACT_AFTER && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
  }

  #clearQueue(): void {
    this.#queue = []
    this.#head = 0
  }
}

/** Connections the runtime's fetch opens at once when `BUN_CONFIG_MAX_HTTP_REQUESTS` is not set. */
export const RUNTIME_DEFAULT_FETCH_LIMIT = 256

/**
 * The runtime's fetch limit: `BUN_CONFIG_MAX_HTTP_REQUESTS` (1–65535) as it was when the process
 * started. The runtime reads it once at startup (measured on Bun 1.4.4, also in the compiled
 * binary): setting it later from code changes nothing, and an invalid value means the default.
 */
export function runtimeFetchLimit(env: Record<string, string | undefined>): number {
  const raw = env['BUN_CONFIG_MAX_HTTP_REQUESTS']
  const n = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  return n >= 1 && n <= 65_535 ? n : RUNTIME_DEFAULT_FETCH_LIMIT
}

/**
 * The runtime connections kept out of the gateway's slots for the other calls byokey makes
 * (token refreshes, token counts, model lists), so that these never queue behind long streams.
 */
export function reservedConnections(runtimeLimit: number): number {
  return Math.min(16, Math.floor(runtimeLimit / 16))
}

/** The slots the gateway may use: the configured limit, within what the runtime's fetch allows. */
export function slotCapacity(configured: number, runtimeLimit: number): number {
  return Math.max(1, Math.min(configured, runtimeLimit - reservedConnections(runtimeLimit)))
}

/** The `BUN_CONFIG_MAX_HTTP_REQUESTS` that lets `configured` upstream calls run beside the reserved ones. */
export function fetchLimitFor(configured: number): number {
  return Math.min(65_535, configured + 16)
}
