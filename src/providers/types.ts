/** What every provider folder provides, so adding one is copying a sibling's shape. */
import type { Config } from '../config/schema.ts'
import type { UpstreamCodec } from '../dialects/contract.ts'
import type { DialectName, UpstreamDialectName } from '../dialects/ir.ts'
import type { Refresher } from '../oauth/index.ts'
import type { AccountStore, Quota } from '../store/types.ts'

export type { Quota, QuotaWindow } from '../store/types.ts'

/** A model a provider serves, with the limits clients use to budget context (Claude Code auto-compacts on them). */
export interface ModelInfo {
  id: string
  displayName?: string
  /** Input + output tokens the model accepts. */
  contextWindow?: number
  /** Largest output the model produces. */
  maxOutput?: number
  /** Whether it takes a reasoning/thinking request. */
  reasoning?: boolean
  /** Unix seconds, for listings. */
  created?: number
}

/** A credential for one upstream call: an API key from config, or (later) an account's token. */
export interface Credential {
  kind: 'api_key' | 'oauth'
  /** The key or access token. Never logged. */
  secret: string
  /** What usage records name: the key's label, or the account id. */
  label: string
  /** A base URL that comes with this credential (an `api_keys[].base_url`). */
  baseUrl?: string
  /**
   * Non-secret facts of a stored login a provider needs on each call (Codex: `accountId`, the
   * ChatGPT account for the `chatgpt-account-id` header).
   */
  extra?: Record<string, string>
  /** The HTTP(S) proxy this credential's calls go through (`proxy_url`); may hold the proxy's own credentials. */
  proxy?: string
}

/** The request the provider sends upstream, fully shaped. */
export interface PreparedRequest {
  url: string
  headers: Record<string, string>
  body: Record<string, unknown>
  /**
   * Whether the upstream answers with a stream, when it differs from the client's wish: a
   * stream-only upstream (the Codex backend) is called streaming for a non-streaming client, and
   * the gateway collects the stream into one JSON answer. Absent: as the client asked.
   */
  stream?: boolean
  /**
   * The same call on other hosts, tried in order when `url` fails with a transport error or a
   * retryable status (429, 5xx) before anything reached the client (Antigravity's fallback host).
   */
  fallbackUrls?: string[]
}

export interface UpstreamCall {
  /** The dialect the body is in (from `dialectFor`). */
  dialect: UpstreamDialectName
  /** The upstream model id. */
  model: string
  stream: boolean
  body: Record<string, unknown>
  credential: Credential
  /** The client's headers, for the few a provider forwards (anthropic-beta…). */
  inbound: Headers
  config: Config
}

/** Where an API key's own model list is, and how to read it (OpenAI, Anthropic and Gemini each have one). */
export interface ModelListSource {
  /** URL and headers of the list call made with `credential` (an API key). */
  request(credential: Credential, config: Config): { url: string; headers: Record<string, string> }
  /** The answer → the models it names that take generation requests; unreadable: an empty list. */
  parse(body: unknown): ModelInfo[]
}

/** What `LoginSetup.ensure` gets: the account, and a fresh access token to ask the upstream with. */
export interface LoginSetupContext {
  config: Config
  accounts: AccountStore
  accountId: string
  accessToken: string
  signal: AbortSignal
}

/**
 * What a subscription login's calls need beyond its token, found after the login and stored on
 * the account (Code Assist's project).
 */
export interface LoginSetup {
  /**
   * Makes sure the stored account has it; runs before each call with the fresh token, so it must
   * be cheap when nothing is missing. A failure may carry the upstream's HTTP `status` (a 401
   * refreshes the token once, as for the call itself).
   */
  ensure(ctx: LoginSetupContext): Promise<void>
  /** Whether an error answer (status, body) means what `ensure` stored went stale. */
  stale(config: Config, status: number, body: string): boolean
  /** Drops what went stale, so the next `ensure` finds it again (the call is then retried once). */
  forget(accounts: AccountStore, accountId: string): void
}

export interface Provider {
  readonly id: string
  readonly displayName: string
  /**
   * The upstream dialect for a request that arrived in `inbound`. `credential`: the one the
   * request will try first, for providers whose dialect depends on the credential kind (Codex:
   * a subscription login only speaks Responses); the gateway then only tries credentials that
   * agree on the dialect.
   */
  dialectFor(inbound: DialectName, credential?: Credential): UpstreamDialectName
  /** Models it serves: its static list (what keys' lists add is in `ProviderRegistry.catalog`). */
  models(config: Config): readonly ModelInfo[]
  /**
   * Credentials usable right now, in the order to try them: keys from the config first, then
   * the provider's stored accounts (the active one first): keys from `byokey add-api-key`, and
   * subscription logins, whose access token the gateway makes fresh before each call.
   */
  credentials(config: Config, accounts?: AccountStore): Credential[]
  /** URL, headers and final body of one call. */
  prepare(call: UpstreamCall): PreparedRequest
  /**
   * The codec of what the upstream answers a credential, when it is a variant of `dialectFor`'s
   * dialect (a Code Assist login: Gemini answers in an envelope) or a format no client speaks
   * (Kiro, whose codec also shapes its requests). A variant's requests are still shaped in the
   * plain dialect and wrapped by `prepare`; answers are decoded with this codec, never passed
   * through as they came. Absent or undefined: the plain dialect.
   */
  upstreamCodec?(credential?: Credential): UpstreamCodec | undefined
  /** What a login's calls need beyond its token, found after the login (see `LoginSetup`). */
  loginSetup?: LoginSetup
  /** How a subscription account of this provider renews its access token (providers with logins). */
  refresher?(config: Config): Refresher
  /** URL and headers of a token-count call, when the upstream has one. */
  prepareCountTokens?(call: UpstreamCall): PreparedRequest | undefined
  /** The upstream's model list for an API key, which the gateway reads in the background. */
  modelList?: ModelListSource
  /**
   * The limits an answer's headers report (undefined: none there). `receivedAt` (ms) is when the
   * answer came, for resets given as a delay. Called off the request path, on the latest answer.
   */
  quotaFrom?(headers: Headers, receivedAt: number): Quota | undefined
}
