/** The API keys of a provider: from its config (`api_key`, `api_keys[]`) and stored with `byokey add-api-key`. */
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

/** Keys stored as accounts of kind `api_key`, the active one first; labelled by account id. */
export function storedApiKeys(accounts: AccountStore | undefined, provider: string): Credential[] {
  if (!accounts) return []
  return accounts
    .list(provider)
    .filter((a) => a.kind === 'api_key' && typeof a.token['api_key'] === 'string')
    .sort((a, b) => Number(b.active) - Number(a.active))
    .map((a) => ({ kind: 'api_key', secret: a.token['api_key'] as string, label: a.accountId }))
}

/** Config keys, then stored keys. */
export function apiKeys(config: Config, accounts: AccountStore | undefined, provider: string): Credential[] {
  return [...configApiKeys(config, provider), ...storedApiKeys(accounts, provider)]
}
