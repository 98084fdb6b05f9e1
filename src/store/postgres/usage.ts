/**
 * Usage rows on PostgreSQL. `record` only queues; a timer started by a batch's first row writes
 * the queue in multi-row INSERTs (as SQLite's writer does, within `flushMs`). While the database
 * is unreachable the rows wait in a bounded buffer and are retried; beyond `bufferRows` the
 * oldest are dropped, counted in `dropped`, with one warning per outage. A batch whose INSERT
 * committed but whose answer was lost with the connection is written again: such an outage may
 * leave a duplicate row, never a missing one.
 */
import type { SQL } from 'bun'
import type { UsageRecord, UsageStore, UsageTotals } from '../types.ts'
import { recordOfRow, type UsageRow } from '../usage-rows.ts'
import { RowBuffer } from './row-buffer.ts'
import { postgresUsageReporter } from './usage-report.ts'
import { isTransient } from './write-queue.ts'

/** A record as its `usage_records` row: the one mapping shared with tools that copy rows. */
export function usageRow(r: UsageRecord): Record<string, string | number | null> {
  return {
    ts: r.ts,
    request_id: r.requestId ?? null,
    provider: r.provider,
    account: r.account ?? null,
    model: r.model,
    dialect: r.dialect,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cache_read_tokens: r.cacheReadTokens,
    cache_write_tokens: r.cacheWriteTokens,
    reasoning_tokens: r.reasoningTokens,
    status: r.status,
    latency_ms: r.latencyMs,
    ttfb_ms: r.ttfbMs ?? null,
    stream: r.stream ? 1 : 0,
    attempt: r.attempt ?? null,
    failed_over: r.failedOver ? 1 : 0,
    key_id: r.keyId ?? null,
    cost_usd: r.cost?.total ?? null,
    cost_input_usd: r.cost?.input ?? null,
    cost_output_usd: r.cost?.output ?? null,
    cost_cache_read_usd: r.cost?.cacheRead ?? null,
    cost_cache_write_usd: r.cost?.cacheWrite ?? null,
    cost_reasoning_usd: r.cost?.reasoning ?? null,
  }
}

/** Writes rows in one multi-row INSERT. */
export async function insertUsageRows(sql: SQL, rows: readonly UsageRecord[]): Promise<void> {
  if (rows.length > 0) await sql`INSERT INTO usage_records ${sql(rows.map(usageRow))}`
}

const FIRST_RETRY_MS = 100
const MAX_RETRY_MS = 2000

export interface PostgresUsageOptions {
  flushMs: number
  bufferRows: number
  /** Hears once per outage that rows were dropped, and when rows are written again. */
  warn: (fields: Record<string, unknown>, message: string) => void
}

export class PostgresUsage implements UsageStore {
  readonly #buffer = new RowBuffer()
  /** The batch being written, until its INSERT answers. */
  #inFlight = 0
  #dropped = 0
  #droppedThisOutage = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #writing: Promise<boolean> | undefined
  #retryMs = FIRST_RETRY_MS
  #failing = false
  #stopped = false
  readonly report: UsageStore['report']

  constructor(
    private readonly sql: SQL,
    private readonly opts: PostgresUsageOptions,
  ) {
    this.report = postgresUsageReporter(sql)
  }

  get pending(): number {
    return this.#buffer.size + this.#inFlight
  }

  get dropped(): number {
    return this.#dropped
  }

  record(rec: UsageRecord): void {
    this.#buffer.push(rec)
    const over = this.pending - this.opts.bufferRows
    if (over > 0) {
      this.#buffer.dropOldest(over)
      this.#dropped += over
      if (!this.#droppedThisOutage) {
        this.#droppedThisOutage = true
        this.opts.warn(
          { bufferRows: this.opts.bufferRows },
          'usage buffer full while PostgreSQL is unreachable: dropping the oldest usage rows',
        )
      }
    }
    if (!this.#timer && !this.#writing && !this.#stopped) this.#schedule(this.opts.flushMs)
  }

  /** Resolves when everything queued is written, or as soon as a write fails (the rows stay queued). */
  async flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    for (;;) {
      const ok = await (this.#writing ?? this.#write())
      if (!ok || this.#buffer.size === 0) break
    }
    if (this.#buffer.size > 0 && !this.#stopped) this.#schedule(this.#retryMs)
  }

  /** No more timers: what `close` could not write stays unwritten. */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  async recent(limit: number, opts?: { failedOver?: boolean }): Promise<UsageRecord[]> {
    const rows = (
      opts?.failedOver
        ? await this.sql`SELECT * FROM usage_records ORDER BY ts DESC, id DESC LIMIT ${limit}`
        : await this
            .sql`SELECT * FROM usage_records WHERE failed_over = 0 ORDER BY ts DESC, id DESC LIMIT ${limit}`
    ) as UsageRow[]
    return rows.map(recordOfRow)
  }

  async totals(sinceMs = 0): Promise<UsageTotals[]> {
    const rows = await this.sql`SELECT provider, model, COUNT(*)::int AS "requests",
        COALESCE(SUM(input_tokens), 0)::float8 AS "inputTokens", COALESCE(SUM(output_tokens), 0)::float8 AS "outputTokens",
        COALESCE(SUM(cache_read_tokens), 0)::float8 AS "cacheReadTokens",
        COALESCE(SUM(cache_write_tokens), 0)::float8 AS "cacheWriteTokens",
        COALESCE(SUM(reasoning_tokens), 0)::float8 AS "reasoningTokens",
        COUNT(*) FILTER (WHERE status >= 400)::int AS "errors"
      FROM usage_records WHERE ts >= ${sinceMs} AND failed_over = 0
      GROUP BY provider, model ORDER BY provider, model`
    return [...(rows as UsageTotals[])]
  }

  async spendByKey(sinceMs: number): Promise<Map<string, number>> {
    const rows = (await this.sql`SELECT key_id, SUM(cost_usd)::float8 AS usd FROM usage_records
      WHERE key_id IS NOT NULL AND cost_usd IS NOT NULL AND ts >= ${sinceMs} GROUP BY key_id`) as {
      key_id: string
      usd: number
    }[]
    return new Map(rows.map((r) => [r.key_id, r.usd]))
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.flush()
    }, ms)
    this.#timer.unref?.()
  }

  /** Writes batches until the buffer is empty (true) or a write fails (false: the batch is back in front). */
  #write(): Promise<boolean> {
    // cleared in a `then`, which runs after this assignment even when there was nothing to write
    // (an async function with no await settles before its promise is assigned)
    const writing = this.#writeAll().then((ok) => {
      this.#writing = undefined
      return ok
    })
    this.#writing = writing
    return writing
  }

  async #writeAll(): Promise<boolean> {
    while (this.#buffer.size > 0) {
      const batch = this.#buffer.take()
      this.#inFlight = batch.length
      try {
        await insertUsageRows(this.sql, batch)
      } catch (err) {
        this.#inFlight = 0
        this.#buffer.putBack(batch)
        // rows PostgreSQL refuses for what they hold would block the rest for ever
        if (!isTransient(err)) {
          this.#buffer.take()
          this.#dropped += batch.length
          this.opts.warn({ err, rows: batch.length }, 'PostgreSQL refused usage rows: dropped')
          continue
        }
        if (!this.#failing) {
          this.#failing = true
          this.opts.warn({ err, pending: this.pending }, 'PostgreSQL unreachable: usage rows wait in memory')
        }
        this.#retryMs = Math.min(MAX_RETRY_MS, this.#retryMs * 2)
        return false
      }
      this.#inFlight = 0
      if (this.#failing) {
        this.#failing = false
        this.#droppedThisOutage = false
        this.opts.warn(
          { pending: this.pending, dropped: this.#dropped },
          'PostgreSQL is back: writing usage rows',
        )
      }
      this.#retryMs = FIRST_RETRY_MS
    }
    return true
  }
}
