/**
 * Wire shapes of the Anthropic Messages API (`POST /v1/messages`, `POST /v1/messages/count_tokens`)
 * as far as the codecs read or write them, plus the hint bag the codecs leave in IR `extra`.
 * Every object may carry more fields than listed: the API grows, and the codecs keep the rest.
 */
import type { JsonObject } from '../common/json.ts'

export const DIALECT = 'anthropic-messages' as const

/** Messages API default when the IR has no `max_tokens` (the field is required upstream). */
export const DEFAULT_MAX_TOKENS = 32000

/** The smallest `thinking.budget_tokens` the API accepts. */
export const MIN_THINKING_BUDGET = 1024

/**
 * What this dialect's decoders leave for its own encoders, always under
 * `extra['anthropic-messages']` so no other codec mistakes it for its own, and so a stream
 * encoder (which has no `source`) can tell its own events from another dialect's.
 */
export interface Hints {
  /** Wire fields the IR does not model, put back as they came. */
  fields?: JsonObject
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

export interface CacheControlWire {
  type: 'ephemeral'
  ttl?: '5m' | '1h'
}

export type ImageSourceWire =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string }
  | { type: 'file'; file_id: string }

export type DocumentSourceWire =
  | ImageSourceWire
  | { type: 'text'; media_type: 'text/plain'; data: string }
  | { type: 'content'; content: string | JsonObject[] }

export interface TextBlock {
  type: 'text'
  text: string
  cache_control?: CacheControlWire
  citations?: unknown[] | null
}

export interface ImageBlock {
  type: 'image'
  source: ImageSourceWire
  cache_control?: CacheControlWire
}

export interface DocumentBlock {
  type: 'document'
  source: DocumentSourceWire
  title?: string
  context?: string
  citations?: { enabled?: boolean }
  cache_control?: CacheControlWire
}

export interface ThinkingBlock {
  type: 'thinking'
  thinking: string
  signature: string
}

export interface RedactedThinkingBlock {
  type: 'redacted_thinking'
  data: string
}

export interface ToolUseBlock {
  type: 'tool_use'
  id: string
  name: string
  input: JsonObject
  cache_control?: CacheControlWire
}

export interface ToolResultBlock {
  type: 'tool_result'
  tool_use_id: string
  content?: string | Array<TextBlock | ImageBlock | DocumentBlock>
  is_error?: boolean
  cache_control?: CacheControlWire
}

/** Server tool blocks (`server_tool_use`, `web_search_tool_result`, …): kept whole. */
export interface ServerBlock {
  type: string
  [key: string]: unknown
}

export type ContentBlock =
  | TextBlock
  | ImageBlock
  | DocumentBlock
  | ThinkingBlock
  | RedactedThinkingBlock
  | ToolUseBlock
  | ToolResultBlock
  | ServerBlock

export interface MessageParam {
  /** `system` messages in the list are accepted by newer API versions; kept in place. */
  role: 'user' | 'assistant' | 'system'
  content: string | ContentBlock[]
}

export interface CustomTool {
  type?: 'custom'
  name: string
  description?: string
  input_schema: JsonObject
  cache_control?: CacheControlWire
  strict?: boolean
}

/** `web_search_20250305` and its successors; other typed tools are passed through whole. */
export interface WebSearchToolWire {
  type: string
  name: 'web_search'
  max_uses?: number
  allowed_domains?: string[]
  blocked_domains?: string[]
  user_location?: JsonObject
}

export type ToolChoiceWire =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' }

export type ThinkingConfig =
  | { type: 'enabled'; budget_tokens: number; display?: 'summarized' | 'omitted' }
  | { type: 'disabled' }
  | { type: 'adaptive'; display?: 'summarized' | 'omitted' }

export interface JsonSchemaFormat {
  type: 'json_schema'
  schema: JsonObject
}

export interface OutputConfig {
  effort?: 'low' | 'medium' | 'high' | 'xhigh' | 'max'
  format?: JsonSchemaFormat
}

export interface MessagesRequest {
  model: string
  max_tokens: number
  messages: MessageParam[]
  system?: string | TextBlock[]
  metadata?: { user_id?: string }
  stop_sequences?: string[]
  stream?: boolean
  temperature?: number
  top_p?: number
  top_k?: number
  tools?: Array<CustomTool | WebSearchToolWire | ServerBlock>
  tool_choice?: ToolChoiceWire
  thinking?: ThinkingConfig
  output_config?: OutputConfig
  /** Structured outputs beta field, superseded by `output_config.format`. */
  output_format?: JsonSchemaFormat
}

/** `POST /v1/messages/count_tokens`: the request without `max_tokens`, `stream`, `metadata`…. */
export type CountTokensRequest = Pick<
  MessagesRequest,
  'model' | 'messages' | 'system' | 'tools' | 'thinking' | 'tool_choice'
>

export type StopReasonWire =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded'

export interface UsageWire {
  /** Prompt tokens neither read from nor written to the cache. */
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens?: number | null
  cache_read_input_tokens?: number | null
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number } | null
  output_tokens_details?: { thinking_tokens: number } | null
  service_tier?: string | null
  server_tool_use?: JsonObject | null
}

export interface MessageResponse {
  id: string
  type: 'message'
  role: 'assistant'
  model: string
  content: ContentBlock[]
  stop_reason: StopReasonWire | null
  stop_sequence: string | null
  usage: UsageWire
}

export type DeltaWire =
  | { type: 'text_delta'; text: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }
  | { type: 'input_json_delta'; partial_json: string }
  | { type: 'citations_delta'; citation: unknown }

export type StreamEventWire =
  | { type: 'message_start'; message: MessageResponse }
  | { type: 'content_block_start'; index: number; content_block: ContentBlock }
  | { type: 'content_block_delta'; index: number; delta: DeltaWire }
  | { type: 'content_block_stop'; index: number }
  | {
      type: 'message_delta'
      delta: { stop_reason: StopReasonWire | null; stop_sequence: string | null }
      usage: Partial<UsageWire>
    }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | ErrorBody

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

export interface ErrorBody {
  type: 'error'
  error: { type: ErrorType | string; message: string }
  request_id?: string
}
