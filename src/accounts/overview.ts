/**
 * What a person looking at byokey wants to see of its credentials, as JSON: per provider its
 * stored accounts with their token state and cooldown, the config keys cooling down, and the
 * limits the upstream last reported. One shape for `byokey status --json`, `accounts --json` and
 * the management API; never a token.
 */
import { PROVIDER_IDS } from '../providers/ids.ts'
import type { Account, AccountState, Cooldown, Store, StoredQuota } from '../store/types.ts'

/** The stored state, or `expired` when an otherwise fine token's expiry has passed. */
export type TokenState = AccountState | 'expired'

export function tokenState(acc: Account, now = Date.now()): TokenState {
  if (acc.state !== 'ok') return acc.state
  if (acc.expiresAt !== undefined && acc.expiresAt <= now) return 'expired'
  return 'ok'
}

/** A cooldown for scripts: its end in ISO 8601 and its reason; nulls when the account is not cooling down. */
export function cooldownJson(c: Cooldown | undefined) {
  return {
    cooldown_until: c ? new Date(c.untilMs).toISOString() : null,
    cooldown_reason: c?.reason ?? null,
  }
}

/** An account as JSON for scripts: everything but the token. */
export function accountJson(acc: Account, now = Date.now(), cooldown?: Cooldown) {
  return {
    id: acc.accountId,
    label: acc.label ?? null,
    kind: acc.kind,
    active: acc.active,
    state: tokenState(acc, now),
    expires_at: acc.expiresAt ?? null,
    last_error: acc.lastError ?? null,
    created_at: acc.createdAt,
    updated_at: acc.updatedAt,
    ...cooldownJson(cooldown),
  }
}

/** A stored quota as JSON for scripts: snake_case, ISO 8601 times, absent fields as null. */
export function quotaJson(q: StoredQuota) {
  return {
    account: q.account,
    observed_at: new Date(q.observedAt).toISOString(),
    status: q.quota.status ?? null,
    resets_at: q.quota.resetsAt ?? null,
    windows: q.quota.windows.map((w) => ({
      name: w.name,
      limit: w.limit ?? null,
      remaining: w.remaining ?? null,
      used_percent: w.usedPercent ?? null,
      window_minutes: w.windowMinutes ?? null,
      resets_at: w.resetsAt ?? null,
      status: w.status ?? null,
    })),
  }
}

/** `key_cooldowns`: the config keys cooling down, present only when there are some. */
export function keyCooldownsJson(keys: readonly Cooldown[]) {
  return keys.length === 0
    ? {}
    : { key_cooldowns: keys.map((c) => ({ label: c.account, ...cooldownJson(c) })) }
}

/** Shown even without accounts, so "not logged in" is visible for the main subscriptions. */
const ALWAYS_SHOWN = ['claude', 'codex', 'copilot', 'gemini']

/** What the store holds about credentials, read once. */
export interface CredentialFacts {
  accounts: Account[]
  cooldowns: Cooldown[]
  quotas: StoredQuota[]
}

export function credentialFacts(store: Store | undefined, provider?: string): CredentialFacts {
  return {
    accounts: store?.accounts.list(provider) ?? [],
    cooldowns: store?.cooldowns.list(provider) ?? [],
    quotas: store?.quotas.list(provider) ?? [],
  }
}

/** One provider's part of the overview; `list` its accounts, `cooldowns` and `quotas` its own. */
export function providerJson(
  provider: string,
  list: readonly Account[],
  cooldowns: readonly Cooldown[],
  quotas: readonly StoredQuota[],
  now: number,
) {
  const coolingOf = new Map(cooldowns.map((c) => [c.account, c]))
  // keys from the config cool down too; they have no stored account to hang on
  const keys = cooldowns.filter((c) => !list.some((a) => a.accountId === c.account))
  return {
    provider,
    active: list.find((a) => a.active)?.accountId ?? null,
    accounts: list.map((a) => accountJson(a, now, coolingOf.get(a.accountId))),
    ...keyCooldownsJson(keys),
    quotas: quotas.map(quotaJson),
  }
}

/** The providers worth showing: the main subscriptions, then any other with accounts or cooldowns. */
export function shownProviders(facts: CredentialFacts): string[] {
  const seen = new Set([...facts.accounts.map((a) => a.provider), ...facts.cooldowns.map((c) => c.provider)])
  const known = PROVIDER_IDS.filter((p) => ALWAYS_SHOWN.includes(p) || seen.has(p))
  const others = [...seen].filter((p) => !(PROVIDER_IDS as readonly string[]).includes(p)).sort()
  return [...known, ...others]
}

/** Every shown provider's part of the overview. */
export function providersOverview(facts: CredentialFacts, now = Date.now()) {
  return shownProviders(facts).map((p) =>
    providerJson(
      p,
      facts.accounts.filter((a) => a.provider === p),
      facts.cooldowns.filter((c) => c.provider === p),
      facts.quotas.filter((q) => q.provider === p),
      now,
    ),
  )
}
