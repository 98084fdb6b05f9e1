/**
 * Keeps web pages out of the gateway. A page the user opens can send requests to a loopback
 * port: cross-site (CSRF, refused here by `Origin`) or, after pointing its own name at 127.0.0.1
 * (DNS rebinding), same-site with a `Host` of its own name (refused here by `Host`). SDKs, CLIs
 * and servers send no `Origin` and a `Host` that is an IP, `localhost` or a name the operator
 * chose, so they pass. What a config snapshot allows is derived once per snapshot.
 */
import type { Config } from '../config/schema.ts'
import { errorResponse } from '../gateway/http-error.ts'
import { CLOSE_CONNECTION, dialectForPath } from './errors.ts'
import { hostOfUrl, pathOfUrl } from './request-url.ts'

interface Policy {
  /** No Host check: `*` listed, or bound beyond loopback with no names listed. */
  readonly anyHost: boolean
  /** The usual hosts exactly as Bun puts them in the URL (`127.0.0.1:8018`): one lookup, no parsing. */
  readonly knownHosts: ReadonlySet<string>
  readonly hostNames: ReadonlySet<string>
  /** `.example.com` for a listed `*.example.com`. */
  readonly hostSuffixes: readonly string[]
  readonly anyOrigin: boolean
  readonly origins: ReadonlySet<string>
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/
/** Longest part of a client's header echoed in a refusal. */
const ECHO_MAX = 100

function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost')
}

/** Whether a listen address only takes connections from this machine (`127.x`, `::1`, `localhost`). */
export function isLoopbackBind(bindHost: string): boolean {
  const bind = bindHost.toLowerCase()
  const bare = bind.startsWith('[') && bind.endsWith(']') ? bind.slice(1, -1) : bind
  return isLoopbackName(bare) || bare === '::1' || bare.startsWith('127.')
}

/** Whether a connection's peer address (`server.requestIP`) is this machine. */
export function isLoopbackPeer(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.')
}

function isIpLiteral(name: string): boolean {
  return name.charCodeAt(0) === 91 /* [ */ || name.includes(':') || IPV4.test(name)
}

/**
 * A browser serializes an origin as `scheme://host[:port]`, lowercase, without a default port or a
 * trailing slash; a configured one is brought to the same form so a plain lookup matches.
 */
function normalizeOrigin(origin: string): string {
  let o = origin.trim().toLowerCase()
  if (o.endsWith('/')) o = o.slice(0, -1)
  if (o.startsWith('http://') && o.endsWith(':80')) o = o.slice(0, -3)
  if (o.startsWith('https://') && o.endsWith(':443')) o = o.slice(0, -4)
  return o
}

function clip(text: string): string {
  return text.length > ECHO_MAX ? `${text.slice(0, ECHO_MAX)}…` : text
}

export class BrowserGuard {
  readonly #policies = new WeakMap<Config, Policy>()
  readonly #loopbackBind: boolean
  readonly #bindName: string | undefined
  readonly #knownHosts: ReadonlySet<string>

  /** The address and port the server listens on (a reload does not rebind, so they are fixed). */
  constructor(bindHost: string, port: number) {
    const bind = bindHost.toLowerCase()
    const bare = bind.startsWith('[') && bind.endsWith(']') ? bind.slice(1, -1) : bind
    this.#loopbackBind = isLoopbackBind(bare)
    this.#bindName = isIpLiteral(bare) || isLoopbackName(bare) ? undefined : bare
    const names = ['127.0.0.1', 'localhost', '[::1]', bare.includes(':') ? `[${bare}]` : bare]
    // Bun drops the default port from the URL
    this.#knownHosts = new Set(names.map((n) => (port === 80 ? n : `${n}:${port}`)))
  }

  #policyFor(config: Config): Policy {
    let p = this.#policies.get(config)
    if (p) return p
    const hosts = config.server.allowed_hosts.map((h) => h.toLowerCase())
    const origins = config.server.allowed_origins
    const names = new Set(hosts.filter((h) => !h.startsWith('*')))
    if (this.#bindName) names.add(this.#bindName)
    p = {
      anyHost: hosts.includes('*') || (hosts.length === 0 && !this.#loopbackBind),
      knownHosts: this.#knownHosts,
      hostNames: names,
      hostSuffixes: hosts.filter((h) => h.startsWith('*.')).map((h) => h.slice(1)),
      anyOrigin: origins.includes('*'),
      origins: new Set(origins.map(normalizeOrigin)),
    }
    this.#policies.set(config, p)
    return p
  }

  #hostAllowed(p: Policy, host: string): boolean {
    if (p.knownHosts.has(host)) return true
    if (host.charCodeAt(0) === 91 /* [ */) return true // an IPv6 literal names no DNS entry to rebind
    const colon = host.lastIndexOf(':')
    const name = (colon === -1 ? host : host.slice(0, colon)).toLowerCase()
    if (IPV4.test(name) || isLoopbackName(name) || p.hostNames.has(name)) return true
    for (const suffix of p.hostSuffixes) if (name.endsWith(suffix)) return true
    return false
  }

  /**
   * The answer that ends `req` here: 421 for a Host this gateway does not answer to, 403 for a
   * browser Origin not allowed, 204 for an allowed origin's CORS preflight. Undefined lets the
   * request through (with `corsHeaders` added when `origin` is set).
   */
  screen(req: Request, config: Config, origin: string | null): Response | undefined {
    const p = this.#policyFor(config)
    if (!p.anyHost) {
      const host = hostOfUrl(req.url)
      if (!this.#hostAllowed(p, host) && !isHealthCheck(req)) {
        return errorResponse(
          dialectForPath(pathOfUrl(req.url)),
          {
            kind: 'permission',
            status: 421,
            code: 'misdirected_request',
            message: `Host '${clip(host)}' is not a name this gateway answers to; list it in server.allowed_hosts if you use it on purpose`,
          },
          CLOSE_CONNECTION,
        )
      }
    }
    if (origin === null) return undefined
    if (!p.anyOrigin && !p.origins.has(origin.toLowerCase())) {
      return errorResponse(
        dialectForPath(pathOfUrl(req.url)),
        {
          kind: 'permission',
          status: 403,
          code: 'origin_not_allowed',
          message: `Origin '${clip(origin)}' may not call this gateway; list it in server.allowed_origins if it is yours`,
        },
        CLOSE_CONNECTION,
      )
    }
    if (req.method === 'OPTIONS') return preflight(req, origin)
    return undefined
  }
}

/** Container and load-balancer probes reach `/healthz` and `/readyz` by whatever name they use. */
function isHealthCheck(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false
  const path = pathOfUrl(req.url)
  return path === '/healthz' || path === '/readyz'
}

/** What an allowed origin's page may read of an answer. */
export function corsHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': '*', vary: 'Origin' }
}

function preflight(req: Request, origin: string): Response {
  const headers: Record<string, string> = {
    ...corsHeaders(origin),
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-max-age': '600',
    vary: 'Origin, Access-Control-Request-Headers',
  }
  // SDKs send their own headers (x-api-key, anthropic-version, x-stainless-*): an allowed page may send any.
  const asked = req.headers.get('access-control-request-headers')
  if (asked) headers['access-control-allow-headers'] = asked
  return new Response(null, { status: 204, headers })
}
