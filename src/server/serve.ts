/**
 * The listening server around the app: gives every request its id and config snapshot, logs it,
 * answers oversized declared bodies before reading them, and shuts down gracefully (stop
 * accepting, let in-flight requests finish up to a deadline, then cut the rest).
 */
import type { Server } from 'bun'
import type { ConfigRef } from '../config/store.ts'
import { type Logger, redactUrl } from '../log.ts'
import { type Refresher, TokenManager } from '../oauth/index.ts'
import { BUILTIN_PROVIDERS } from '../providers/registry.ts'
import type { Store } from '../store/types.ts'
import { createApp } from './app.ts'
import { tooLarge } from './body.ts'
import { Context, requestIdFrom, setContext } from './context.ts'
import { dialectForPath, errorResponse, toErrorInfo } from './errors.ts'

export interface GatewayOptions {
  config: ConfigRef
  store: Store
  log: Logger
  version: string
  /** Keeps subscription tokens fresh; made from the providers' refreshers when not given. */
  tokens?: TokenManager
}

/** One token manager over the stored accounts, its refreshers reading the live config. */
export function tokenManagerFor(config: ConfigRef, store: Store): TokenManager {
  const refreshers = new Map<string, Refresher>()
  for (const p of Object.values(BUILTIN_PROVIDERS)) {
    const make = p?.refresher
    if (p && make) refreshers.set(p.id, { refresh: (acc) => make(config.current.config).refresh(acc) })
  }
  return new TokenManager(store.accounts, refreshers)
}

export interface Gateway {
  readonly server: Server<undefined>
  readonly url: string
  /** Stops accepting, waits for in-flight requests up to the config deadline, then closes the rest. */
  stop(): Promise<void>
}

/** Hard ceiling for Bun's own body limit; the configurable limit is enforced per request below it. */
const BUN_BODY_CEILING = 1024 * 1024 * 1024

export function startGateway(opts: GatewayOptions): Gateway {
  const { config, log } = opts
  const tokens = opts.tokens ?? tokenManagerFor(config, opts.store)
  const background = tokens.startBackground({ intervalMs: 60_000 })
  const app = createApp({ ...opts, tokens })
  const boot = config.current.config
  const server = Bun.serve({
    port: boot.port,
    hostname: boot.host,
    maxRequestBodySize: BUN_BODY_CEILING,
    idleTimeout: 255,
    development: false,
    async fetch(req) {
      const snap = config.current
      const id = requestIdFrom(req.headers)
      const start = performance.now()
      setContext(req, new Context(id, start, snap, log))
      let res: Response
      const declared = Number(req.headers.get('content-length') ?? 0)
      if (declared > snap.config.server.body_limit_bytes) {
        res = errorResponse(
          dialectForPath(new URL(req.url).pathname),
          toErrorInfo(tooLarge(snap.config.server.body_limit_bytes)),
        )
      } else {
        res = await app.handle(req)
      }
      res = withHeader(res, 'x-request-id', id)
      const ms = Math.round((performance.now() - start) * 100) / 100
      if (res.status >= 500 ? log.isLevelEnabled('warn') : log.isLevelEnabled('info')) {
        const url = new URL(req.url)
        const line = {
          reqId: id,
          method: req.method,
          path: redactUrl(url.pathname + url.search),
          status: res.status,
          ms,
        }
        if (res.status >= 500) log.warn(line, 'request failed')
        else log.info(line, 'request')
      }
      return res
    },
    error(err) {
      log.error({ err }, 'server error')
      return errorResponse('openai-chat', { kind: 'api_error', message: 'Internal error in byokey' })
    },
  })

  let stopping: Promise<void> | undefined
  return {
    server,
    url: server.url.origin,
    stop() {
      stopping ??= (async () => {
        const deadline = config.current.config.server.shutdown_timeout_ms
        const inFlight = server.pendingRequests
        log.info({ inFlight, deadlineMs: deadline }, 'shutting down: finishing in-flight requests')
        background.stop()
        const graceful = server.stop(false)
        let timer: ReturnType<typeof setTimeout> | undefined
        const timedOut = await Promise.race([
          graceful.then(() => false),
          new Promise<boolean>((r) => {
            timer = setTimeout(() => r(true), deadline)
          }),
        ])
        clearTimeout(timer)
        if (timedOut) {
          log.warn({ cut: server.pendingRequests }, 'shutdown deadline passed: closing remaining connections')
          await server.stop(true)
        }
      })()
      return stopping
    },
  }
}

/** Sets a header even on a response whose headers are immutable (a proxied fetch response). */
function withHeader(res: Response, name: string, value: string): Response {
  try {
    res.headers.set(name, value)
    return res
  } catch {
    const headers = new Headers(res.headers)
    headers.set(name, value)
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers })
  }
}
