/**
 * Static types of the Anthropic Messages dialect: the request bodies derived from the TypeBox
 * schemas in `schema.ts` (their one source), the error types, the constants the codecs share, and
 * the hint bag the codecs leave in IR `extra`.
 */
import type { Static } from '@sinclair/typebox'
import type { JsonObject } from '../common/json.ts'
import type { RoundTrip } from '../common/round-trip.ts'
import type { countTokensSchema, requestSchema } from './schema.ts'

export const DIALECT = 'anthropic-messages' as const

/** Messages API default when the IR has no `max_tokens` (the field is required upstream). */
export const DEFAULT_MAX_TOKENS = 32000

/** The smallest `thinking.budget_tokens` the API accepts. */
export const MIN_THINKING_BUDGET = 1024

/**
 * What this dialect's decoders leave for its own encoders (the round-trip convention of
 * `common/round-trip.ts`), always under `extra['anthropic-messages']` so no other codec mistakes it
 * for its own, and so a stream encoder (which has no `source`) can tell its own events from another
 * dialect's. `fields`: the wire fields the IR does not model, put back as they came.
 */
export interface Hints extends RoundTrip {
  /** Key order (and presence) of the wire object: usage objects and the `message_start` message. */
  keys?: string[]
  /** `content`/`system` came as a plain string, or (tool_result) not at all. */
  form?: 'string' | 'absent'
  /** A block the IR does not model (server tool blocks, search results…), re-emitted verbatim. */
  block?: JsonObject
  /** That block's stream deltas, in order. */
  deltas?: JsonObject[]
  /** Request: `thinking` keys the IR does not model (`display`, an unknown `type`). */
  thinking?: JsonObject
  /** Request: `output_config` keys the IR does not model. */
  outputConfig?: JsonObject
  /** Request: structured-output format keys the IR does not model. */
  format?: JsonObject
  /** Request: the format came in the beta top-level `output_format` field. */
  formatField?: 'output_format'
  /** Request: `tool_choice` keys the IR does not model. */
  toolChoice?: JsonObject
  /** Request: the client sent `stream: false` explicitly. */
  streamFalse?: boolean
  /** `message_delta.delta` keys the IR does not model. */
  delta?: JsonObject
}

/** A `POST /v1/messages` body as the route's schema has checked it. */
export type RequestBody = Static<typeof requestSchema>

/** A `POST /v1/messages/count_tokens` body as the route's schema has checked it. */
export type CountTokensBody = Static<typeof countTokensSchema>

/** `error.type` of the error envelope (no schema: the gateway writes and reads it, never validates it). */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error'
