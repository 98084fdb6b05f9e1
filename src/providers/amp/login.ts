/**
 * The Amp login (`docs/protocols/amp.md`): authorization code + PKCE against Amp's own OAuth
 * endpoints under `amp.base_url` on `localhost:19876/callback`, a JSON code exchange, refresh by
 * the standard form grant. The token is never used for model calls: the Amp compatibility layer
 * sends it to Amp on the calls it forwards. Amp publishes no OAuth client, so its id is
 * `providers.amp.oauth.client_id`; the endpoints are overridable under `providers.amp.oauth` too.
 */
import type { Config } from '../../config/schema.ts'
import { OAuthError, oauthRefresher, type Refresher, type TokenResponse } from '../../oauth/index.ts'
import type { NewAccount } from '../../store/types.ts'
import { jwtPayload } from '../codex/login.ts'
import {
  type AuthCodeApp,
  type AuthCodeLoginOptions,
  resolveAuthCodeApp,
  runAppLogin,
} from '../shared/auth-code-app.ts'

export const AMP_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const
export const AMP_REDIRECT_PORT = 19876

/** `amp.base_url` without a trailing slash: the origin every Amp URL is built on. */
export function ampBaseUrl(config: Config): string {
  return config.amp.base_url.replace(/\/+$/, '')
}

/** The endpoints, client id and scopes, with `amp.base_url` and `providers.amp.oauth` applied. */
export function ampOAuth(config: Config): AuthCodeApp {
  const base = ampBaseUrl(config)
  return resolveAuthCodeApp(config, 'amp', {
    authorizeUrl: `${base}/oauth/authorize`,
    tokenUrl: `${base}/oauth/token`,
    clientId: '',
    scopes: AMP_SCOPES,
    redirectPort: AMP_REDIRECT_PORT,
    redirectPath: '/callback',
  })
}

function requireClientId(app: AuthCodeApp): void {
  if (app.clientId !== '') return
  throw new OAuthError(
    'invalid_request',
    "Amp's OAuth client id is not public: set providers.amp.oauth.client_id, or store an Amp access token with 'byokey add-api-key amp -'",
  )
}

/** The email of the `id_token` (the openid scope), else `default`. */
function accountIdOf(t: TokenResponse): string {
  const email = jwtPayload(t.id_token)?.['email']
  return typeof email === 'string' && email !== '' ? email : 'default'
}

/** Runs the browser login and returns the account to store. */
export async function loginAmp(opts: AuthCodeLoginOptions): Promise<NewAccount> {
  const app = ampOAuth(opts.config)
  requireClientId(app)
  const t = await runAppLogin(app, 'json', opts)
  const token: Record<string, unknown> = { access_token: t.access_token }
  if (t.refresh_token !== undefined) token.refresh_token = t.refresh_token
  const account: NewAccount = { provider: 'amp', accountId: accountIdOf(t), kind: 'oauth', token }
  if (t.expires_in !== undefined) {
    const expiresAt = (opts.now ?? Date.now)() + t.expires_in * 1000
    token.expires_at = Math.floor(expiresAt / 1000)
    account.expiresAt = expiresAt
  }
  return account
}

/** Form `refresh_token` grant to the token URL; a missing new refresh token keeps the old one. */
export function ampRefresher(
  config: Config,
  opts: { fetch?: typeof fetch; now?: () => number } = {},
): Refresher {
  const app = ampOAuth(config)
  const inner = oauthRefresher({
    tokenUrl: app.tokenUrl,
    clientId: app.clientId,
    style: 'form',
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  })
  return {
    async refresh(account) {
      const r = await inner.refresh(account)
      if (r.expiresAt !== undefined) r.token.expires_at = Math.floor(r.expiresAt / 1000)
      return r
    },
  }
}
