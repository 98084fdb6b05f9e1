/**
 * Usage records, written off the request path: `record` only queues; a timer writes the queue
 * in one transaction (≈1M rows/s versus ≈70k/s for single inserts), and `flush` empties it on
 * shutdown so nothing queued is lost.
 */
import type { Database } from 'bun:sqlite'
import type { InboundDialect, UsageRecord, UsageStore, UsageTotals } from '../types.ts'

interface Row {
  ts: number
  request_id: string | null
  provider: string
  account: string | null
  model: string
  dialect: InboundDialect
  input_tokens: number
  output_tokens: number
  cache_read_tokens: number
  cache_write_tokens: number
  reasoning_tokens: number
  status: number
  latency_ms: number
  ttfb_ms: number | null
  stream: number
}

/** Largest queue before a write happens without waiting for the timer. */
const MAX_QUEUE = 1000

export function sqliteUsage(db: Database, flushMs: number): UsageStore & { stop(): void } {
  const insert = db.prepare(
    `INSERT INTO usage_records (ts, request_id, provider, account, model, dialect, input_tokens, output_tokens,
       cache_read_tokens, cache_write_tokens, reasoning_tokens, status, latency_ms, ttfb_ms, stream)
     VALUES ($ts, $rid, $provider, $account, $model, $dialect, $in, $out, $cr, $cw, $rt, $status, $lat, $ttfb, $stream)`,
  )
  const writeAll = db.transaction((rows: UsageRecord[]) => {
    for (const r of rows) {
      insert.run({
        ts: r.ts,
        rid: r.requestId ?? null,
        provider: r.provider,
        account: r.account ?? null,
        model: r.model,
        dialect: r.dialect,
        in: r.inputTokens,
        out: r.outputTokens,
        cr: r.cacheReadTokens,
        cw: r.cacheWriteTokens,
        rt: r.reasoningTokens,
        status: r.status,
        lat: r.latencyMs,
        ttfb: r.ttfbMs ?? null,
        stream: r.stream ? 1 : 0,
      })
    }
  })
  const recent = db.query<Row, { n: number }>(
    'SELECT * FROM usage_records ORDER BY ts DESC, id DESC LIMIT $n',
  )
  const totals = db.query<UsageTotals, { since: number }>(
    `SELECT provider, model, COUNT(*) AS requests, SUM(input_tokens) AS inputTokens, SUM(output_tokens) AS outputTokens,
       SUM(cache_read_tokens) AS cacheReadTokens, SUM(cache_write_tokens) AS cacheWriteTokens,
       SUM(reasoning_tokens) AS reasoningTokens, SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors
     FROM usage_records WHERE ts >= $since GROUP BY provider, model ORDER BY provider, model`,
  )

  let queue: UsageRecord[] = []
  let timer: ReturnType<typeof setTimeout> | undefined

  const flush = () => {
    clearTimeout(timer)
    timer = undefined
    if (queue.length === 0) return
    const rows = queue
    queue = []
    writeAll.immediate(rows)
  }

  return {
    record(rec) {
      queue.push(rec)
      if (queue.length >= MAX_QUEUE) flush()
      else if (!timer) {
        timer = setTimeout(flush, flushMs)
        timer.unref?.()
      }
    },
    flush,
    get pending() {
      return queue.length
    },
    recent: (limit) =>
      recent.all({ n: limit }).map((r) => {
        const rec: UsageRecord = {
          ts: r.ts,
          provider: r.provider,
          model: r.model,
          dialect: r.dialect,
          inputTokens: r.input_tokens,
          outputTokens: r.output_tokens,
          cacheReadTokens: r.cache_read_tokens,
          cacheWriteTokens: r.cache_write_tokens,
          reasoningTokens: r.reasoning_tokens,
          status: r.status,
          latencyMs: r.latency_ms,
          stream: r.stream === 1,
        }
        if (r.request_id !== null) rec.requestId = r.request_id
        if (r.account !== null) rec.account = r.account
        if (r.ttfb_ms !== null) rec.ttfbMs = r.ttfb_ms
        return rec
      }),
    totals: (sinceMs = 0) => totals.all({ since: sinceMs }),
    stop() {
      flush()
    },
  }
}
