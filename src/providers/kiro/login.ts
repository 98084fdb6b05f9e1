/**
 * Kiro logins (docs/protocols/kiro.md, "Login: AWS Builder ID" and "Login: Google or GitHub"):
 *
 * - AWS Builder ID through AWS SSO OIDC: register a public client, then the device flow with
 *   that client's id and secret, camelCase JSON throughout; refresh at the same token endpoint.
 * - The social login through Kiro's own auth service: PKCE on a loopback callback, the code
 *   exchanged at `/oauth/token`, refreshed at `/refreshToken` with the refresh token alone. Its
 *   answer names the account's `profileArn`, which every API call carries.
 *
 * Every endpoint is overridable under `providers.kiro.oauth` (`oidc_url`, `start_url`,
 * `auth_service_url`, `redirect_port`).
 */
import type { Config } from '../../config/schema.ts'
import {
  InvalidGrantError,
  OAuthError,
  oauthRefresher,
  type Refresher,
  runDeviceFlow,
  type TokenResponse,
  withSnakeCaseFields,
} from '../../oauth/index.ts'
import type { NewAccount } from '../../store/types.ts'
import { type AuthCodeApp, type AuthCodeLoginOptions, runAppLogin } from '../shared/auth-code-app.ts'
import { type DeviceLoginOptions, deviceFlowIO } from '../shared/subscription-login.ts'

export const KIRO_OIDC_URL = 'https://oidc.us-east-1.amazonaws.com'
/** The start URL of AWS Builder ID (personal accounts, no IAM Identity Center). */
export const KIRO_START_URL = 'https://view.awsapps.com/start'
export const KIRO_AUTH_SERVICE_URL = 'https://prod.us-east-1.auth.desktop.kiro.dev'
export const KIRO_SCOPES = [
  'codewhisperer:completions',
  'codewhisperer:analysis',
  'codewhisperer:conversations',
] as const
export const KIRO_CLIENT_NAME = 'byokey'
/** The loopback port Kiro's auth service redirects to. */
export const KIRO_REDIRECT_PORT = 9876
export const KIRO_REDIRECT_PATH = '/oauth/callback'

/** The identity providers of Kiro's social login, as its auth service spells them. */
export const KIRO_IDPS = ['Google', 'Github'] as const
export type KiroIdp = (typeof KIRO_IDPS)[number]
export type KiroAuthMethod = 'builder_id' | 'social'

export interface KiroOAuth {
  registerUrl: string
  deviceCodeUrl: string
  tokenUrl: string
  startUrl: string
  loginUrl: string
  socialTokenUrl: string
  socialRefreshUrl: string
  redirectPort: number
}

const trim = (u: string) => u.replace(/\/+$/, '')

/** The endpoints, with `providers.kiro.oauth` overrides applied. */
export function kiroOAuth(config: Config): KiroOAuth {
  const o = config.providers['kiro']?.oauth ?? {}
  const oidc = trim(o.oidc_url || KIRO_OIDC_URL)
  const auth = trim(o.auth_service_url || KIRO_AUTH_SERVICE_URL)
  return {
    registerUrl: `${oidc}/client/register`,
    deviceCodeUrl: `${oidc}/device_authorization`,
    tokenUrl: `${oidc}/token`,
    startUrl: o.start_url || KIRO_START_URL,
    loginUrl: `${auth}/login`,
    socialTokenUrl: `${auth}/oauth/token`,
    socialRefreshUrl: `${auth}/refreshToken`,
    redirectPort: o.redirect_port ?? KIRO_REDIRECT_PORT,
  }
}

interface RegisteredClient {
  clientId: string
  clientSecret: string
  /** Unix seconds, when AWS says. */
  expiresAt?: number
}

/** Registers byokey as a public SSO OIDC client with the CodeWhisperer scopes. */
export async function registerClient(
  o: KiroOAuth,
  opts: { fetch?: typeof fetch; signal?: AbortSignal },
): Promise<RegisteredClient> {
  let res: Response
  try {
    res = await (opts.fetch ?? fetch)(o.registerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ clientName: KIRO_CLIENT_NAME, clientType: 'public', scopes: KIRO_SCOPES }),
      signal: opts.signal ?? AbortSignal.timeout(30_000),
    })
  } catch (e) {
    throw new OAuthError('network', `AWS client registration failed: ${(e as Error).message}`)
  }
  let body: Record<string, unknown> = {}
  try {
    const parsed = withSnakeCaseFields(await res.json())
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>
  } catch {
    // reported below
  }
  const id = body['client_id']
  const secret = body['client_secret']
  if (!res.ok || typeof id !== 'string' || typeof secret !== 'string' || id === '' || secret === '') {
    const why = typeof body['error_description'] === 'string' ? `: ${body['error_description']}` : ''
    throw new OAuthError(
      typeof body['error'] === 'string' ? body['error'] : `http_${res.status}`,
      `AWS client registration failed (HTTP ${res.status})${why}`,
      res.status,
    )
  }
  const out: RegisteredClient = { clientId: id, clientSecret: secret }
  const exp = Number(body['client_secret_expires_at'])
  if (Number.isFinite(exp) && exp > 0) out.expiresAt = exp
  return out
}

/** The stored token: the tokens, their expiry (unix seconds), how to refresh them. */
function storedToken(
  t: TokenResponse,
  method: KiroAuthMethod,
  now: number,
  more: Record<string, unknown>,
): { token: Record<string, unknown>; expiresAt?: number } {
  const token: Record<string, unknown> = { access_token: t.access_token, auth_method: method, ...more }
  if (typeof t.refresh_token === 'string') token['refresh_token'] = t.refresh_token
  if (typeof t['profile_arn'] === 'string') token['profile_arn'] = t['profile_arn']
  if (t.expires_in === undefined) return { token }
  const expiresAt = now + t.expires_in * 1000
  token['expires_at'] = Math.floor(expiresAt / 1000)
  return { token, expiresAt }
}

function account(
  stored: { token: Record<string, unknown>; expiresAt?: number },
  accountId: string,
  label: string,
): NewAccount {
  const a: NewAccount = { provider: 'kiro', accountId, kind: 'oauth', token: stored.token, label }
  if (stored.expiresAt !== undefined) a.expiresAt = stored.expiresAt
  return a
}

/** AWS Builder ID: client registration, then the device flow; the account to store. */
export async function loginKiroBuilderId(opts: DeviceLoginOptions): Promise<NewAccount> {
  const o = kiroOAuth(opts.config)
  const through = opts.fetch ? { fetch: opts.fetch } : {}
  const client = await registerClient(o, { ...through, ...(opts.signal ? { signal: opts.signal } : {}) })
  const t = await runDeviceFlow({
    deviceCodeUrl: o.deviceCodeUrl,
    tokenUrl: o.tokenUrl,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    extraParams: { start_url: o.startUrl },
    requestStyle: 'json',
    fieldCase: 'camel',
    ...deviceFlowIO(opts),
  })
  const more: Record<string, unknown> = { client_id: client.clientId, client_secret: client.clientSecret }
  if (client.expiresAt !== undefined) more['client_secret_expires_at'] = client.expiresAt
  const stored = storedToken(t, 'builder_id', (opts.now ?? Date.now)(), more)
  return account(stored, 'builder-id', 'AWS Builder ID')
}

export type KiroSocialLoginOptions = AuthCodeLoginOptions & { idp: KiroIdp }

/** Google or GitHub through Kiro's auth service (PKCE on the loopback callback); the account to store. */
export async function loginKiroSocial(opts: KiroSocialLoginOptions): Promise<NewAccount> {
  const o = kiroOAuth(opts.config)
  const app: AuthCodeApp = {
    authorizeUrl: o.loginUrl,
    tokenUrl: o.socialTokenUrl,
    clientId: '',
    scopes: [],
    redirectPort: o.redirectPort,
    redirectPath: KIRO_REDIRECT_PATH,
    redirectUri: `http://localhost:${o.redirectPort}${KIRO_REDIRECT_PATH}`,
    extraParams: { idp: opts.idp, prompt: 'select_account' },
    pkceOnly: true,
  }
  const t = await runAppLogin(app, 'json', opts)
  const stored = storedToken(t, 'social', (opts.now ?? Date.now)(), { idp: opts.idp })
  return account(stored, opts.idp.toLowerCase(), `Kiro (${opts.idp})`)
}

/**
 * Renews a Kiro login the way it was made: Builder ID at the SSO OIDC token endpoint with its
 * registered client, a social login at Kiro's `/refreshToken`. Both rotate the refresh token.
 */
export function kiroRefresher(
  config: Config,
  opts: { fetch?: typeof fetch; now?: () => number } = {},
): Refresher {
  const o = kiroOAuth(config)
  const now = opts.now ?? Date.now
  const through = opts.fetch ? { fetch: opts.fetch } : {}
  return {
    async refresh(acc) {
      const method = acc.token['auth_method']
      let inner: Refresher
      if (method === 'social') {
        inner = oauthRefresher({
          tokenUrl: o.socialRefreshUrl,
          clientId: '',
          style: 'json',
          fieldCase: 'camel',
          refreshTokenOnly: true,
          now,
          ...through,
        })
      } else {
        const clientId = acc.token['client_id']
        const clientSecret = acc.token['client_secret']
        if (typeof clientId !== 'string' || typeof clientSecret !== 'string') {
          throw new InvalidGrantError('the stored Kiro login has no registered client; log in again')
        }
        inner = oauthRefresher({
          tokenUrl: o.tokenUrl,
          clientId,
          clientSecret,
          style: 'json',
          fieldCase: 'camel',
          now,
          ...through,
        })
      }
      let r: Awaited<ReturnType<Refresher['refresh']>>
      try {
        r = await inner.refresh(acc)
      } catch (e) {
        // Kiro's auth service answers a spent or revoked refresh token with 401, not invalid_grant
        if (
          e instanceof OAuthError &&
          !(e instanceof InvalidGrantError) &&
          (e.status === 401 || e.status === 403)
        )
          throw new InvalidGrantError(e.message, e.status)
        throw e
      }
      // keep only the stored shape: the answer's camelCase copies are not stored twice
      const token: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(r.token)) if (!/[A-Z]/.test(k)) token[k] = v
      if (r.expiresAt !== undefined) token['expires_at'] = Math.floor(r.expiresAt / 1000)
      delete token['expires_in']
      delete token['token_type']
      return r.expiresAt === undefined ? { token } : { token, expiresAt: r.expiresAt }
    },
  }
}
