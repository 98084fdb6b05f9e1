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
 *
 * Counting needs no prom-client: it is loaded, and the registry built, at the first scrape, so
 * a start that is never scraped does not pay for it (~10 ms of the compiled binary's cold start).
 */
import type { Histogram, Registry } from 'prom-client'
import type { ConfigRef } from '../config/snapshot.ts'
import type { Coordination } from '../coordination/types.ts'
import type { GatewayState } from '../gateway/gateway-state.ts'
import type { RefreshOutcome } from '../oauth/index.ts'
import { listModels } from '../routing/index.ts'
import type { CooldownStore, Store, UsageRecord, UsageStore } from '../store/types.ts'

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

/** prom-client, loaded at the first scrape; `require` keeps it synchronous and still bundled. */
type PromClient = typeof import('prom-client')
const loadPromClient = (): PromClient => require('prom-client') as PromClient

/** One label set's total: kept as a plain number, added to without prom-client's per-call label hashing. */
interface Slot {
  n: number
}

/**
 * A counter whose totals live in plain slots (one addition per event, the slot found by one string)
 * and are handed to its prom-client counter when scraped. prom-client hashes the label object on
 * every `inc`, children included, which cost microseconds per request across these counters.
 */
class Tally<L extends string> {
  readonly #slots = new Map<string, Slot & { labels: Partial<Record<L, string>> }>()

  constructor(
    private readonly name: string,
    private readonly help: string,
    private readonly labelNames: L[],
  ) {}

  /** Adds its prom-client counter, read from the slots at each scrape, to `registry`. */
  register(registry: Registry, prom: PromClient): void {
    const slots = this.#slots
    new prom.Counter<L>({
      name: this.name,
      help: this.help,
      labelNames: this.labelNames,
      registers: [registry],
      collect() {
        this.reset()
        for (const s of slots.values()) this.inc(s.labels, s.n)
      },
    })
  }

  /** The slot of one label set, `key` naming it; made (with `labels()`) on first use. */
  slot(key: string, labels: () => Partial<Record<L, string>>): Slot {
    let s = this.#slots.get(key)
    if (!s) {
      s = { labels: labels(), n: 0 }
      this.#slots.set(key, s)
    }
    return s
  }

  add(key: string, labels: () => Partial<Record<L, string>>, n = 1): void {
    this.slot(key, labels).n += n
  }
}

/** One label set of a histogram: counts per bucket (not cumulative), their sum and number. */
interface BucketSeries {
  readonly labels: Record<string, string>
  readonly counts: number[]
  sum: number
  count: number
}

/**
 * A histogram kept the same way: an observation finds its bucket and adds one, and the registry
 * reads the series in prom-client's metric form when scraped (its own Histogram hashes the labels
 * on every observation, the largest cost of a request's metrics).
 */
class Buckets {
  readonly type = 'histogram'
  readonly #series = new Map<string, BucketSeries>()

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  register(registry: Registry): void {
    // the registry asks a metric only for its name and `get()`, which this answers in kind
    registry.registerMetric(this as unknown as Histogram)
  }

  series(key: string, labels: () => Record<string, string>): BucketSeries {
    let s = this.#series.get(key)
    if (!s) {
      s = { labels: labels(), counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 }
      this.#series.set(key, s)
    }
    return s
  }

  observe(s: BucketSeries, value: number): void {
    let i = 0
    while (i < this.bounds.length && value > this.bounds[i]!) i++
    s.counts[i]!++
    s.sum += value
    s.count++
  }

  get() {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = []
    for (const s of this.#series.values()) {
      let cumulative = 0
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i]!
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le }, value: cumulative })
      })
      values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count })
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum })
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count })
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' }
  }
}

/** What one (dialect, provider, model, status) moves. */
interface Series {
  requests: Slot
  latency: BucketSeries
  ttfb: BucketSeries
  /** In `TOKEN_KINDS` order. */
  tokens: Slot[]
  cost: Slot
}

export class GatewayMetrics {
  /** Built at the first scrape. */
  #registry: Registry | undefined
  readonly #http: Tally<'endpoint' | 'status'>
  readonly #requests: Tally<'endpoint' | 'provider' | 'model' | 'status'>
  readonly #latency: Buckets
  readonly #ttfb: Buckets
  readonly #tokens: Tally<'provider' | 'model' | 'type'>
  readonly #cost: Tally<'provider' | 'model'>
  readonly #upstreamErrors: Tally<'provider' | 'class'>
  readonly #refreshes: Tally<'provider' | 'outcome'>
  readonly #coordinationLosses: Tally<'kind'>
  #coordination: Coordination | undefined
  #idle: { readonly collections: number } | undefined
  #known: { config: object; catalog: number; models: ReadonlySet<string> } | undefined
  /** The slots a row moves, by dialect, provider, model and status as the row has them. */
  readonly #series = new Map<string, Series>()

  constructor(
    private readonly config: ConfigRef,
    private readonly state: GatewayState,
    private readonly cooldowns: CooldownStore,
    /** The store's health and its usage rows not written yet or given up. */
    private readonly store?: Pick<Store, 'ping'> & { usage: Pick<UsageStore, 'pending' | 'dropped'> },
  ) {
    this.#http = new Tally(
      'byokey_http_requests_total',
      'Answers byokey gave, by endpoint and HTTP status (refusals included)',
      ['endpoint', 'status'],
    )
    this.#requests = new Tally(
      'byokey_requests_total',
      'Inference requests that reached a provider, by inbound dialect, provider, model and status',
      ['endpoint', 'provider', 'model', 'status'],
    )
    this.#latency = new Buckets(
      'byokey_request_duration_seconds',
      'Inference request duration, from arrival to the last byte',
      LATENCY_BUCKETS,
    )
    this.#ttfb = new Buckets(
      'byokey_time_to_first_byte_seconds',
      'Time from arrival to the first byte sent to the client',
      TTFB_BUCKETS,
    )
    this.#tokens = new Tally(
      'byokey_tokens_total',
      'Tokens by provider, model and type (input excludes cache reads and writes; output includes reasoning)',
      ['provider', 'model', 'type'],
    )
    this.#cost = new Tally(
      'byokey_cost_usd_total',
      'Cost at API prices in USD (rows of models without a known price are not counted)',
      ['provider', 'model'],
    )
    this.#upstreamErrors = new Tally(
      'byokey_upstream_errors_total',
      'Failed upstream attempts (failed-over ones included) by provider and class',
      ['provider', 'class'],
    )
    this.#refreshes = new Tally(
      'byokey_token_refreshes_total',
      'OAuth token refreshes by provider and outcome (ok, failed, needs_login, unavailable)',
      ['provider', 'outcome'],
    )
    this.#coordinationLosses = new Tally(
      'byokey_coordination_losses_total',
      'Times the shared coordination (Redis) was lost and this instance went on deciding alone',
      ['kind'],
    )
    state.usage.listen((rec) => this.#observe(rec))
  }

  /** The registry a scrape reads: the counts above, and gauges read at the scrape. */
  #registryOf(): Registry {
    if (this.#registry) return this.#registry
    const prom = loadPromClient()
    const registry = new prom.Registry()
    for (const t of [
      this.#http,
      this.#requests,
      this.#latency,
      this.#ttfb,
      this.#tokens,
      this.#cost,
      this.#upstreamErrors,
      this.#refreshes,
      this.#coordinationLosses,
    ])
      t.register(registry, prom)
    const { cooldowns, state } = this
    const coordinationNow = () => this.#coordination
    const registers = [registry]
    new prom.Gauge({
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
    const { store } = this
    if (store) {
      new prom.Gauge({
        name: 'byokey_store_up',
        help: 'Whether the database answers (1) or not (0); /readyz says the same',
        registers,
        collect() {
          this.set(store.ping() ? 1 : 0)
        },
      })
      new prom.Gauge({
        name: 'byokey_usage_rows_pending',
        help: 'Usage rows not written to the database yet (waiting for the next batch, or for the database to return)',
        registers,
        collect() {
          this.set(store.usage.pending)
        },
      })
      new prom.Gauge({
        name: 'byokey_usage_rows_dropped',
        help: 'Usage rows given up since start: the database was away longer than store.usage_buffer_rows could hold',
        registers,
        collect() {
          this.set(store.usage.dropped)
        },
      })
    }
    new prom.Gauge({
      name: 'byokey_streams_in_flight',
      help: 'Streams sending to their clients now',
      registers,
      collect() {
        this.set(state.usage.streamsInFlight)
      },
    })
    new prom.Gauge({
      name: 'byokey_upstream_calls_in_flight',
      help: 'Upstream calls in flight now (queued ones not included)',
      registers,
      collect() {
        this.set(state.upstream.inFlight)
      },
    })
    new prom.Gauge({
      name: 'byokey_upstream_calls_queued',
      help: "Upstream calls waiting for one of byokey's slots",
      registers,
      collect() {
        this.set(state.upstream.queued)
      },
    })
    new prom.Gauge({
      name: 'byokey_coordination_shared',
      help: 'Whether this instance coordinates with the others now (1), or decides alone (0: local, or Redis lost)',
      labelNames: ['kind'],
      registers,
      collect() {
        const coordination = coordinationNow()
        if (coordination) this.set({ kind: coordination.kind }, coordination.shared ? 1 : 0)
      },
    })
    const idleNow = () => this.#idle
    new prom.Counter({
      name: 'byokey_idle_collections_total',
      help: 'Full garbage collections run after a quiet spell (server.idle_gc_ms)',
      registers,
      collect() {
        this.reset()
        this.inc(idleNow()?.collections ?? 0)
      },
    })
    this.#registry = registry
    return registry
  }

  /** Reads whether `coordination` is shared at each scrape, and counts its losses; returns an unsubscribe. */
  watchCoordination(coordination: Coordination): () => void {
    this.#coordination = coordination
    const { kind } = coordination
    const losses = this.#coordinationLosses.slot(kind, () => ({ kind })) // 0 until the first loss
    return coordination.onSharedChange((shared) => {
      if (!shared) losses.n++
    })
  }

  /** Reads `collector`'s collections at each scrape. */
  countIdleCollections(collector: { readonly collections: number }): void {
    this.#idle = collector
  }

  /** Counts one answer. */
  answered(path: string, status: number): void {
    const endpoint = endpointOf(path)
    this.#http.add(`${endpoint} ${status}`, () => ({ endpoint, status: String(status) }))
  }

  /** Counts one token refresh (the token manager's hook). */
  refreshed(provider: string, outcome: RefreshOutcome): void {
    this.#refreshes.add(`${provider} ${outcome}`, () => ({ provider, outcome }))
  }

  /** The text a scraper reads, and its content type. */
  async render(): Promise<Response> {
    const registry = this.#registryOf()
    return new Response(await registry.metrics(), {
      headers: { 'content-type': registry.contentType },
    })
  }

  #observe(rec: Readonly<UsageRecord>): void {
    const { provider } = rec
    const errorClass = errorClassOf(rec.status)
    if (errorClass)
      this.#upstreamErrors.add(`${provider} ${errorClass}`, () => ({ provider, class: errorClass }))
    if (rec.failedOver) return // the request's own row counts it
    const series = this.#seriesOf(rec)
    series.requests.n++
    this.#latency.observe(series.latency, rec.latencyMs / 1000)
    if (rec.ttfbMs !== undefined) this.#ttfb.observe(series.ttfb, rec.ttfbMs / 1000)
    for (let i = 0; i < TOKEN_KINDS.length; i++) series.tokens[i]!.n += rec[TOKEN_KINDS[i]![1]]
    if (rec.cost) series.cost.n += rec.cost.total
  }

  /** The slots a row moves, found by one string. */
  #seriesOf(rec: Readonly<UsageRecord>): Series {
    this.#refreshKnown()
    const key = `${rec.dialect}\u0000${rec.provider}\u0000${rec.model}\u0000${rec.status}`
    let series = this.#series.get(key)
    if (!series) {
      const { provider } = rec
      const endpoint = rec.dialect
      const known = this.#known!.models
      const model = known.has(rec.model) || known.has(`${provider}/${rec.model}`) ? rec.model : 'other'
      const status = String(rec.status)
      const pm = `${provider}\u0000${model}`
      const histogramLabels = () => ({ endpoint, provider })
      series = {
        latency: this.#latency.series(`${endpoint}\u0000${provider}`, histogramLabels),
        ttfb: this.#ttfb.series(`${endpoint}\u0000${provider}`, histogramLabels),
        requests: this.#requests.slot(`${endpoint}\u0000${pm}\u0000${status}`, () => ({
          endpoint,
          provider,
          model,
          status,
        })),
        tokens: TOKEN_KINDS.map(([type]) =>
          this.#tokens.slot(`${pm}\u0000${type}`, () => ({ provider, model, type })),
        ),
        cost: this.#cost.slot(pm, () => ({ provider, model })),
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
