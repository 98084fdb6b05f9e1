/**
 * Codex (ChatGPT subscription) login with the Codex CLI's OAuth app: authorization code + PKCE on
 * `localhost:1455/auth/callback` (the only redirect the registration allows), exchanged with a form
 * body. The ChatGPT account id comes from the `id_token`. Every URL and the client id are
 * overridable under `providers.codex.oauth`.
 */
import type { Config } from '../../config/schema.ts'
import { oauthRefresher, type Refresher, type TokenResponse } from '../../oauth/index.ts'
import type { NewAccount } from '../../store/types.ts'
import {
  type AuthCodeApp,
  type AuthCodeLoginOptions,
  resolveAuthCodeApp,
  runAppLogin,
} from '../shared/auth-code-app.ts'

export const CODEX_AUTHORIZE_URL = 'https://auth.openai.com/oauth/authorize'
export const CODEX_TOKEN_URL = 'https://auth.openai.com/oauth/token'
export const CODEX_CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann'
export const CODEX_SCOPES = ['openid', 'email', 'profile', 'offline_access'] as const
/** Scope sent with a refresh (as the Codex CLI does). */
export const CODEX_REFRESH_SCOPE = 'openid profile email'
/** Namespace of OpenAI's custom claims in the id_token and access token. */
export const OPENAI_AUTH_CLAIM = 'https://api.openai.com/auth'

export type CodexOAuth = AuthCodeApp

/** The endpoints, client id and scopes, with `providers.codex.oauth` overrides applied. */
export function codexOAuth(config: Config): CodexOAuth {
  return resolveAuthCodeApp(config, 'codex', {
    authorizeUrl: CODEX_AUTHORIZE_URL,
    tokenUrl: CODEX_TOKEN_URL,
    clientId: CODEX_CLIENT_ID,
    scopes: CODEX_SCOPES,
    redirectPort: 1455,
    redirectPath: '/auth/callback',
    extraParams: {
      prompt: 'login',
      id_token_add_organizations: 'true',
      codex_cli_simplified_flow: 'true',
    },
  })
}

/**
 * The payload of a JWT, without checking its signature: the token came straight from the token
 * endpoint over TLS in answer to our own request, so it is as trustworthy as the access token beside
 * it, and the claims are only used to name the account and fill a request header, never to grant
 * access. Undefined when the value is not a JWT.
 */
export function jwtPayload(token: unknown): Record<string, unknown> | undefined {
  if (typeof token !== 'string') return undefined
  const parts = token.split('.')
  if (parts.length !== 3 || !parts[1]) return undefined
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** `chatgpt_account_id` of the `https://api.openai.com/auth` claim. */
export function chatgptAccountId(jwt: unknown): string | undefined {
  const ns = jwtPayload(jwt)?.[OPENAI_AUTH_CLAIM]
  if (typeof ns !== 'object' || ns === null) return undefined
  const id = (ns as Record<string, unknown>).chatgpt_account_id
  return typeof id === 'string' && id !== '' ? id : undefined
}

/** Unix ms of the access token's expiry: `expires_in`, else the access-token JWT's `exp`. */
function expiryOf(t: TokenResponse, now: number): number | undefined {
  if (t.expires_in !== undefined) return now + t.expires_in * 1000
  const exp = Number(jwtPayload(t.access_token)?.exp)
  return Number.isFinite(exp) && exp > 0 ? exp * 1000 : undefined
}

/**
 * The stored token: `{access_token, refresh_token, id_token, account_id, expires_at}` (unix s), the
 * shape `import-codex` writes too. Values missing from `t` are kept from `prev` (a refresh may omit them).
 */
function storedToken(
  t: TokenResponse,
  now: number,
  prev: Record<string, unknown> = {},
): { token: Record<string, unknown>; expiresAt?: number } {
  const token: Record<string, unknown> = { access_token: t.access_token }
  const refresh = t.refresh_token ?? prev.refresh_token
  if (refresh !== undefined) token.refresh_token = refresh
  const idToken = t.id_token ?? prev.id_token
  if (idToken !== undefined) token.id_token = idToken
  const accountId = chatgptAccountId(idToken) ?? chatgptAccountId(t.access_token) ?? prev.account_id
  if (accountId !== undefined) token.account_id = accountId
  const expiresAt = expiryOf(t, now)
  if (expiresAt === undefined) return { token }
  token.expires_at = Math.floor(expiresAt / 1000)
  return { token, expiresAt }
}

export type CodexLoginOptions = AuthCodeLoginOptions

/** Runs the browser login and returns the account to store (id: the ChatGPT account id, else `default`). */
export async function loginCodex(opts: CodexLoginOptions): Promise<NewAccount> {
  const o = codexOAuth(opts.config)
  const t = await runAppLogin(o, 'form', opts)
  const { token, expiresAt } = storedToken(t, (opts.now ?? Date.now)())
  const accountId = typeof token.account_id === 'string' ? token.account_id : 'default'
  const account: NewAccount = { provider: 'codex', accountId, kind: 'oauth', token }
  const email = jwtPayload(t.id_token)?.email
  if (typeof email === 'string' && email !== '') account.label = email
  if (expiresAt !== undefined) account.expiresAt = expiresAt
  return account
}

/**
 * Form `refresh_token` grant (with `scope`); refresh tokens are single-use, so a reused one
 * (`refresh_token_reused`) is an `InvalidGrantError` like `invalid_grant`.
 */
export function codexRefresher(
  config: Config,
  opts: { fetch?: typeof fetch; now?: () => number } = {},
): Refresher {
  const o = codexOAuth(config)
  const now = opts.now ?? Date.now
  const inner = oauthRefresher({
    tokenUrl: o.tokenUrl,
    clientId: o.clientId,
    style: 'form',
    scope: CODEX_REFRESH_SCOPE,
    now,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  })
  return {
    async refresh(account) {
      const r = await inner.refresh(account)
      // `r.token` is the old token merged with the answer (a new id_token, when sent, wins).
      const { token, expiresAt } = storedToken(r.token as TokenResponse, now(), account.token)
      return expiresAt === undefined ? { token } : { token, expiresAt }
    },
  }
}
