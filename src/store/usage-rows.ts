/**
 * A `usage_records` row and the record it holds, both ways: one mapping for every backend.
 * Integer columns arrive as numbers from SQLite and as strings from PostgreSQL's BIGINT.
 */
import type { InboundDialect, UsageRecord } from './types.ts'

type Int = number | string

/** The usage dimensions that are a column as they are (the time buckets are each backend's SQL). */
export const PLAIN_DIMENSION_COLUMNS = {
  model: 'model',
  provider: 'provider',
  account: 'account',
  key: 'key_id',
} as const

export interface UsageRow {
  ts: Int
  request_id: string | null
  provider: string
  account: string | null
  model: string
  dialect: InboundDialect
  input_tokens: Int
  output_tokens: Int
  cache_read_tokens: Int
  cache_write_tokens: Int
  reasoning_tokens: Int
  status: number
  latency_ms: number
  ttfb_ms: number | null
  stream: number
  attempt: number | null
  failed_over: number
  key_id: string | null
  cost_usd: number | null
  cost_input_usd: number | null
  cost_output_usd: number | null
  cost_cache_read_usd: number | null
  cost_cache_write_usd: number | null
  cost_reasoning_usd: number | null
}

export function recordOfRow(r: UsageRow): UsageRecord {
  const rec: UsageRecord = {
    ts: Number(r.ts),
    provider: r.provider,
    model: r.model,
    dialect: r.dialect,
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    cacheReadTokens: Number(r.cache_read_tokens),
    cacheWriteTokens: Number(r.cache_write_tokens),
    reasoningTokens: Number(r.reasoning_tokens),
    status: r.status,
    latencyMs: r.latency_ms,
    stream: r.stream === 1,
  }
  if (r.request_id !== null) rec.requestId = r.request_id
  if (r.account !== null) rec.account = r.account
  if (r.ttfb_ms !== null) rec.ttfbMs = r.ttfb_ms
  if (r.attempt !== null) rec.attempt = r.attempt
  if (r.failed_over === 1) rec.failedOver = true
  if (r.key_id !== null) rec.keyId = r.key_id
  if (r.cost_usd !== null) {
    rec.cost = {
      input: r.cost_input_usd ?? 0,
      output: r.cost_output_usd ?? 0,
      cacheRead: r.cost_cache_read_usd ?? 0,
      cacheWrite: r.cost_cache_write_usd ?? 0,
      reasoning: r.cost_reasoning_usd ?? 0,
      total: r.cost_usd,
    }
  }
  return rec
}
