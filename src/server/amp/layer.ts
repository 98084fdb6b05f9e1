/**
 * The Amp compatibility layer on the main port (`docs/protocols/amp.md`). Amp CLI pointed at
 * byokey (`amp.url`) sends everything here: its model calls (`/api/provider/…`) are served by
 * byokey's own endpoints, so they use the person's subscriptions; the rest of Amp's API
 * (`/api/*`, `/v0/management/*`) goes on to Amp with byokey's Amp credential, streamed both ways;
 * Amp's login pages are redirected to Amp. Made once per gateway.
 *
 * The browser guard (Host and Origin) screens these routes like every other before they get
 * here: the forwarded calls carry the person's Amp credential, exactly what a web page must not
 * reach. The JSON Content-Type rule applies to the served model calls (they run through the app)
 * and not to the forwarded ones, whose bodies byokey never reads.
 */
import type { Config } from '../../config/schema.ts'
import { errorResponse } from '../../gateway/http-error.ts'
import type { Logger } from '../../log.ts'
import {
  AccountUnavailableError,
  NeedsLoginError,
  RefreshFailedError,
  type TokenManager,
} from '../../oauth/index.ts'
import { ampBaseUrl } from '../../providers/amp/login.ts'
import type { AccountStore } from '../../store/types.ts'
import type { RequestContext } from '../context.ts'
import { pathOfUrl, targetOfUrl } from '../request-url.ts'
import { forwardedRequestHeaders, forwardedResponseHeaders } from './headers.ts'
import { ampRouteOf } from './paths.ts'

export interface AmpLayerDeps {
  tokens: TokenManager
  accounts: AccountStore
  log: Logger
  /** byokey's own app, answering a request rewritten to byokey's path under the original's context. */
  serveLocally: (req: Request, context: RequestContext) => Promise<Response>
}

/** Paths whose redirects Amp may answer with that lead back through byokey; others go to Amp itself. */
const FORWARDED_PREFIXES = ['/api/', '/v0/management/']

export class AmpLayer {
  readonly #deps: AmpLayerDeps

  constructor(deps: AmpLayerDeps) {
    this.#deps = deps
  }

  /** The answer for an Amp request, or undefined when `req` is not one. */
  handle(req: Request, context: RequestContext): Promise<Response> | undefined {
    const url = req.url
    if (!mayBeAmp(url)) return undefined
    const path = pathOfUrl(url)
    const route = ampRouteOf(req.method, path)
    if (!route) return undefined
    const config = context.config.config
    switch (route.kind) {
      case 'serve': {
        const target = targetOfUrl(url)
        const local = url.slice(0, url.length - target.length) + route.path + target.slice(path.length)
        return this.#deps.serveLocally(new Request(local, req), context)
      }
      case 'redirect': {
        const target = targetOfUrl(url)
        const location = ampBaseUrl(config) + route.path + target.slice(path.length)
        return Promise.resolve(new Response(null, { status: 302, headers: { location } }))
      }
      case 'forward':
        return this.#forward(req, config, context.key !== undefined)
    }
  }

  /** byokey's credential for Amp: the active `byokey login amp` account's token, else `amp.upstream_key`. */
  async #credential(config: Config): Promise<string | undefined> {
    if (this.#deps.accounts.active('amp')) return await this.#deps.tokens.getFresh('amp')
    return config.amp.upstream_key
  }

  /** `gatewayKeyed`: the client's credential headers carry its gateway key, which never goes to Amp. */
  async #forward(req: Request, config: Config, gatewayKeyed: boolean): Promise<Response> {
    const base = ampBaseUrl(config)
    let credential: string | undefined
    try {
      credential = await this.#credential(config)
      if (credential === undefined && gatewayKeyed) {
        return errorResponse('openai-chat', {
          kind: 'authentication',
          message:
            "byokey has no Amp credential to send in place of your gateway key; run 'byokey login amp' or set amp.upstream_key",
        })
      }
    } catch (e) {
      if (e instanceof NeedsLoginError || e instanceof AccountUnavailableError) {
        return errorResponse('openai-chat', {
          kind: 'authentication',
          message: "byokey's Amp login has expired or was revoked; run 'byokey login amp'",
        })
      }
      if (!(e instanceof RefreshFailedError)) throw e
      return errorResponse('openai-chat', {
        kind: 'api_error',
        status: 502,
        message: `byokey could not renew its Amp login (${e.message}); try again, or run 'byokey login amp'`,
      })
    }
    // the first-byte deadline covers the wait for Amp's headers only; the client going away ends it all
    const deadline = new AbortController()
    const timer = setTimeout(
      () => deadline.abort(new Error('amp did not answer in time')),
      config.timeouts.first_byte_ms,
    )
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    let upstream: Response
    try {
      upstream = await fetch(base + targetOfUrl(req.url), {
        method: req.method,
        headers: forwardedRequestHeaders(req.headers, credential),
        body: hasBody ? req.body : null,
        redirect: 'manual',
        // bytes as Amp sent them, with their Content-Encoding
        decompress: false,
        signal: AbortSignal.any([req.signal, deadline.signal]),
        ...(config.proxy_url ? { proxy: config.proxy_url } : {}),
      })
    } catch (e) {
      // the client went away: nobody reads the answer, and it is no failure of byokey's
      if (req.signal.aborted) return new Response(null, { status: 499 })
      this.#deps.log.warn(
        { err: deadline.signal.aborted ? 'timeout' : (e as Error).message },
        'amp forward failed',
      )
      return errorResponse('openai-chat', {
        kind: deadline.signal.aborted ? 'timeout' : 'api_error',
        status: deadline.signal.aborted ? 504 : 502,
        message: deadline.signal.aborted
          ? `Amp (${base}) did not answer within ${config.timeouts.first_byte_ms} ms`
          : `Amp (${base}) could not be reached`,
      })
    } finally {
      clearTimeout(timer)
    }
    const headers = forwardedResponseHeaders(upstream.headers)
    const location = headers.get('location')
    if (location !== null) headers.set('location', redirectTarget(location, base))
    return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers })
  }
}

/**
 * Whether the path of a request URL can be one of Amp's (`/a…`, `/v0/`, `/v1/login`), read in
 * place: every request passes here, and byokey's own (`/v1/…`, `/v1beta/…`) must cost no copy.
 */
function mayBeAmp(url: string): boolean {
  const start = url.charCodeAt(0) === 47 /* / */ ? 0 : url.indexOf('/', 7)
  if (start === -1) return false
  const c = url.charCodeAt(start + 1)
  if (c === 97 /* a */) return true
  return c === 118 /* v */ && (url.startsWith('/v0/', start) || url.startsWith('/v1/login', start))
}

/**
 * Where a redirect of Amp's sends the client: a relative one that stays inside the forwarded
 * paths comes back through byokey; any other relative one (Amp's login pages) goes to Amp itself.
 */
export function redirectTarget(location: string, base: string): string {
  if (!location.startsWith('/') || location.startsWith('//')) return location
  return FORWARDED_PREFIXES.some((p) => location.startsWith(p)) ? location : base + location
}
