/**
 * A `gateway_keys` row and the key it holds: one mapping for every backend. Times arrive as
 * numbers from SQLite and as strings from PostgreSQL's BIGINT.
 */
import type { BudgetPeriod, GatewayKey } from './types.ts'

type Int = number | string

export interface KeyRow {
  id: string
  name: string
  digest: string
  prefix: string
  models_json: string | null
  rpm: number | null
  budget_usd: number | null
  budget_period: BudgetPeriod | null
  expires_at: Int | null
  created_at: Int
  rotated_at: Int | null
  revoked_at: Int | null
}

export function keyOfRow(r: KeyRow): GatewayKey {
  const k: GatewayKey = { id: r.id, name: r.name, prefix: r.prefix, createdAt: Number(r.created_at) }
  if (r.models_json !== null) k.models = JSON.parse(r.models_json) as string[]
  if (r.rpm !== null) k.rpm = r.rpm
  if (r.budget_usd !== null) k.budgetUsd = r.budget_usd
  if (r.budget_period !== null) k.budgetPeriod = r.budget_period
  if (r.expires_at !== null) k.expiresAt = Number(r.expires_at)
  if (r.rotated_at !== null) k.rotatedAt = Number(r.rotated_at)
  if (r.revoked_at !== null) k.revokedAt = Number(r.revoked_at)
  return k
}
