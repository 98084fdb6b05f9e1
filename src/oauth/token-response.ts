/**
 * Reading a token endpoint's answer: a success needs `access_token`; an error body becomes an
 * `OAuthError` naming the OAuth error. Bodies are never copied into messages (they may hold tokens).
 */
import { InvalidGrantError, OAuthError } from './errors.ts'

export interface TokenResponse {
  access_token: string
  refresh_token?: string
  /** Seconds. */
  expires_in?: number
  token_type?: string
  scope?: string
  id_token?: string
  [field: string]: unknown
}

export interface OAuthErrorBody {
  error: string
  description?: string
  /** `slow_down` answers may carry a new interval (GitHub). */
  interval?: number
}

/**
 * The OAuth error in a parsed body, if any: `{"error":"x","error_description":"…"}` (RFC 6749) or
 * `{"error":{"code":"x","message":"…"}}` (OpenAI's shape).
 */
export function oauthErrorOf(body: unknown): OAuthErrorBody | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const b = body as Record<string, unknown>
  const e = b.error
  if (typeof e === 'string' && e !== '') {
    const out: OAuthErrorBody = { error: e }
    if (typeof b.error_description === 'string') out.description = b.error_description
    const interval = Number(b.interval)
    if (Number.isFinite(interval) && interval > 0) out.interval = interval
    return out
  }
  if (typeof e === 'object' && e !== null) {
    const o = e as Record<string, unknown>
    const code = typeof o.code === 'string' ? o.code : typeof o.type === 'string' ? o.type : undefined
    if (code) {
      const out: OAuthErrorBody = { error: code }
      if (typeof o.message === 'string') out.description = o.message
      return out
    }
  }
  return undefined
}

/** `Retry-After` (seconds or HTTP date) or `Retry-After-Ms`, in ms. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms'))
  if (headers.has('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms
  const v = headers.get('retry-after')
  if (v === null) return undefined
  const s = Number(v)
  if (Number.isFinite(s) && s >= 0) return s * 1000
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** Codes meaning the refresh token is gone for good (RFC 6749's, plus OpenAI's single-use variants). */
export const RELOGIN_CODES: ReadonlySet<string> = new Set([
  'invalid_grant',
  'refresh_token_reused',
  'refresh_token_expired',
  'refresh_token_invalidated',
])

/** Builds the error for an OAuth error body; `what` says which call failed ("token exchange", "refresh"). */
export function errorFromBody(what: string, err: OAuthErrorBody, res: Response): OAuthError {
  const detail = err.description ? `: ${err.description}` : ''
  const message = `${what} failed with ${err.error} (HTTP ${res.status})${detail}`
  if (RELOGIN_CODES.has(err.error)) return new InvalidGrantError(message, res.status)
  return new OAuthError(err.error, message, res.status, retryAfterMs(res.headers))
}

/** `accessToken` → `access_token`: the snake_case name of a camelCase one. */
function snakeName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

/** `access_token` → `accessToken`. */
function camelName(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
}

/**
 * A parsed answer with each camelCase field also under its snake_case name (AWS SSO OIDC and
 * Kiro's auth service answer `accessToken`, `deviceCode`…), so one reader serves both; a field
 * already present in snake_case wins.
 */
export function withSnakeCaseFields(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) }
  for (const [k, v] of Object.entries(body)) {
    const snake = snakeName(k)
    if (snake !== k && !(snake in out)) out[snake] = v
  }
  return out
}

/** How a provider spells the fields of its OAuth requests: RFC 6749's snake_case, or camelCase JSON (AWS SSO OIDC). */
export type FieldCase = 'snake' | 'camel'

/** Parses a token endpoint response; throws an `OAuthError` for an error body, a non-2xx or a body without a token. */
export async function readTokenResponse(res: Response, what: string): Promise<TokenResponse> {
  const text = await res.text()
  let body: unknown
  try {
    body = withSnakeCaseFields(JSON.parse(text))
  } catch {
    const type = res.headers.get('content-type') ?? 'no content type'
    const code = res.ok ? 'bad_response' : `http_${res.status}`
    throw new OAuthError(
      code,
      `${what} failed: HTTP ${res.status} with a non-JSON body (${type})`,
      res.status,
      retryAfterMs(res.headers),
    )
  }
  const err = oauthErrorOf(body)
  if (err) throw errorFromBody(what, err, res)
  if (!res.ok) {
    throw new OAuthError(
      `http_${res.status}`,
      `${what} failed: HTTP ${res.status}`,
      res.status,
      retryAfterMs(res.headers),
    )
  }
  const b = body as Record<string, unknown> | null
  if (typeof b?.access_token !== 'string' || b.access_token === '') {
    throw new OAuthError('bad_response', `${what} failed: the response has no access_token`, res.status)
  }
  const expiresIn = Number(b.expires_in)
  const out = { ...b } as TokenResponse
  if (b.expires_in !== undefined) {
    if (Number.isFinite(expiresIn) && expiresIn > 0) out.expires_in = expiresIn
    else delete out.expires_in
  }
  return out
}

/** Unix ms when a token with `expires_in` seconds, received at `now`, expires. */
export function expiresAtOf(token: { expires_in?: unknown }, now = Date.now()): number | undefined {
  const s = Number(token.expires_in)
  return token.expires_in !== undefined && Number.isFinite(s) && s > 0 ? now + s * 1000 : undefined
}

/** Body of a POST in the provider's encoding (`json` or `form`), with the matching headers. */
export function encodeBody(
  style: 'json' | 'form',
  fields: Record<string, string>,
  headers: Record<string, string> = {},
  fieldCase: FieldCase = 'snake',
): { body: string; headers: Record<string, string> } {
  if (fieldCase === 'camel') {
    fields = Object.fromEntries(Object.entries(fields).map(([k, v]) => [camelName(k), v]))
  }
  if (style === 'json') {
    return {
      body: JSON.stringify(fields),
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    }
  }
  return {
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
  }
}

/** `Authorization: Basic base64(id:secret)`, the client authentication of RFC 6749 §2.3.1 (iFlow wants it). */
export function basicClientAuth(clientId: string, clientSecret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` }
}
