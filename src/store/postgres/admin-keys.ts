/**
 * Management API keys on PostgreSQL, answered from memory: only their hashes are kept, looked up
 * by the hash of what was presented. Noting a key's use does not move the table's version, so
 * other instances do not reload for it.
 */

import { randomBytes } from 'node:crypto'
import type { SQL } from 'bun'
import { ADMIN_KEY_PREFIX, adminKeyHash } from '../sqlite/admin-keys.ts'
import type { AdminKey, AdminKeyStore } from '../types.ts'
import { type Mirror, sameOrder } from './mirror.ts'
import type { WriteQueue } from './write-queue.ts'

interface Row {
  id: string
  name: string
  key_hash: string
  hint: string
  created_at: string
  last_used_at: string | null
}

interface Entry {
  hash: string
  info: AdminKey
}

const toEntry = (r: Row): Entry => ({
  hash: r.key_hash,
  info: {
    id: r.id,
    name: r.name,
    hint: r.hint,
    createdAt: Number(r.created_at),
    ...(r.last_used_at !== null ? { lastUsedAt: Number(r.last_used_at) } : {}),
  },
})

const byCreation = sameOrder<Entry>(
  (e) => e.info.createdAt,
  (e) => e.info.id,
)

export class PostgresAdminKeys implements AdminKeyStore, Mirror {
  readonly table = 'admin_keys' as const
  #entries: Entry[] = []

  constructor(private readonly queue: WriteQueue) {}

  async load(sql: SQL): Promise<() => void> {
    const next = ((await sql`SELECT * FROM admin_keys`) as Row[]).map(toEntry).sort(byCreation)
    return () => {
      this.#entries = next
    }
  }

  create(name: string): { key: string; info: AdminKey } {
    const key = ADMIN_KEY_PREFIX + randomBytes(32).toString('base64url')
    const info: AdminKey = {
      id: `adm_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`,
      name,
      hint: key.slice(-4),
      createdAt: Date.now(),
    }
    const hash = adminKeyHash(key)
    this.#entries.push({ hash, info })
    this.queue.push({
      table: this.table,
      run: (sql) => sql`INSERT INTO admin_keys (id, name, key_hash, hint, created_at)
        VALUES (${info.id}, ${name}, ${hash}, ${info.hint}, ${info.createdAt})`,
    })
    return { key, info: { ...info } }
  }

  list(): AdminKey[] {
    return this.#entries.map((e) => ({ ...e.info }))
  }

  verify(presented: string): AdminKey | undefined {
    const hash = adminKeyHash(presented)
    const e = this.#entries.find((x) => x.hash === hash)
    if (!e) return undefined
    const at = Date.now()
    e.info = { ...e.info, lastUsedAt: at }
    this.queue.push({
      table: this.table,
      run: (sql) => sql`UPDATE admin_keys SET last_used_at = ${at} WHERE id = ${e.info.id}`,
    })
    return { ...e.info }
  }

  revoke(idOrName: string): boolean {
    const gone = this.#entries.filter((e) => e.info.id === idOrName || e.info.name === idOrName)
    if (gone.length === 0) return false
    this.#entries = this.#entries.filter((e) => !gone.includes(e))
    this.queue.push({
      table: this.table,
      run: (sql) => sql`DELETE FROM admin_keys WHERE id = ${idOrName} OR name = ${idOrName}`,
    })
    return true
  }
}
