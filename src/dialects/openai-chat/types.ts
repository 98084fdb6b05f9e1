/**
 * Wire shapes of OpenAI Chat Completions (`POST /v1/chat/completions`), as clients send them and
 * as OpenAI-compatible upstreams answer. Non-standard fields that proxies and OpenAI-compatible
 * vendors use (`reasoning_content`, `reasoning_signature`, `cache_control`, Gemini's
 * `extra_content.google.thought_signature`) are typed too, because the codecs read them.
 * Every object may carry fields not listed here; the codecs keep those in IR `extra` bags.
 */

export type ChatCacheControl = { type: 'ephemeral'; ttl?: '5m' | '1h' }

export interface ChatTextPart {
  type: 'text'
  text: string
  cache_control?: ChatCacheControl
}

export interface ChatImagePart {
  type: 'image_url'
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' | 'original' }
  cache_control?: ChatCacheControl
}

export interface ChatFilePart {
  type: 'file'
  file: { file_data?: string; file_id?: string; filename?: string }
  cache_control?: ChatCacheControl
}

export interface ChatAudioPart {
  type: 'input_audio'
  input_audio: { data: string; format: string }
}

/** Assistant messages may carry a refusal as a content part. */
export interface ChatRefusalPart {
  type: 'refusal'
  refusal: string
}

export type ChatContentPart = ChatTextPart | ChatImagePart | ChatFilePart | ChatAudioPart | ChatRefusalPart

export interface ChatToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
  /** Gemini's OpenAI-compatible endpoint carries the functionCall's thoughtSignature here. */
  extra_content?: { google?: { thought_signature?: string } }
}

export interface ChatSystemMessage {
  role: 'system' | 'developer'
  content: string | ChatTextPart[]
  name?: string
}

export interface ChatUserMessage {
  role: 'user'
  content: string | ChatContentPart[]
  name?: string
}

export interface ChatAssistantMessage {
  role: 'assistant'
  content?: string | Array<ChatTextPart | ChatRefusalPart> | null
  refusal?: string | null
  name?: string
  tool_calls?: ChatToolCall[]
  /** Non-standard thinking text (DeepSeek, Kimi, proxies). */
  reasoning_content?: string
  /** Non-standard opaque signature of the thinking text (BYOKEY). */
  reasoning_signature?: string
}

export interface ChatToolMessage {
  role: 'tool'
  tool_call_id: string
  content: string | ChatContentPart[]
}

export type ChatMessage = ChatSystemMessage | ChatUserMessage | ChatAssistantMessage | ChatToolMessage

export interface ChatFunctionTool {
  type: 'function'
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean }
  cache_control?: ChatCacheControl
}

export type ChatToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { type: 'function'; function: { name: string } }
  | { type: string; [k: string]: unknown }

export type ChatResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema'
      json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean; description?: string }
    }

export interface ChatRequest {
  model: string
  messages: ChatMessage[]
  stream?: boolean
  stream_options?: { include_usage?: boolean }
  max_tokens?: number
  max_completion_tokens?: number
  temperature?: number
  top_p?: number
  top_k?: number
  n?: number
  stop?: string | string[]
  presence_penalty?: number
  frequency_penalty?: number
  seed?: number
  user?: string
  metadata?: Record<string, unknown>
  tools?: Array<ChatFunctionTool | { type: string; [k: string]: unknown }>
  tool_choice?: ChatToolChoice
  parallel_tool_calls?: boolean
  response_format?: ChatResponseFormat
  reasoning_effort?: 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh'
  web_search_options?: Record<string, unknown>
}

export type ChatFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call'

export interface ChatUsage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details?: { cached_tokens?: number; [k: string]: unknown }
  completion_tokens_details?: { reasoning_tokens?: number; [k: string]: unknown }
}

export interface ChatCompletion {
  id: string
  object: 'chat.completion'
  created: number
  model: string
  system_fingerprint?: string | null
  choices: Array<{
    index: number
    message: ChatAssistantMessage & { role: 'assistant' }
    logprobs?: unknown
    finish_reason: ChatFinishReason | string | null
  }>
  usage?: ChatUsage
}

export interface ChatDeltaToolCall {
  index: number
  id?: string
  type?: 'function'
  function?: { name?: string; arguments?: string }
  extra_content?: { google?: { thought_signature?: string } }
}

export interface ChatDelta {
  role?: 'assistant'
  content?: string | null
  refusal?: string | null
  reasoning_content?: string | null
  reasoning_signature?: string | null
  tool_calls?: ChatDeltaToolCall[]
}

export interface ChatChunk {
  id: string
  object: 'chat.completion.chunk'
  created: number
  model: string
  system_fingerprint?: string | null
  choices: Array<{
    index: number
    delta: ChatDelta
    logprobs?: unknown
    finish_reason: ChatFinishReason | string | null
  }>
  usage?: ChatUsage | null
}

export interface ChatErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null }
}
