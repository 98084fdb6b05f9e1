/**
 * Usage summed over a time range on PostgreSQL, grouped as `../sqlite/usage-report.ts` does and
 * with the same names and numbers: time buckets in UTC, counts as integers, sums as doubles.
 */
import type { SQL } from 'bun'
import {
  USAGE_DIMENSIONS,
  type UsageDimension,
  type UsageQuery,
  type UsageReport,
  type UsageSums,
} from '../types.ts'
import { PLAIN_DIMENSION_COLUMNS } from '../usage-rows.ts'

const UTC = "to_timestamp(ts / 1000.0) AT TIME ZONE 'UTC'"

const COLUMN: Readonly<Record<UsageDimension, string>> = {
  day: `to_char(${UTC}, 'YYYY-MM-DD')`,
  hour: `to_char(${UTC}, 'YYYY-MM-DD"T"HH24":00Z"')`,
  ...PLAIN_DIMENSION_COLUMNS,
}

const SUMS = `COUNT(*) FILTER (WHERE failed_over = 0)::int AS requests,
  COUNT(*) FILTER (WHERE failed_over = 0 AND status >= 400)::int AS errors,
  COALESCE(SUM(input_tokens), 0)::float8 AS input_tokens, COALESCE(SUM(output_tokens), 0)::float8 AS output_tokens,
  COALESCE(SUM(cache_read_tokens), 0)::float8 AS cache_read_tokens,
  COALESCE(SUM(cache_write_tokens), 0)::float8 AS cache_write_tokens,
  COALESCE(SUM(reasoning_tokens), 0)::float8 AS reasoning_tokens, COALESCE(SUM(cost_usd), 0)::float8 AS cost_usd,
  COUNT(*) FILTER (WHERE cost_usd IS NULL)::int AS unpriced`

type Row = UsageSums & Partial<Record<UsageDimension, string | null>>

export function postgresUsageReporter(sql: SQL): (q: UsageQuery) => Promise<UsageReport> {
  return async (q) => {
    for (const d of q.groupBy) if (!USAGE_DIMENSIONS.includes(d)) throw new Error(`unknown dimension ${d}`)
    const range = [q.fromMs, q.toMs]
    const where = 'WHERE ts >= $1 AND ts < $2'
    const [totals] = (await sql.unsafe(`SELECT ${SUMS} FROM usage_records ${where}`, range)) as UsageSums[]
    let rows: Row[] = []
    if (q.groupBy.length > 0) {
      const cols = q.groupBy.map((d) => `${COLUMN[d]} AS "${d}"`).join(', ')
      const by = q.groupBy.map((_, i) => String(i + 1)).join(', ')
      // SQLite sorts NULL first; so does this, for the same order on both
      const order = q.groupBy.map((_, i) => `${i + 1} NULLS FIRST`).join(', ')
      rows = [
        ...((await sql.unsafe(
          `SELECT ${cols}, ${SUMS} FROM usage_records ${where} GROUP BY ${by} ORDER BY ${order}`,
          range,
        )) as Row[]),
      ]
    }
    return { rows, totals: { ...totals! } }
  }
}
