/**
 * The Elysia app: routes per inbound dialect (added by the gateway), health endpoints, and the
 * single error hook that answers every failure in the endpoint's own dialect.
 */
import { Elysia, type ValidationError } from 'elysia'
import type { ConfigRef } from '../config/snapshot.ts'
import { errorResponse, HttpError } from '../gateway/http-error.ts'
import type { Logger } from '../log.ts'
import type { TokenManager } from '../oauth/index.ts'
import type { Store } from '../store/types.ts'
import { isAdminUrl } from './admin/gate.ts'
import { LoginSessions } from './admin/logins.ts'
import { adminRoutes } from './admin/routes.ts'
import { readJsonLimited, requireJsonContentType } from './body.ts'
import type { RequestContexts } from './context.ts'
import { dashboardRoutes } from './dashboard/routes.ts'
import { dialectForPath, toErrorInfo } from './errors.ts'
import type { GatewayNotices } from './notices.ts'
import { inferenceRoutes } from './routes/inference.ts'
import { modelRoutes } from './routes/models.ts'

export interface AppDeps {
  config: ConfigRef
  store: Store
  log: Logger
  version: string
  tokens: TokenManager
  /** Where the listener put each request's context. */
  contexts: RequestContexts
  /** Logins started through the management API; a fresh registry when not given. */
  logins?: LoginSessions
  /** Tells the other instances what the management API changed (none: this instance is alone). */
  notices?: GatewayNotices
}

interface ValidationIssue {
  path?: string
  summary?: string
  message?: string
}

/** Elysia's validation error as `field: problem`, the field dotted like the request JSON. */
function describeValidation(err: ValidationError): { message: string; param?: string } {
  let first: ValidationIssue | undefined
  try {
    first = (err.all as ValidationIssue[] | undefined)?.[0]
  } catch {
    // Elysia's summaries print the value they found: see UNPRINTABLE_VALUE
    return { message: UNPRINTABLE_VALUE }
  }
  if (!first) return { message: 'Invalid request body' }
  const param = first.path ? first.path.replace(/^\//, '').replaceAll('/', '.') : undefined
  const problem = first.summary ?? first.message ?? 'invalid value'
  return param ? { message: `${param}: ${problem}`, param } : { message: problem }
}

/**
 * A JSON object with its own `toString` (and no usable `valueOf`) cannot become a string, and
 * Elysia's validation error prints the value it found: building that error then throws JSC's
 * TypeError "No default value" instead. Such a body is the client's mistake, so it gets a 400.
 */
const UNPRINTABLE_VALUE =
  'Request body does not match this endpoint: an object with its own "toString" field stands where a string, number or other value belongs'

function isUnprintableValue(error: unknown): boolean {
  return error instanceof TypeError && error.message === 'No default value'
}

export function createApp(deps: AppDeps) {
  // built, its module loaded, on the first GET /openapi.json: 4-10 ms of a start otherwise and
  // memory of every idle gateway, for a page few clients read
  let openapi: string | undefined
  return new Elysia({
    normalize: false,
    // The path starts right after `http://` + host; the default skips 11 characters, which cuts
    // into the path behind a host of 5 or fewer (`gw`, `api`: container service names). The
    // server speaks plain HTTP only, so 7 is exact. `aot` pinned: the interpreted handler
    // (ELYSIA_AOT=false) always skips 11.
    handler: { standardHostname: false },
    aot: true,
  })
    .onParse(async ({ request }) => {
      if (request.method === 'GET' || request.method === 'HEAD') return undefined
      // management calls that take no body (reload, revoke…) come from curl without a type
      if (request.headers.get('content-length') === '0' && isAdminUrl(request.url)) return {}
      requireJsonContentType(request)
      const ctx = deps.contexts.of(request)
      const { server, timeouts } = ctx.config.config
      return readJsonLimited(request, server.body_limit_bytes, timeouts.request_body_ms, ctx)
    })
    .onError(({ code, error: raw, request, path }) => {
      const dialect = dialectForPath(path)
      // Elysia wraps whatever the body parser throws in a ParseError; ours (413, 400) sits in `cause`.
      const cause = (raw as { cause?: unknown }).cause
      const error = code === 'PARSE' && cause instanceof HttpError ? cause : raw
      if (error instanceof HttpError) return errorResponse(dialect, toErrorInfo(error), error.headers)
      switch (code) {
        case 'NOT_FOUND':
          return errorResponse(dialect, {
            kind: 'not_found',
            message: `Unknown endpoint ${request.method} ${path}. See GET /v1/models and the README for the endpoints byokey serves.`,
            code: 'unknown_url',
          })
        case 'VALIDATION': {
          const { message, param } = describeValidation(error as ValidationError)
          return errorResponse(dialect, { kind: 'invalid_request', message, ...(param ? { param } : {}) })
        }
        case 'PARSE':
          return errorResponse(dialect, {
            kind: 'invalid_request',
            message: 'Request body is not valid JSON',
          })
      }
      if (isUnprintableValue(error))
        return errorResponse(dialect, { kind: 'invalid_request', message: UNPRINTABLE_VALUE })
      const info = toErrorInfo(error)
      if (!(error instanceof HttpError) && info.kind === 'api_error') {
        deps.log.error({ err: error, path }, 'unhandled error')
      }
      return errorResponse(dialect, info)
    })
    .get('/healthz', () => ({ status: 'ok' }))
    .get('/readyz', ({ request }) => {
      const ctx = deps.contexts.of(request)
      const db = deps.store.ping()
      const { upstream, draining } = ctx.gateway
      const ready = db && !draining
      const body = {
        status: draining ? 'draining' : db ? 'ready' : 'not_ready',
        config_version: ctx.config.version,
        database: db ? 'open' : 'closed',
        // queued calls wait for a slot in byokey (server.max_upstream_requests), not upstream
        upstream: { in_flight: upstream.inFlight, queued: upstream.queued, limit: upstream.capacity },
      }
      return new Response(JSON.stringify(body), {
        status: ready ? 200 : 503,
        headers: { 'content-type': 'application/json' },
      })
    })
    .get('/', () => ({ name: 'byokey', version: deps.version }))
    .get('/openapi.json', async () => {
      openapi ??= JSON.stringify((await import('./openapi.ts')).openApiDocument(deps.version))
      return new Response(openapi, { headers: { 'content-type': 'application/json' } })
    })
    .use(inferenceRoutes(deps.store, deps.tokens, deps.contexts))
    .use(modelRoutes(deps.contexts, deps.store.accounts))
    .use(dashboardRoutes())
    .use(adminRoutes({ ...deps, logins: deps.logins ?? new LoginSessions(deps.store.accounts, deps.log) }))
}

export type App = ReturnType<typeof createApp>
