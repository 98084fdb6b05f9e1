/**
 * `GET /metrics` in Prometheus text format, one registry per gateway (never prom-client's global
 * one, so two gateways in a process count apart). Counted from what the gateway already has:
 * every answer (by endpoint and status), every usage row (requests, latency, time to first byte,
 * tokens and cost by provider and model, upstream errors by class), token refreshes, and, read
 * when scraped, cooldowns, streams and upstream calls in flight.
 *
 * Label values stay bounded: endpoints are a fixed list, providers come from the config and the
 * built-in registry, and a model is named only when the catalogue or the config lists it (other
 * names, which a client can make up for a pass-through upstream, count as `other`).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { ConfigRef } from '../config/snapshot.ts'
import type { GatewayState } from '../gateway/gateway-state.ts'
import type { RefreshOutcome } from '../oauth/index.ts'
import { listModels } from '../routing/index.ts'
import type { CooldownStore, UsageRecord } from '../store/types.ts'

/** The endpoint a path belongs to, for `byokey_http_requests_total`. */
export function endpointOf(path: string): string {
  if (path === '/v1/chat/completions') return 'chat_completions'
  if (path === '/v1/responses') return 'responses'
  if (path === '/v1/messages') return 'messages'
  if (path === '/v1/messages/count_tokens') return 'count_tokens'
  if (path.startsWith('/v1beta/models/') || (path.startsWith('/v1/models/') && path.includes(':')))
    return 'gemini'
  if (path === '/v1/models' || path === '/v1beta/models' || path.startsWith('/v1/models/')) return 'models'
  if (path === '/healthz' || path === '/readyz') return 'health'
  if (path === '/metrics') return 'metrics'
  return 'other'
}

/** What an upstream's failure was, from the status it left on the attempt's usage row. */
export function errorClassOf(status: number): string | undefined {
  if (status < 400 || status === 499) return undefined // a success, or the client went away
  if (status === 429) return 'rate_limit'
  if (status === 401 || status === 403) return 'auth'
  if (status === 408 || status === 504) return 'timeout'
  if (status === 529 || status === 503) return 'overloaded'
  if (status < 500) return 'client'
  return 'server'
}

/** Row kinds whose children are kept at once (the labels themselves are bounded anyway). */
const MAX_SERIES_KEYS = 5000
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
const TTFB_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const TOKEN_KINDS = [
  ['input', 'inputTokens'],
  ['output', 'outputTokens'],
  ['cache_read', 'cacheReadTokens'],
  ['cache_write', 'cacheWriteTokens'],
  ['reasoning', 'reasoningTokens'],
] as const

interface Inc {
  inc(n?: number): void
}
interface Observe {
  observe(v: number): void
}

/** The children of one (dialect, provider, model, status). */
interface Series {
  requests: Inc
  latency: Observe
  ttfb: Observe
  /** In `TOKEN_KINDS` order. */
  tokens: Inc[]
  cost: Inc
}

export class GatewayMetrics {
  readonly registry = new Registry()
  readonly #http: Counter<'endpoint' | 'status'>
  readonly #requests: Counter<'endpoint' | 'provider' | 'model' | 'status'>
  readonly #latency: Histogram<'endpoint' | 'provider'>
  readonly #ttfb: Histogram<'endpoint' | 'provider'>
  readonly #tokens: Counter<'provider' | 'model' | 'type'>
  readonly #cost: Counter<'provider' | 'model'>
  readonly #upstreamErrors: Counter<'provider' | 'class'>
  readonly #refreshes: Counter<'provider' | 'outcome'>
  /** `byokey_http_requests_total` children by `endpoint status`: one map lookup per answer. */
  readonly #httpChildren = new Map<string, { inc(): void }>()
  #known: { config: object; catalog: number; models: ReadonlySet<string> } | undefined
  /** The series a row moves, by dialect, provider, model and status as the row has them. */
  readonly #series = new Map<string, Series>()

  constructor(
    private readonly config: ConfigRef,
    private readonly state: GatewayState,
    cooldowns: CooldownStore,
  ) {
    const registers = [this.registry]
    this.#http = new Counter({
      name: 'byokey_http_requests_total',
      help: 'Answers byokey gave, by endpoint and HTTP status (refusals included)',
      labelNames: ['endpoint', 'status'],
      registers,
    })
    this.#requests = new Counter({
      name: 'byokey_requests_total',
      help: 'Inference requests that reached a provider, by inbound dialect, provider, model and status',
      labelNames: ['endpoint', 'provider', 'model', 'status'],
      registers,
    })
    this.#latency = new Histogram({
      name: 'byokey_request_duration_seconds',
      help: 'Inference request duration, from arrival to the last byte',
      labelNames: ['endpoint', 'provider'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    this.#ttfb = new Histogram({
      name: 'byokey_time_to_first_byte_seconds',
      help: 'Time from arrival to the first byte sent to the client',
      labelNames: ['endpoint', 'provider'],
      buckets: TTFB_BUCKETS,
      registers,
    })
    this.#tokens = new Counter({
      name: 'byokey_tokens_total',
      help: 'Tokens by provider, model and type (input excludes cache reads and writes; output includes reasoning)',
      labelNames: ['provider', 'model', 'type'],
      registers,
    })
    this.#cost = new Counter({
      name: 'byokey_cost_usd_total',
      help: 'Cost at API prices in USD (rows of models without a known price are not counted)',
      labelNames: ['provider', 'model'],
      registers,
    })
    this.#upstreamErrors = new Counter({
      name: 'byokey_upstream_errors_total',
      help: 'Failed upstream attempts (failed-over ones included) by provider and class',
      labelNames: ['provider', 'class'],
      registers,
    })
    this.#refreshes = new Counter({
      name: 'byokey_token_refreshes_total',
      help: 'OAuth token refreshes by provider and outcome (ok, failed, needs_login, unavailable)',
      labelNames: ['provider', 'outcome'],
      registers,
    })
    new Gauge({
      name: 'byokey_cooldowns',
      help: 'Accounts cooling down now, by provider and reason',
      labelNames: ['provider', 'reason'],
      registers,
      collect() {
        this.reset()
        const now = Date.now()
        for (const c of cooldowns.list())
          if (c.untilMs > now) this.inc({ provider: c.provider, reason: c.reason })
      },
    })
    new Gauge({
      name: 'byokey_streams_in_flight',
      help: 'Streams sending to their clients now',
      registers,
      collect() {
        this.set(state.usage.streamsInFlight)
      },
    })
    new Gauge({
      name: 'byokey_upstream_calls_in_flight',
      help: 'Upstream calls in flight now (queued ones not included)',
      registers,
      collect() {
        this.set(state.upstream.inFlight)
      },
    })
    new Gauge({
      name: 'byokey_upstream_calls_queued',
      help: "Upstream calls waiting for one of byokey's slots",
      registers,
      collect() {
        this.set(state.upstream.queued)
      },
    })
    state.usage.listen((rec) => this.#observe(rec))
  }

  /** Counts one answer. */
  answered(path: string, status: number): void {
    const endpoint = endpointOf(path)
    const key = `${endpoint} ${status}`
    let child = this.#httpChildren.get(key)
    if (!child) {
      child = this.#http.labels({ endpoint, status: String(status) })
      this.#httpChildren.set(key, child)
    }
    child.inc()
  }

  /** Counts one token refresh (the token manager's hook). */
  refreshed(provider: string, outcome: RefreshOutcome): void {
    this.#refreshes.inc({ provider, outcome })
  }

  /** The text a scraper reads, and its content type. */
  async render(): Promise<Response> {
    return new Response(await this.registry.metrics(), {
      headers: { 'content-type': this.registry.contentType },
    })
  }

  #observe(rec: Readonly<UsageRecord>): void {
    const errorClass = errorClassOf(rec.status)
    if (errorClass) this.#upstreamErrors.inc({ provider: rec.provider, class: errorClass })
    if (rec.failedOver) return // the request's own row counts it
    const series = this.#seriesOf(rec)
    series.requests.inc()
    series.latency.observe(rec.latencyMs / 1000)
    if (rec.ttfbMs !== undefined) series.ttfb.observe(rec.ttfbMs / 1000)
    for (let i = 0; i < TOKEN_KINDS.length; i++) {
      const n = rec[TOKEN_KINDS[i]![1]]
      if (n > 0) series.tokens[i]!.inc(n)
    }
    if (rec.cost) series.cost.inc(rec.cost.total)
  }

  /**
   * The children a row moves, looked up by one string: prom-client hashes a label object on every
   * `inc`, which cost ≈4 µs per row across these series.
   */
  #seriesOf(rec: Readonly<UsageRecord>): Series {
    this.#refreshKnown()
    const key = `${rec.dialect}\u0000${rec.provider}\u0000${rec.model}\u0000${rec.status}`
    let series = this.#series.get(key)
    if (!series) {
      const { provider } = rec
      const endpoint = rec.dialect
      const model =
        this.#known!.models.has(rec.model) || this.#known!.models.has(`${provider}/${rec.model}`)
          ? rec.model
          : 'other'
      series = {
        requests: this.#requests.labels({ endpoint, provider, model, status: String(rec.status) }),
        latency: this.#latency.labels({ endpoint, provider }),
        ttfb: this.#ttfb.labels({ endpoint, provider }),
        tokens: TOKEN_KINDS.map(([type]) => this.#tokens.labels({ provider, model, type })),
        cost: this.#cost.labels({ provider, model }),
      }
      // raw model names are the key, and clients can make them up: keep the table bounded
      if (this.#series.size >= MAX_SERIES_KEYS) this.#series.clear()
      this.#series.set(key, series)
    }
    return series
  }

  /** The models that may be labels: those the catalogue or the config lists; recomputed when either changes. */
  #refreshKnown(): void {
    const config = this.config.current.config
    const { providers } = this.state
    if (this.#known?.config === config && this.#known.catalog === providers.catalogVersion) return
    const models = new Set<string>()
    for (const entry of providers.catalog) for (const m of entry.models) models.add(m.id)
    for (const m of listModels(config, providers.catalog, (name) => providers.upstreamModels(name)))
      models.add(m.id)
    this.#known = { config, catalog: providers.catalogVersion, models }
    // a model's label may have changed
    this.#series.clear()
  }
}
