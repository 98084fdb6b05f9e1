/**
 * The listening server around the app: gives every request its id and config snapshot, keeps
 * web pages out (Host and Origin checks), logs it, answers oversized declared bodies before
 * reading them, and shuts down gracefully (stop accepting, let in-flight requests finish up to a
 * deadline, then cut the rest).
 */
import type { Server } from 'bun'
import type { ConfigRef, ConfigSnapshot, ReloadResult } from '../config/snapshot.ts'
import { LocalCoordination } from '../coordination/local.ts'
import type { Coordination } from '../coordination/types.ts'
import { startCopilotQuotaReader } from '../gateway/copilot-quota.ts'
import { UNAVAILABLE_WARNING } from '../gateway/dead-accounts.ts'
import { GatewayState } from '../gateway/gateway-state.ts'
import { errorResponse } from '../gateway/http-error.ts'
import { startModelListReader } from '../gateway/model-lists.ts'
import { QUOTA_FLUSH_MS } from '../gateway/quota-board.ts'
import { fetchLimitFor, runtimeFetchLimit, slotCapacity, UpstreamSlots } from '../gateway/upstream-slots.ts'
import { type Logger, redactUrl } from '../log.ts'
import { type Refresher, TokenManager, type TokenManagerOptions } from '../oauth/index.ts'
import { ampRefresher } from '../providers/amp/login.ts'
import type { ProviderRegistry } from '../providers/registry.ts'
import { deadRefreshError } from '../providers/shared/dead-answers.ts'
import type { Store } from '../store/types.ts'
import { AdminGate, isAdminUrl } from './admin/gate.ts'
import { LoginSessions } from './admin/logins.ts'
import { AmpLayer } from './amp/layer.ts'
import { createApp } from './app.ts'
import { tooLarge } from './body.ts'
import { BrowserGuard, corsHeaders, isLoopbackPeer } from './browser-guard.ts'
import { Context, RequestContexts, requestIdFrom } from './context.ts'
import { watchCoordination } from './coordination-watch.ts'
import { CLOSE_CONNECTION, dialectForPath, toErrorInfo } from './errors.ts'
import { fullCollection, IdleCollector, unrefTimer } from './idle-collector.ts'
import { KeyBudgets } from './key-budgets.ts'
import { type Admitted, KeyGate, needsGatewayKey } from './key-gate.ts'
import { GatewayMetrics } from './metrics.ts'
import { GatewayNotices } from './notices.ts'
import { hostOfUrl, pathOfUrl, targetOfUrl } from './request-url.ts'

export interface GatewayOptions {
  config: ConfigRef
  store: Store
  log: Logger
  version: string
  /** Keeps subscription tokens fresh; made from the providers' refreshers when not given. */
  tokens?: TokenManager
  /**
   * What this gateway agrees on with other instances on the same store; `local` (alone) when not
   * given. Its owner closes it, after `stop`.
   */
  coordination?: Coordination
}

/**
 * One token manager over the stored accounts, its refreshers (`providers`') reading the live
 * config. A refresh error that means the account is done for (`dead-answers.ts`) marks it
 * unavailable, with one warning in `log`.
 */
export function tokenManagerFor(
  config: ConfigRef,
  store: Store,
  providers: ProviderRegistry,
  log?: Logger,
  opts: TokenManagerOptions = {},
): TokenManager {
  const refreshers = new Map<string, Refresher>()
  for (const p of Object.values(providers.builtin)) {
    const make = p?.refresher
    if (!p || !make) continue
    refreshers.set(p.id, {
      refresh: async (acc) => {
        const snap = config.current.config
        try {
          return await make(snap).refresh(acc)
        } catch (e) {
          throw deadRefreshError(p.id, acc.accountId, e, snap)
        }
      },
    })
  }
  // not a model provider, so not in the registry: its token only goes to Amp on forwarded calls
  refreshers.set('amp', { refresh: (acc) => ampRefresher(config.current.config).refresh(acc) })
  return new TokenManager(store.accounts, refreshers, {
    ...opts,
    onUnavailable: (provider, account, reason) =>
      log?.warn({ provider, account, reason }, UNAVAILABLE_WARNING),
  })
}

export interface Gateway {
  readonly server: Server<undefined>
  readonly url: string
  /** byokey's upstream calls: how many are in flight and how many wait for a slot, now. */
  readonly upstream: Pick<UpstreamSlots, 'inFlight' | 'queued' | 'capacity'>
  /** The collection after a quiet spell (`server.idle_gc_ms`): how many ran, how often it looked. */
  readonly idle: Pick<IdleCollector, 'collections' | 'ticks'>
  /** Reloads the config file and has the other instances reload theirs (control socket, SIGHUP). */
  reload(): ReloadResult
  /** Stops accepting, waits for in-flight requests up to the config deadline, then closes the rest. */
  stop(): Promise<void>
}

/**
 * Bun's own body limit, out of the way: over it Bun answers 413 itself with an empty body, so it
 * is set past any length a client can declare and every declared length reaches the check below,
 * which answers in the endpoint's dialect (the configurable limit, enforced per request).
 */
const BUN_BODY_CEILING = Number.MAX_SAFE_INTEGER

export function startGateway(opts: GatewayOptions): Gateway {
  const { config, log } = opts
  const upstream = upstreamSlotsFor(config.current, log)
  const coordination = opts.coordination ?? new LocalCoordination()
  const sync = () => opts.store.sync()
  const state = new GatewayState(upstream.slots, opts.store.cooldowns, coordination)
  const metrics = new GatewayMetrics(config, state, opts.store.cooldowns, opts.store)
  const unwatchCoordination = watchCoordination(coordination, log, metrics)
  const tokens =
    opts.tokens ??
    tokenManagerFor(config, opts.store, state.providers, log, {
      onRefresh: (provider, outcome) => metrics.refreshed(provider, outcome),
      coordination,
      sync,
    })
  const background = tokens.startBackground({ intervalMs: 60_000 })
  const modelLists = startModelListReader(state.providers, config, opts.store.accounts, log)
  const copilotQuotas = startCopilotQuotaReader(
    config,
    opts.store.accounts,
    state.quotas,
    opts.store.quotas,
    log,
  )
  const flushQuotas = (): void => {
    try {
      state.quotas.flush(opts.store.quotas)
    } catch (err) {
      log.warn({ err }, 'could not save account quotas')
    }
  }
  const quotaTimer = setInterval(flushQuotas, QUOTA_FLUSH_MS)
  quotaTimer.unref()
  const budgets = new KeyBudgets(
    opts.store.usage,
    (err) => log.warn({ err }, 'could not read what gateway keys spent; budgets stay as last known'),
    coordination,
  )
  state.usage.listen((rec) => budgets.add(rec))
  void budgets.ready(Date.now())
  const keyGate = new KeyGate(opts.store.keys, budgets, Date.now, coordination)
  const notices = new GatewayNotices({
    coordination,
    config,
    sync,
    accounts: state.accounts,
    keysChanged: () => keyGate.reread(),
    log,
  })
  const contexts = new RequestContexts()
  const logins = new LoginSessions(opts.store.accounts, log, (provider) => notices.accountsChanged(provider))
  const admin = new AdminGate(opts.store.adminKeys)
  const app = createApp({ ...opts, tokens, contexts, logins, notices })
  const amp = new AmpLayer({
    tokens,
    accounts: opts.store.accounts,
    log,
    serveLocally: (local, context) => {
      contexts.set(local, context)
      return app.handle(local)
    },
  })
  const idle = new IdleCollector({
    pending: () => server.pendingRequests,
    delayMs: () => config.current.config.server.idle_gc_ms,
    collect: fullCollection,
    schedule: unrefTimer,
  })
  metrics.countIdleCollections(idle)
  const boot = config.current.config
  const server = Bun.serve({
    port: boot.port,
    hostname: boot.host,
    maxRequestBodySize: BUN_BODY_CEILING,
    idleTimeout: 255,
    development: false,
    async fetch(incoming, server) {
      idle.arrived()
      const snap = config.current
      if (snap !== upstream.sizedFor) upstream.resizeFor(snap)
      const id = requestIdFrom(incoming.headers)
      const start = performance.now()
      let req = incoming
      let res: Response
      try {
        // Bun leaves the URL relative when the Host header is missing (HTTP/1.0) or unusable.
        const hostless = req.url.charCodeAt(0) === 47 /* / */
        if (hostless && req.headers.get('host') !== null) res = badHost(req)
        else {
          if (hostless) req = new Request(`http://localhost${req.url}`, req)
          const context = new Context(id, start, snap, log, state)
          contexts.set(req, context)
          let origin = req.headers.get('origin')
          const path = pathOfUrl(req.url)
          const adminCall = isAdminUrl(req.url)
          // the dashboard calling its own API: same origin, and the admin key is what it must show
          if (adminCall && origin === `http://${hostOfUrl(req.url)}`) origin = null
          let refused = guard.screen(req, snap.config, origin)
          if (!refused && needsGatewayKey(req.method, path)) {
            // only at start and when a budget period turns
            const loading = budgets.ready(Date.now())
            if (loading) await loading
            const keyed = admitKey(keyGate, req, path, context)
            refused = keyed instanceof Promise ? await keyed : keyed
          }
          const denied =
            refused || !adminCall ? undefined : admin.screen(req, snap, server.requestIP(incoming)?.address)
          if (refused) res = refused
          else if (denied) res = errorResponse('openai-chat', toErrorInfo(denied), CLOSE_CONNECTION)
          else if (path === '/metrics' && snap.config.server.metrics !== 'off') {
            res = await metricsAnswer(
              metrics,
              keyGate,
              req,
              snap.config.server.metrics,
              server.requestIP(req)?.address,
            )
          } else {
            const limit = snap.config.server.body_limit_bytes
            res =
              Number(req.headers.get('content-length') ?? 0) > limit
                ? errorResponse(
                    dialectForPath(pathOfUrl(req.url)),
                    toErrorInfo(tooLarge(limit)),
                    CLOSE_CONNECTION,
                  )
                : // `fetch` is the app's compiled handler itself; `handle` wraps it in one more async call
                  await (amp.handle(req, context) ?? app.fetch(req))
            if (origin !== null) res = withHeaders(res, corsHeaders(origin))
          }
        }
      } catch (err) {
        log.error({ err, reqId: id }, 'unhandled error')
        res = errorResponse(dialectForPath(pathOfUrl(req.url)), toErrorInfo(err))
      }
      res = withHeaders(res, { 'x-request-id': id })
      metrics.answered(pathOfUrl(req.url), res.status)
      if (res.status >= 500 ? log.isLevelEnabled('warn') : log.isLevelEnabled('info')) {
        logRequest(log, req, res, id, start)
      }
      return res
    },
    // Only reached if answering itself failed; without the request, the dialect is unknown.
    error(err) {
      log.error({ err }, 'server error')
      return errorResponse('openai-chat', { kind: 'api_error', message: 'Internal error in byokey' })
    },
  })

  // Used by `fetch` from the first request on, once the port (0 in tests) is known.
  const guard = new BrowserGuard(boot.host, server.port ?? boot.port)

  let stopping: Promise<void> | undefined
  return {
    server,
    url: server.url.origin,
    upstream: upstream.slots,
    idle,
    reload: () => notices.reload(),
    stop() {
      stopping ??= (async () => {
        const { shutdown_timeout_ms: deadline, shutdown_drain_ms: drain } = config.current.config.server
        state.draining = true
        if (drain > 0) {
          log.info(
            { drainMs: drain },
            'shutting down: /readyz answers 503 while the balancer takes this instance out',
          )
          await Bun.sleep(drain)
        }
        const inFlight = server.pendingRequests
        log.info({ inFlight, deadlineMs: deadline }, 'shutting down: finishing in-flight requests')
        background.stop()
        unwatchCoordination()
        notices.close()
        logins.close()
        modelLists.stop()
        copilotQuotas.stop()
        clearInterval(quotaTimer)
        idle.stop()
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
        // what the last answers reported, before the store closes
        flushQuotas()
        if (!opts.coordination) await coordination.close()
      })()
      return stopping
    },
  }
}

/**
 * Sets the request's gateway key, or answers the refusal (before the body is read). A promise
 * only while a key's rate is counted across instances.
 */
function admitKey(
  gate: KeyGate,
  req: Request,
  path: string,
  ctx: Context,
): Response | undefined | Promise<Response | undefined> {
  const admitted = gate.admit(req)
  return admitted instanceof Promise
    ? admitted.then((a) => keyAnswer(a, req, path, ctx))
    : keyAnswer(admitted, req, path, ctx)
}

function keyAnswer(admitted: Admitted, req: Request, path: string, ctx: Context): Response | undefined {
  if ('key' in admitted) {
    ctx.key = admitted.key
    return undefined
  }
  const { info, headers } = admitted.refused
  const unread = req.method === 'GET' || req.method === 'HEAD' ? undefined : CLOSE_CONNECTION
  return errorResponse(dialectForPath(path), info, { ...headers, ...unread })
}

/**
 * `/metrics` for a client on this machine; with `server.metrics: keys`, also for others that
 * send a gateway key (anyone while no key exists).
 */
async function metricsAnswer(
  metrics: GatewayMetrics,
  gate: KeyGate,
  req: Request,
  mode: 'loopback' | 'keys',
  peer: string | undefined,
): Promise<Response> {
  if (peer !== undefined && isLoopbackPeer(peer)) return await metrics.render()
  if (mode === 'keys') {
    const admitted = await gate.admit(req)
    if ('key' in admitted) return await metrics.render()
    return errorResponse('openai-chat', admitted.refused.info, admitted.refused.headers)
  }
  return errorResponse('openai-chat', {
    kind: 'permission',
    message:
      'GET /metrics is served to clients on this machine only; set server.metrics: keys to let clients with a gateway key read it',
  })
}

function badHost(req: Request): Response {
  return errorResponse(
    dialectForPath(pathOfUrl(req.url)),
    { kind: 'invalid_request', message: 'The Host header is not a valid host name' },
    CLOSE_CONNECTION,
  )
}

function logRequest(log: Logger, req: Request, res: Response, id: string, start: number): void {
  const line = {
    reqId: id,
    method: req.method,
    path: redactUrl(targetOfUrl(req.url)),
    status: res.status,
    ms: Math.round((performance.now() - start) * 100) / 100,
  }
  if (res.status >= 500) log.warn(line, 'request failed')
  else log.info(line, 'request')
}

/**
 * The gateway's upstream slots, sized from `server.max_upstream_requests` within the runtime's
 * fetch limit. A new config snapshot is sized on the first request that reads it (one identity
 * check per request); a setting the runtime cannot honour is logged once per change.
 */
function upstreamSlotsFor(first: ConfigSnapshot, log: Logger) {
  const runtimeLimit = runtimeFetchLimit(process.env)
  let configured = 0
  const capacityFor = (snap: ConfigSnapshot): number => {
    configured = snap.config.server.max_upstream_requests
    const capacity = slotCapacity(configured, runtimeLimit)
    if (capacity < configured) {
      log.warn(
        { configured, capacity, runtimeLimit },
        `server.max_upstream_requests is more than the runtime's fetch allows; start byokey with BUN_CONFIG_MAX_HTTP_REQUESTS=${fetchLimitFor(configured)} to raise it`,
      )
    }
    return capacity
  }
  const slots = new UpstreamSlots(capacityFor(first))
  return {
    slots,
    sizedFor: first,
    resizeFor(snap: ConfigSnapshot): void {
      this.sizedFor = snap
      if (snap.config.server.max_upstream_requests !== configured) slots.resize(capacityFor(snap))
    },
  }
}

/** Sets headers even on a response whose headers are immutable (a proxied fetch response). */
function withHeaders(res: Response, headers: Record<string, string>): Response {
  try {
    for (const name in headers) res.headers.set(name, headers[name] as string)
    return res
  } catch {
    const copy = new Headers(res.headers)
    for (const name in headers) copy.set(name, headers[name] as string)
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: copy })
  }
}
