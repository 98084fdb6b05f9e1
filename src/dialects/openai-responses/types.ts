/**
 * Wire shapes of the OpenAI Responses API (`POST /v1/responses`, also the Codex backend).
 * Every object is open (`[key: string]: unknown`): the API grows fields faster than we do, and
 * whatever we do not model must ride through `extra` untouched.
 */
import type { DialectName } from '../ir.ts'

/** This dialect's name, the `source` of what its decoders produce. */
export const US: DialectName = 'openai-responses'

type Open = { [key: string]: unknown }

// ---------------------------------------------------------------------------------------------
// Content parts

export interface InputTextPart extends Open {
  type: 'input_text'
  text: string
}

export interface InputImagePart extends Open {
  type: 'input_image'
  /** A data URL or an http(s) URL. */
  image_url?: string | null
  file_id?: string | null
  detail?: 'auto' | 'low' | 'high' | 'original'
}

export interface InputFilePart extends Open {
  type: 'input_file'
  /** A data URL (`data:application/pdf;base64,…`); some clients send bare base64. */
  file_data?: string
  file_id?: string | null
  file_url?: string
  filename?: string
}

export interface InputAudioPart extends Open {
  type: 'input_audio'
  input_audio: { data: string; format: string }
}

export interface OutputTextPart extends Open {
  type: 'output_text'
  text: string
  annotations?: unknown[]
  logprobs?: unknown[]
}

export interface RefusalPart extends Open {
  type: 'refusal'
  refusal: string
}

export type ContentPart =
  | InputTextPart
  | InputImagePart
  | InputFilePart
  | InputAudioPart
  | OutputTextPart
  | RefusalPart

export interface SummaryText extends Open {
  type: 'summary_text'
  text: string
}

export interface ReasoningText extends Open {
  type: 'reasoning_text'
  text: string
}

// ---------------------------------------------------------------------------------------------
// Items (input and output share them)

export type MessageRole = 'user' | 'assistant' | 'system' | 'developer'

/** `type` is optional on input: `{"role":"user","content":"hi"}` is the shorthand form. */
export interface MessageItem extends Open {
  type?: 'message'
  id?: string
  role: MessageRole
  content: string | ContentPart[]
  status?: 'in_progress' | 'completed' | 'incomplete'
  /** Codex: `commentary` | `final_answer`. */
  phase?: string | null
}

export interface ReasoningItem extends Open {
  type: 'reasoning'
  /** `rs_…`; optional on input (Codex CLI omits it and sends `encrypted_content`). */
  id?: string
  summary: SummaryText[]
  content?: ReasoningText[]
  encrypted_content?: string | null
  status?: string
}

export interface FunctionCallItem extends Open {
  type: 'function_call'
  /** Item id; must start with `fc` when present. */
  id?: string
  /** Pairs the call with its `function_call_output`. */
  call_id: string
  name: string
  /** JSON text, verbatim. */
  arguments: string
  status?: 'in_progress' | 'completed' | 'incomplete'
}

export type FunctionCallOutputPart = InputTextPart | InputImagePart | InputFilePart

export interface FunctionCallOutputItem extends Open {
  type: 'function_call_output'
  call_id: string
  output: string | FunctionCallOutputPart[]
  id?: string
  status?: string
}

/** `item_reference`, `web_search_call`, `custom_tool_call`, … carried verbatim. */
export interface OtherItem extends Open {
  type: string
}

export type InputItem = MessageItem | ReasoningItem | FunctionCallItem | FunctionCallOutputItem | OtherItem
export type OutputItem = MessageItem | ReasoningItem | FunctionCallItem | OtherItem

// ---------------------------------------------------------------------------------------------
// Request

export interface FunctionToolWire extends Open {
  type: 'function'
  name: string
  description?: string | null
  parameters?: Record<string, unknown> | null
  strict?: boolean | null
}

export type ToolWire = FunctionToolWire | (Open & { type: string })

export type ToolChoiceWire = 'auto' | 'none' | 'required' | (Open & { type: string; name?: string })

export type TextFormatWire =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema'
      name?: string
      schema: Record<string, unknown>
      strict?: boolean | null
      description?: string
    }

export interface ResponsesRequest extends Open {
  model: string
  input?: string | InputItem[]
  instructions?: string | null
  tools?: ToolWire[]
  tool_choice?: ToolChoiceWire
  parallel_tool_calls?: boolean | null
  reasoning?: { effort?: string | null; summary?: string | null } & Open
  text?: { format?: TextFormatWire; verbosity?: string | null } & Open
  max_output_tokens?: number | null
  temperature?: number | null
  top_p?: number | null
  metadata?: Record<string, unknown> | null
  user?: string
  stream?: boolean | null
  store?: boolean | null
  include?: string[] | null
  previous_response_id?: string | null
  prompt_cache_key?: string | null
  service_tier?: string | null
  truncation?: 'auto' | 'disabled' | null
}

// ---------------------------------------------------------------------------------------------
// Response

export interface UsageWire extends Open {
  /** Includes cached (and cache-written) tokens. */
  input_tokens: number
  input_tokens_details?: ({ cached_tokens?: number; cache_write_tokens?: number } & Open) | null
  /** Includes reasoning tokens. */
  output_tokens: number
  output_tokens_details?: ({ reasoning_tokens?: number } & Open) | null
  total_tokens?: number
}

export type ResponseStatus = 'completed' | 'incomplete' | 'failed' | 'in_progress' | 'queued' | 'cancelled'

export interface ResponseErrorWire extends Open {
  code: string | null
  message: string
}

export interface ResponseObject extends Open {
  id: string
  object: 'response'
  created_at: number
  status: ResponseStatus
  error: ResponseErrorWire | null
  incomplete_details: ({ reason: string } & Open) | null
  model: string
  output: OutputItem[]
  usage?: UsageWire | null
}

// ---------------------------------------------------------------------------------------------
// Stream events (`event: <type>` + `data: {"type":"<type>","sequence_number":N,…}`)

interface EventBase extends Open {
  type: string
  sequence_number: number
}

export interface ResponseLifecycleEvent extends EventBase {
  type:
    | 'response.created'
    | 'response.in_progress'
    | 'response.completed'
    | 'response.incomplete'
    | 'response.failed'
  response: ResponseObject
}

export interface OutputItemEvent extends EventBase {
  type: 'response.output_item.added' | 'response.output_item.done'
  output_index: number
  item: OutputItem
}

export interface ContentPartEvent extends EventBase {
  type: 'response.content_part.added' | 'response.content_part.done'
  item_id: string
  output_index: number
  content_index: number
  part: ContentPart
}

export interface TextDeltaEvent extends EventBase {
  type: 'response.output_text.delta' | 'response.refusal.delta'
  item_id: string
  output_index: number
  content_index: number
  delta: string
}

export interface FunctionArgsEvent extends EventBase {
  type: 'response.function_call_arguments.delta' | 'response.function_call_arguments.done'
  item_id: string
  output_index: number
  delta?: string
  arguments?: string
}

export interface ReasoningSummaryEvent extends EventBase {
  type:
    | 'response.reasoning_summary_part.added'
    | 'response.reasoning_summary_part.done'
    | 'response.reasoning_summary_text.delta'
    | 'response.reasoning_summary_text.done'
  item_id: string
  output_index: number
  summary_index: number
  delta?: string
}

export interface ReasoningTextEvent extends EventBase {
  type: 'response.reasoning_text.delta' | 'response.reasoning_text.done'
  item_id: string
  output_index: number
  content_index: number
  delta?: string
}

/** Bare in-stream error (no response object). */
export interface ErrorEvent extends EventBase {
  type: 'error'
  code: string | null
  message: string
  param: string | null
}

export type ResponsesStreamEvent =
  | ResponseLifecycleEvent
  | OutputItemEvent
  | ContentPartEvent
  | TextDeltaEvent
  | FunctionArgsEvent
  | ReasoningSummaryEvent
  | ReasoningTextEvent
  | ErrorEvent

// ---------------------------------------------------------------------------------------------
// Errors

/** Same envelope as Chat Completions. */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null } & Open
}

/** Codex backend 400s: `{"detail":"Stream must be set to true"}`. */
export interface CodexDetailBody {
  detail: string | Open
}
