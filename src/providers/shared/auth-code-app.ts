/**
 * The OAuth app a subscription login uses (authorization code + PKCE on a loopback callback),
 * with the `providers.<id>.oauth` overrides applied: the one shape every auth-code provider
 * resolves its endpoints into.
 */
import type { Config } from '../../config/schema.ts'
import {
  type AuthCodeFlowOptions,
  type LoginPrompt,
  runAuthCodeFlow,
  type TokenResponse,
} from '../../oauth/index.ts'

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
  /** A login service that takes only the PKCE parts of OAuth 2 (Kiro's; see `AuthCodeFlowOptions.pkceOnly`). */
  pkceOnly?: boolean
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

/** What the CLI (or a test) hands a provider's browser login. */
export interface AuthCodeLoginOptions {
  config: Config
  print: (line: string) => void
  prompt?: (p: LoginPrompt) => void
  openBrowser?: (url: string) => void
  readPastedLine?: (signal: AbortSignal) => Promise<string | undefined>
  signal?: AbortSignal
  /** Default: the provider's fixed port; 0 picks a free one (tests). */
  redirectPort?: number
  timeoutMs?: number
  fetch?: typeof fetch
  now?: () => number
}

/**
 * How an app's login differs from the usual public client with PKCE on a loopback callback
 * (iFlow: no PKCE, and a secret; Google: a secret, and its code page as redirect when asked).
 */
export type ClientAuth = Pick<AuthCodeFlowOptions, 'pkce' | 'clientSecret' | 'tokenHeaders' | 'redirectUri'>

/** Runs the browser login of `app` (token request as JSON or a form) and returns the token answer. */
export function runAppLogin(
  app: AuthCodeApp,
  tokenRequestStyle: 'json' | 'form',
  opts: AuthCodeLoginOptions,
  clientAuth: ClientAuth = {},
): Promise<TokenResponse> {
  return runAuthCodeFlow({
    ...clientAuth,
    authorizeUrl: app.authorizeUrl,
    tokenUrl: app.tokenUrl,
    clientId: app.clientId,
    scopes: app.scopes,
    redirectPort: opts.redirectPort ?? app.redirectPort,
    redirectPath: app.redirectPath,
    extraParams: app.extraParams,
    tokenRequestStyle,
    ...(app.pkceOnly ? { pkceOnly: true } : {}),
    print: opts.print,
    ...(opts.openBrowser ? { openBrowser: opts.openBrowser } : {}),
    ...(opts.prompt ? { prompt: opts.prompt } : {}),
    ...(opts.readPastedLine ? { readPastedLine: opts.readPastedLine } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  })
}
