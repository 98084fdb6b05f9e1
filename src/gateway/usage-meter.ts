/**
 * Counts what one upstream attempt used and writes exactly one usage record for it, however it
 * ends: the request's answer, or an attempt it moved on from (`failedOver`).
 */
import type { StreamEvent, Usage } from '../dialects/ir.ts'
import type { InboundDialect, Store, UsageRecord } from '../store/types.ts'
import type { MeterLedger } from './usage-ledger.ts'

export interface MeterBase {
  requestId: string
  provider: string
  account?: string
  model: string
  dialect: InboundDialect
  stream: boolean
  /** performance.now() at request start. */
  start: number
  /** Which of the request's attempts this is, from 1. */
  attempt?: number
  /** The gateway key the client sent (its id). */
  keyId?: string
}

export class UsageMeter {
  #usage: Usage | undefined
  #ttfb: number | undefined
  #written = false
  #streamError = false
  /** The status the in-stream error stands for (504 for a timeout), when it named one. */
  #streamErrorStatus: number | undefined
  readonly #ts = Date.now()

  constructor(
    readonly base: MeterBase,
    private readonly store: Store,
    /** Prices the row and tells the gateway's running totals; without one rows go unpriced. */
    private readonly ledger?: MeterLedger,
  ) {}

  /** Takes a usage snapshot; later snapshots win (upstreams report cumulative totals). */
  setUsage(u: Usage | undefined): void {
    if (!u) return
    this.#usage = this.#usage ? merge(this.#usage, u) : u
  }

  observe(ev: StreamEvent): void {
    switch (ev.type) {
      case 'start':
        this.setUsage(ev.usage)
        break
      case 'usage':
        this.setUsage(ev.usage)
        break
      case 'finish':
        this.setUsage(ev.usage)
        break
      case 'error':
        this.#streamError = true
        this.#streamErrorStatus ??= ev.error.status
        break
    }
  }

  firstByte(): void {
    if (this.#ttfb !== undefined) return
    this.#ttfb = Math.round(performance.now() - this.base.start)
    if (this.base.stream && !this.#written) this.ledger?.streamOpened()
  }

  /** Whether an in-stream error was seen (the HTTP status was already 200). */
  get streamFailed(): boolean {
    return this.#streamError
  }

  /** Writes the record of an attempt the request moved on from (the next account got it); once. */
  failedOver(status: number): void {
    this.#write(status, true)
  }

  /** Writes the record once; later calls are ignored. */
  finish(status: number): void {
    this.#write(status, false)
  }

  #write(status: number, failedOver: boolean): void {
    if (this.#written) return
    this.#written = true
    const u = this.#usage
    const rec: UsageRecord = {
      ts: this.#ts,
      requestId: this.base.requestId,
      provider: this.base.provider,
      ...(this.base.account === undefined ? {} : { account: this.base.account }),
      model: this.base.model,
      dialect: this.base.dialect,
      inputTokens: u?.inputTokens ?? 0,
      outputTokens: u?.outputTokens ?? 0,
      cacheReadTokens: u?.cacheReadTokens ?? 0,
      cacheWriteTokens: u?.cacheWriteTokens ?? 0,
      reasoningTokens: u?.reasoningTokens ?? 0,
      // a stream that failed after its 200 went out is recorded as what the failure was
      status: status === 200 && this.#streamError ? (this.#streamErrorStatus ?? 502) : status,
      latencyMs: Math.round(performance.now() - this.base.start),
      ...(this.#ttfb === undefined ? {} : { ttfbMs: this.#ttfb }),
      stream: this.base.stream,
      ...(this.base.attempt === undefined ? {} : { attempt: this.base.attempt }),
      ...(failedOver ? { failedOver } : {}),
      ...(this.base.keyId === undefined ? {} : { keyId: this.base.keyId }),
    }
    const ledger = this.ledger
    if (ledger) {
      const cost = ledger.prices.cost(rec.provider, rec.model, rec)
      if (cost) rec.cost = cost
    }
    this.store.usage.record(rec)
    if (ledger) {
      if (this.base.stream && this.#ttfb !== undefined) ledger.streamClosed()
      ledger.notify(rec)
    }
  }
}

/** A later snapshot replaces counts it has; zeros never erase a real earlier count (placeholder usage chunks). */
function merge(prev: Usage, next: Usage): Usage {
  const pick = (a: number | undefined, b: number | undefined) =>
    b !== undefined && (b > 0 || a === undefined) ? b : a
  const out: Usage = {
    inputTokens: pick(prev.inputTokens, next.inputTokens) ?? 0,
    outputTokens: pick(prev.outputTokens, next.outputTokens) ?? 0,
  }
  for (const k of ['cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens'] as const) {
    const v = pick(prev[k], next[k])
    if (v !== undefined) out[k] = v
  }
  return out
}
