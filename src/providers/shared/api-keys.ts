/** A provider's credentials: keys from its config (`api_key`, `api_keys[]`) and its stored accounts. */
import type { Config } from '../../config/schema.ts'
import type { AccountStore } from '../../store/types.ts'
import type { Credential } from '../types.ts'

export function configApiKeys(config: Config, provider: string): Credential[] {
  const p = config.providers[provider]
  if (!p) return []
  const out: Credential[] = []
  if (p.api_key) out.push({ kind: 'api_key', secret: p.api_key, label: 'api_key' })
  p.api_keys.forEach((k, i) => {
    const c: Credential = { kind: 'api_key', secret: k.api_key, label: k.label ?? `api_keys[${i}]` }
    if (k.base_url) c.baseUrl = k.base_url
    out.push(c)
  })
  return out
}

/**
 * The provider's stored accounts, the active one first: API keys as they are, subscription
 * logins as `oauth` credentials whose `secret` the gateway fills with a fresh access token.
 * Accounts that need a new login are left out.
 */
export function storedCredentials(
  accounts: AccountStore | undefined,
  provider: string,
  opts: { oauth: boolean },
): Credential[] {
  if (!accounts) return []
  const out: Credential[] = []
  for (const a of accounts.list(provider).sort((x, y) => Number(y.active) - Number(x.active))) {
    if (a.kind === 'api_key' && typeof a.token['api_key'] === 'string') {
      out.push({ kind: 'api_key', secret: a.token['api_key'], label: a.accountId })
    } else if (opts.oauth && a.kind === 'oauth' && a.state !== 'needs_login') {
      const c: Credential = { kind: 'oauth', secret: '', label: a.accountId }
      // The ChatGPT account a Codex login belongs to (header `chatgpt-account-id`).
      if (typeof a.token['account_id'] === 'string') c.extra = { accountId: a.token['account_id'] }
      out.push(c)
    }
  }
  return out
}

/**
 * Config keys, then stored accounts. `oauth`: whether the provider can already call upstream with
 * a subscription login (others ignore imported logins rather than send them where they fail).
 */
export function apiKeys(
  config: Config,
  accounts: AccountStore | undefined,
  provider: string,
  opts: { oauth: boolean } = { oauth: false },
): Credential[] {
  return [...configApiKeys(config, provider), ...storedCredentials(accounts, provider, opts)]
}
