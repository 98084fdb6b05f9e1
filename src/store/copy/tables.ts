/**
 * The tables `byokey migrate` copies from SQLite to PostgreSQL, with the columns it copies and
 * compares, and the checksum both sides are measured with. Both stores have the same tables and
 * columns (the PostgreSQL migrations mirror SQLite's), so one list serves both.
 */

export interface CopiedTable {
  name: string
  /** What identifies a row on both sides: the natural key, or usage's own id (kept across the copy). */
  key: readonly string[]
  /** Copied and compared, in this order; a surrogate id the target makes itself is left out. */
  columns: readonly string[]
  /** Columns holding numbers: PostgreSQL returns BIGINT as text, so they are compared as numbers. */
  numeric: ReadonlySet<string>
}

/** `text`: the columns holding text; every other one holds a number. */
const table = (name: string, key: string[], columns: string[], text: string[]): CopiedTable => ({
  name,
  key,
  columns,
  numeric: new Set(columns.filter((c) => !text.includes(c))),
})

export const COPIED_TABLES: readonly CopiedTable[] = [
  table(
    'accounts',
    ['provider', 'account_id'],
    [
      'provider',
      'account_id',
      'label',
      'kind',
      'is_active',
      // as stored: a token sealed with the secret key stays sealed under the same key
      'token_json',
      'expires_at',
      'state',
      'last_error',
      'created_at',
      'updated_at',
    ],
    ['provider', 'account_id', 'label', 'kind', 'token_json', 'state', 'last_error'],
  ),
  table(
    'gateway_keys',
    ['id'],
    [
      'id',
      'name',
      'digest',
      'prefix',
      'models_json',
      'rpm',
      'budget_usd',
      'budget_period',
      'expires_at',
      'created_at',
      'rotated_at',
      'revoked_at',
    ],
    ['id', 'name', 'digest', 'prefix', 'models_json', 'budget_period'],
  ),
  table(
    'admin_keys',
    ['id'],
    ['id', 'name', 'key_hash', 'hint', 'created_at', 'last_used_at'],
    ['id', 'name', 'key_hash', 'hint'],
  ),
  table(
    'account_cooldowns',
    ['provider', 'account'],
    ['provider', 'account', 'until_ms', 'reason', 'failures', 'updated_at'],
    ['provider', 'account', 'reason'],
  ),
  table(
    'account_quotas',
    ['provider', 'account'],
    ['provider', 'account', 'observed_at', 'quota_json'],
    ['provider', 'account', 'quota_json'],
  ),
  table(
    'usage_records',
    ['id'],
    [
      'id',
      'ts',
      'request_id',
      'provider',
      'account',
      'model',
      'dialect',
      'input_tokens',
      'output_tokens',
      'cache_read_tokens',
      'cache_write_tokens',
      'reasoning_tokens',
      'status',
      'latency_ms',
      'ttfb_ms',
      'stream',
      'attempt',
      'failed_over',
      'key_id',
      'cost_usd',
      'cost_input_usd',
      'cost_output_usd',
      'cost_cache_read_usd',
      'cost_cache_write_usd',
      'cost_reasoning_usd',
    ],
    ['request_id', 'provider', 'account', 'model', 'dialect', 'key_id'],
  ),
]

export type Row = Record<string, unknown>

/**
 * One row as the checksum reads it: its columns in order, numbers as numbers whichever way the
 * backend returned them (PostgreSQL's BIGINT comes as text, a 0/1 flag may come as a boolean).
 */
export function canonicalRow(t: CopiedTable, row: Row): string {
  return JSON.stringify(
    t.columns.map((c) => {
      const v = row[c]
      if (v === null || v === undefined) return null
      return t.numeric.has(c) ? Number(v) : String(v)
    }),
  )
}

/** A row's key in the same canonical form, to match a SQLite row with its PostgreSQL copy. */
export function canonicalKey(t: CopiedTable, row: Row): string {
  return JSON.stringify(t.key.map((c) => (t.numeric.has(c) ? Number(row[c]) : String(row[c]))))
}

const MOD = 1n << 256n

/**
 * A table's checksum: the SHA-256 of each row's canonical form, added up modulo 2^256. The sum
 * does not depend on the order rows are read in, so the two databases' sort orders (collations)
 * cannot make equal tables differ; a changed, missing or extra row changes it.
 */
export class TableChecksum {
  #sum = 0n
  rows = 0

  add(t: CopiedTable, row: Row): void {
    this.#sum = (this.#sum + BigInt(`0x${Bun.SHA256.hash(canonicalRow(t, row), 'hex')}`)) % MOD
    this.rows++
  }

  get hex(): string {
    return this.#sum.toString(16).padStart(64, '0')
  }
}
