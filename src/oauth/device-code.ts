/**
 * Device authorization grant (RFC 8628): get a user code, print where to enter it, poll the token
 * endpoint at `interval` until approval, denial or expiry. Errors may come as HTTP 400 (RFC) or as
 * HTTP 200 with an `error` field (GitHub); both are read the same way.
 */

import { OAuthError } from './errors.ts'
import type { LoginPrompt } from './prompt.ts'
import {
  encodeBody,
  errorFromBody,
  type FieldCase,
  oauthErrorOf,
  readTokenResponse,
  type TokenResponse,
  withSnakeCaseFields,
} from './token-response.ts'

export interface DeviceAuthorization {
  device_code: string
  user_code: string
  verification_uri: string
  verification_uri_complete?: string
  /** Seconds. */
  expires_in: number
  /** Seconds. */
  interval: number
}

export interface DeviceFlowOptions {
  deviceCodeUrl: string
  tokenUrl: string
  clientId: string
  /** Sent with the device-code request and every poll where the client has one (AWS SSO OIDC registers one). */
  clientSecret?: string
  scope?: string
  /** Field names of the requests; default snake_case (`camel`: AWS SSO OIDC's `clientId`, `deviceCode`…). */
  fieldCase?: FieldCase
  /** Added to the device-code request (Qwen: `code_challenge`, `code_challenge_method`). */
  extraParams?: Record<string, string>
  /** Added to every poll (Qwen: `code_verifier`). */
  pollParams?: Record<string, string>
  /** Default `form`. */
  requestStyle?: 'json' | 'form'
  headers?: Record<string, string>
  print: (line: string) => void
  /** Hears the code and where to enter it as data (the management API shows it to a UI). */
  prompt?: (p: LoginPrompt) => void
  /** Called about once a second with the seconds left before the code expires (the CLI draws it on a TTY). */
  onTick?: (secondsLeft: number) => void
  signal?: AbortSignal
  /** The next interval after `slow_down`, in ms; default +5 s (RFC 8628 §3.5). Qwen multiplies by 1.5. */
  slowDown?: (intervalMs: number) => number
  /** Used when the server sends no `interval` (default 5 s) or no `expires_in` (default 900 s). */
  defaultIntervalSec?: number
  defaultExpiresInSec?: number
  /** Consecutive network errors or 5xx answers tolerated while polling (default 3). */
  maxTransientErrors?: number
  /** For tests. */
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  fetch?: typeof fetch
}

export const DEVICE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code'

/**
 * A `slowDown` that multiplies the interval by `factor`, never past `capMs` (Qwen: × 1.5 up to
 * 10 s): a server that keeps saying `slow_down` must not push the poll past the code's lifetime.
 */
export function scaledSlowDown(factor: number, capMs: number): (intervalMs: number) => number {
  return (ms) => Math.max(ms, Math.min(Math.round(ms * factor), capMs))
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = () => {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const t = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

function cancelled(): OAuthError {
  return new OAuthError('login_cancelled', 'login cancelled')
}

/** Requests the device and user codes. */
export async function requestDeviceCode(opts: DeviceFlowOptions): Promise<DeviceAuthorization> {
  const fields: Record<string, string> = { client_id: opts.clientId, ...opts.extraParams }
  if (opts.clientSecret !== undefined) fields.client_secret = opts.clientSecret
  if (opts.scope !== undefined) fields.scope = opts.scope
  const req = encodeBody(opts.requestStyle ?? 'form', fields, opts.headers, opts.fieldCase)
  let res: Response
  try {
    res = await (opts.fetch ?? fetch)(opts.deviceCodeUrl, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal: opts.signal ?? null,
    })
  } catch (e) {
    if (opts.signal?.aborted) throw cancelled()
    throw new OAuthError('network', `device code request failed: ${(e as Error).message}`)
  }
  let body: unknown
  try {
    body = withSnakeCaseFields(await res.json())
  } catch {
    throw new OAuthError(
      'bad_response',
      `device code request failed: HTTP ${res.status} with a non-JSON body`,
      res.status,
    )
  }
  const err = oauthErrorOf(body)
  if (err) throw errorFromBody('device code request', err, res)
  const b = (body ?? {}) as Record<string, unknown>
  const str = (k: string) => (typeof b[k] === 'string' && b[k] !== '' ? (b[k] as string) : undefined)
  const num = (k: string) => {
    const n = Number(b[k])
    return b[k] !== undefined && Number.isFinite(n) && n > 0 ? n : undefined
  }
  const deviceCode = str('device_code')
  const userCode = str('user_code')
  const uri = str('verification_uri') ?? str('verification_url')
  if (!res.ok || !deviceCode || !userCode || !uri) {
    throw new OAuthError(
      'bad_response',
      `device code request failed: HTTP ${res.status}${res.ok ? ' without device_code, user_code and verification_uri' : ''}`,
      res.status,
    )
  }
  const out: DeviceAuthorization = {
    device_code: deviceCode,
    user_code: userCode,
    verification_uri: uri,
    expires_in: num('expires_in') ?? opts.defaultExpiresInSec ?? 900,
    interval: num('interval') ?? opts.defaultIntervalSec ?? 5,
  }
  const complete = str('verification_uri_complete')
  if (complete) out.verification_uri_complete = complete
  return out
}

/** Runs the whole device flow and returns the token JSON. */
export async function runDeviceFlow(opts: DeviceFlowOptions): Promise<TokenResponse> {
  const now = opts.now ?? Date.now
  const sleep = opts.sleep ?? realSleep
  const doFetch = opts.fetch ?? fetch
  const maxTransient = opts.maxTransientErrors ?? 3
  const slowDown = opts.slowDown ?? ((ms: number) => ms + 5000)

  const auth = await requestDeviceCode(opts)
  const deadline = now() + auth.expires_in * 1000
  opts.print(`Open ${auth.verification_uri} and enter the code ${auth.user_code}`)
  if (auth.verification_uri_complete) opts.print(`(or open ${auth.verification_uri_complete})`)
  opts.prompt?.({
    kind: 'device_code',
    verificationUri: auth.verification_uri,
    userCode: auth.user_code,
    ...(auth.verification_uri_complete ? { verificationUriComplete: auth.verification_uri_complete } : {}),
    expiresAt: deadline,
  })

  const secondsLeft = () => Math.max(0, Math.ceil((deadline - now()) / 1000))
  /** Waits `ms`, ticking the countdown each second; false when the code expires first. */
  const wait = async (ms: number): Promise<boolean> => {
    const until = now() + ms
    for (;;) {
      if (opts.signal?.aborted) throw cancelled()
      const left = until - now()
      if (now() >= deadline) return false
      if (left <= 0) return true
      opts.onTick?.(secondsLeft())
      await sleep(Math.min(1000, left, Math.max(1, deadline - now())), opts.signal)
    }
  }

  let intervalMs = auth.interval * 1000
  let transient = 0
  const fields: Record<string, string> = {
    grant_type: DEVICE_GRANT_TYPE,
    client_id: opts.clientId,
    device_code: auth.device_code,
    ...opts.pollParams,
  }
  if (opts.clientSecret !== undefined) fields.client_secret = opts.clientSecret
  const req = encodeBody(opts.requestStyle ?? 'form', fields, opts.headers, opts.fieldCase)
  const expired = () =>
    new OAuthError(
      'expired_token',
      `the device code expired after ${auth.expires_in} s; start the login again`,
    )

  for (;;) {
    if (!(await wait(intervalMs))) throw expired()
    let res: Response
    try {
      res = await doFetch(opts.tokenUrl, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: opts.signal ?? null,
      })
    } catch (e) {
      if (opts.signal?.aborted) throw cancelled()
      if (++transient > maxTransient) {
        throw new OAuthError('network', `polling the token endpoint failed: ${(e as Error).message}`)
      }
      continue
    }
    if (res.status >= 500) {
      await res.body?.cancel()
      if (++transient > maxTransient) {
        throw new OAuthError(
          `http_${res.status}`,
          `polling the token endpoint failed: HTTP ${res.status}`,
          res.status,
        )
      }
      continue
    }
    transient = 0
    const text = await res.text()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    const err = oauthErrorOf(body)
    if (err?.error === 'authorization_pending') continue
    if (err?.error === 'slow_down') {
      intervalMs = Math.max(slowDown(intervalMs), (err.interval ?? 0) * 1000)
      continue
    }
    if (err?.error === 'expired_token') throw expired()
    if (err?.error === 'access_denied') {
      throw new OAuthError('access_denied', 'the login was denied in the browser (access_denied)', res.status)
    }
    if (err) throw errorFromBody('device login', err, res)
    // A success: validate it through the common reader (access_token required).
    return await readTokenResponse(
      new Response(text, { status: res.status, headers: res.headers }),
      'device login',
    )
  }
}
