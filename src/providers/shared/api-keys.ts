/** A provider's credentials: keys from its config (`api_key`, `api_keys[]`) and its stored accounts. */
import type { Config } from '../../config/schema.ts'
import type { AccountStore } from '../../store/types.ts'
import type { Credential } from '../types.ts'
import { providerProxy } from './proxy.ts'

export function configApiKeys(config: Config, provider: string): Credential[] {
  const p = config.providers[provider]
  if (!p) return []
  const out: Credential[] = []
  const proxy = providerProxy(config, provider)
  if (p.api_key) out.push(withProxy({ kind: 'api_key', secret: p.api_key, label: 'api_key' }, proxy))
  p.api_keys.forEach((k, i) => {
    const c: Credential = { kind: 'api_key', secret: k.api_key, label: k.label ?? `api_keys[${i}]` }
    if (k.base_url) c.baseUrl = k.base_url
    out.push(withProxy(c, k.proxy_url ?? proxy))
  })
  return out
}

/**
 * The non-secret facts of a stored login a provider needs on each call: Codex's ChatGPT account
 * (`account_id`, header `chatgpt-account-id`), Copilot's API base (`api_base`, from the token
 * exchange), a Code Assist login's Google Cloud project (`project_id`). Undefined when there are none.
 */
export function loginExtra(token: Record<string, unknown>): Record<string, string> | undefined {
  const extra: Record<string, string> = {}
  if (typeof token['account_id'] === 'string') extra['accountId'] = token['account_id']
  if (typeof token['api_base'] === 'string') extra['apiBase'] = token['api_base']
  // Kimi: the device the login was made on, named on every call
  if (typeof token['device_id'] === 'string') extra['deviceId'] = token['device_id']
  if (typeof token['project_id'] === 'string') extra['projectId'] = token['project_id']
  // Kiro: a social login's AWS profile, sent with every call
  if (typeof token['profile_arn'] === 'string') extra['profileArn'] = token['profile_arn']
  return Object.keys(extra).length > 0 ? extra : undefined
}

/**
 * The provider's stored accounts, the active one first: API keys as they are, subscription
 * logins as `oauth` credentials whose `secret` the gateway fills with a fresh access token.
 * Accounts that need a new login, or that their provider gave up on, are left out.
 */
export function storedCredentials(
  accounts: AccountStore | undefined,
  provider: string,
  opts: { oauth: boolean; proxy?: string | undefined },
): Credential[] {
  if (!accounts) return []
  const out: Credential[] = []
  for (const a of accounts.list(provider).sort((x, y) => Number(y.active) - Number(x.active))) {
    // the provider said this account no longer works (docs/accounts.md): no request goes to it
    if (a.state === 'unavailable') continue
    if (a.kind === 'api_key' && typeof a.token['api_key'] === 'string') {
      out.push(withProxy({ kind: 'api_key', secret: a.token['api_key'], label: a.accountId }, opts.proxy))
    } else if (opts.oauth && a.kind === 'oauth' && a.state !== 'needs_login') {
      const c: Credential = { kind: 'oauth', secret: '', label: a.accountId }
      const extra = loginExtra(a.token)
      if (extra) c.extra = extra
      out.push(withProxy(c, opts.proxy))
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
  return [
    ...configApiKeys(config, provider),
    ...storedCredentials(accounts, provider, { ...opts, proxy: providerProxy(config, provider) }),
  ]
}

function withProxy(c: Credential, proxy: string | undefined): Credential {
  if (proxy) c.proxy = proxy
  return c
}
