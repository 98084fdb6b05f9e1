/**
 * Google's installed-app OAuth, as Gemini CLI and Antigravity log in
 * (docs/protocols/gemini-code-assist.md, "Login"): authorization code + PKCE with offline access
 * (`access_type=offline`, `prompt=consent`, so Google hands out a refresh token), the code taken
 * from a loopback callback on the app's fixed port or pasted from Google's code page on a headless
 * machine, exchanged with a form body that carries the app's public client secret; the account's
 * email read from the userinfo endpoint. Refreshes keep the old refresh token, since Google
 * normally sends none. Every URL, the client id and secret come from `providers.<id>.oauth`.
 */
import type { Config } from '../../config/schema.ts'
import { expiresAtOf, oauthRefresher, type Refresher, type TokenResponse } from '../../oauth/index.ts'
import {
  type AuthCodeApp,
  type AuthCodeLoginOptions,
  resolveAuthCodeApp,
  runAppLogin,
} from './auth-code-app.ts'

export const GOOGLE_AUTHORIZE_URL = 'https://accounts.google.com/o/oauth2/v2/auth'
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token'
export const GOOGLE_USERINFO_URL = 'https://www.googleapis.com/oauth2/v1/userinfo?alt=json'

/** What a Google login asks for beyond the standard parameters: a refresh token, every time. */
const OFFLINE_PARAMS = { access_type: 'offline', prompt: 'consent' } as const

/**
 * The token JSON a Google login stores on its account (gemini and antigravity alike):
 * `access_token`, `refresh_token`, `expires_at` (unix s), `token_type`, `scope`, plus what the
 * login learned about the account: `email` (userinfo) and `project_id` (Code Assist discovery,
 * `code-assist-project.ts`). A refresh rewrites the first five and keeps the rest.
 */
export interface GoogleToken {
  access_token: string
  refresh_token?: string
  expires_at?: number
  token_type?: string
  scope?: string
  email?: string
  project_id?: string
}

/** A Google OAuth app as a provider registers it; URLs default to Google's. */
export interface GoogleAppDefaults {
  clientId: string
  clientSecret: string
  scopes: readonly string[]
  /** Gemini CLI 8085, Antigravity 51121. */
  redirectPort: number
  redirectPath: string
  /** The page that shows the code to paste, when the app has one registered (Gemini CLI's does). */
  codePageUrl?: string
}

export interface GoogleApp extends AuthCodeApp {
  clientSecret: string
  userinfoUrl: string
  codePageUrl?: string
}

/** The app with `providers.<provider>.oauth` overrides applied. */
export function resolveGoogleApp(config: Config, provider: string, d: GoogleAppDefaults): GoogleApp {
  const o = config.providers[provider]?.oauth ?? {}
  const app: GoogleApp = {
    ...resolveAuthCodeApp(config, provider, {
      authorizeUrl: GOOGLE_AUTHORIZE_URL,
      tokenUrl: GOOGLE_TOKEN_URL,
      clientId: d.clientId,
      scopes: d.scopes,
      redirectPort: d.redirectPort,
      redirectPath: d.redirectPath,
      extraParams: OFFLINE_PARAMS,
    }),
    clientSecret: o.client_secret || d.clientSecret,
    userinfoUrl: o.userinfo_url || GOOGLE_USERINFO_URL,
  }
  const codePage = o.code_page_url || d.codePageUrl
  if (codePage) app.codePageUrl = codePage
  return app
}

export interface GoogleLoginOptions extends AuthCodeLoginOptions {
  /**
   * Use the app's code page instead of a loopback callback: Google redirects to a page that shows
   * the code and the user pastes it (headless machines). Ignored when the app has no code page.
   */
  codePage?: boolean
}

export interface GoogleLogin {
  token: GoogleToken
  /** Unix ms, when Google said. */
  expiresAt?: number
  /** From userinfo; undefined when it could not be read. */
  email?: string
}

/**
 * The stored token for a token answer received at `now`; what the answer lacks (a refresh token
 * on refresh, the email, the project) is kept from `prev`.
 */
export function googleToken(
  t: TokenResponse,
  now: number,
  prev: Record<string, unknown> = {},
): { token: GoogleToken; expiresAt?: number } {
  const token: GoogleToken = { access_token: t.access_token }
  const refresh = t.refresh_token ?? prev.refresh_token
  if (typeof refresh === 'string' && refresh !== '') token.refresh_token = refresh
  const expiresAt = expiresAtOf(t, now)
  if (expiresAt !== undefined) token.expires_at = Math.floor(expiresAt / 1000)
  if (typeof t.token_type === 'string') token.token_type = t.token_type
  if (typeof t.scope === 'string') token.scope = t.scope
  for (const k of ['email', 'project_id'] as const) {
    const v = prev[k]
    if (typeof v === 'string' && v !== '') token[k] = v
  }
  return expiresAt === undefined ? { token } : { token, expiresAt }
}

/** The account's email from the userinfo endpoint; undefined when it cannot be read (the login still counts). */
export async function googleEmail(
  userinfoUrl: string,
  accessToken: string,
  opts: { fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<string | undefined> {
  try {
    const res = await (opts.fetch ?? fetch)(userinfoUrl, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: opts.signal ?? AbortSignal.timeout(30_000),
    })
    if (!res.ok) {
      await res.body?.cancel()
      return undefined
    }
    const email = ((await res.json()) as { email?: unknown } | null)?.email
    return typeof email === 'string' && email !== '' ? email : undefined
  } catch {
    return undefined
  }
}

/** Runs the browser login of a Google app and reads the account's email. */
export async function loginGoogle(app: GoogleApp, opts: GoogleLoginOptions): Promise<GoogleLogin> {
  const codePage = opts.codePage === true ? app.codePageUrl : undefined
  const t = await runAppLogin(app, 'form', opts, {
    clientSecret: app.clientSecret,
    ...(codePage !== undefined ? { redirectUri: codePage } : {}),
  })
  const stored = googleToken(t, (opts.now ?? Date.now)())
  const email = await googleEmail(app.userinfoUrl, t.access_token, {
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  })
  if (email !== undefined) stored.token.email = email
  return email === undefined ? stored : { ...stored, email }
}

/**
 * Form `refresh_token` grant with the client secret. Google rarely rotates: the old refresh token
 * stays when the answer has none; `invalid_grant` (revoked, expired) becomes `InvalidGrantError`,
 * which the token manager turns into "needs login".
 */
export function googleRefresher(
  app: GoogleApp,
  opts: { fetch?: typeof fetch; now?: () => number } = {},
): Refresher {
  const now = opts.now ?? Date.now
  const inner = oauthRefresher({
    tokenUrl: app.tokenUrl,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    style: 'form',
    now,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  })
  return {
    async refresh(account) {
      const r = await inner.refresh(account)
      const { token, expiresAt } = googleToken(r.token as TokenResponse, now(), account.token)
      const stored = token as unknown as Record<string, unknown>
      return expiresAt === undefined ? { token: stored } : { token: stored, expiresAt }
    },
  }
}
