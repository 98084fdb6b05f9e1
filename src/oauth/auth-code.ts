/**
 * Authorization code + PKCE (S256): print the authorize URL (and open a browser when the caller can),
 * take the code from the local callback server or from a line the user pastes, whichever comes first,
 * and exchange it at the token endpoint.
 */
import { type CallbackListener, DEFAULT_LOGIN_TIMEOUT_MS, listenForCallback } from './callback-server.ts'
import { OAuthError } from './errors.ts'
import { parsePastedRedirect } from './paste.ts'
import { createPkce, createState } from './pkce.ts'
import type { LoginPrompt } from './prompt.ts'
import { encodeBody, readTokenResponse, type TokenResponse } from './token-response.ts'

export interface AuthCodeFlowOptions {
  authorizeUrl: string
  tokenUrl: string
  clientId: string
  /** Sent with the exchange when the provider has one (Google installed apps). */
  clientSecret?: string
  scopes: readonly string[]
  /** The provider's fixed port (Claude 54545, Codex 1455); 0 picks a free port (tests). */
  redirectPort: number
  redirectPath: string
  /** Host in `redirect_uri`; default `localhost`. */
  redirectHost?: string
  /**
   * A redirect URI that is not served here (a provider's "copy this code" page): no callback server
   * is started and the code must be pasted.
   */
  redirectUri?: string
  /** Added to the authorize URL (`code=true`, `prompt=login`, `access_type=offline`…). */
  extraParams?: Record<string, string>
  /** Claude wants JSON (and `state` in it); Codex and Google want a form. */
  tokenRequestStyle: 'json' | 'form'
  tokenHeaders?: Record<string, string>
  /** Default true; iFlow has no PKCE. */
  pkce?: boolean
  /**
   * A login service that takes the PKCE parts and nothing else of OAuth 2 (Kiro's): the authorize
   * URL carries only `redirect_uri`, `state`, the challenge and `extraParams`; the exchange only
   * `code`, `code_verifier` and `redirect_uri`.
   */
  pkceOnly?: boolean
  /** Absent with `--no-browser` or on a headless machine: the URL is printed either way. */
  openBrowser?: (url: string) => void
  print: (line: string) => void
  /** Hears the authorize URL as data (the management API shows it to a UI). */
  prompt?: (p: LoginPrompt) => void
  /** Reads one line the user pastes; undefined when input ended. */
  readPastedLine?: (signal: AbortSignal) => Promise<string | undefined>
  /** Default 5 minutes. */
  timeoutMs?: number
  signal?: AbortSignal
  fetch?: typeof fetch
}

export interface AuthorizeRequest {
  url: string
  state: string
  verifier?: string
}

/** The authorize URL with every standard parameter; extras are added last and may override. */
export function buildAuthorizeUrl(
  opts: Pick<AuthCodeFlowOptions, 'authorizeUrl' | 'clientId' | 'scopes' | 'extraParams' | 'pkceOnly'>,
  redirectUri: string,
  state: string,
  challenge?: string,
): string {
  const url = new URL(opts.authorizeUrl)
  const p = url.searchParams
  if (!opts.pkceOnly) {
    p.set('response_type', 'code')
    p.set('client_id', opts.clientId)
  }
  p.set('redirect_uri', redirectUri)
  if (opts.scopes.length > 0 && !opts.pkceOnly) p.set('scope', opts.scopes.join(' '))
  p.set('state', state)
  if (challenge !== undefined) {
    p.set('code_challenge', challenge)
    p.set('code_challenge_method', 'S256')
  }
  for (const [k, v] of Object.entries(opts.extraParams ?? {})) p.set(k, v)
  return url.toString()
}

/** Codes the user can fix by pasting again; anything else (an `error` redirect) ends the login. */
const RETRYABLE_PASTE = new Set(['no_code', 'state_mismatch'])

async function readPasted(
  read: NonNullable<AuthCodeFlowOptions['readPastedLine']>,
  state: string,
  print: (line: string) => void,
  signal: AbortSignal,
): Promise<{ code: string }> {
  for (;;) {
    const line = await read(signal)
    if (signal.aborted) return new Promise(() => {})
    // Input closed: leave it to the callback (or the timeout).
    if (line === undefined) return new Promise(() => {})
    if (line.trim() === '') continue
    try {
      return parsePastedRedirect(line, state)
    } catch (e) {
      if (e instanceof OAuthError && RETRYABLE_PASTE.has(e.code)) print(`${e.message}; paste it again.`)
      else throw e
    }
  }
}

/** Runs the whole login and returns the token endpoint's JSON (validated: `access_token` present). */
export async function runAuthCodeFlow(opts: AuthCodeFlowOptions): Promise<TokenResponse> {
  const pkce = opts.pkce === false ? undefined : createPkce()
  const state = createState()
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS
  const stop = new AbortController()
  const onAbort = () => stop.abort()
  if (opts.signal?.aborted) throw new OAuthError('login_cancelled', 'login cancelled')
  opts.signal?.addEventListener('abort', onAbort, { once: true })

  let listener: CallbackListener | undefined
  let redirectUri = opts.redirectUri
  if (redirectUri === undefined) {
    try {
      listener = listenForCallback({
        port: opts.redirectPort,
        path: opts.redirectPath,
        state,
        timeoutMs,
        redirectHost: opts.redirectHost ?? 'localhost',
        signal: stop.signal,
      })
    } catch (e) {
      if (!opts.readPastedLine) throw e
      opts.print(`${(e as Error).message}; paste the redirected URL instead.`)
    }
    redirectUri =
      listener?.redirectUri ??
      `http://${opts.redirectHost ?? 'localhost'}:${opts.redirectPort}${opts.redirectPath}`
  }

  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const url = buildAuthorizeUrl(opts, redirectUri, state, pkce?.challenge)
    opts.print('Open this URL in a browser to log in:')
    opts.print(url)
    opts.prompt?.({ kind: 'auth_url', url })
    if (opts.readPastedLine) {
      opts.print(
        listener
          ? 'If the browser cannot reach this machine, paste the URL it was redirected to (or the code) here:'
          : 'Paste the URL the browser was redirected to (or the code shown) here:',
      )
    }
    if (opts.openBrowser) {
      try {
        opts.openBrowser(url)
      } catch {
        // No browser: the printed URL is the way.
      }
    }

    const waits: Promise<{ code: string }>[] = []
    if (listener) waits.push(listener.result)
    if (opts.readPastedLine) waits.push(readPasted(opts.readPastedLine, state, opts.print, stop.signal))
    if (waits.length === 0) throw new OAuthError('callback_unavailable', 'no way to receive the login code')
    waits.push(
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new OAuthError(
                'login_timeout',
                `no login callback within ${Math.round(timeoutMs / 1000)} s; start the login again`,
              ),
            ),
          timeoutMs,
        )
      }),
      new Promise<never>((_, reject) => {
        const cancelled = () => reject(new OAuthError('login_cancelled', 'login cancelled'))
        if (stop.signal.aborted) cancelled()
        else stop.signal.addEventListener('abort', cancelled, { once: true })
      }),
    )
    const { code } = await Promise.race(waits)
    clearTimeout(timer)
    stop.abort()

    const fields: Record<string, string> = opts.pkceOnly
      ? { code, redirect_uri: redirectUri }
      : { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: opts.clientId }
    if (pkce) fields.code_verifier = pkce.verifier
    if (opts.clientSecret !== undefined) fields.client_secret = opts.clientSecret
    if (opts.tokenRequestStyle === 'json' && !opts.pkceOnly) fields.state = state
    const req = encodeBody(opts.tokenRequestStyle, fields, opts.tokenHeaders)
    let res: Response
    try {
      res = await (opts.fetch ?? fetch)(opts.tokenUrl, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: opts.signal ?? null,
      })
    } catch (e) {
      throw new OAuthError('network', `token exchange failed: ${(e as Error).message}`)
    }
    return await readTokenResponse(res, 'token exchange')
  } finally {
    clearTimeout(timer)
    stop.abort()
    listener?.close()
    opts.signal?.removeEventListener('abort', onAbort)
  }
}
