/**
 * The standard `grant_type=refresh_token` call, as a `Refresher` the token manager can use.
 * Revoked, expired or reused refresh tokens become `InvalidGrantError`; a response without a new
 * refresh token keeps the old one (Google does not rotate).
 */
import type { Account } from '../store/types.ts'
import { InvalidGrantError, OAuthError } from './errors.ts'
import { encodeBody, expiresAtOf, type FieldCase, readTokenResponse } from './token-response.ts'

export interface RefreshResult {
  /** The account's whole new token JSON (stored as is). */
  token: Record<string, unknown>
  /** Unix ms. */
  expiresAt?: number
}

export interface Refresher {
  refresh(account: Account): Promise<RefreshResult>
}

export interface OAuthRefresherOptions {
  tokenUrl: string
  clientId: string
  clientSecret?: string
  /** Claude: json; Codex, Google, Qwen, Kimi: form. */
  style: 'json' | 'form'
  /** Field names of the request; default snake_case (`camel`: AWS SSO OIDC). */
  fieldCase?: FieldCase
  /** Send the refresh token alone, no grant type or client (Kiro's own auth service). */
  refreshTokenOnly?: boolean
  scope?: string
  headers?: Record<string, string>
  fetch?: typeof fetch
  now?: () => number
}

export function oauthRefresher(opts: OAuthRefresherOptions): Refresher {
  return {
    async refresh(account) {
      const refreshToken = account.token.refresh_token
      if (typeof refreshToken !== 'string' || refreshToken === '') {
        throw new InvalidGrantError('the account has no refresh token')
      }
      const fields: Record<string, string> = opts.refreshTokenOnly
        ? { refresh_token: refreshToken }
        : { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: opts.clientId }
      if (opts.clientSecret !== undefined && !opts.refreshTokenOnly) fields.client_secret = opts.clientSecret
      if (opts.scope !== undefined) fields.scope = opts.scope
      const req = encodeBody(opts.style, fields, opts.headers, opts.fieldCase)
      let res: Response
      try {
        res = await (opts.fetch ?? fetch)(opts.tokenUrl, {
          method: 'POST',
          headers: req.headers,
          body: req.body,
          signal: AbortSignal.timeout(30_000),
        })
      } catch (e) {
        throw new OAuthError('network', `refresh failed: ${(e as Error).message}`)
      }
      const fresh = await readTokenResponse(res, 'refresh')
      const token: Record<string, unknown> = { ...account.token, ...fresh }
      if (fresh.refresh_token === undefined) token.refresh_token = refreshToken
      const out: RefreshResult = { token }
      const expiresAt = expiresAtOf(fresh, (opts.now ?? Date.now)())
      if (expiresAt !== undefined) out.expiresAt = expiresAt
      return out
    },
  }
}
