/**
 * Which HTTP(S) proxy a credential's upstream calls go through (`proxy_url`): the key's own
 * (`api_keys[].proxy_url`), else its provider's (`providers.<id>.proxy_url`, which also covers the
 * provider's stored accounts and their token refreshes), else the config's top-level one.
 */
import type { Config } from '../../config/schema.ts'

/** The proxy of a provider's credentials that name none of their own. */
export function providerProxy(config: Config, provider: string): string | undefined {
  return config.providers[provider]?.proxy_url ?? config.proxy_url
}

/** The refresher options of a provider whose token refreshes go through its proxy. */
export function refreshFetch(config: Config, provider: string): { fetch?: typeof fetch } {
  const f = proxiedFetch(providerProxy(config, provider))
  return f ? { fetch: f } : {}
}

/** `fetch` through `proxy`, for code that takes a fetch (token refreshes); undefined without a proxy. */
export function proxiedFetch(proxy: string | undefined): typeof fetch | undefined {
  if (!proxy) return undefined
  const through = (input: string | URL | Request, init?: RequestInit) => fetch(input, { ...init, proxy })
  return Object.assign(through, { preconnect: fetch.preconnect }) as typeof fetch
}
