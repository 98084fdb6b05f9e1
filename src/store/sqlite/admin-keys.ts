/**
 * Management API keys in SQLite. A key is `byka-` and 32 random bytes in base64url; the table
 * holds its SHA-256, so a copy of the database gives no key. Lookup is by hash: what is compared
 * is the hash of what was presented, so the time a lookup takes says nothing about a stored key.
 */
import type { Database } from 'bun:sqlite'
import { randomBytes } from 'node:crypto'
import { keyDigest } from '../key-secret.ts'
import type { AdminKey, AdminKeyStore } from '../types.ts'

interface Row {
  id: string
  name: string
  hint: string
  created_at: number
  last_used_at: number | null
}

export const ADMIN_KEY_PREFIX = 'byka-'

/** The stored form of an admin key: the same digest as a gateway key's. */
export const adminKeyHash = keyDigest

const toKey = (r: Row): AdminKey => ({
  id: r.id,
  name: r.name,
  hint: r.hint,
  createdAt: r.created_at,
  ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}),
})

export function sqliteAdminKeys(db: Database): AdminKeyStore {
  const insert = db.prepare(
    'INSERT INTO admin_keys (id, name, key_hash, hint, created_at) VALUES ($id, $name, $hash, $hint, $at)',
  )
  const all = db.query<Row, []>(
    'SELECT id, name, hint, created_at, last_used_at FROM admin_keys ORDER BY created_at, id',
  )
  const byHash = db.query<Row, { hash: string }>(
    'SELECT id, name, hint, created_at, last_used_at FROM admin_keys WHERE key_hash = $hash',
  )
  const touch = db.prepare('UPDATE admin_keys SET last_used_at = $at WHERE id = $id')
  const remove = db.prepare('DELETE FROM admin_keys WHERE id = $v OR name = $v')
  return {
    create(name) {
      const key = ADMIN_KEY_PREFIX + randomBytes(32).toString('base64url')
      const id = `adm_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`
      const at = Date.now()
      insert.run({ id, name, hash: adminKeyHash(key), hint: key.slice(-4), at })
      return { key, info: { id, name, hint: key.slice(-4), createdAt: at } }
    },
    list: () => all.all().map(toKey),
    verify(presented) {
      const row = byHash.get({ hash: adminKeyHash(presented) })
      if (!row) return undefined
      const at = Date.now()
      touch.run({ at, id: row.id })
      return { ...toKey(row), lastUsedAt: at }
    },
    revoke: (v) => remove.run({ v }).changes > 0,
  }
}
