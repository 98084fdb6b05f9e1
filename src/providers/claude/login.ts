/**
 * Claude subscription login (the Claude Code client's OAuth app): authorization code + PKCE on
 * `localhost:54545/callback`, exchanged with a JSON body that carries `state`; refresh tokens rotate.
 * Every URL and the client id are overridable under `providers.claude.oauth`.
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

export const CLAUDE_AUTHORIZE_URL = 'https://claude.ai/oauth/authorize'
/** Current token URL; `console.anthropic.com` sits behind a Cloudflare challenge now. */
export const CLAUDE_TOKEN_URL = 'https://platform.claude.com/v1/oauth/token'
export const CLAUDE_CLIENT_ID = '9d1c250a-e61b-44d9-88ed-5944d1962f5e'
export const CLAUDE_SCOPES = [
  'user:profile',
  'user:inference',
  'user:sessions:claude_code',
  'user:mcp_servers',
  'user:file_upload',
] as const

export type ClaudeOAuth = AuthCodeApp

/** The endpoints, client id and scopes, with `providers.claude.oauth` overrides applied. */
export function claudeOAuth(config: Config): ClaudeOAuth {
  return resolveAuthCodeApp(config, 'claude', {
    authorizeUrl: CLAUDE_AUTHORIZE_URL,
    tokenUrl: CLAUDE_TOKEN_URL,
    clientId: CLAUDE_CLIENT_ID,
    scopes: CLAUDE_SCOPES,
    redirectPort: 54545,
    redirectPath: '/callback',
    extraParams: { code: 'true' },
  })
}

export type ClaudeLoginOptions = AuthCodeLoginOptions

/** The stored token shape: `{access_token, refresh_token, expires_at}` (unix seconds) and the expiry in ms. */
function storedToken(t: TokenResponse, now: number): { token: Record<string, unknown>; expiresAt?: number } {
  const token: Record<string, unknown> = { access_token: t.access_token }
  if (t.refresh_token !== undefined) token.refresh_token = t.refresh_token
  if (t.expires_in === undefined) return { token }
  const expiresAt = now + t.expires_in * 1000
  token.expires_at = Math.floor(expiresAt / 1000)
  return { token, expiresAt }
}

/** `account.email_address` (or its uuid) from the token answer; `default` when absent. */
function accountIdOf(t: TokenResponse): string {
  const acc = t.account
  if (typeof acc === 'object' && acc !== null) {
    const a = acc as Record<string, unknown>
    for (const k of ['email_address', 'email', 'uuid']) {
      const v = a[k]
      if (typeof v === 'string' && v !== '') return v
    }
  }
  return 'default'
}

/** Runs the browser login and returns the account to store. */
export async function loginClaude(opts: ClaudeLoginOptions): Promise<NewAccount> {
  const o = claudeOAuth(opts.config)
  const t = await runAppLogin(o, 'json', opts)
  const { token, expiresAt } = storedToken(t, (opts.now ?? Date.now)())
  const account: NewAccount = { provider: 'claude', accountId: accountIdOf(t), kind: 'oauth', token }
  const org = t.organization as { name?: unknown } | undefined
  if (typeof org?.name === 'string' && org.name !== '') account.label = org.name
  if (expiresAt !== undefined) account.expiresAt = expiresAt
  return account
}

/** JSON `refresh_token` grant to the token URL; the stored shape stays `{access_token, refresh_token, expires_at}`. */
export function claudeRefresher(
  config: Config,
  opts: { fetch?: typeof fetch; now?: () => number } = {},
): Refresher {
  const o = claudeOAuth(config)
  const now = opts.now ?? Date.now
  const inner = oauthRefresher({
    tokenUrl: o.tokenUrl,
    clientId: o.clientId,
    style: 'json',
    now,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  })
  return {
    async refresh(account) {
      const r = await inner.refresh(account)
      const token: Record<string, unknown> = {
        access_token: r.token.access_token,
        refresh_token: r.token.refresh_token,
      }
      if (r.expiresAt !== undefined) token.expires_at = Math.floor(r.expiresAt / 1000)
      return r.expiresAt === undefined ? { token } : { token, expiresAt: r.expiresAt }
    },
  }
}
