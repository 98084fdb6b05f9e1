/** The API keys a provider's config holds (`api_key` and `api_keys[]`), as credentials in order. */
import type { Config } from '../../config/schema.ts'
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
