/**
 * Gemini `generateContent` wire objects (camelCase, as Google answers; requests may also arrive
 * in proto-JSON snake_case, which `request.ts` folds into these names), and the Code Assist
 * (`v1internal`) envelope around them. Every object may carry fields not listed here.
 */

/** The dialect's name: the IR `source` of what it decodes and the key of its hints in `extra`. */
export const DIALECT = 'gemini' as const

export interface GeminiBlob {
  mimeType: string
  /** Base64. */
  data: string
  displayName?: string
  [k: string]: unknown
}

export interface GeminiFileData {
  mimeType?: string
  fileUri: string
  displayName?: string
  [k: string]: unknown
}

export interface GeminiFunctionCall {
  name: string
  args?: Record<string, unknown>
  /** Absent on the public API; some backends (Vertex, Live) send one. */
  id?: string
  [k: string]: unknown
}

export interface GeminiFunctionResponse {
  name: string
  response: Record<string, unknown>
  id?: string
  /** Multimodal function results (Gemini 3): inline or file media. */
  parts?: GeminiPart[]
  [k: string]: unknown
}

/** One part: exactly one payload (`text`, `inlineData`, `functionCall`…) plus flags. */
export interface GeminiPart {
  text?: string
  thought?: boolean
  thoughtSignature?: string
  inlineData?: GeminiBlob
  fileData?: GeminiFileData
  functionCall?: GeminiFunctionCall
  functionResponse?: GeminiFunctionResponse
  executableCode?: { language?: string; code?: string }
  codeExecutionResult?: { outcome?: string; output?: string }
  [k: string]: unknown
}

export interface GeminiContent {
  role?: 'user' | 'model'
  parts: GeminiPart[]
  [k: string]: unknown
}

export interface GeminiFunctionDeclaration {
  name: string
  description?: string
  /** OpenAPI-subset schema (uppercase `type` enums allowed). */
  parameters?: Record<string, unknown>
  /** Full JSON Schema; exclusive with `parameters`. */
  parametersJsonSchema?: unknown
  [k: string]: unknown
}

export interface GeminiTool {
  functionDeclarations?: GeminiFunctionDeclaration[]
  googleSearch?: Record<string, unknown>
  googleSearchRetrieval?: Record<string, unknown>
  codeExecution?: Record<string, unknown>
  urlContext?: Record<string, unknown>
  [k: string]: unknown
}

export type GeminiFunctionCallingMode = 'AUTO' | 'ANY' | 'NONE' | 'VALIDATED' | 'MODE_UNSPECIFIED'

export interface GeminiToolConfig {
  functionCallingConfig?: {
    mode?: GeminiFunctionCallingMode
    allowedFunctionNames?: string[]
    [k: string]: unknown
  }
  [k: string]: unknown
}

export interface GeminiThinkingConfig {
  /** -1 dynamic, 0 off, N tokens. */
  thinkingBudget?: number
  includeThoughts?: boolean
  /** Gemini 3: `minimal` | `low` | `medium` | `high` (any case). */
  thinkingLevel?: string
  [k: string]: unknown
}

export interface GeminiGenerationConfig {
  temperature?: number
  topP?: number
  topK?: number
  candidateCount?: number
  maxOutputTokens?: number
  stopSequences?: string[]
  seed?: number
  presencePenalty?: number
  frequencyPenalty?: number
  responseMimeType?: string
  responseSchema?: Record<string, unknown>
  responseJsonSchema?: unknown
  thinkingConfig?: GeminiThinkingConfig
  [k: string]: unknown
}

/** `POST …/models/{model}:generateContent` body (model and stream flag live in the URL). */
export interface GeminiRequest {
  contents: GeminiContent[]
  systemInstruction?: GeminiContent | { parts: GeminiPart[]; role?: string }
  tools?: GeminiTool[]
  toolConfig?: GeminiToolConfig
  generationConfig?: GeminiGenerationConfig
  safetySettings?: Array<{ category: string; threshold: string; [k: string]: unknown }>
  cachedContent?: string
  labels?: Record<string, string>
  [k: string]: unknown
}

export type GeminiFinishReason =
  | 'FINISH_REASON_UNSPECIFIED'
  | 'STOP'
  | 'MAX_TOKENS'
  | 'SAFETY'
  | 'RECITATION'
  | 'LANGUAGE'
  | 'OTHER'
  | 'BLOCKLIST'
  | 'PROHIBITED_CONTENT'
  | 'SPII'
  | 'MALFORMED_FUNCTION_CALL'
  | 'IMAGE_SAFETY'
  | 'UNEXPECTED_TOOL_CALL'
  | (string & {})

export interface GeminiCandidate {
  content?: { parts?: GeminiPart[]; role?: string; [k: string]: unknown }
  finishReason?: GeminiFinishReason
  index?: number
  safetyRatings?: unknown[]
  citationMetadata?: unknown
  groundingMetadata?: unknown
  finishMessage?: string
  [k: string]: unknown
}

export interface GeminiUsageMetadata {
  /** Includes cached tokens. */
  promptTokenCount?: number
  /** Excludes thoughts. */
  candidatesTokenCount?: number
  thoughtsTokenCount?: number
  cachedContentTokenCount?: number
  toolUsePromptTokenCount?: number
  /** prompt + candidates + thoughts + toolUsePrompt. */
  totalTokenCount?: number
  promptTokensDetails?: Array<{ modality: string; tokenCount: number }>
  candidatesTokensDetails?: Array<{ modality: string; tokenCount: number }>
  cacheTokensDetails?: Array<{ modality: string; tokenCount: number }>
  [k: string]: unknown
}

/** A whole `generateContent` answer, and also each `alt=sse` chunk (with only the new parts). */
export interface GeminiResponse {
  candidates?: GeminiCandidate[]
  promptFeedback?: { blockReason?: string; safetyRatings?: unknown[]; [k: string]: unknown }
  usageMetadata?: GeminiUsageMetadata
  modelVersion?: string
  responseId?: string
  [k: string]: unknown
}

/** Google's error envelope (`google.rpc.Status` as JSON). */
export interface GeminiErrorBody {
  error: {
    code: number
    message: string
    /** Canonical code name: `INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`… */
    status: string
    details?: Array<{ '@type': string; [k: string]: unknown }>
  }
}

/** A stream chunk is a response or, when the upstream fails mid-stream, an error envelope. */
export type GeminiStreamChunk = GeminiResponse | GeminiErrorBody

// ---------------------------------------------------------------------------------------------
// Code Assist (`cloudcode-pa.googleapis.com/v1internal:*`), the Gemini CLI / Antigravity backend

export interface CodeAssistRequest {
  model: string
  project?: string
  user_prompt_id?: string
  request: GeminiRequest & { session_id?: string }
  [k: string]: unknown
}

export interface CodeAssistResponse {
  response: GeminiResponse
  traceId?: string
  [k: string]: unknown
}
