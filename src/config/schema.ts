/**
 * The config file's schema: one TypeBox definition gives the types, the defaults and the
 * validation. Keys follow BYOKEY's (`port`, `host`, `providers.<id>.api_key`, `model_alias`,
 * `payload`, `log`…) so an existing BYOKEY file keeps working; our additions are marked.
 */
import { type Static, Type as T, type TSchema } from '@sinclair/typebox'

const Str = (opts = {}) => T.String(opts)

/** An object whose unknown keys are reported as warnings (see `unknownKeys`). */
const Obj = <P extends Record<string, TSchema>>(props: P, desc?: string) =>
  T.Object(props, { additionalProperties: false, ...(desc ? { description: desc } : {}) })

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const

export const LogLevel = T.Union(
  LOG_LEVELS.map((l) => T.Literal(l)),
  { default: 'info' },
)

/** An HTTP(S) proxy's URL; credentials in it are secrets. */
const ProxyUrl = () => Str({ pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]+/?$' })

export const ApiKeyEntry = Obj({
  api_key: Str({ minLength: 1 }),
  base_url: T.Optional(Str({ minLength: 1 })),
  label: T.Optional(Str()),
  /** Ours: the HTTP(S) proxy this key's calls go through (`http://user:pass@host:port`); default the provider's. */
  proxy_url: T.Optional(ProxyUrl()),
})

/** OAuth endpoints of a subscription login, overridable so tests (and mirrors) can point elsewhere. */
export const OAuthOverrides = Obj({
  authorize_url: T.Optional(Str()),
  token_url: T.Optional(Str()),
  device_code_url: T.Optional(Str()),
  client_id: T.Optional(Str()),
  /**
   * The OAuth client secret. iFlow sends it as HTTP Basic (default the one iFlow CLI ships with);
   * the Google logins (gemini, antigravity) send it in the code exchange's and refreshes' form
   * (default the installed app's published one).
   */
  client_secret: T.Optional(Str()),
  /**
   * Ours: the user-info endpoint of a login: where a Google login reads the account's email
   * (default Google's `oauth2/v1/userinfo`), and where iFlow hands out the API key (default
   * `https://iflow.cn/api/oauth/getUserInfo`).
   */
  userinfo_url: T.Optional(Str()),
  /** Ours: the page that shows a Google login's code to paste (`login --no-browser`); default Gemini CLI's `codeassist.google.com/authcode`. */
  code_page_url: T.Optional(Str()),
  token_exchange_url: T.Optional(Str()),
  /** Copilot: the quota endpoint; default `/copilot_internal/user` on `token_exchange_url`'s origin. */
  quota_url: T.Optional(Str()),
  /** Kiro: the AWS SSO OIDC origin (client registration, device code, token); default `https://oidc.us-east-1.amazonaws.com`. */
  oidc_url: T.Optional(Str()),
  /** Kiro: the AWS Builder ID start URL sent with the device request; default `https://view.awsapps.com/start`. */
  start_url: T.Optional(Str()),
  /** Kiro: its own auth service (social login, its refresh); default `https://prod.us-east-1.auth.desktop.kiro.dev`. */
  auth_service_url: T.Optional(Str()),
  redirect_port: T.Optional(
    T.Integer({
      minimum: 0,
      maximum: 65535,
      description: "callback port; default the provider's fixed port (Claude 54545, Codex 1455)",
    }),
  ),
})

/** BYOKEY's strategies; `random` and `weighted_random` map onto the nearest of ours (with a warning). */
export const POLICY_STRATEGIES = [
  'round_robin',
  'weighted_round_robin',
  'random',
  'weighted_random',
  'priority',
] as const

/** One entry of BYOKEY's `routing_policies`. */
export const RoutingPolicy = Obj({
  provider: Str({ minLength: 1 }),
  /** A model family the policy is limited to; not supported (warned about and ignored). */
  family: T.Optional(Str({ minLength: 1 })),
  strategy: T.Union(
    POLICY_STRATEGIES.map((s) => T.Literal(s)),
    { default: 'round_robin' },
  ),
  /** For `priority`: key labels and account ids in the order to try them. */
  accounts: T.Array(Str({ minLength: 1 }), { default: [] }),
  /** For the weighted strategies: a share per key label or account id (default 1). */
  weights: T.Record(T.String(), T.Number({ minimum: 0 }), { default: {} }),
})
export type RoutingPolicy = Static<typeof RoutingPolicy>

export const ProviderConfig = Obj({
  enabled: T.Boolean({ default: true }),
  api_key: T.Optional(Str({ minLength: 1 })),
  api_keys: T.Array(ApiKeyEntry, { default: [] }),
  base_url: T.Optional(Str({ minLength: 1 })),
  /**
   * Ours: hosts tried in order, for the same call with the same account, when `base_url` fails
   * with a transport error, a 429 or a 5xx. Unset: the provider's own (Antigravity: its sandbox
   * host) when `base_url` is unset too, else none; `[]`: none.
   */
  fallback_base_urls: T.Optional(T.Array(Str({ minLength: 1 }))),
  /**
   * Ours (BYOKEY had `round_robin`/`priority`): the order the provider's keys and logins are
   * tried in. `round_robin` spreads requests over them; `fill_first` uses the first until it
   * cools down; `priority` goes by `order`, then fill-first; `weighted` spreads by `weights`.
   */
  routing: T.Union(
    [T.Literal('round_robin'), T.Literal('fill_first'), T.Literal('priority'), T.Literal('weighted')],
    { default: 'round_robin' },
  ),
  /** Ours: for `routing: priority`, key labels and account ids tried first, in this order; the rest follow. */
  order: T.Array(Str({ minLength: 1 }), { default: [] }),
  /** Ours: for `routing: weighted`, a share per key label or account id (default 1; 0: only when the others cool down). */
  weights: T.Record(T.String(), T.Number({ minimum: 0 }), { default: {} }),
  /**
   * Ours: session affinity. Every turn of one conversation goes to the account that served it
   * while that account is healthy, so the upstream's prompt cache keeps working; `false`: the
   * strategy alone decides each request.
   */
  affinity: T.Boolean({ default: true }),
  /**
   * Ours: the most upstream calls one account (key or login) of this provider has in flight at
   * once; unset: no limit of its own. A request over it tries the next account, and on the last
   * waits up to `max_concurrency_wait_ms` for a slot before the client gets a 429.
   */
  max_concurrency: T.Optional(T.Integer({ minimum: 1 })),
  /** Ours: how long a request waits for a slot of an account at its `max_concurrency`. */
  max_concurrency_wait_ms: T.Integer({ minimum: 0, default: 5000 }),
  /** Ours: overrides the global `cooldown` for this provider's accounts. */
  cooldown: T.Optional(Obj({ max_seconds: T.Optional(T.Integer({ minimum: 1 })) })),
  /**
   * Ours: the HTTP(S) proxy of this provider's keys and stored accounts (upstream calls and
   * token refreshes); default the top-level `proxy_url`.
   */
  proxy_url: T.Optional(ProxyUrl()),
  /** BYOKEY's: serve this provider's models with another provider's credentials and wire format. */
  backend: T.Optional(Str()),
  /**
   * BYOKEY's: the provider (id, or a named upstream) a request goes on to, with the same model,
   * when every credential of this one failed or cools down before the first byte.
   */
  fallback: T.Optional(Str()),
  oauth: T.Optional(OAuthOverrides),
  /**
   * Ours: upstream answers that mean an account of this provider will not work again (an ended
   * tier, a suspension), besides the built-in ones: an account that gets one is marked
   * `unavailable` and skipped until a new login. `contains`: phrases that must all be in the
   * error body (`on: api`) or the refresh error's code and message (`on: refresh`), any case.
   */
  dead_answers: T.Array(
    Obj({
      on: T.Union([T.Literal('api'), T.Literal('refresh')], { default: 'api' }),
      status: T.Optional(T.Array(T.Integer({ minimum: 400, maximum: 599 }), { minItems: 1 })),
      contains: T.Array(Str({ minLength: 1 }), { minItems: 1 }),
      meaning: T.Optional(Str({ minLength: 1 })),
      advice: T.Optional(Str({ minLength: 1 })),
    }),
    { default: [] },
  ),
  /**
   * Ours (gemini, antigravity logins): the Google Cloud project every Code Assist call names; it
   * wins over the project discovered at login and stored on the account. Unset: discovered.
   */
  project_id: T.Optional(Str({ minLength: 1 })),
  /** Ours (gemini logins): the Code Assist server; default `base_url`, else `https://cloudcode-pa.googleapis.com`. */
  code_assist_url: T.Optional(Str({ minLength: 1 })),
  // BYOKEY keys accepted for compatibility; not used yet.
  max_retry_credentials: T.Optional(T.Integer()),
  claude_headers: T.Optional(T.Record(T.String(), T.Unknown())),
  codex_headers: T.Optional(T.Record(T.String(), T.Unknown())),
  cloak: T.Optional(T.Record(T.String(), T.Unknown())),
  websocket: T.Optional(T.Boolean()),
})

export const DIALECT_NAMES = ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini'] as const

/**
 * Ours: one model's prices in USD per million tokens. Cache reads and writes default to the
 * input price, reasoning to the output price.
 */
export const ModelPriceOverride = Obj({
  input: T.Number({ minimum: 0 }),
  output: T.Number({ minimum: 0 }),
  cache_read: T.Optional(T.Number({ minimum: 0 })),
  cache_write: T.Optional(T.Number({ minimum: 0 })),
  reasoning: T.Optional(T.Number({ minimum: 0 })),
})

/** Ours: any compatible service (OpenRouter, DeepSeek, Ollama, vLLM…) as a named upstream. */
export const UpstreamConfig = Obj({
  name: Str({ minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
  dialect: T.Union(DIALECT_NAMES.map((d) => T.Literal(d))),
  base_url: Str({ minLength: 1 }),
  api_key: T.Optional(Str()),
  api_key_env: T.Optional(Str({ minLength: 1 })),
  models: T.Array(Str({ minLength: 1 }), { default: [] }),
  headers: T.Record(T.String(), T.String(), { default: {} }),
  enabled: T.Boolean({ default: true }),
  /** The HTTP(S) proxy of this upstream's calls; default the top-level `proxy_url`. */
  proxy_url: T.Optional(ProxyUrl()),
})

export const ModelAlias = Obj({
  name: Str({ minLength: 1 }),
  alias: Str({ minLength: 1 }),
  fork: T.Boolean({ default: false }),
})

const PayloadSetRule = Obj({
  models: T.Array(Str(), { minItems: 1 }),
  params: T.Record(T.String(), T.Unknown()),
})
const PayloadFilterRule = Obj({
  models: T.Array(Str(), { minItems: 1 }),
  params: T.Array(Str()),
})

export const PayloadConfig = Obj({
  default: T.Array(PayloadSetRule, { default: [] }),
  override: T.Array(PayloadSetRule, { default: [] }),
  filter: T.Array(PayloadFilterRule, { default: [] }),
})

export const LogConfig = Obj({
  level: LogLevel,
  /** `auto`: pretty on a terminal, JSON lines otherwise. BYOKEY's `text` means pretty. */
  format: T.Union([T.Literal('auto'), T.Literal('json'), T.Literal('pretty'), T.Literal('text')], {
    default: 'auto',
  }),
  file: T.Optional(Str({ minLength: 1 })),
  /** Ours: rotate the log file when it passes this many megabytes (fractions allowed); 0: never by size. */
  max_size_mb: T.Number({ minimum: 0, default: 10 }),
  /** Ours: also rotate the log file at local midnight. */
  daily: T.Boolean({ default: false }),
  /** Ours: rotated log files kept (byokey.log.1 newest … byokey.log.N); older ones are deleted. */
  keep: T.Integer({ minimum: 1, maximum: 1000, default: 5 }),
})

/** Ours: server limits and timing. */
export const ServerConfig = Obj({
  /** Largest request body accepted, in bytes (answered with 413 in the endpoint's dialect). */
  body_limit_bytes: T.Integer({ minimum: 1024, default: 50 * 1024 * 1024 }),
  /** How long in-flight requests may run on after SIGTERM before they are cut. */
  shutdown_timeout_ms: T.Integer({ minimum: 0, default: 10_000 }),
  /**
   * Ours: after SIGTERM, how long byokey goes on accepting and serving while `/readyz` answers
   * 503, before it stops listening: a load balancer's health checks take it out first, so no
   * connection meets a closing listener. Behind a balancer, its check interval times its fall
   * count plus a margin; 0 (alone): stop listening at once.
   */
  shutdown_drain_ms: T.Integer({ minimum: 0, default: 0 }),
  /**
   * Ours: once no request has been in flight for this long, one full garbage collection gives the
   * memory of the last requests back (large bodies leave tens of MB otherwise); 0: never.
   */
  idle_gc_ms: T.Integer({ minimum: 0, default: 2000 }),
  /**
   * The longest a finished request's usage row waits before it is handed to the writer thread,
   * which commits it at once: the window a kill -9 or crash can lose. Read at start.
   */
  usage_flush_ms: T.Integer({ minimum: 10, default: 50 }),
  /**
   * Ours: who may read `GET /metrics` (Prometheus text). `loopback`: clients on this machine only;
   * `keys`: also others that send a gateway key (any client when no key exists); `off`: 404.
   */
  metrics: T.Union([T.Literal('loopback'), T.Literal('keys'), T.Literal('off')], { default: 'loopback' }),
  /**
   * Browser origins allowed to call the gateway (CORS), e.g. `http://localhost:3000`; `*` allows
   * any. A request carrying any other `Origin` is refused with 403; clients that send no `Origin`
   * (SDKs, CLIs, servers) are not affected.
   */
  allowed_origins: T.Array(Str({ pattern: '^(\\*|null|[A-Za-z][A-Za-z0-9+.-]*://[^/?#\\s]+/?)$' }), {
    default: [],
  }),
  /**
   * Host names clients may use beyond the always-allowed ones (IP literals, `localhost`,
   * `*.localhost`, the bind host): `gw`, `*.example.com`; `*` allows any. Empty: the `Host` check
   * applies only when bound to loopback. Not empty: it applies on every bind. Other hosts get 421.
   */
  allowed_hosts: T.Array(Str({ pattern: '^(\\*|(\\*\\.)?[A-Za-z0-9_.-]+)$' }), { default: [] }),
  /**
   * Upstream calls in flight at once; more wait in byokey's queue, where the wait does not count
   * against the upstream timeouts. The runtime's fetch opens at most 256 connections at once
   * unless `BUN_CONFIG_MAX_HTTP_REQUESTS` is set in byokey's environment when it starts, and 16 of
   * those are kept for token refreshes and counts: a value over 240 needs that variable too.
   */
  max_upstream_requests: T.Integer({ minimum: 1, maximum: 65_535, default: 240 }),
  /** Longest wait in that queue before the request is answered 503 (overloaded, with Retry-After). */
  upstream_queue_ms: T.Integer({ minimum: 1, default: 30_000 }),
})

/** Ours: how long to wait on upstreams, and on clients. */
export const UpstreamTimeouts = Obj({
  /** Streaming calls: until response headers (upstreams answer a stream's headers at once). */
  first_byte_ms: T.Integer({ minimum: 1, default: 60_000 }),
  /** Non-streaming calls: until the whole answer (a long generation is silent until done). */
  response_ms: T.Integer({ minimum: 1, default: 600_000 }),
  /** Streaming calls: longest silence between two chunks before the stream is failed. */
  idle_ms: T.Integer({ minimum: 1, default: 300_000 }),
  /**
   * Streaming calls: how long the client's answer is held for the stream's first content event,
   * so a stream that opens with an error or ends first fails over like an error status. Past it
   * the stream goes out as it comes (a long silent start is not held forever); 0: never held.
   */
  first_content_ms: T.Integer({ minimum: 0, default: 10_000 }),
  /**
   * Whole request body: from when byokey starts reading it until the last byte; a slower client
   * gets 408 and the connection is closed. 60 s is 50 MiB at about 7 Mbit/s.
   */
  request_body_ms: T.Integer({ minimum: 1, default: 60_000 }),
  /**
   * Streaming calls: longest a whole stream may run, from the call leaving byokey to its last
   * byte. Keep-alive comments reset the idle timer but not this one.
   */
  stream_total_ms: T.Integer({ minimum: 1, default: 3_600_000 }),
  /**
   * Fallback chains: no further step is started once this long has passed since the request
   * arrived; the client then gets the last step's error.
   */
  fallback_deadline_ms: T.Integer({ minimum: 1, default: 120_000 }),
})

/**
 * Ours: how byokey reads the model lists of API keys (`GET /v1/models` of OpenAI and Anthropic,
 * `GET /v1beta/models` of Gemini), so models missing from the built-in catalogue are served too.
 * Read at start, then in the background; a failed read keeps the last list.
 */
export const ModelListsConfig = Obj({
  /** Read the lists at all; off: only the built-in catalogue and `upstreams[].models` route. */
  enabled: T.Boolean({ default: true }),
  /** Seconds between two reads of every key's list; 0: only at start and when keys change. */
  refresh_seconds: T.Integer({ minimum: 0, default: 3600 }),
  /** Longest one list call may take. */
  timeout_ms: T.Integer({ minimum: 1, default: 10_000 }),
})

/**
 * Ours: limits byokey asks for rather than reads off answers (Copilot's quota endpoint, per
 * login), in the background and never on a request's path.
 */
export const QuotaReadsConfig = Obj({
  /** Seconds between two reads per login; 0: never. */
  refresh_seconds: T.Integer({ minimum: 0, default: 300 }),
  /** Longest one read may take. */
  timeout_ms: T.Integer({ minimum: 1, default: 10_000 }),
})

/** BYOKEY's `streaming` section; only `keepalive_seconds` is ours to act on. */
export const StreamingConfig = Obj({
  /**
   * While an upstream stream is silent (long thinking), the client gets its dialect's keep-alive
   * (an SSE comment, Anthropic's `ping` event) every this many seconds, so proxies and load
   * balancers between it and byokey do not cut the connection; 0: never.
   */
  keepalive_seconds: T.Number({ minimum: 0, default: 15 }),
  // BYOKEY keys accepted for compatibility; not used.
  bootstrap_retries: T.Optional(T.Integer()),
  nonstream_keepalive_interval: T.Optional(T.Number()),
})

/** Ours: how long an account the upstream refused is left alone before one request probes it again. */
export const CooldownConfig = Obj({
  /**
   * The longest cooldown, whatever the upstream says (a multi-day Retry-After is cut to this and
   * logged) and however often the account failed in a row.
   */
  max_seconds: T.Integer({ minimum: 1, default: 3600 }),
})

/** Ours: the management API (`/admin/v1/…`) and the dashboard (`/dashboard`). */
export const AdminConfig = Obj({
  /** Serve them at all; off: both answer 404. */
  enabled: T.Boolean({ default: true }),
  /**
   * An environment variable holding one more admin key (besides those `byokey admin-key create`
   * stored): for containers, where the key comes from a secret. Unset or empty: not used.
   */
  key_env: T.Optional(Str({ minLength: 1 })),
  /**
   * Answer management calls from other machines too. Off: only clients on this machine
   * (loopback addresses) reach them, whatever address the gateway listens on.
   */
  allow_remote: T.Boolean({ default: false }),
})

/**
 * The Amp compatibility layer (`docs/protocols/amp.md`). BYOKEY's keys; `base_url` is ours.
 */
export const AmpConfig = Obj({
  /** Where Amp's own API lives: forwarded `/api/*` and `/v0/management/*`, login redirects, the Amp login. */
  base_url: Str({ pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^?#\\s]+$', default: 'https://ampcode.com' }),
  /**
   * Sent to Amp on forwarded calls when no `byokey login amp` account exists (a shared Amp key);
   * with neither, the client's own Amp credentials pass through untouched.
   */
  upstream_key: T.Optional(Str({ minLength: 1 })),
  /** Extra keys `byokey amp inject` writes into Amp's settings file; `amp.url` here overrides the injected address. */
  settings: T.Record(T.String(), T.Unknown(), { default: {} }),
  // BYOKEY keys accepted for compatibility; not used (Amp is served on the main port).
  port: T.Optional(T.Unknown()),
})

/**
 * Ours: where durable state lives (accounts, tokens, usage, keys, cooldowns). `sqlite` (default):
 * the file beside the config, nothing else needed. `postgres`: a database several byokey
 * instances share; the env `BYOKEY_DATABASE_URL`, when set, wins over `url`. Read at start.
 */
export const StoreConfig = Obj({
  kind: T.Union([T.Literal('sqlite'), T.Literal('postgres')], { default: 'sqlite' }),
  /** `postgres://user:password@host:5432/db` (its password is a secret: never logged). */
  url: T.Optional(Str({ minLength: 1 })),
  /**
   * PostgreSQL: how often (ms) this instance checks whether another one changed accounts, keys,
   * admin keys, cooldowns or quotas, which it answers from memory; at most this late it sees them.
   */
  sync_ms: T.Integer({ minimum: 50, maximum: 60_000, default: 1000 }),
  /**
   * PostgreSQL: usage rows kept in memory while the database is unreachable; beyond this the
   * oldest are dropped (counted, one warning). About 1 KB each.
   */
  usage_buffer_rows: T.Integer({ minimum: 1000, default: 100_000 }),
  /**
   * The environment variable holding the 32-byte key (64 hex characters or base64) that tokens
   * are encrypted with at rest (AES-256-GCM); unset or empty: stored in clear. Older keys, still
   * read until `byokey secrets rotate` re-encrypts their rows: the same name with `_PREVIOUS`,
   * comma-separated.
   */
  secret_key_env: Str({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'BYOKEY_SECRET_KEY' }),
})

/**
 * Ours: what several byokey instances must agree on at once (one token refresh per account,
 * cooldown probes, rate windows, concurrency slots, budget totals, change notices). Read at start.
 */
export const CoordinationConfig = T.Object(
  {
    /** `local`: this process decides alone (one instance); `redis`: shared by every instance on one Redis. */
    kind: T.Union([T.Literal('local'), T.Literal('redis')], { default: 'local' }),
    /**
     * `redis://[user:password@]host:port[/db]` (`rediss://` for TLS); the environment variable
     * `BYOKEY_REDIS_URL`, when set, wins. Its password is a secret: never logged, and so
     * checked at start (`coordinationSettings`) rather than by a pattern whose error would quote it.
     */
    url: T.Optional(Str({ minLength: 1 })),
    /** Sets this deployment's keys and notices apart from others sharing the same Redis (`byokey:<prefix>:`). */
    prefix: T.Optional(Str({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
  },
  { additionalProperties: false, default: { kind: 'local' } },
)

export const ConfigSchema = Obj({
  port: T.Integer({ minimum: 0, maximum: 65535, default: 8018 }),
  host: Str({ minLength: 1, default: '127.0.0.1' }),
  /** The HTTP(S) proxy of every upstream call and token refresh that names none of its own. */
  proxy_url: T.Optional(ProxyUrl()),
  log: T.Optional(LogConfig),
  server: T.Optional(ServerConfig),
  timeouts: T.Optional(UpstreamTimeouts),
  model_lists: T.Optional(ModelListsConfig),
  quota_reads: T.Optional(QuotaReadsConfig),
  providers: T.Record(T.String(), ProviderConfig, { default: {} }),
  upstreams: T.Array(UpstreamConfig, { default: [] }),
  model_alias: T.Record(T.String(), T.Array(ModelAlias), { default: {} }),
  excluded_models: T.Record(T.String(), T.Array(Str()), { default: {} }),
  payload: T.Optional(PayloadConfig),
  streaming: T.Optional(StreamingConfig),
  cooldown: T.Optional(CooldownConfig),
  admin: T.Optional(AdminConfig),
  /**
   * Ours: per model or alias as the client asks for it, the model strings (resolved like a
   * request's) tried in order when the route's provider has no credential left to try.
   */
  fallbacks: T.Optional(T.Record(T.String(), T.Array(Str({ minLength: 1 })))),
  /**
   * BYOKEY's per-provider rotation policies, mapped at load onto `providers.<id>.routing`, `order`
   * and `weights` (`src/config/routing-policies.ts`); a provider's own `routing` wins.
   */
  routing_policies: T.Array(RoutingPolicy, { default: [] }),
  amp: T.Optional(AmpConfig),
  store: T.Optional(StoreConfig),
  /**
   * Ours: prices in USD per million tokens that replace the bundled price table's, per model
   * glob as usage rows name the model (`claude-sonnet-4-5`, `gpt-5*`) or `provider/model`
   * (`copilot/*`). `provider/model` keys are tried before `model` keys, an exact key before a glob.
   */
  pricing: T.Record(T.String(), ModelPriceOverride, { default: {} }),
  coordination: CoordinationConfig,
  // BYOKEY keys accepted for compatibility; not used yet.
  telemetry: T.Optional(T.Record(T.String(), T.Unknown())),
})

type Raw = Static<typeof ConfigSchema>

/** The validated config, with every optional section filled in. */
export type Config = Omit<
  Raw,
  | 'log'
  | 'server'
  | 'payload'
  | 'timeouts'
  | 'streaming'
  | 'cooldown'
  | 'model_lists'
  | 'quota_reads'
  | 'admin'
  | 'amp'
  | 'store'
> & {
  admin: Static<typeof AdminConfig>
  amp: Static<typeof AmpConfig>
  quota_reads: Static<typeof QuotaReadsConfig>
  cooldown: Static<typeof CooldownConfig>
  log: Static<typeof LogConfig>
  server: Static<typeof ServerConfig>
  timeouts: Static<typeof UpstreamTimeouts>
  payload: Static<typeof PayloadConfig>
  model_lists: Static<typeof ModelListsConfig>
  streaming: Static<typeof StreamingConfig>
  store: Static<typeof StoreConfig>
}
export type ProviderSettings = Static<typeof ProviderConfig>
export type UpstreamSettings = Static<typeof UpstreamConfig>
export type LogLevelName = (typeof LOG_LEVELS)[number]
