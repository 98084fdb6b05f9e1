/**
 * Usage rows for the management API and dashboard tests: several days, models, providers,
 * accounts and gateway keys, with a failed-over attempt and a row of a model without a price;
 * and the same sums computed in the test from the rows SQLite holds, to compare answers with.
 */
import { Database } from 'bun:sqlite'
import type { Store, UsageRecord } from '../../src/store/types.ts'

const DAY = 86_400_000

/** Midnight UTC `daysAgo` days before `now`, plus `hours`. */
export function utcDay(now: number, daysAgo: number, hours = 0): number {
  const d = new Date(now)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - daysAgo * DAY + hours * 3_600_000
}

function row(over: Partial<UsageRecord> & Pick<UsageRecord, 'ts' | 'model' | 'provider'>): UsageRecord {
  const input = over.inputTokens ?? 1000
  const output = over.outputTokens ?? 200
  const cost = 'cost' in over ? undefined : { input: input * 3e-6, output: output * 15e-6 }
  return {
    dialect: 'openai-chat',
    inputTokens: input,
    outputTokens: output,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    status: 200,
    latencyMs: 120,
    stream: false,
    ...(cost
      ? {
          cost: {
            input: cost.input,
            output: cost.output,
            cacheRead: 0,
            cacheWrite: 0,
            reasoning: 0,
            total: cost.input + cost.output,
          },
        }
      : {}),
    ...over,
  }
}

/** Seeds the rows (written before it returns) and gives them back. */
export async function seedUsage(
  store: Store,
  keyIds: readonly string[],
  now = Date.now(),
): Promise<UsageRecord[]> {
  const [k1, k2] = keyIds
  const rows: UsageRecord[] = [
    row({
      ts: utcDay(now, 3, 9),
      provider: 'claude',
      account: 'ada@example.com',
      model: 'claude-sonnet-4-5',
      keyId: k1,
    }),
    row({
      ts: utcDay(now, 3, 10),
      provider: 'codex',
      account: 'work',
      model: 'gpt-5',
      keyId: k2,
      inputTokens: 5000,
    }),
    row({
      ts: utcDay(now, 2, 1),
      provider: 'claude',
      account: 'ada@example.com',
      model: 'claude-opus-4-1',
      keyId: k1,
      outputTokens: 3000,
      cacheReadTokens: 700,
    }),
    // an attempt that failed over: spent, not a request of its own
    row({
      ts: utcDay(now, 1, 5),
      provider: 'claude',
      account: 'ada@example.com',
      model: 'claude-sonnet-4-5',
      status: 429,
      failedOver: true,
      attempt: 1,
      inputTokens: 0,
      outputTokens: 0,
    }),
    row({
      ts: utcDay(now, 1, 5),
      provider: 'codex',
      account: 'work',
      model: 'gpt-5',
      attempt: 2,
      keyId: k2,
      reasoningTokens: 400,
    }),
    // a model without a price
    row({
      ts: utcDay(now, 0, 0),
      provider: 'compatible',
      model: 'local-llama',
      cost: undefined,
      inputTokens: 50,
      outputTokens: 60,
    }),
    row({
      ts: Math.min(now - 1000, utcDay(now, 0, 0) + 1000),
      provider: 'claude',
      account: 'ada@example.com',
      model: 'claude-sonnet-4-5',
      keyId: k1,
      status: 500,
    }),
  ]
  for (const r of rows) store.usage.record(r)
  await store.usage.flush()
  return rows
}

export interface Sums {
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  cache_read_tokens: number
  reasoning_tokens: number
  cost_usd: number
}

/** The sums of the rows SQLite holds in [from, to), grouped by `group` (a row → its group's name). */
export function sumRows(
  dbFile: string,
  from: number,
  to: number,
  group: (r: Record<string, unknown>) => string = () => 'all',
): Map<string, Sums> {
  const db = new Database(dbFile, { readonly: true })
  const rows = db
    .query('SELECT * FROM usage_records WHERE ts >= $f AND ts < $t')
    .all({ f: from, t: to }) as Array<Record<string, number | string | null>>
  db.close()
  const out = new Map<string, Sums>()
  for (const r of rows) {
    const g = group(r)
    const s = out.get(g) ?? {
      requests: 0,
      errors: 0,
      input_tokens: 0,
      output_tokens: 0,
      cache_read_tokens: 0,
      reasoning_tokens: 0,
      cost_usd: 0,
    }
    const counts = r['failed_over'] === 0
    if (counts) s.requests++
    if (counts && Number(r['status']) >= 400) s.errors++
    s.input_tokens += Number(r['input_tokens'])
    s.output_tokens += Number(r['output_tokens'])
    s.cache_read_tokens += Number(r['cache_read_tokens'])
    s.reasoning_tokens += Number(r['reasoning_tokens'])
    s.cost_usd += Number(r['cost_usd'] ?? 0)
    out.set(g, s)
  }
  return out
}
