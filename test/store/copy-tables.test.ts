import { describe, expect, test } from 'bun:test'
import { COPIED_TABLES, canonicalKey, canonicalRow, TableChecksum } from '../../src/store/copy/tables.ts'
import { migrate } from '../../src/store/sqlite/migrations.ts'
import { openDatabase } from '../../src/store/sqlite/open.ts'
import { tempDir } from '../helpers/tmp.ts'

const usage = COPIED_TABLES.find((t) => t.name === 'usage_records')!

describe('what migrate copies and compares', () => {
  test('every column of the SQLite schema is copied, but surrogate ids PostgreSQL makes itself', () => {
    using dir = tempDir()
    const db = openDatabase(dir.join('s.db'))
    migrate(db)
    for (const t of COPIED_TABLES) {
      const columns = (
        db.query(`PRAGMA table_info(${t.name})`).all() as { name: string; type: string }[]
      ).filter((c) => !(c.name === 'id' && t.name === 'accounts'))
      expect([t.name, [...t.columns].sort()]).toEqual([t.name, columns.map((c) => c.name).sort()])
      // a number column is compared as a number: BIGINT comes back from PostgreSQL as text
      expect([t.name, [...t.numeric].sort()]).toEqual([
        t.name,
        columns
          .filter((c) => c.type === 'INTEGER' || c.type === 'REAL')
          .map((c) => c.name)
          .sort(),
      ])
      for (const k of t.key) expect(t.columns).toContain(k)
    }
    db.close()
  })

  test('a row reads the same whichever way the backend returned its numbers', () => {
    const fromSqlite = {
      id: 7,
      ts: 1733600000000,
      provider: 'claude',
      latency_ms: 12,
      cost_usd: 0.1 + 0.2,
      key_id: null,
    }
    const fromPostgres = {
      ...fromSqlite,
      id: '7',
      ts: '1733600000000',
      latency_ms: 12.0,
      cost_usd: 0.30000000000000004,
    }
    expect(canonicalRow(usage, fromPostgres)).toBe(canonicalRow(usage, fromSqlite))
    expect(canonicalKey(usage, fromPostgres)).toBe(canonicalKey(usage, fromSqlite))
    // NULL is not the text 'null'
    expect(canonicalRow(usage, { ...fromSqlite, key_id: 'null' })).not.toBe(canonicalRow(usage, fromSqlite))
  })

  test('the checksum ignores row order and sees a changed, missing or extra row', () => {
    const rows = [1, 2, 3].map((id) => ({ id, ts: id * 10, provider: 'p', model: 'm', input_tokens: id }))
    const sum = (rs: typeof rows) => {
      const c = new TableChecksum()
      for (const r of rs) c.add(usage, r)
      return c.hex
    }
    expect(sum(rows)).toMatch(/^[0-9a-f]{64}$/)
    expect(sum([...rows].reverse())).toBe(sum(rows))
    expect(sum([rows[0]!, rows[1]!, { ...rows[2]!, input_tokens: 4 }])).not.toBe(sum(rows))
    expect(sum(rows.slice(1))).not.toBe(sum(rows))
    expect(sum([...rows, rows[0]!])).not.toBe(sum(rows))
  })
})
