/**
 * A fake OAuth 2 server for the login and refresh tests, on a real loopback socket (`startFake`).
 *
 * - `GET /authorize` registers a code for the PKCE challenge, client and redirect URI and answers
 *   302 to `redirect_uri?code=…&state=…` (or `?error=…` after `denyNextAuthorize`). A test "plays
 *   the browser" by fetching the printed URL (following the redirect reaches the callback server),
 *   or with `redirect: 'manual'` to get the URL to paste.
 * - `POST /token` (JSON or form): `authorization_code` checks single use, client id, redirect URI and
 *   PKCE (S256 of the posted verifier against the registered challenge); `refresh_token` rotates
 *   (the old one is then invalid) unless `rotate: false`, and answers `invalid_grant` for unknown or
 *   revoked tokens; the device grant follows the script. `failNext` scripts transient failures.
 * - `POST /device/code` and the device grant: `authorization_pending` until `approveDevice()`,
 *   `slow_down` on the scripted polls, `expired_token` after `expireDevice()`, `access_denied` after
 *   `denyDevice()`; errors as HTTP 400 or, like GitHub, HTTP 200 (`deviceErrorStatus`).
 * - GitHub's neighbours, for Copilot: `GET /user` → `{login}`, `GET /copilot_internal/v2/token`
 *   → a Copilot token with `expires_at`, `refresh_in` and `endpoints.api`, and
 *   `GET /copilot_internal/user` → the seat's `quota_snapshots`, all authorized by
 *   `authorization: token <an access token issued here>` (401 otherwise).
 * - Qwen, Kimi, iFlow: a `code_challenge` sent with `/device/code` is checked against the polls'
 *   `code_verifier` (S256); `requiredHeaders` must be on every device-code and token request;
 *   `clientSecret` makes `/token` demand `authorization: Basic base64(id:secret)`; and
 *   `GET /api/oauth/getUserInfo?accessToken=<access token>` answers iFlow's
 *   `{success, data: {apiKey, email}}` with the API key `apiKeyFor(accessToken)`.
 * - Google's neighbours, for the Google logins: with `clientSecretIn: 'body'` the secret is a
 *   `client_secret` form field instead; `GET /oauth2/v1/userinfo` → `{id, email, verified_email}`
 *   for `authorization: Bearer <an access token issued here>`; `GET /authcode` is the page that
 *   shows the code to paste (what `https://codeassist.google.com/authcode` is for Gemini CLI).
 */
import { createHash } from 'node:crypto'
import { type FakeServer, jsonResponse, type Recorded, sleep, startFake } from './server.ts'

export interface FakeOAuthOptions {
  clientId?: string
  /** `expires_in` of access tokens (seconds, default 3600). */
  accessTtlSec?: number
  /** Refresh tokens are single-use and replaced on every refresh (default true). */
  rotate?: boolean
  /** Status of device-grant error answers: 400 (RFC 8628) or 200 (GitHub). Default 400. */
  deviceErrorStatus?: 200 | 400
  /** Device code lifetime and poll interval sent to the client (seconds). */
  deviceExpiresIn?: number
  deviceInterval?: number
  /** Poll numbers (1-based) answered with `slow_down`. */
  slowDownPolls?: readonly number[]
  /** Delay before answering a refresh, to widen races in concurrency tests. */
  refreshDelayMs?: number
  /** When set, POST /token rejects bodies of the other encoding (`invalid_request`). */
  tokenStyle?: 'json' | 'form'
  /** Extra fields merged into every successful token answer (account info, `id_token`…). */
  tokenFields?: (grant: 'authorization_code' | 'refresh_token' | 'device_code') => Record<string, unknown>
  /** `endpoints.api` of the Copilot token exchange (default `<url>/copilot`). */
  copilotApiBase?: string
  /** `login` of `GET /user` (default `octocat`). */
  githubLogin?: string
  /** The answer of `GET /copilot_internal/user` (default: 300 premium requests, 120 left, chat unlimited). */
  copilotUser?: () => Record<string, unknown>
  /** Headers (lower-case names) every `/device/code` and `/token` request must carry (Kimi's `x-msh-*`). */
  requiredHeaders?: readonly string[]
  /** When set, `/token` requires HTTP Basic client authentication with this secret (iFlow). */
  clientSecret?: string
  /** Where `clientSecret` must be: HTTP Basic (default, iFlow) or a `client_secret` form field (Google installed apps). */
  clientSecretIn?: 'basic' | 'body'
  /** `email` of `GET /oauth2/v1/userinfo` (default `ada@example.com`). */
  googleEmail?: string
}

/** The API key iFlow's user-info endpoint hands out for an access token. */
export const apiKeyFor = (accessToken: string) => `sk-iflow-${accessToken}`

/** A seat on a monthly plan as `GET /copilot_internal/user` describes it. */
export const COPILOT_USER = {
  login: 'octocat',
  copilot_plan: 'individual',
  quota_reset_date: '2026-01-01',
  quota_snapshots: {
    premium_interactions: {
      entitlement: 300,
      remaining: 120,
      percent_remaining: 40,
      unlimited: false,
      overage_permitted: false,
      quota_id: 'premium_interactions',
    },
    chat: { entitlement: 0, remaining: 0, percent_remaining: 100, unlimited: true, quota_id: 'chat' },
  },
}

export interface FakeOAuthCounters {
  /** Every POST /token. */
  tokenCalls: number
  codeExchanges: number
  refreshes: number
  devicePolls: number
}

export interface FakeOAuth {
  readonly url: string
  /** The only client id the fake accepts. */
  readonly clientId: string
  readonly authorizeUrl: string
  readonly tokenUrl: string
  readonly deviceCodeUrl: string
  readonly server: FakeServer
  readonly counters: FakeOAuthCounters
  /** POST /token requests, newest last. */
  tokenRequests(): Recorded[]
  /** Issues a token pair directly (to seed an account). */
  issue(): { access_token: string; refresh_token: string; expires_in: number }
  revoke(refreshToken: string): void
  isValidAccess(token: string): boolean
  /** The next `count` token calls answer with this status/body (default 503 `temporarily_unavailable`). */
  failNext(count?: number, status?: number, body?: unknown, headers?: Record<string, string>): void
  /** The next /authorize answers with `error=<code>`. */
  denyNextAuthorize(code: string, description?: string): void
  /** `GET /copilot_internal/v2/token` (needs `authorization: token <access token issued here>`). */
  readonly copilotTokenUrl: string
  /** Google's `GET /oauth2/v1/userinfo` (Bearer access token issued here). */
  readonly userinfoUrl: string
  /** The page Google redirects a code-page login to; it shows the code. */
  readonly codePageUrl: string
  approveDevice(): void
  denyDevice(): void
  expireDevice(): void
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

interface Grant {
  clientId: string
  redirectUri: string
  challenge?: string
  method?: string
  used: boolean
}

const s256 = (v: string) => createHash('sha256').update(v).digest('base64url')

function fields(rec: Recorded): Record<string, string> {
  if (rec.body && typeof rec.body === 'object') return rec.body as Record<string, string>
  return Object.fromEntries(new URLSearchParams(rec.rawBody))
}

export function startFakeOAuth(opts: FakeOAuthOptions = {}): FakeOAuth {
  const clientId = opts.clientId ?? 'test-client'
  const ttl = opts.accessTtlSec ?? 3600
  const rotate = opts.rotate ?? true
  const deviceErr = opts.deviceErrorStatus ?? 400
  const slowDown = new Set(opts.slowDownPolls ?? [])
  const counters: FakeOAuthCounters = { tokenCalls: 0, codeExchanges: 0, refreshes: 0, devicePolls: 0 }
  const grants = new Map<string, Grant>()
  const refreshTokens = new Set<string>()
  const accessTokens = new Set<string>()
  const failures: { status: number; body: unknown; headers: Record<string, string> }[] = []
  let deny: { code: string; description?: string } | undefined
  let device:
    | { code: string; state: 'pending' | 'approved' | 'denied' | 'expired' | 'used'; challenge?: string }
    | undefined
  let seq = 0

  const issue = () => {
    seq++
    const pair = {
      access_token: `at-${seq}-${crypto.randomUUID()}`,
      refresh_token: `rt-${seq}-${crypto.randomUUID()}`,
    }
    accessTokens.add(pair.access_token)
    refreshTokens.add(pair.refresh_token)
    return { ...pair, token_type: 'Bearer', expires_in: ttl }
  }
  const withFields = (
    grant: 'authorization_code' | 'refresh_token' | 'device_code',
    body: Record<string, unknown>,
  ) => ({ ...body, ...opts.tokenFields?.(grant) })
  const githubAuthorized = (rec: Recorded) => {
    const m = /^token (.+)$/.exec(rec.headers.authorization ?? '')
    return m?.[1] !== undefined && accessTokens.has(m[1])
  }
  const oauthError = (error: string, status = 400, description?: string) =>
    jsonResponse(description ? { error, error_description: description } : { error }, status)

  const server = startFake(async (_req, rec) => {
    if (rec.method === 'GET' && rec.path === '/authorize') {
      const q = rec.query
      const redirect = new URL(q.redirect_uri ?? 'http://invalid/')
      if (q.state) redirect.searchParams.set('state', q.state)
      if (deny) {
        redirect.searchParams.set('error', deny.code)
        if (deny.description) redirect.searchParams.set('error_description', deny.description)
        deny = undefined
      } else {
        const code = `code-${crypto.randomUUID()}`
        const grant: Grant = { clientId: q.client_id ?? '', redirectUri: q.redirect_uri ?? '', used: false }
        if (q.code_challenge) grant.challenge = q.code_challenge
        if (q.code_challenge_method) grant.method = q.code_challenge_method
        grants.set(code, grant)
        redirect.searchParams.set('code', code)
      }
      return new Response(null, { status: 302, headers: { location: redirect.toString() } })
    }
    if (rec.method === 'GET' && rec.path === '/user') {
      if (!githubAuthorized(rec)) return jsonResponse({ message: 'Bad credentials' }, 401)
      return jsonResponse({ login: opts.githubLogin ?? 'octocat', id: 1 })
    }
    if (rec.method === 'GET' && rec.path === '/oauth2/v1/userinfo') {
      const m = /^Bearer (.+)$/.exec(rec.headers.authorization ?? '')
      if (m?.[1] === undefined || !accessTokens.has(m[1])) {
        return jsonResponse(
          {
            error: {
              code: 401,
              message: 'Request had invalid authentication credentials.',
              status: 'UNAUTHENTICATED',
            },
          },
          401,
        )
      }
      return jsonResponse({
        id: '1234567890',
        email: opts.googleEmail ?? 'ada@example.com',
        verified_email: true,
      })
    }
    if (rec.method === 'GET' && rec.path === '/authcode') {
      const code = rec.query.code ?? ''
      return new Response(`<!doctype html><p>Copy this code:</p><code id="code">${code}</code>`, {
        headers: { 'content-type': 'text/html; charset=utf-8' },
      })
    }
    if (rec.method === 'GET' && rec.path === '/copilot_internal/user') {
      if (!githubAuthorized(rec)) return jsonResponse({ message: 'Bad credentials' }, 401)
      return jsonResponse(opts.copilotUser?.() ?? COPILOT_USER)
    }
    if (rec.method === 'GET' && rec.path === '/copilot_internal/v2/token') {
      if (!githubAuthorized(rec)) {
        return jsonResponse(
          { error_details: { message: 'Bad credentials', url: '', documentation_url: '' } },
          401,
        )
      }
      const exp = Math.floor(Date.now() / 1000) + 1800
      return jsonResponse({
        token: `tid=${crypto.randomUUID()};exp=${exp};proxy-ep=proxy.example:sig`,
        expires_at: exp,
        refresh_in: 1500,
        endpoints: { api: opts.copilotApiBase ?? `${server.url}/copilot` },
        chat_enabled: true,
        copilot_plan: 'individual',
      })
    }
    const missing = (opts.requiredHeaders ?? []).filter((h) => !rec.headers[h])
    if (rec.method === 'POST' && (rec.path === '/device/code' || rec.path === '/token') && missing.length > 0)
      return oauthError('invalid_request', 400, `missing headers: ${missing.join(', ')}`)
    if (rec.method === 'GET' && rec.path === '/api/oauth/getUserInfo') {
      const token = rec.query.accessToken ?? ''
      if (!accessTokens.has(token)) return jsonResponse({ success: false, message: 'invalid token' }, 401)
      return jsonResponse({ success: true, data: { apiKey: apiKeyFor(token), email: 'ada@example.com' } })
    }
    if (rec.method === 'POST' && rec.path === '/device/code') {
      const f = fields(rec)
      if (f.client_id !== clientId) return oauthError('invalid_client', 401)
      device = { code: `dc-${crypto.randomUUID()}`, state: 'pending' }
      if (f.code_challenge) device.challenge = f.code_challenge
      return jsonResponse({
        device_code: device.code,
        user_code: 'WDJB-MJHT',
        verification_uri: `${server.url}/device`,
        verification_uri_complete: `${server.url}/device?user_code=WDJB-MJHT`,
        expires_in: opts.deviceExpiresIn ?? 900,
        interval: opts.deviceInterval ?? 5,
      })
    }
    if (rec.method === 'POST' && rec.path === '/token') {
      counters.tokenCalls++
      const f = fields(rec)
      const failure = failures.shift()
      if (failure) return jsonResponse(failure.body, failure.status, failure.headers)
      if (opts.tokenStyle) {
        const isJson = (rec.headers['content-type'] ?? '').startsWith('application/json')
        if (isJson !== (opts.tokenStyle === 'json')) {
          return oauthError('invalid_request', 400, `the token endpoint expects ${opts.tokenStyle}`)
        }
      }
      if (f.client_id !== clientId) return oauthError('invalid_client', 401)
      const basic = `Basic ${Buffer.from(`${clientId}:${opts.clientSecret}`).toString('base64')}`
      const secretOk =
        opts.clientSecretIn === 'body'
          ? f.client_secret === opts.clientSecret
          : rec.headers.authorization === basic
      if (opts.clientSecret !== undefined && !secretOk)
        return oauthError('invalid_client', 401, 'client authentication failed')
      switch (f.grant_type) {
        case 'authorization_code': {
          counters.codeExchanges++
          const g = grants.get(f.code ?? '')
          if (!g || g.used) return oauthError('invalid_grant', 400, 'unknown or used code')
          g.used = true
          if (g.clientId !== f.client_id) return oauthError('invalid_grant', 400, 'client mismatch')
          if (g.redirectUri !== f.redirect_uri)
            return oauthError('invalid_grant', 400, 'redirect_uri mismatch')
          if (g.challenge !== undefined) {
            if (g.method !== 'S256' || !f.code_verifier || s256(f.code_verifier) !== g.challenge) {
              return oauthError('invalid_grant', 400, 'PKCE verification failed')
            }
          }
          return jsonResponse(withFields('authorization_code', issue()))
        }
        case 'refresh_token': {
          counters.refreshes++
          if (opts.refreshDelayMs) await sleep(opts.refreshDelayMs)
          const rt = f.refresh_token ?? ''
          if (!refreshTokens.has(rt))
            return oauthError('invalid_grant', 400, 'Token has been expired or revoked.')
          if (rotate) {
            refreshTokens.delete(rt)
            return jsonResponse(withFields('refresh_token', issue()))
          }
          const { refresh_token: _, ...rest } = issue()
          return jsonResponse(withFields('refresh_token', rest))
        }
        case 'urn:ietf:params:oauth:grant-type:device_code': {
          counters.devicePolls++
          if (!device || f.device_code !== device.code) return oauthError('invalid_grant', 400)
          if (device.challenge !== undefined && s256(f.code_verifier ?? '') !== device.challenge)
            return oauthError('invalid_grant', 400, 'PKCE verification failed')
          if (slowDown.has(counters.devicePolls)) return oauthError('slow_down', deviceErr)
          switch (device.state) {
            case 'pending':
              return oauthError('authorization_pending', deviceErr)
            case 'denied':
              return oauthError('access_denied', deviceErr)
            case 'expired':
              return oauthError('expired_token', deviceErr)
            case 'used':
              return oauthError('invalid_grant', 400)
            case 'approved':
              device.state = 'used'
              return jsonResponse(withFields('device_code', issue()))
          }
          break
        }
      }
      return oauthError('unsupported_grant_type')
    }
    return new Response('not found', { status: 404 })
  })

  const setDevice = (state: 'approved' | 'denied' | 'expired') => {
    if (!device) throw new Error('no device code was requested')
    device.state = state
  }
  return {
    url: server.url,
    clientId,
    authorizeUrl: `${server.url}/authorize`,
    tokenUrl: `${server.url}/token`,
    deviceCodeUrl: `${server.url}/device/code`,
    copilotTokenUrl: `${server.url}/copilot_internal/v2/token`,
    userinfoUrl: `${server.url}/oauth2/v1/userinfo`,
    codePageUrl: `${server.url}/authcode`,
    server,
    counters,
    tokenRequests: () => server.requests.filter((r) => r.method === 'POST' && r.path === '/token'),
    issue,
    revoke: (rt) => {
      refreshTokens.delete(rt)
    },
    isValidAccess: (t) => accessTokens.has(t),
    failNext(count = 1, status = 503, body = { error: 'temporarily_unavailable' }, headers = {}) {
      for (let i = 0; i < count; i++) failures.push({ status, body, headers })
    },
    denyNextAuthorize(code, description) {
      deny = description === undefined ? { code } : { code, description }
    },
    approveDevice: () => setDevice('approved'),
    denyDevice: () => setDevice('denied'),
    expireDevice: () => setDevice('expired'),
    stop: () => server.stop(),
    [Symbol.asyncDispose]: () => server.stop(),
  }
}

/** A JWT-shaped token with these claims and a dummy signature (what id_tokens and Codex access tokens look like). */
export function unsignedJwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`
}

/** An OpenAI id_token naming a ChatGPT account (the claim Codex logins read their account id from). */
export function openaiIdToken(accountId: string, email = 'ada@example.com'): string {
  return unsignedJwt({
    email,
    exp: Math.floor(Date.now() / 1000) + 3600,
    'https://api.openai.com/auth': {
      chatgpt_account_id: accountId,
      chatgpt_plan_type: 'plus',
      organizations: [{ id: 'org-1', is_default: true }],
    },
  })
}

/** `providers.copilot.oauth` pointing every Copilot login URL at the fake. */
export function copilotOAuthSettings(fake: FakeOAuth): Record<string, string> {
  return {
    device_code_url: fake.deviceCodeUrl,
    token_url: fake.tokenUrl,
    client_id: 'test-client',
    token_exchange_url: fake.copilotTokenUrl,
  }
}

/** The user's browser: follows an authorize URL, whose redirect lands on the login's callback; keeps the URLs. */
export function browser() {
  const urls: string[] = []
  return {
    urls,
    openBrowser: (url: string) => {
      urls.push(url)
      void fetch(url).catch(() => {})
    },
  }
}
