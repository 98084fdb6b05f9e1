/**
 * The intermediate representation every dialect decodes into and encodes from.
 *
 * It is richer than any one wire format: vendor-only features (thinking signatures and their
 * provenance, cache_control, server tools, encrypted reasoning, citations) are typed optional
 * fields, and whatever a dialect has that the IR does not model rides in an `extra` bag that only
 * an encoder of the same dialect (`source`) puts back. So N dialects need 2N codecs, not N².
 *
 * Conventions every codec keeps:
 * - Tool-call arguments are JSON text (`arguments: string`), never a parsed object, so that an
 *   OpenAI client's exact bytes survive; empty arguments are `"{}"`.
 * - Token counts follow one convention (see `Usage`): input excludes cache reads and writes,
 *   output includes reasoning.
 * - Stream events address content blocks by one index space (0, 1, 2… in order of appearance,
 *   whatever their kind); each encoder maps it to its own (OpenAI tool_calls index, Responses
 *   output_index, Anthropic block index).
 */

export type DialectName = 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'gemini'

/**
 * Every wire format an upstream may answer in: the client dialects, and formats only upstreams
 * speak, whose codecs live in `src/codecs/` and implement only the upstream side (`UpstreamCodec`).
 */
export type UpstreamDialectName = DialectName | 'kiro'

export const DIALECTS: readonly DialectName[] = [
  'openai-chat',
  'openai-responses',
  'anthropic-messages',
  'gemini',
] as const

/** Fields of the source dialect the IR does not model; re-emitted only by the same dialect. */
export type Extra = Record<string, unknown>

/** Where a piece of model output (a thinking block, a signature) came from. */
export interface Provenance {
  dialect: UpstreamDialectName
  /** Provider id (e.g. `claude`, `codex`, `copilot`) when known. */
  provider?: string
  /** Upstream model id when known. */
  model?: string
}

export interface CacheControl {
  type: 'ephemeral'
  ttl?: '5m' | '1h'
}

// ---------------------------------------------------------------------------------------------
// Content parts

export type MediaSource =
  | { kind: 'base64'; mediaType: string; data: string }
  | { kind: 'url'; url: string; mediaType?: string }
  | { kind: 'file_id'; fileId: string; mediaType?: string }

export interface TextPart {
  type: 'text'
  text: string
  cacheControl?: CacheControl
  /** Anthropic citations / OpenAI annotations, opaque. */
  citations?: unknown[]
  /** Gemini may sign a text part too. */
  thoughtSignature?: string
  /** Which dialect/provider/model produced `thoughtSignature`. */
  provenance?: Provenance
  extra?: Extra
}

export interface ImagePart {
  type: 'image'
  source: MediaSource
  detail?: 'auto' | 'low' | 'high'
  cacheControl?: CacheControl
  extra?: Extra
}

/** Documents (PDF, plain text…) and other files. */
export interface FilePart {
  type: 'file'
  source: MediaSource
  filename?: string
  title?: string
  cacheControl?: CacheControl
  extra?: Extra
}

export interface AudioPart {
  type: 'audio'
  data: string
  format: string
  extra?: Extra
}

export interface ToolCallPart {
  type: 'tool_call'
  /** The id a tool result answers (`call_…`, `toolu_…`, or minted for Gemini). */
  id: string
  name: string
  /** JSON text of the arguments; `"{}"` when empty. */
  arguments: string
  /** Responses API item id (`fc_…`), distinct from the call id. */
  itemId?: string
  /** Responses `namespace` of the function (a `namespace` tool's name); `name` is then the bare name. */
  namespace?: string
  /** Gemini `thoughtSignature` carried on the functionCall part. */
  thoughtSignature?: string
  /** Which dialect/provider/model produced `thoughtSignature`. */
  provenance?: Provenance
  cacheControl?: CacheControl
  extra?: Extra
}

export type ToolResultContent = TextPart | ImagePart | FilePart

export interface ToolResultPart {
  type: 'tool_result'
  toolCallId: string
  /** Function name, when the dialect carries it (Gemini `functionResponse.name` needs it). */
  name?: string
  content: ToolResultContent[]
  isError?: boolean
  cacheControl?: CacheControl
  extra?: Extra
}

/**
 * Model reasoning. Anthropic `thinking` (text + signature) and `redacted_thinking` (data),
 * OpenAI `reasoning_content` text, Responses reasoning items (summary + encrypted_content),
 * Gemini `thought: true` parts (with an optional `thoughtSignature`).
 */
export interface ThinkingPart {
  type: 'thinking'
  text: string
  /** Anthropic signature or Gemini thoughtSignature: opaque, replayed verbatim. */
  signature?: string
  /** Anthropic `redacted_thinking.data`: opaque. */
  redacted?: string
  /** Responses `encrypted_content`: opaque. */
  encrypted?: string
  /** True when `text` is a summary of the reasoning (Responses summaries, Gemini thoughts). */
  summary?: boolean
  /** Responses reasoning item id (`rs_…`). */
  itemId?: string
  /** Who produced the opaque fields; a thinking part without one is treated as foreign. */
  provenance?: Provenance
  extra?: Extra
}

export type Part = TextPart | ImagePart | FilePart | AudioPart | ToolCallPart | ToolResultPart | ThinkingPart

/**
 * `system` messages may sit anywhere in `messages` (OpenAI clients, Claude Code among them, put
 * them mid-list); dialects that only have a top-level system prompt hoist them.
 * `tool` messages hold only tool_result parts; `user` messages may hold tool_result parts too
 * (Anthropic puts them there); encoders accept both.
 */
export type Role = 'system' | 'user' | 'assistant' | 'tool'

export interface Message {
  role: Role
  content: Part[]
  /** OpenAI `name` on a message. */
  name?: string
  extra?: Extra
}

// ---------------------------------------------------------------------------------------------
// Request

export interface FunctionTool {
  kind: 'function'
  name: string
  /**
   * Responses: the `namespace` tool this function was declared in. Dialects without namespaces
   * see it flattened into the name (`common/tool-namespaces.ts`).
   */
  namespace?: string
  description?: string
  /** JSON Schema of the arguments (an object schema). */
  parameters: Record<string, unknown>
  strict?: boolean
  cacheControl?: CacheControl
  extra?: Extra
}

/** Web search exists in every dialect under another name; kept typed so it can cross over. */
export interface WebSearchTool {
  kind: 'web_search'
  /** Dialect-specific settings (max_uses, allowed_domains, search_context_size…). */
  config?: Record<string, unknown>
  /** The dialect it was decoded from; `config` is only re-emitted there. */
  dialect?: DialectName
}

/** Any other provider tool (code execution, computer use, file search…): same dialect only. */
export interface ServerTool {
  kind: 'server'
  dialect: DialectName
  /** The tool object exactly as the client sent it. */
  raw: Record<string, unknown>
}

export type Tool = FunctionTool | WebSearchTool | ServerTool

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; name: string }

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max'

/**
 * What the client asked for, in whichever form its dialect has: a level (`effort`), a token
 * budget, adaptive/dynamic, or off. Encoders translate with the tables in `common/reasoning.ts`.
 */
export interface ReasoningRequest {
  /** `off`: disabled; `auto`: the model decides (Anthropic adaptive, Gemini -1). */
  mode?: 'off' | 'auto' | 'on'
  effort?: ReasoningEffort
  budgetTokens?: number
  /** Responses `reasoning.summary`. */
  summary?: 'auto' | 'concise' | 'detailed' | 'none'
  /** Gemini `includeThoughts`; OpenAI `include: ["reasoning.encrypted_content"]` is in `extra`. */
  includeThoughts?: boolean
}

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema'
      name?: string
      schema: Record<string, unknown>
      strict?: boolean
      description?: string
    }

export interface Request {
  /** The dialect that decoded this request; its encoder re-emits every `extra`. */
  source: DialectName
  model: string
  /** Top-level system prompt: Anthropic `system`, Responses `instructions`, Gemini `systemInstruction`. */
  system: TextPart[]
  messages: Message[]
  tools?: Tool[]
  toolChoice?: ToolChoice
  parallelToolCalls?: boolean
  maxOutputTokens?: number
  temperature?: number
  topP?: number
  topK?: number
  presencePenalty?: number
  frequencyPenalty?: number
  seed?: number
  /** Number of choices; only OpenAI Chat (and Gemini candidateCount) can carry more than 1. */
  n?: number
  stop?: string[]
  responseFormat?: ResponseFormat
  reasoning?: ReasoningRequest
  /** Metadata the client attached (OpenAI `metadata`, Anthropic `metadata`). */
  metadata?: Record<string, unknown>
  /** End-user id: OpenAI `user`, Anthropic `metadata.user_id`. */
  user?: string
  stream: boolean
  /** OpenAI `stream_options.include_usage`. */
  includeUsage?: boolean
  extra: Extra
}

// ---------------------------------------------------------------------------------------------
// Response

/**
 * One convention for all dialects:
 * - `inputTokens`: prompt tokens that were neither read from nor written to a cache;
 * - `cacheReadTokens`, `cacheWriteTokens`: the cached parts (total prompt = the three added up);
 * - `outputTokens`: everything generated, reasoning included; `reasoningTokens`: the reasoning share.
 */
export interface Usage {
  inputTokens: number
  outputTokens: number
  cacheReadTokens?: number
  cacheWriteTokens?: number
  /** Anthropic `cache_creation` breakdown. */
  cacheWrite5mTokens?: number
  cacheWrite1hTokens?: number
  reasoningTokens?: number
  extra?: Extra
}

export type StopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'content_filter'
  | 'pause_turn'
  | 'refusal'
  | 'context_window_exceeded'
  | 'error'
  | 'other'

export interface Response {
  source: UpstreamDialectName
  id: string
  model: string
  /** Unix seconds. */
  created?: number
  content: Part[]
  stopReason: StopReason
  /** The raw stop value of the source dialect, for reasons the IR folds together. */
  rawStopReason?: string
  stopSequence?: string
  usage?: Usage
  extra?: Extra
}

// ---------------------------------------------------------------------------------------------
// Stream events

export type BlockStart =
  | {
      kind: 'text'
      thoughtSignature?: string
      /** Responses message item id (`msg_…`): blocks sharing it are content parts of one item. */
      itemId?: string
      /** Block fields the IR does not model; namespaced by the dialect that decoded them. */
      extra?: Extra
    }
  | {
      kind: 'thinking'
      /** Anthropic `redacted_thinking` arrives whole at block start. */
      redacted?: string
      summary?: boolean
      itemId?: string
      provenance?: Provenance
      /** Block fields the IR does not model; namespaced by the dialect that decoded them. */
      extra?: Extra
    }
  | {
      kind: 'tool_call'
      id: string
      name: string
      itemId?: string
      /** Responses `namespace` of the function (see `ToolCallPart.namespace`). */
      namespace?: string
      thoughtSignature?: string
      provenance?: Provenance
      /** Block fields the IR does not model; namespaced by the dialect that decoded them. */
      extra?: Extra
    }

export type StreamEvent =
  | {
      type: 'start'
      id: string
      model: string
      created?: number
      /** Usage known at the start (Anthropic `message_start` input tokens). */
      usage?: Usage
      extra?: Extra
    }
  | { type: 'block_start'; index: number; block: BlockStart }
  | {
      type: 'text_delta'
      index: number
      text: string
      /** Anthropic `citations_delta` (opaque; `text` is then usually empty). */
      citations?: unknown[]
    }
  | { type: 'thinking_delta'; index: number; text: string }
  /** Thinking signature (Anthropic) or thoughtSignature (Gemini) for the block. */
  | { type: 'signature'; index: number; signature: string; provenance?: Provenance }
  /** Responses `encrypted_content` of a reasoning item. */
  | { type: 'encrypted_reasoning'; index: number; data: string }
  | { type: 'tool_args_delta'; index: number; delta: string }
  | { type: 'block_stop'; index: number }
  /** A cumulative usage snapshot (later ones replace earlier ones). */
  | { type: 'usage'; usage: Usage }
  | {
      type: 'finish'
      stopReason: StopReason
      rawStopReason?: string
      stopSequence?: string
      usage?: Usage
      /** Terminal-event fields the IR does not model; namespaced by the dialect that decoded them. */
      extra?: Extra
    }
  | { type: 'error'; error: ErrorInfo }
  | { type: 'ping' }

// ---------------------------------------------------------------------------------------------
// Errors

export type ErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'request_too_large'
  | 'rate_limit'
  | 'billing'
  | 'api_error'
  | 'overloaded'
  | 'timeout'

export interface ErrorInfo {
  kind: ErrorKind
  message: string
  /** HTTP status to answer with (defaults from `kind`). */
  status?: number
  /** The request field at fault, dotted (`messages.3.content`). */
  param?: string
  /** A machine code (`model_not_found`, `insufficient_quota`…). */
  code?: string
  /** Seconds, from the upstream's Retry-After or error details. */
  retryAfter?: number
  /** The upstream's request id (Anthropic `request_id`), echoed in this gateway's envelope. */
  requestId?: string
}

export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  billing: 402,
  permission: 403,
  not_found: 404,
  request_too_large: 413,
  rate_limit: 429,
  api_error: 500,
  overloaded: 529,
  timeout: 504,
}

export function kindOfStatus(status: number): ErrorKind {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_request'
    case 401:
      return 'authentication'
    case 402:
      return 'billing'
    case 403:
      return 'permission'
    case 404:
      return 'not_found'
    case 413:
      return 'request_too_large'
    case 429:
      return 'rate_limit'
    case 503:
    case 529:
      return 'overloaded'
    case 504:
    case 408:
      return 'timeout'
    default:
      return status >= 400 && status < 500 ? 'invalid_request' : 'api_error'
  }
}

/**
 * Thrown by codecs for input they cannot accept or a request the target cannot express.
 * The server turns it into the error envelope of the endpoint's dialect.
 */
export class DialectError extends Error {
  readonly info: ErrorInfo
  constructor(message: string, param?: string, kind: ErrorKind = 'invalid_request') {
    super(message)
    this.name = 'DialectError'
    this.info = { kind, message, ...(param === undefined ? {} : { param }) }
  }
}
