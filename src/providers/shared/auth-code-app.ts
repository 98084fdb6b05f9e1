/**
 * The OAuth app a subscription login uses (authorization code + PKCE on a loopback callback),
 * with the `providers.<id>.oauth` overrides applied: the one shape every auth-code provider
 * resolves its endpoints into.
 */
import type { Config } from '../../config/schema.ts'

export interface AuthCodeApp {
  authorizeUrl: string
  tokenUrl: string
  clientId: string
  scopes: readonly string[]
  redirectPort: number
  redirectPath: string
  /** `http://localhost:<port><path>` with the provider's fixed port (what the OAuth app registered). */
  redirectUri: string
  extraParams: Record<string, string>
}

export interface AuthCodeDefaults {
  authorizeUrl: string
  tokenUrl: string
  clientId: string
  scopes: readonly string[]
  redirectPort: number
  redirectPath: string
  extraParams?: Record<string, string>
}

export function resolveAuthCodeApp(config: Config, provider: string, d: AuthCodeDefaults): AuthCodeApp {
  const o = config.providers[provider]?.oauth ?? {}
  return {
    authorizeUrl: o.authorize_url || d.authorizeUrl,
    tokenUrl: o.token_url || d.tokenUrl,
    clientId: o.client_id || d.clientId,
    scopes: d.scopes,
    redirectPort: d.redirectPort,
    redirectPath: d.redirectPath,
    redirectUri: `http://localhost:${d.redirectPort}${d.redirectPath}`,
    extraParams: { ...d.extraParams },
  }
}
