/**
 * iFlow login with iFlow CLI's OAuth app (docs/protocols/iflow.md): authorization code **without**
 * PKCE on `localhost:11451/oauth2callback`, the code exchanged with HTTP Basic client
 * authentication. The OAuth token is not what the API takes: the user-info endpoint hands out an
 * API key for it, fetched after the login and again after every refresh. The stored token keeps
 * the API key as `access_token` (what the gateway sends) and the OAuth token as
 * `oauth_access_token`. Every URL, the client id and secret are overridable under
 * `providers.iflow.oauth` (or `providers.i_flow.oauth`).
 */
import type { Config } from '../../config/schema.ts'
import {
  basicClientAuth,
  InvalidGrantError,
  OAuthError,
  oauthRefresher,
  type Refresher,
  type TokenResponse,
} from '../../oauth/index.ts'
import type { NewAccount } from '../../store/types.ts'
import {
  type AuthCodeApp,
  type AuthCodeLoginOptions,
  resolveAuthCodeApp,
  runAppLogin,
} from '../shared/auth-code-app.ts'
import { loginAccount, storedLogin } from '../shared/subscription-login.ts'

export const IFLOW_AUTHORIZE_URL = 'https://iflow.cn/oauth'
export const IFLOW_TOKEN_URL = 'https://iflow.cn/oauth/token'
export const IFLOW_USER_INFO_URL = 'https://iflow.cn/api/oauth/getUserInfo'
export const IFLOW_CLIENT_ID = '10009311001'
/** Public: shipped inside iFlow CLI, so it authenticates the app, not the user. */
export const IFLOW_CLIENT_SECRET = '4Z3YjXycVsQvyGF1etiNlIBB4RsqSDtW'

export interface IFlowOAuth extends AuthCodeApp {
  clientSecret: string
  userInfoUrl: string
}

/** The endpoints and client, with `providers.iflow.oauth` overrides applied. */
export function iflowOAuth(config: Config): IFlowOAuth {
  const app = resolveAuthCodeApp(config, 'iflow', {
    authorizeUrl: IFLOW_AUTHORIZE_URL,
    tokenUrl: IFLOW_TOKEN_URL,
    clientId: IFLOW_CLIENT_ID,
    scopes: [],
    redirectPort: 11451,
    redirectPath: '/oauth2callback',
    extraParams: { loginMethod: 'phone', type: 'phone' },
  })
  const o = config.providers['iflow']?.oauth ?? {}
  return {
    ...app,
    clientSecret: o.client_secret || IFLOW_CLIENT_SECRET,
    userInfoUrl: o.userinfo_url || IFLOW_USER_INFO_URL,
  }
}

interface UserInfo {
  apiKey: string
  email?: string
}

/**
 * The API key (and email) the user-info endpoint gives for an OAuth access token. A 401 or 403
 * means the token is not accepted (`InvalidGrantError`: only a new login helps).
 */
export async function fetchIFlowApiKey(
  url: string,
  accessToken: string,
  through: typeof fetch = fetch,
): Promise<UserInfo> {
  const u = new URL(url)
  u.searchParams.set('accessToken', accessToken)
  let res: Response
  try {
    res = await through(u, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(30_000) })
  } catch (e) {
    throw new OAuthError('network', `iFlow user info failed: ${(e as Error).message}`)
  }
  let body: { success?: unknown; data?: { apiKey?: unknown; email?: unknown } } = {}
  try {
    const parsed: unknown = await res.json()
    if (typeof parsed === 'object' && parsed !== null) body = parsed as typeof body
  } catch {
    // reported below
  }
  if (res.status === 401 || res.status === 403)
    throw new InvalidGrantError(`iFlow user info refused the login (HTTP ${res.status})`, res.status)
  const apiKey = body.data?.apiKey
  if (!res.ok || body.success === false || typeof apiKey !== 'string' || apiKey === '') {
    throw new OAuthError('no_api_key', `iFlow user info gave no API key (HTTP ${res.status})`, res.status)
  }
  const email = body.data?.email
  return typeof email === 'string' && email !== '' ? { apiKey, email } : { apiKey }
}

/** The stored token: the API key as `access_token`, the OAuth token beside it. */
function iflowToken(t: TokenResponse, info: UserInfo, now: number, prev: Record<string, unknown> = {}) {
  const stored = storedLogin(t, now, prev)
  stored.token['oauth_access_token'] = t.access_token
  stored.token['access_token'] = info.apiKey
  if (info.email) stored.token['email'] = info.email
  return stored
}

export type IFlowLoginOptions = AuthCodeLoginOptions

/** Runs the browser login and returns the account to store (id: the email, else `default`). */
export async function loginIFlow(opts: IFlowLoginOptions): Promise<NewAccount> {
  const o = iflowOAuth(opts.config)
  const t = await runAppLogin(o, 'form', opts, {
    pkce: false,
    clientSecret: o.clientSecret,
    tokenHeaders: { accept: 'application/json', ...basicClientAuth(o.clientId, o.clientSecret) },
  })
  const info = await fetchIFlowApiKey(o.userInfoUrl, t.access_token, opts.fetch)
  return loginAccount('iflow', info.email ?? 'default', iflowToken(t, info, (opts.now ?? Date.now)()))
}

/** Form `refresh_token` grant with Basic client authentication, then a new API key for the new token. */
export function iflowRefresher(
  config: Config,
  opts: { fetch?: typeof fetch; now?: () => number } = {},
): Refresher {
  const o = iflowOAuth(config)
  const now = opts.now ?? Date.now
  const inner = oauthRefresher({
    tokenUrl: o.tokenUrl,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    style: 'form',
    headers: { accept: 'application/json', ...basicClientAuth(o.clientId, o.clientSecret) },
    now,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  })
  return {
    async refresh(account) {
      const r = await inner.refresh(account)
      // `r.token` is the old token with the answer over it: its access_token is the new OAuth token
      const fresh = r.token as TokenResponse
      const info = await fetchIFlowApiKey(o.userInfoUrl, fresh.access_token, opts.fetch)
      return iflowToken(fresh, info, now(), account.token)
    },
  }
}
