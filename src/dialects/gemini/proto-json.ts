/**
 * proto-JSON field names: Google accepts snake_case (`inline_data`, `generation_config`…) where it
 * answers camelCase, so every object the decoders read goes through `camel` first, and the
 * same-dialect round trip of a snake_case body comes back camelCase. Also the two typed field
 * readers the decoders share.
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { fail } from '../common/round-trip.ts'

/** proto-JSON field names Gemini accepts in snake_case, folded to the camelCase it answers with. */
const SNAKE_TO_CAMEL: Record<string, string> = {
  inline_data: 'inlineData',
  mime_type: 'mimeType',
  file_data: 'fileData',
  file_uri: 'fileUri',
  display_name: 'displayName',
  function_call: 'functionCall',
  function_response: 'functionResponse',
  thought_signature: 'thoughtSignature',
  executable_code: 'executableCode',
  code_execution_result: 'codeExecutionResult',
  video_metadata: 'videoMetadata',
  media_resolution: 'mediaResolution',
  will_continue: 'willContinue',
  system_instruction: 'systemInstruction',
  generation_config: 'generationConfig',
  tool_config: 'toolConfig',
  safety_settings: 'safetySettings',
  cached_content: 'cachedContent',
  function_declarations: 'functionDeclarations',
  parameters_json_schema: 'parametersJsonSchema',
  response_json_schema: 'responseJsonSchema',
  function_calling_config: 'functionCallingConfig',
  allowed_function_names: 'allowedFunctionNames',
  retrieval_config: 'retrievalConfig',
  google_search: 'googleSearch',
  google_search_retrieval: 'googleSearchRetrieval',
  code_execution: 'codeExecution',
  url_context: 'urlContext',
  max_output_tokens: 'maxOutputTokens',
  top_p: 'topP',
  top_k: 'topK',
  candidate_count: 'candidateCount',
  stop_sequences: 'stopSequences',
  presence_penalty: 'presencePenalty',
  frequency_penalty: 'frequencyPenalty',
  response_mime_type: 'responseMimeType',
  response_schema: 'responseSchema',
  response_modalities: 'responseModalities',
  response_logprobs: 'responseLogprobs',
  speech_config: 'speechConfig',
  thinking_config: 'thinkingConfig',
  thinking_budget: 'thinkingBudget',
  include_thoughts: 'includeThoughts',
  thinking_level: 'thinkingLevel',
  usage_metadata: 'usageMetadata',
  prompt_token_count: 'promptTokenCount',
  candidates_token_count: 'candidatesTokenCount',
  total_token_count: 'totalTokenCount',
  cached_content_token_count: 'cachedContentTokenCount',
  thoughts_token_count: 'thoughtsTokenCount',
  tool_use_prompt_token_count: 'toolUsePromptTokenCount',
  prompt_tokens_details: 'promptTokensDetails',
  candidates_tokens_details: 'candidatesTokensDetails',
  cache_tokens_details: 'cacheTokensDetails',
  model_version: 'modelVersion',
  response_id: 'responseId',
  finish_reason: 'finishReason',
  finish_message: 'finishMessage',
  prompt_feedback: 'promptFeedback',
  block_reason: 'blockReason',
  safety_ratings: 'safetyRatings',
  citation_metadata: 'citationMetadata',
  grounding_metadata: 'groundingMetadata',
}

/**
 * The object with Gemini's known snake_case field names in camelCase (the same object when it
 * has none, which is the common case). Unknown names are left alone: Code Assist's `session_id`
 * must stay snake_case.
 */
export function camel(obj: JsonObject): JsonObject {
  for (const k in obj) {
    if (k.indexOf('_') !== -1 && Object.hasOwn(SNAKE_TO_CAMEL, k)) {
      const out: JsonObject = {}
      for (const key in obj)
        out[Object.hasOwn(SNAKE_TO_CAMEL, key) ? (SNAKE_TO_CAMEL[key] as string) : key] = obj[key]
      return out
    }
  }
  return obj
}

/** A field that must be an object when present, normalised; DialectError naming it otherwise. */
export function objectAt(v: unknown, param: string): JsonObject | undefined {
  if (v === undefined || v === null) return undefined
  if (!isObject(v)) fail(`${param} must be an object`, param)
  return camel(v)
}

export function numberAt(obj: JsonObject, key: string, param: string): number | undefined {
  const v = obj[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v))
    fail(`${param}.${key} must be a number`, `${param}.${key}`)
  return v
}
