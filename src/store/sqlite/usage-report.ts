/**
 * Usage summed over a time range and grouped by up to two dimensions (time buckets in UTC,
 * model, provider, account, gateway key), with the totals of the whole range. Tokens and cost
 * count every written row, failed-over attempts included (they were spent); `requests` and
 * `errors` count one per request, as the client saw it.
 */
import type { Database, Statement } from 'bun:sqlite'
import {
  USAGE_DIMENSIONS,
  type UsageDimension,
  type UsageQuery,
  type UsageReport,
  type UsageSums,
} from '../types.ts'
import { PLAIN_DIMENSION_COLUMNS } from '../usage-rows.ts'

const COLUMN: Readonly<Record<UsageDimension, string>> = {
  day: "strftime('%Y-%m-%d', ts / 1000, 'unixepoch')",
  hour: "strftime('%Y-%m-%dT%H:00Z', ts / 1000, 'unixepoch')",
  ...PLAIN_DIMENSION_COLUMNS,
}

const SUMS = `COUNT(CASE WHEN failed_over = 0 THEN 1 END) AS requests,
  COUNT(CASE WHEN failed_over = 0 AND status >= 400 THEN 1 END) AS errors,
  TOTAL(input_tokens) AS input_tokens, TOTAL(output_tokens) AS output_tokens,
  TOTAL(cache_read_tokens) AS cache_read_tokens, TOTAL(cache_write_tokens) AS cache_write_tokens,
  TOTAL(reasoning_tokens) AS reasoning_tokens, TOTAL(cost_usd) AS cost_usd,
  COUNT(CASE WHEN cost_usd IS NULL THEN 1 END) AS unpriced`

const RANGE = 'ts >= $from AND ts < $to'

type Row = UsageSums & Partial<Record<UsageDimension, string | null>>

/** The report function over `db`; statements are prepared once per grouping asked for. */
export function usageReporter(db: Database): (q: UsageQuery) => UsageReport {
  const totals = db.query<UsageSums, { from: number; to: number }>(
    `SELECT ${SUMS} FROM usage_records WHERE ${RANGE}`,
  )
  const grouped = new Map<string, Statement<Row, [{ from: number; to: number }]>>()
  const statementFor = (dims: readonly UsageDimension[]) => {
    const id = dims.join(',')
    let st = grouped.get(id)
    if (!st) {
      const cols = dims.map((d) => `${COLUMN[d]} AS "${d}"`).join(', ')
      const by = dims.map((_, i) => String(i + 1)).join(', ')
      st = db.query<Row, [{ from: number; to: number }]>(
        `SELECT ${cols}, ${SUMS} FROM usage_records WHERE ${RANGE} GROUP BY ${by} ORDER BY ${by}`,
      )
      grouped.set(id, st)
    }
    return st
  }
  return (q) => {
    for (const d of q.groupBy) if (!USAGE_DIMENSIONS.includes(d)) throw new Error(`unknown dimension ${d}`)
    const range = { from: q.fromMs, to: q.toMs }
    return {
      rows: q.groupBy.length === 0 ? [] : statementFor(q.groupBy).all(range),
      totals: totals.get(range) ?? emptySums(),
    }
  }
}

function emptySums(): UsageSums {
  return {
    requests: 0,
    errors: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0,
    unpriced: 0,
  }
}
