/**
 * A gateway key as people see it (the CLI's `keys list --json`, the management API): its state,
 * limits, and what it has spent in its budget period. Never the secret or its digest.
 */
import type { BudgetPeriod, GatewayKey, UsageStore } from '../store/types.ts'
import { periodEnd, periodStart } from './key-budgets.ts'

export type KeyState = 'active' | 'revoked' | 'expired'

export interface KeyView {
  id: string
  name: string
  /** The secret's first characters and an ellipsis: `byk-AbCd1234…`. */
  masked: string
  state: KeyState
  models: string[] | null
  rpm: number | null
  budget: { usd: number; period: 'day' | 'month'; spent_usd: number; resets_at: string } | null
  expires_at: string | null
  created_at: string
  rotated_at: string | null
  revoked_at: string | null
}

export function keyState(key: GatewayKey, now: number): KeyState {
  if (key.revokedAt !== undefined) return 'revoked'
  if (key.expiresAt !== undefined && now >= key.expiresAt) return 'expired'
  return 'active'
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString())

/** Views of `keys`, with each budget's spend read from `usage` (one query per period kind in use). */
export async function keyViews(
  keys: readonly GatewayKey[],
  usage: UsageStore,
  now: number,
): Promise<KeyView[]> {
  const spent = new Map<BudgetPeriod, Map<string, number>>()
  for (const period of new Set(keys.flatMap((k) => (k.budgetUsd === undefined ? [] : [k.budgetPeriod])))) {
    if (period) spent.set(period, await usage.spendByKey(periodStart(period, now)))
  }
  const spentOf = (k: GatewayKey, period: BudgetPeriod) => spent.get(period)?.get(k.id) ?? 0
  return keys.map((k) => ({
    id: k.id,
    name: k.name,
    masked: `${k.prefix}…`,
    state: keyState(k, now),
    models: k.models ?? null,
    rpm: k.rpm ?? null,
    budget:
      k.budgetUsd === undefined || k.budgetPeriod === undefined
        ? null
        : {
            usd: k.budgetUsd,
            period: k.budgetPeriod,
            spent_usd: spentOf(k, k.budgetPeriod),
            resets_at: new Date(periodEnd(k.budgetPeriod, now)).toISOString(),
          },
    expires_at: iso(k.expiresAt),
    created_at: new Date(k.createdAt).toISOString(),
    rotated_at: iso(k.rotatedAt),
    revoked_at: iso(k.revokedAt),
  }))
}
