/** Gateway keys in SQLite: a digest per key, never the key; revoked keys are kept, marked. */
import type { Database } from 'bun:sqlite'
import { keyDigest, newKeyId, newKeySecret, shownPrefix } from '../key-secret.ts'
import type { BudgetPeriod, GatewayKey, IssuedGatewayKey, KeyStore, NewGatewayKey } from '../types.ts'

interface Row {
  id: string
  name: string
  digest: string
  prefix: string
  models_json: string | null
  rpm: number | null
  budget_usd: number | null
  budget_period: BudgetPeriod | null
  expires_at: number | null
  created_at: number
  rotated_at: number | null
  revoked_at: number | null
}

function toKey(r: Row): GatewayKey {
  const k: GatewayKey = { id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at }
  if (r.models_json !== null) k.models = JSON.parse(r.models_json) as string[]
  if (r.rpm !== null) k.rpm = r.rpm
  if (r.budget_usd !== null) k.budgetUsd = r.budget_usd
  if (r.budget_period !== null) k.budgetPeriod = r.budget_period
  if (r.expires_at !== null) k.expiresAt = r.expires_at
  if (r.rotated_at !== null) k.rotatedAt = r.rotated_at
  if (r.revoked_at !== null) k.revokedAt = r.revoked_at
  return k
}

export function sqliteKeys(db: Database): KeyStore {
  const q = {
    list: db.query<Row, []>('SELECT * FROM gateway_keys ORDER BY created_at, id'),
    get: db.query<Row, { id: string }>('SELECT * FROM gateway_keys WHERE id = $id'),
    insert: db.prepare(
      `INSERT INTO gateway_keys (id, name, digest, prefix, models_json, rpm, budget_usd, budget_period, expires_at, created_at)
       VALUES ($id, $name, $digest, $prefix, $models, $rpm, $budget, $period, $expires, $now)`,
    ),
    rotate: db.prepare(
      'UPDATE gateway_keys SET digest = $digest, prefix = $prefix, rotated_at = $now WHERE id = $id AND revoked_at IS NULL',
    ),
    revoke: db.prepare('UPDATE gateway_keys SET revoked_at = $now WHERE id = $id AND revoked_at IS NULL'),
    // moved by triggers on `gateway_keys` (migration 7), so writes of other processes count too
    version: db.query<{ version: number }, []>('SELECT version FROM gateway_keys_version'),
  }
  let writes = 0
  const get = (id: string) => {
    const r = q.get.get({ id })
    return r ? toKey(r) : undefined
  }
  return {
    get writes() {
      return writes
    },
    list: () => q.list.all().map(toKey),
    get,
    create(k: NewGatewayKey): IssuedGatewayKey {
      const secret = newKeySecret()
      const id = newKeyId()
      q.insert.run({
        id,
        name: k.name,
        digest: keyDigest(secret),
        prefix: shownPrefix(secret),
        models: k.models && k.models.length > 0 ? JSON.stringify(k.models) : null,
        rpm: k.rpm ?? null,
        budget: k.budgetUsd ?? null,
        period: k.budgetUsd === undefined ? null : (k.budgetPeriod ?? 'month'),
        expires: k.expiresAt ?? null,
        now: Date.now(),
      })
      writes++
      return { key: get(id)!, secret }
    },
    rotate(id) {
      const secret = newKeySecret()
      const r = q.rotate.run({ id, digest: keyDigest(secret), prefix: shownPrefix(secret), now: Date.now() })
      if (r.changes === 0) return undefined
      writes++
      return { key: get(id)!, secret }
    },
    revoke(id) {
      const changed = q.revoke.run({ id, now: Date.now() }).changes > 0
      if (changed) writes++
      return changed
    },
    digests: () => q.list.all().map((r) => ({ digest: r.digest, key: toKey(r) })),
    version: () => q.version.get()?.version ?? 0,
  }
}
