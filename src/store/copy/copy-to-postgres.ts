/**
 * Copies a SQLite database into PostgreSQL, table by table in batches (a large usage table is
 * never loaded at once), each batch in one PostgreSQL transaction. Idempotent: rows are matched
 * by their key (usage rows keep their SQLite id), and a row already there is left as it is.
 * Verifiable: per table, a checksum of the SQLite rows and one of the same keys' rows as
 * PostgreSQL holds them, computed by the same code (`TableChecksum`); rows PostgreSQL has beyond
 * them (written by an instance already running on it) are not counted.
 */
import type { Database } from 'bun:sqlite'
import type { SQL } from 'bun'
import { COPIED_TABLES, type CopiedTable, canonicalKey, type Row, TableChecksum } from './tables.ts'

export interface TableCopy {
  table: string
  /** Rows of the SQLite table. */
  sqliteRows: number
  /** Rows this run wrote (with `dryRun`: would write). */
  copied: number
  /** Rows whose key PostgreSQL already had. */
  already: number
  sqliteChecksum: string
  /** Over the rows PostgreSQL holds under the SQLite rows' keys, after the copy. */
  postgresChecksum: string
  /**
   * Every SQLite row has its equal in PostgreSQL (after a copy the two checksums are then equal);
   * a dry run compares only the rows already there.
   */
  match: boolean
}

export interface CopyOptions {
  /** Rows per batch and transaction (default 1000). */
  batch?: number
  /** Write nothing: count what would be copied and compare what is there. */
  dryRun?: boolean
  /** Hears each table as it is done, for progress output. */
  onTable?: (t: TableCopy) => void
}

const q = (name: string) => `"${name}"`

/** Copies every table of `COPIED_TABLES`; the SQLite side is read in one snapshot. */
export async function copyToPostgres(db: Database, pg: SQL, opts: CopyOptions = {}): Promise<TableCopy[]> {
  const out: TableCopy[] = []
  // one read transaction: a server still writing to the file does not move the rows under the copy
  db.exec('BEGIN')
  try {
    for (const t of COPIED_TABLES) {
      const r = await copyTable(db, pg, t, opts)
      opts.onTable?.(r)
      out.push(r)
    }
  } finally {
    db.exec('COMMIT')
  }
  return out
}

async function copyTable(db: Database, pg: SQL, t: CopiedTable, opts: CopyOptions): Promise<TableCopy> {
  const size = opts.batch ?? 1000
  const cols = t.columns.map(q).join(', ')
  const order = t.key.map(q).join(', ')
  const after = `(${t.key.map(q).join(', ')}) > (${t.key.map(() => '?').join(', ')})`
  const first = db.query<Row, [number]>(`SELECT ${cols} FROM ${q(t.name)} ORDER BY ${order} LIMIT ?`)
  const next = db.query<Row, (string | number)[]>(
    `SELECT ${cols} FROM ${q(t.name)} WHERE ${after} ORDER BY ${order} LIMIT ?`,
  )
  const mine = new TableChecksum()
  // the SQLite rows PostgreSQL has a row for, and those rows: equal sums mean equal rows
  const minePresent = new TableChecksum()
  const theirs = new TableChecksum()
  // a dry run against an empty database: nothing is there yet
  const exists = opts.dryRun ? await tableExists(pg, t.name) : true
  let copied = 0
  let last: Row | undefined
  for (;;) {
    const rows = last ? next.all(...t.key.map((k) => last![k] as string | number), size) : first.all(size)
    if (rows.length === 0) break
    last = rows[rows.length - 1]
    const there = !exists
      ? []
      : opts.dryRun
        ? await rowsByKey(pg, t, rows)
        : await pg.begin(async (tx) => {
            copied += await insertBatch(tx, t, rows)
            return await rowsByKey(tx, t, rows)
          })
    const keys = new Set<string>()
    for (const r of there) {
      theirs.add(t, r)
      keys.add(canonicalKey(t, r))
    }
    for (const r of rows) {
      mine.add(t, r)
      if (keys.has(canonicalKey(t, r))) minePresent.add(t, r)
    }
    if (opts.dryRun) copied += rows.length - there.length
  }
  if (t.name === 'usage_records' && !opts.dryRun && mine.rows > 0) {
    // usage ids were copied as they were: the sequence must hand out ids after them
    await pg.unsafe(
      `SELECT setval(pg_get_serial_sequence('usage_records', 'id'), (SELECT MAX(id) FROM usage_records))`,
    )
  }
  const present = theirs.rows
  return {
    table: t.name,
    sqliteRows: mine.rows,
    copied,
    already: opts.dryRun ? present : present - copied,
    sqliteChecksum: mine.hex,
    postgresChecksum: theirs.hex,
    // a dry run compares what is there; a copy must have left every row there
    match: minePresent.hex === theirs.hex && (opts.dryRun || present === mine.rows),
  }
}

async function tableExists(pg: SQL, name: string): Promise<boolean> {
  const [row] = (await pg`SELECT to_regclass(${name}) IS NOT NULL AS yes`) as { yes: boolean }[]
  return row?.yes === true
}

/** `($1, $2), ($3, $4)…` for `rows` of `width` values each, and the values in that order. */
function placeholders(rows: Row[], columns: readonly string[]): { text: string; values: unknown[] } {
  const values: unknown[] = []
  const groups = rows.map((r) => {
    const marks = columns.map((c) => {
      values.push(r[c] ?? null)
      return `$${values.length}`
    })
    return `(${marks.join(', ')})`
  })
  return { text: groups.join(', '), values }
}

/** Inserts rows whose key is not there yet (any unique conflict leaves the row out); how many went in. */
async function insertBatch(tx: SQL, t: CopiedTable, rows: Row[]): Promise<number> {
  const { text, values } = placeholders(rows, t.columns)
  const inserted = await tx.unsafe(
    `INSERT INTO ${q(t.name)} (${t.columns.map(q).join(', ')}) VALUES ${text} ON CONFLICT DO NOTHING RETURNING 1`,
    values,
  )
  return inserted.length
}

/** The PostgreSQL rows under the keys of `rows`. */
async function rowsByKey(pg: SQL, t: CopiedTable, rows: Row[]): Promise<Row[]> {
  const { text, values } = placeholders(rows, t.key)
  const keys = t.key.length === 1 ? text.replace(/[()]/g, '') : text
  return (await pg.unsafe(
    `SELECT ${t.columns.map(q).join(', ')} FROM ${q(t.name)} WHERE (${t.key.map(q).join(', ')}) IN (${keys})`,
    values,
  )) as Row[]
}
