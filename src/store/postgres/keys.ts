/**
 * Gateway keys on PostgreSQL, answered from memory (the request path's lookup table is built from
 * `digests()`). A rotation is written only if the key still has the digest this mirror saw: when
 * two instances rotate one key at once, one rotation wins and the other is reported and reloaded.
 */
import type { SQL } from 'bun'
import { type KeyRow, keyOfRow } from '../key-rows.ts'
import { keyDigest, newKeyId, newKeySecret, shownPrefix } from '../key-secret.ts'
import type { GatewayKey, IssuedGatewayKey, KeyStore, NewGatewayKey } from '../types.ts'
import { type Mirror, sameOrder } from './mirror.ts'
import type { WriteQueue } from './write-queue.ts'

interface Entry {
  digest: string
  key: GatewayKey
}

const toEntry = (r: KeyRow): Entry => ({ digest: r.digest, key: keyOfRow(r) })

const copy = (k: GatewayKey): GatewayKey => ({ ...k, ...(k.models ? { models: [...k.models] } : {}) })

const byCreation = sameOrder<Entry>(
  (e) => e.key.createdAt,
  (e) => e.key.id,
)

/** The database refused a write because another instance's came first. */
export class LostRace extends Error {}

export class PostgresKeys implements KeyStore, Mirror {
  readonly table = 'gateway_keys' as const
  #entries: Entry[] = []
  #version = 0
  #writes = 0

  constructor(private readonly queue: WriteQueue) {}

  async load(sql: SQL): Promise<() => void> {
    const rows = (await sql`SELECT * FROM gateway_keys`) as KeyRow[]
    const next = rows.map(toEntry).sort(byCreation)
    return () => {
      this.#entries = next
      this.#version++
    }
  }

  get writes(): number {
    return this.#writes
  }

  list(): GatewayKey[] {
    return this.#entries.map((e) => copy(e.key))
  }

  get(id: string): GatewayKey | undefined {
    const e = this.#find(id)
    return e ? copy(e.key) : undefined
  }

  create(k: NewGatewayKey): IssuedGatewayKey {
    const secret = newKeySecret()
    const key: GatewayKey = {
      id: newKeyId(),
      name: k.name,
      prefix: shownPrefix(secret),
      createdAt: Date.now(),
    }
    if (k.models && k.models.length > 0) key.models = [...k.models]
    if (k.rpm !== undefined) key.rpm = k.rpm
    if (k.budgetUsd !== undefined) {
      key.budgetUsd = k.budgetUsd
      key.budgetPeriod = k.budgetPeriod ?? 'month'
    }
    if (k.expiresAt !== undefined) key.expiresAt = k.expiresAt
    const digest = keyDigest(secret)
    this.#entries.push({ digest, key })
    this.#changed()
    const models = key.models ? JSON.stringify(key.models) : null
    this.queue.push({
      table: this.table,
      run: (
        sql,
      ) => sql`INSERT INTO gateway_keys (id, name, digest, prefix, models_json, rpm, budget_usd, budget_period,
          expires_at, created_at)
        VALUES (${key.id}, ${key.name}, ${digest}, ${key.prefix}, ${models}, ${key.rpm ?? null}, ${key.budgetUsd ?? null},
          ${key.budgetPeriod ?? null}, ${key.expiresAt ?? null}, ${key.createdAt})`,
    })
    return { key: copy(key), secret }
  }

  rotate(id: string): IssuedGatewayKey | undefined {
    const e = this.#find(id)
    if (!e || e.key.revokedAt !== undefined) return undefined
    const secret = newKeySecret()
    const seen = e.digest
    const now = Date.now()
    e.digest = keyDigest(secret)
    e.key = { ...e.key, prefix: shownPrefix(secret), rotatedAt: now }
    this.#changed()
    const { digest, key } = e
    this.queue.push({
      table: this.table,
      run: async (sql) => {
        const changed =
          await sql`UPDATE gateway_keys SET digest = ${digest}, prefix = ${key.prefix}, rotated_at = ${now}
          WHERE id = ${id} AND digest = ${seen} AND revoked_at IS NULL`
        if (changed.count === 0)
          throw new LostRace(`key ${id} was rotated or revoked by another instance first`)
      },
    })
    return { key: copy(key), secret }
  }

  revoke(id: string): boolean {
    const e = this.#find(id)
    if (!e || e.key.revokedAt !== undefined) return false
    const now = Date.now()
    e.key = { ...e.key, revokedAt: now }
    this.#changed()
    this.queue.push({
      table: this.table,
      run: (sql) => sql`UPDATE gateway_keys SET revoked_at = ${now} WHERE id = ${id} AND revoked_at IS NULL`,
    })
    return true
  }

  digests(): { digest: string; key: GatewayKey }[] {
    return this.#entries.map((e) => ({ digest: e.digest, key: copy(e.key) }))
  }

  version(): number {
    return this.#version
  }

  #changed(): void {
    this.#version++
    this.#writes++
  }

  #find(id: string): Entry | undefined {
    return this.#entries.find((e) => e.key.id === id)
  }
}
