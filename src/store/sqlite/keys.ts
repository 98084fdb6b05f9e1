/** Gateway keys in SQLite: a digest per key, never the key; revoked keys are kept, marked. */
import type { Database } from 'bun:sqlite'
import { type KeyRow, keyOfRow } from '../key-rows.ts'
import { keyDigest, newKeyId, newKeySecret, shownPrefix } from '../key-secret.ts'
import type { IssuedGatewayKey, KeyStore, NewGatewayKey } from '../types.ts'

export function sqliteKeys(db: Database): KeyStore {
  const q = {
    list: db.query<KeyRow, []>('SELECT * FROM gateway_keys ORDER BY created_at, id'),
    get: db.query<KeyRow, { id: string }>('SELECT * FROM gateway_keys WHERE id = $id'),
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
    return r ? keyOfRow(r) : undefined
  }
  return {
    get writes() {
      return writes
    },
    list: () => q.list.all().map(keyOfRow),
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
    digests: () => q.list.all().map((r) => ({ digest: r.digest, key: keyOfRow(r) })),
    version: () => q.version.get()?.version ?? 0,
  }
}
