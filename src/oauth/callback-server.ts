/**
 * The local redirect target of an authorization-code login: a one-shot `Bun.serve` on loopback.
 *
 * Decisions:
 * - A request with a wrong or missing `state` gets a 400 page and is otherwise ignored: the login
 *   keeps waiting for the real redirect. A forged request (CSRF) can neither complete the login nor
 *   abort it. The same holds for an `error` callback: it only fails the login when its `state` matches.
 * - Requests to other paths get a 404 (browsers ask for /favicon.ico).
 * - The server closes after one good callback, on timeout and on abort.
 * - `reusePort: false` is explicit: Bun 1.4 with `development: false` otherwise lets a second server
 *   (another login, another process) bind the same port and receive some of the redirects.
 */
import type { Server } from 'bun'
import { OAuthError } from './errors.ts'

export interface CallbackOptions {
  /** Fixed by the provider's client registration (Claude 54545, Codex 1455); 0 picks a free one (tests). */
  port: number
  /** e.g. `/callback`, `/auth/callback`. */
  path: string
  /** The `state` sent in the authorization request. */
  state: string
  /** Default 5 minutes. */
  timeoutMs?: number
  /** Default `127.0.0.1`; never bind a public interface. */
  hostname?: string
  /** Host written in the redirect URI (what the provider registered); default `localhost`. */
  redirectHost?: string
  signal?: AbortSignal
}

export interface CallbackListener {
  /** The port actually bound. */
  readonly port: number
  /** `http://<redirectHost>:<port><path>`, for the authorization request's `redirect_uri`. */
  readonly redirectUri: string
  /** Settles with the code of the first callback carrying the right state, or rejects. */
  readonly result: Promise<{ code: string }>
  /** Stops listening; a pending `result` rejects with `login_cancelled`. */
  close(): void
}

export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000

function page(title: string, text: string, status: number): Response {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>byokey – ${esc(title)}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;text-align:center">
<h1>${esc(title)}</h1><p>${esc(text)}</p></body></html>`
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8' } })
}

function describeBindError(e: unknown, port: number): OAuthError {
  const code = (e as { code?: string } | null)?.code
  const why = code === 'EADDRINUSE' ? `port ${port} is already in use (another login running?)` : String(e)
  return new OAuthError('callback_unavailable', `cannot listen for the login callback: ${why}`)
}

/** Binds the callback server and returns at once; the code arrives through `result`. */
export function listenForCallback(opts: CallbackOptions): CallbackListener {
  const hostname = opts.hostname ?? '127.0.0.1'
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS
  let settle: { resolve: (v: { code: string }) => void; reject: (e: Error) => void } | undefined
  const result = new Promise<{ code: string }>((resolve, reject) => {
    settle = { resolve, reject }
  })
  // A caller that only awaits later must not see an unhandled rejection meanwhile.
  result.catch(() => {})
  const servers: Server<undefined>[] = []
  let done = false
  let timer: ReturnType<typeof setTimeout> | undefined

  const finish = (outcome: { code: string } | Error) => {
    if (done) return
    done = true
    if (timer) clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onAbort)
    // Let the success page go out before the sockets close.
    setTimeout(() => {
      for (const s of servers) void s.stop(true)
    }, 50)
    if (outcome instanceof Error) settle!.reject(outcome)
    else settle!.resolve(outcome)
  }
  const onAbort = () => finish(new OAuthError('login_cancelled', 'login cancelled'))

  const fetch = (req: Request): Response => {
    const url = new URL(req.url)
    if (url.pathname !== opts.path) return page('Not found', 'This is byokey’s login callback.', 404)
    if (done) return page('Login already finished', 'You can close this window.', 410)
    const q = url.searchParams
    if (q.get('state') !== opts.state) {
      return page(
        'Login rejected',
        'The state parameter does not match this login. Start the login again from byokey.',
        400,
      )
    }
    const error = q.get('error')
    if (error) {
      const desc = q.get('error_description')
      finish(new OAuthError(error, `authorization failed with ${error}${desc ? `: ${desc}` : ''}`))
      return page('Login failed', desc ? `${error}: ${desc}` : error, 400)
    }
    const code = q.get('code')
    if (!code) return page('Login rejected', 'The callback has no code.', 400)
    finish({ code })
    return page('Login successful', 'You can close this window and return to the terminal.', 200)
  }

  let first: Server<undefined>
  try {
    first = Bun.serve({ port: opts.port, hostname, development: false, reusePort: false, fetch })
  } catch (e) {
    throw describeBindError(e, opts.port)
  }
  servers.push(first)
  const port = first.port ?? opts.port
  // `localhost` may resolve to ::1 first: also listen there, on the same port, when we can.
  if (hostname === '127.0.0.1') {
    try {
      servers.push(Bun.serve({ port, hostname: '::1', development: false, reusePort: false, fetch }))
    } catch {
      // No IPv6 loopback, or the port is taken there: 127.0.0.1 alone will do.
    }
  }
  timer = setTimeout(
    () =>
      finish(
        new OAuthError(
          'login_timeout',
          `no login callback within ${Math.round(timeoutMs / 1000)} s; start the login again`,
        ),
      ),
    timeoutMs,
  )
  if (opts.signal?.aborted) onAbort()
  else opts.signal?.addEventListener('abort', onAbort, { once: true })

  return {
    port,
    redirectUri: `http://${opts.redirectHost ?? 'localhost'}:${port}${opts.path}`,
    result,
    close: () => finish(new OAuthError('login_cancelled', 'login cancelled')),
  }
}

/** Listens and waits for the code (when the caller does not need the port before waiting). */
export function waitForCallback(opts: CallbackOptions): Promise<{ code: string }> {
  return listenForCallback(opts).result
}
