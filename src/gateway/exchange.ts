/**
 * The context the stages of one request share (`plan` → `attempts` → `respond`): one object
 * instead of a row of positional parameters.
 */
import type { SessionOf } from '../accounts/index.ts'
import type { Config } from '../config/schema.ts'
import type { ConfigSnapshot } from '../config/snapshot.ts'
import type { Logger } from '../log.ts'
import type { TokenManager } from '../oauth/index.ts'
import type { Credential } from '../providers/types.ts'
import type { Store } from '../store/types.ts'
import type { FallbackChain } from './fallback.ts'
import type { GatewayState } from './gateway-state.ts'
import type { Plan } from './plan.ts'
import type { Redactor } from './redact-errors.ts'
import type { UpstreamCallHandle } from './upstream-fetch.ts'
import type { UsageMeter } from './usage-meter.ts'

/** What the gateway reads of the context the server made for a request. */
export interface GatewayContext {
  readonly id: string
  /** performance.now() when the request arrived. */
  readonly start: number
  /** The config snapshot for this request: read once, used throughout. */
  readonly config: ConfigSnapshot
  /** A logger carrying the request id. */
  readonly log: Logger
  /** What the gateway keeps for every request: upstream slots, routes, round robin, providers. */
  readonly gateway: GatewayState
  /** The id of the gateway key the client sent, once it was admitted; none when keys are not in use. */
  readonly keyId?: string | undefined
  /** What the body reader saw while it checked the client's body (one walk for both). */
  readonly bodyScan?: BodyScan | undefined
}

/** What the body reader's walk over the client's parsed body found. */
export interface BodyScan {
  /** The body walked: the facts hold for this object only. */
  readonly body: object
  /** Whether a string value in it is a signature this gateway wrapped (`isWrappedSignature`). */
  readonly wrappedSignature: boolean
}

/** One client request on its way through the gateway. */
export interface Exchange {
  /** The client's HTTP request (its headers go to the provider, its signal ends the call). */
  readonly request: Request
  /** Request id, start time, config snapshot, logger, the gateway's state. */
  readonly ctx: GatewayContext
  /** The snapshot's config, read once. */
  readonly config: Config
  readonly store: Store
  /** Keeps subscription (OAuth) credentials fresh. */
  readonly tokens: TokenManager | undefined
  readonly stream: boolean
  readonly plan: Plan
  /** The request's fallback chain, when one is configured: numbers attempts across steps, keeps their errors. */
  readonly chain?: FallbackChain
  /** The conversation the request belongs to, for session affinity. */
  readonly session?: SessionOf
}

/** One upstream call that answered, with what its answer is metered and cleaned with. */
export interface Attempt {
  readonly credential: Credential
  readonly meter: UsageMeter
  /** Masks this attempt's credential and the snapshot's secrets in what byokey writes. */
  readonly redact: Redactor
  readonly handle: UpstreamCallHandle
  /** Whether the upstream was asked for a stream (some answer only as a stream). */
  readonly upstreamStreams: boolean
}
