/**
 * Gemini `generateContent` request body ↔ IR. The model and the stream flag live in the URL
 * (`models/{model}:streamGenerateContent?alt=sse`), so `decodeRequest` takes them from the
 * context and `encodeRequest` returns the body only; the caller builds the URL.
 *
 * Reasoning (`generationConfig.thinkingConfig`, levels ↔ budgets from `common/reasoning.ts`):
 *
 * | Gemini                                  | IR `reasoning`                                      |
 * |-----------------------------------------|-----------------------------------------------------|
 * | `thinkingBudget: -1` (dynamic)          | `{ mode: 'auto' }`                                  |
 * | `thinkingBudget: 0`                     | `{ mode: 'off' }`                                   |
 * | `thinkingBudget: N`                     | `{ mode: 'on', budgetTokens: N }`                   |
 * | `thinkingLevel: low` (Gemini 3, any case) | `{ mode: 'on', effort: 'low' }`                   |
 * | `includeThoughts`                       | `includeThoughts`                                   |
 *
 * Encoding another dialect's IR (a Gemini IR re-emits exactly what it decoded):
 *
 * | IR                                      | Gemini 3 target (`gemini-3*`)     | other targets                 |
 * |-----------------------------------------|-----------------------------------|-------------------------------|
 * | `mode: 'off'` or effort `none`          | `thinkingBudget: 0`               | `thinkingBudget: 0`           |
 * | `budgetTokens: N`                       | `thinkingBudget: N`               | `thinkingBudget: N`           |
 * | `effort` (no budget)                    | `thinkingLevel` MINIMAL…HIGH (xhigh/max → HIGH) | `thinkingBudget` from the table |
 * | `mode: 'auto'`/`'on'` alone             | omitted (Gemini 3 thinks dynamically) | `thinkingBudget: -1`      |
 * | `includeThoughts` unset, thinking asked | `includeThoughts: true` unless `summary: 'none'` (every dialect has a place to show thoughts) | same |
 *
 * Other mappings worth knowing:
 * - Roles: `user` ↔ user, `model` ↔ assistant; a user turn of only `functionResponse` parts
 *   decodes as a `tool` message. IR `system` messages anywhere in the list are hoisted into
 *   `systemInstruction` after `req.system`, in order. Foreign IR turns of the same Gemini role
 *   are merged (Gemini wants all answers to one step's calls in one turn); a trailing `model`
 *   turn is sent as it is (Gemini continues from it; dropping it would change the request).
 * - Tool calls have no id on the public API: decoding mints `gemini_call_<n>` in order of
 *   appearance and pairs each `functionResponse` with the earliest unanswered call of its name.
 *   An id Gemini did send is kept (and re-emitted only to Gemini); minted and foreign ids are
 *   never sent, so a foreign turn's functionResponses go out in the order of their calls (a client
 *   may answer parallel calls of one function out of order). `functionResponse.name` comes from the
 *   tool result or, failing that, from the tool call with its id earlier in the history.
 * - Tool results: text → `response: {result: text}`, or the object itself when the text is a JSON
 *   object; `isError` → `{error: text|object}`; several texts are joined with `\n`. Decoding
 *   reverses it (`{result: "…"}`/`{error: "…"}` give their string, anything else its JSON).
 *   Images/files inside a foreign tool result become `inlineData`/`fileData` parts at the end of
 *   the same user turn; Gemini's own `functionResponse.parts` round-trip in place.
 * - Media: `inlineData` ↔ base64 (image/* → image part, else file); `fileData` ↔ url source.
 *   Gemini fetches no http(s) URL, so a url source that is not `gs://`, a Files API URI or a
 *   YouTube link, and every `file_id` source, throws `DialectError`.
 * - `thoughtSignature`: decoded with its provenance (`unwrapSignature`); sent only when native to
 *   Gemini (`isNative`). Thinking of other dialects is dropped (or plain text with
 *   `foreignThinking: 'text'`). For `gemini-3*` targets, a model turn whose function calls carry
 *   no native signature at all gets the documented `skip_thought_signature_validator` sentinel
 *   on each call (Gemini 3 rejects unsigned calls; real Gemini turns, where only the first of
 *   parallel calls is signed, are left alone).
 * - Tools: `functionDeclarations` ↔ function tools (JSON Schema goes out as
 *   `parametersJsonSchema`; an OpenAPI `parameters` schema decodes with lower-cased `type`s and
 *   comes back as it was), `googleSearch` ↔ web_search, anything else ↔ Gemini server tools.
 *   Not expressible and dropped: `strict`, `cacheControl`, `parallelToolCalls`, `metadata`,
 *   `user`, image `detail`, a json_schema format's `name`/`strict`/`description` (Gemini has no
 *   field for them; its schema-constrained output is always strict).
 * - A functionCall without `args` comes back with `args: {}` (empty arguments are never a
 *   missing field).
 * - proto-JSON snake_case input (`inline_data`, `generation_config`…) is accepted; the
 *   same-dialect round trip of such a body comes back camelCase.
 *
 * Markers the decoder leaves for a same-dialect encode start with `$` inside `extra` (no Gemini
 * field does); `wireExtra` returns the client's own unknown fields without them.
 */

import { isObject, type JsonObject, parseArguments, pickExtra, stringifyArguments } from '../common/json.ts'
import { guessMediaType, mediaSourceFromUrl } from '../common/media.ts'
import { isNative, unwrapSignature } from '../common/provenance.ts'
import { budgetForEffort, clampEffort } from '../common/reasoning.ts'
import {
  type AudioPart,
  type DecodeRequestContext,
  DialectError,
  type EncodeRequestOptions,
  type Extra,
  type FilePart,
  type FunctionTool,
  type ImagePart,
  type MediaSource,
  type Message,
  type Part,
  type Provenance,
  type ReasoningEffort,
  type ReasoningRequest,
  type Request,
  type ResponseFormat,
  type TextPart,
  type ThinkingPart,
  type Tool,
  type ToolCallPart,
  type ToolChoice,
  type ToolResultPart,
} from '../ir.ts'

export const DIALECT = 'gemini' as const

/** Gemini 3 rejects function calls without a signature unless given this documented value. */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator'

/** Prefix of the tool-call ids this dialect mints (Gemini's own ids never reach the wire otherwise). */
export const MINTED_ID_PREFIX = 'gemini_call_'

// ---------------------------------------------------------------------------------------------
// Small shared helpers (also used by response.ts, the stream codecs and code-assist.ts)

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
function objectAt(v: unknown, param: string): JsonObject | undefined {
  if (v === undefined || v === null) return undefined
  if (!isObject(v)) fail(`${param} must be an object`, param)
  return camel(v)
}

/** The client's own unknown fields of an `extra` bag, without the decoder's `$` markers. */
export function wireExtra(extra: Extra | undefined): JsonObject | undefined {
  if (!extra) return undefined
  let out: JsonObject | undefined
  for (const k in extra) {
    if (k.charCodeAt(0) !== 36) {
      out ??= {}
      out[k] = extra[k]
    }
  }
  return out
}

/** Adds `value` under `key` to a possibly absent bag. */
export function put(extra: Extra | undefined, key: string, value: unknown): Extra {
  const bag = extra ?? {}
  bag[key] = value
  return bag
}

/** A `$`-marker bag of `extra`, when present. */
export function bagOf(extra: Extra | undefined, key: string): JsonObject | undefined {
  const v = extra?.[key]
  return isObject(v) ? v : undefined
}

export function fail(message: string, param: string): never {
  throw new DialectError(message, param)
}

/** `models/gemini-2.5-pro` → `gemini-2.5-pro`. */
export function bareModel(model: string): string {
  return model.startsWith('models/') ? model.slice(7) : model
}

function isGemini3(model: string): boolean {
  return bareModel(model).startsWith('gemini-3')
}

/** The object a JSON text holds, when it holds one. */
function parseObject(text: string): JsonObject | undefined {
  const c = text.charCodeAt(0)
  if (c !== 123 && c !== 32 && c !== 10 && c !== 9 && c !== 13) return undefined // fast path: not `{`
  try {
    const v: unknown = JSON.parse(text)
    return isObject(v) ? v : undefined
  } catch {
    return undefined
  }
}

const SCHEMA_MAPS = new Set(['properties', '$defs', 'definitions', 'patternProperties'])
const SCHEMA_SUBS = new Set([
  'items',
  'additionalProperties',
  'not',
  'anyOf',
  'oneOf',
  'allOf',
  'prefixItems',
])

/**
 * Gemini's OpenAPI-subset schema as JSON Schema: its `type` enums may be upper-case (`OBJECT`),
 * which JSON Schema consumers reject. Copy-on-write: the same object when nothing changes.
 */
export function jsonSchemaOf(s: unknown): unknown {
  if (Array.isArray(s)) {
    let out: unknown[] | undefined
    for (let i = 0; i < s.length; i++) {
      const v = jsonSchemaOf(s[i])
      if (v !== s[i]) {
        out ??= s.slice()
        out[i] = v
      }
    }
    return out ?? s
  }
  if (!isObject(s)) return s
  let out: JsonObject | undefined
  for (const k in s) {
    const v = s[k]
    let nv: unknown = v
    if (k === 'type') {
      if (typeof v === 'string') nv = v.toLowerCase() === v ? v : v.toLowerCase()
      else if (Array.isArray(v) && v.some((t) => typeof t === 'string' && t.toLowerCase() !== t))
        nv = v.map((t) => (typeof t === 'string' ? t.toLowerCase() : t))
    } else if (SCHEMA_MAPS.has(k) && isObject(v)) {
      let m: JsonObject | undefined
      for (const name in v) {
        const sub = jsonSchemaOf(v[name])
        if (sub !== v[name]) {
          m ??= { ...v }
          m[name] = sub
        }
      }
      if (m) nv = m
    } else if (SCHEMA_SUBS.has(k)) nv = jsonSchemaOf(v)
    if (nv !== v) {
      out ??= { ...s }
      out[k] = nv
    }
  }
  return out ?? s
}

// ---------------------------------------------------------------------------------------------
// Tool results ↔ functionResponse.response

/** A functionResponse's `response` object as tool-result text (see the header). */
export function responseToText(r: JsonObject): { text: string; isError?: true } {
  let only: string | undefined
  for (const k in r) {
    if (only !== undefined) return { text: JSON.stringify(r) }
    only = k
  }
  if (only === 'result' || only === 'error') {
    const v = r[only]
    if (typeof v === 'string' && parseObject(v) === undefined)
      return only === 'error' ? { text: v, isError: true } : { text: v }
  }
  return { text: JSON.stringify(r) }
}

/** Tool-result text as a functionResponse `response` object. */
export function textToResponse(text: string, isError: boolean | undefined): JsonObject {
  const obj = parseObject(text)
  if (isError) return { error: obj ?? text }
  return obj ?? { result: text }
}

// ---------------------------------------------------------------------------------------------
// Parts (shared by requests and responses)

export interface PartContext {
  /** Provenance of signatures the gateway did not wrap (the upstream's own), when known. */
  fallback: Provenance | undefined
  /** The IR id of a functionCall (`id` when Gemini sent one); registers it for pairing. */
  onCall(name: string, id: string | undefined): string
  /** The IR id a functionResponse answers. */
  onResult(name: string, id: string | undefined): string
}

/** A part the IR has no type for (executableCode, codeExecutionResult…), kept with its position. */
export interface RawPart {
  at: number
  part: JsonObject
}

const TEXT_KEYS = new Set(['text', 'thoughtSignature'])
const THOUGHT_KEYS = new Set(['text', 'thought', 'thoughtSignature'])
const INLINE_KEYS = new Set(['inlineData'])
const BLOB_KEYS = new Set(['mimeType', 'data'])
const FILE_KEYS = new Set(['fileData'])
const FILE_DATA_KEYS = new Set(['mimeType', 'fileUri'])
const CALL_KEYS = new Set(['functionCall', 'thoughtSignature'])
const CALL_INNER_KEYS = new Set(['name', 'args'])
const RESULT_KEYS = new Set(['functionResponse'])
const RESULT_INNER_KEYS = new Set(['name', 'response', 'parts'])

function decodeInline(p: JsonObject, path: string): ImagePart | FilePart {
  const blob = objectAt(p.inlineData, `${path}.inlineData`) ?? {}
  if (typeof blob.mimeType !== 'string')
    fail('inlineData.mimeType must be a string', `${path}.inlineData.mimeType`)
  if (typeof blob.data !== 'string') fail('inlineData.data must be base64 text', `${path}.inlineData.data`)
  const source: MediaSource = { kind: 'base64', mediaType: blob.mimeType, data: blob.data }
  const part: ImagePart | FilePart = blob.mimeType.startsWith('image/')
    ? { type: 'image', source }
    : { type: 'file', source }
  if (part.type === 'file' && typeof blob.displayName === 'string') part.filename = blob.displayName
  let extra = pickExtra(p, INLINE_KEYS)
  const inner = pickExtra(blob, BLOB_KEYS)
  if (inner) extra = put(extra, '$inlineData', inner)
  if (extra) part.extra = extra
  return part
}

function decodeFileData(p: JsonObject, path: string): ImagePart | FilePart {
  const fd = objectAt(p.fileData, `${path}.fileData`) ?? {}
  if (typeof fd.fileUri !== 'string') fail('fileData.fileUri must be a string', `${path}.fileData.fileUri`)
  const source: MediaSource = { kind: 'url', url: fd.fileUri }
  if (typeof fd.mimeType === 'string') source.mediaType = fd.mimeType
  const mime = source.mediaType ?? guessMediaType(fd.fileUri, '')
  const part: ImagePart | FilePart = mime.startsWith('image/')
    ? { type: 'image', source }
    : { type: 'file', source }
  if (part.type === 'file' && typeof fd.displayName === 'string') part.filename = fd.displayName
  let extra = pickExtra(p, FILE_KEYS)
  const inner = pickExtra(fd, FILE_DATA_KEYS)
  if (inner) extra = put(extra, '$fileData', inner)
  if (extra) part.extra = extra
  return part
}

function decodeCall(p: JsonObject, path: string, ctx: PartContext): ToolCallPart {
  const fc = objectAt(p.functionCall, `${path}.functionCall`) ?? {}
  if (typeof fc.name !== 'string') fail('functionCall.name must be a string', `${path}.functionCall.name`)
  if (fc.args !== undefined && fc.args !== null && !isObject(fc.args))
    fail('functionCall.args must be an object', `${path}.functionCall.args`)
  const part: ToolCallPart = {
    type: 'tool_call',
    id: ctx.onCall(fc.name, typeof fc.id === 'string' && fc.id !== '' ? fc.id : undefined),
    name: fc.name,
    arguments: stringifyArguments(fc.args),
  }
  if (typeof p.thoughtSignature === 'string') {
    const s = unwrapSignature(p.thoughtSignature, DIALECT, ctx.fallback)
    part.thoughtSignature = s.signature
    part.provenance = s.provenance
  }
  let extra = pickExtra(p, CALL_KEYS)
  // `id` stays among the leftovers: re-emitted only to Gemini, never taken from a foreign IR.
  const inner = pickExtra(fc, CALL_INNER_KEYS)
  if (inner) extra = put(extra, '$functionCall', inner)
  if (extra) part.extra = extra
  return part
}

function decodeResult(p: JsonObject, path: string, ctx: PartContext): ToolResultPart {
  const fr = objectAt(p.functionResponse, `${path}.functionResponse`) ?? {}
  if (typeof fr.name !== 'string')
    fail('functionResponse.name must be a string', `${path}.functionResponse.name`)
  const response = objectAt(fr.response, `${path}.functionResponse.response`)
  const part: ToolResultPart = {
    type: 'tool_result',
    toolCallId: ctx.onResult(fr.name, typeof fr.id === 'string' && fr.id !== '' ? fr.id : undefined),
    name: fr.name,
    content: [],
  }
  if (response) {
    const r = responseToText(response)
    part.content.push({ type: 'text', text: r.text })
    if (r.isError) part.isError = true
  }
  if (fr.parts !== undefined) {
    if (!Array.isArray(fr.parts))
      fail('functionResponse.parts must be an array', `${path}.functionResponse.parts`)
    for (let k = 0; k < fr.parts.length; k++) {
      const sub = fr.parts[k]
      const subPath = `${path}.functionResponse.parts.${k}`
      if (!isObject(sub)) fail('a part must be an object', subPath)
      const sp = camel(sub)
      if (sp.inlineData !== undefined) part.content.push(decodeInline(sp, subPath))
      else if (sp.fileData !== undefined) part.content.push(decodeFileData(sp, subPath))
      else fail('functionResponse.parts holds only inlineData or fileData', subPath)
    }
  }
  let extra = pickExtra(p, RESULT_KEYS)
  const inner = pickExtra(fr, RESULT_INNER_KEYS)
  if (inner) extra = put(extra, '$functionResponse', inner)
  if (!response) extra = put(extra, '$noResponse', true)
  if (extra) part.extra = extra
  return part
}

/** One Gemini part → IR part, or undefined for kinds the IR has no type for. */
export function decodePart(raw: unknown, path: string, ctx: PartContext): Part | undefined {
  if (!isObject(raw)) fail('a part must be an object', path)
  const p = camel(raw)
  if (p.text !== undefined) {
    if (typeof p.text !== 'string') fail('text must be a string', `${path}.text`)
    if (p.thoughtSignature !== undefined && typeof p.thoughtSignature !== 'string')
      fail('thoughtSignature must be a string', `${path}.thoughtSignature`)
    if (p.thought === true) {
      const part: ThinkingPart = { type: 'thinking', text: p.text, summary: true }
      if (p.thoughtSignature !== undefined) {
        const s = unwrapSignature(p.thoughtSignature, DIALECT, ctx.fallback)
        part.signature = s.signature
        part.provenance = s.provenance
      } else part.provenance = ctx.fallback ?? { dialect: DIALECT }
      const extra = pickExtra(p, THOUGHT_KEYS)
      if (extra) part.extra = extra
      return part
    }
    const part: TextPart = { type: 'text', text: p.text }
    if (p.thoughtSignature !== undefined) {
      const s = unwrapSignature(p.thoughtSignature, DIALECT, ctx.fallback)
      part.thoughtSignature = s.signature
      part.provenance = s.provenance
    }
    const extra = pickExtra(p, TEXT_KEYS)
    if (extra) part.extra = extra
    return part
  }
  if (p.inlineData !== undefined) return decodeInline(p, path)
  if (p.fileData !== undefined) return decodeFileData(p, path)
  if (p.functionCall !== undefined) return decodeCall(p, path, ctx)
  if (p.functionResponse !== undefined) return decodeResult(p, path, ctx)
  return undefined
}

/** A `parts` array → IR parts plus the raw parts the IR cannot hold (re-inserted by position). */
export function decodeParts(
  parts: unknown[],
  path: string,
  ctx: PartContext,
): { content: Part[]; raw: RawPart[] | undefined } {
  const content: Part[] = []
  let raw: RawPart[] | undefined
  for (let j = 0; j < parts.length; j++) {
    const part = decodePart(parts[j], `${path}.${j}`, ctx)
    if (part) content.push(part)
    else {
      raw ??= []
      raw.push({ at: j, part: camel(parts[j] as JsonObject) })
    }
  }
  return { content, raw }
}

/** Puts back the raw parts `decodeParts` set aside, at their original positions. */
export function insertRawParts(parts: JsonObject[], raw: unknown): void {
  if (!Array.isArray(raw)) return
  for (const r of raw as RawPart[]) {
    if (isObject(r) && typeof r.at === 'number' && isObject(r.part)) parts.splice(r.at, 0, r.part)
  }
}

const FILE_URI =
  /^(gs:\/\/|https:\/\/generativelanguage\.googleapis\.com\/|https:\/\/(www\.)?youtube\.com\/|https:\/\/youtu\.be\/)/

/** An IR media source as an `inlineData`/`fileData` part; DialectError for what Gemini cannot fetch. */
export function encodeMedia(
  source: MediaSource,
  extra: Extra | undefined,
  param: string,
  same: boolean,
  strict = true,
): JsonObject | undefined {
  let src = source
  if (src.kind === 'url' && src.url.startsWith('data:')) src = mediaSourceFromUrl(src.url)
  const out: JsonObject = same ? { ...wireExtra(extra) } : {}
  if (src.kind === 'base64') {
    out.inlineData = {
      ...(same ? bagOf(extra, '$inlineData') : undefined),
      mimeType: src.mediaType,
      data: src.data,
    }
    return out
  }
  if (src.kind === 'url') {
    if (strict && !FILE_URI.test(src.url))
      fail(
        `Gemini cannot fetch ${src.url.slice(0, 80)}: send the image inline (base64) or as a gs:// / Gemini Files API URI`,
        `${param}.source.url`,
      )
    const fd: JsonObject = { ...(same ? bagOf(extra, '$fileData') : undefined) }
    const mime = src.mediaType ?? (same ? undefined : guessMediaType(src.url))
    if (mime !== undefined) fd.mimeType = mime
    fd.fileUri = src.url
    out.fileData = fd
    return out
  }
  if (strict)
    fail(
      'Gemini cannot resolve a file id; send the file inline or as a Files API URI',
      `${param}.source.fileId`,
    )
  return undefined
}

function audioMime(format: string): string {
  return format.includes('/') ? format : `audio/${format}`
}

// ---------------------------------------------------------------------------------------------
// Decoding

const TOP_KEYS = new Set(['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig'])
const CONTENT_KEYS = new Set(['role', 'parts'])
const SYSTEM_KEYS = new Set(['parts'])
const GEN_KEYS = new Set([
  'temperature',
  'topP',
  'topK',
  'candidateCount',
  'maxOutputTokens',
  'stopSequences',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'thinkingConfig',
])
const THINKING_KEYS = new Set(['thinkingBudget', 'includeThoughts', 'thinkingLevel'])
const DECL_KEYS = new Set(['name', 'description', 'parameters', 'parametersJsonSchema'])
const TOOL_CONFIG_KEYS = new Set(['functionCallingConfig'])
const LEVELS: readonly ReasoningEffort[] = ['minimal', 'low', 'medium', 'high']

function numberAt(obj: JsonObject, key: string, param: string): number | undefined {
  const v = obj[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v))
    fail(`${param}.${key} must be a number`, `${param}.${key}`)
  return v
}

/** Pairs calls and results: Gemini has no ids, so answers go to the earliest open call by name. */
function requestPartContext(): PartContext {
  let minted = 0
  const open = new Map<string, string[]>()
  return {
    fallback: undefined,
    onCall(name, id) {
      const callId = id ?? `${MINTED_ID_PREFIX}${minted++}`
      const q = open.get(name)
      if (q) q.push(callId)
      else open.set(name, [callId])
      return callId
    },
    onResult(name, id) {
      const q = open.get(name)
      if (id !== undefined) {
        const at = q ? q.indexOf(id) : -1
        if (q && at !== -1) q.splice(at, 1)
        return id
      }
      return q?.shift() ?? `${MINTED_ID_PREFIX}${minted++}`
    },
  }
}

function decodeContents(contents: unknown, ctx: PartContext): Message[] {
  if (!Array.isArray(contents)) fail('contents must be an array', 'contents')
  const messages: Message[] = []
  for (let i = 0; i < contents.length; i++) {
    const c = objectAt(contents[i], `contents.${i}`)
    if (!c) fail('a content must be an object', `contents.${i}`)
    const role = c.role
    if (role !== undefined && role !== 'user' && role !== 'model')
      fail(`role must be "user" or "model", got ${JSON.stringify(role)}`, `contents.${i}.role`)
    if (!Array.isArray(c.parts)) fail('parts must be an array', `contents.${i}.parts`)
    const { content, raw } = decodeParts(c.parts, `contents.${i}.parts`, ctx)
    let irRole: Message['role'] = role === 'model' ? 'assistant' : 'user'
    if (irRole === 'user' && content.length > 0 && content.every((p) => p.type === 'tool_result'))
      irRole = 'tool'
    const msg: Message = { role: irRole, content }
    let extra = pickExtra(c, CONTENT_KEYS)
    if (role === undefined) extra = put(extra, '$noRole', true)
    if (raw) extra = put(extra, '$parts', raw)
    if (extra) msg.extra = extra
    messages.push(msg)
  }
  return messages
}

function decodeSystem(v: unknown, req: Request): void {
  const si = objectAt(v, 'systemInstruction')
  if (!si) return
  if (!Array.isArray(si.parts)) fail('systemInstruction.parts must be an array', 'systemInstruction.parts')
  for (let j = 0; j < si.parts.length; j++) {
    const path = `systemInstruction.parts.${j}`
    const raw = si.parts[j]
    if (!isObject(raw)) fail('a part must be an object', path)
    const p = camel(raw)
    if (typeof p.text !== 'string' || p.thought === true)
      fail('systemInstruction holds only text parts', path)
    const part: TextPart = { type: 'text', text: p.text }
    const extra = pickExtra(p, TEXT_KEYS)
    if (typeof p.thoughtSignature === 'string') part.thoughtSignature = p.thoughtSignature
    if (extra) part.extra = extra
    req.system.push(part)
  }
  req.extra.$systemInstruction = pickExtra(si, SYSTEM_KEYS) ?? {}
}

function decodeFunctionTool(raw: unknown, path: string): FunctionTool {
  const d = objectAt(raw, path)
  if (!d) fail('a function declaration must be an object', path)
  if (typeof d.name !== 'string') fail('name must be a string', `${path}.name`)
  if (d.description !== undefined && typeof d.description !== 'string')
    fail('description must be a string', `${path}.description`)
  const tool: FunctionTool = { kind: 'function', name: d.name, parameters: {} }
  if (typeof d.description === 'string') tool.description = d.description
  let extra = pickExtra(d, DECL_KEYS)
  if (d.parametersJsonSchema !== undefined) {
    if (!isObject(d.parametersJsonSchema))
      fail('parametersJsonSchema must be an object', `${path}.parametersJsonSchema`)
    tool.parameters = d.parametersJsonSchema
    // Both keys at once is invalid for Gemini, but keep the client's body whole.
    if (d.parameters !== undefined) extra = put(extra, '$parameters', d.parameters)
  } else if (d.parameters !== undefined) {
    if (!isObject(d.parameters)) fail('parameters must be an object', `${path}.parameters`)
    const schema = jsonSchemaOf(d.parameters) as JsonObject
    tool.parameters = schema
    extra = put(extra, '$schema', 'parameters')
    if (schema !== d.parameters) extra = put(extra, '$parameters', d.parameters)
  } else {
    tool.parameters = { type: 'object', properties: {} }
    extra = put(extra, '$schema', 'none')
  }
  if (extra) tool.extra = extra
  return tool
}

/** Tool objects in canonical layout: all declarations in one object, every other tool alone. */
function canonicalGroups(tools: readonly Tool[]): number[] {
  let fn = -1
  let next = 0
  return tools.map((t) => {
    if (t.kind !== 'function') return next++
    if (fn === -1) fn = next++
    return fn
  })
}

function decodeTools(v: unknown, req: Request): void {
  if (v === undefined || v === null) return
  if (!Array.isArray(v)) fail('tools must be an array', 'tools')
  const tools: Tool[] = []
  const groups: number[] = []
  for (let g = 0; g < v.length; g++) {
    const t = objectAt(v[g], `tools.${g}`)
    if (!t) fail('a tool must be an object', `tools.${g}`)
    for (const key in t) {
      const value = t[key]
      if (key === 'functionDeclarations') {
        if (!Array.isArray(value))
          fail('functionDeclarations must be an array', `tools.${g}.functionDeclarations`)
        for (let k = 0; k < value.length; k++) {
          tools.push(decodeFunctionTool(value[k], `tools.${g}.functionDeclarations.${k}`))
          groups.push(g)
        }
      } else if (key === 'googleSearch') {
        tools.push({ kind: 'web_search', config: isObject(value) ? value : {}, dialect: DIALECT })
        groups.push(g)
      } else {
        tools.push({ kind: 'server', dialect: DIALECT, raw: { [key]: value } })
        groups.push(g)
      }
    }
  }
  req.tools = tools
  const canon = canonicalGroups(tools)
  if (canon.length !== groups.length || canon.some((c, i) => c !== groups[i])) req.extra.$toolGroups = groups
}

function decodeToolConfig(v: unknown, req: Request): void {
  const tc = objectAt(v, 'toolConfig')
  if (!tc) return
  const bag: JsonObject = pickExtra(tc, TOOL_CONFIG_KEYS) ?? {}
  const fcc = objectAt(tc.functionCallingConfig, 'toolConfig.functionCallingConfig')
  if (fcc) {
    const left: JsonObject = { ...fcc }
    const names = fcc.allowedFunctionNames
    if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string')))
      fail(
        'allowedFunctionNames must be an array of strings',
        'toolConfig.functionCallingConfig.allowedFunctionNames',
      )
    let choice: ToolChoice | undefined
    if (fcc.mode === 'AUTO') choice = { type: 'auto' }
    else if (fcc.mode === 'NONE') choice = { type: 'none' }
    else if (fcc.mode === 'ANY') {
      if (Array.isArray(names) && names.length === 1) {
        choice = { type: 'tool', name: names[0] as string }
        delete left.allowedFunctionNames
      } else choice = { type: 'required' }
    } else if (fcc.mode === 'VALIDATED') choice = { type: 'auto' } // the model decides; mode kept below
    if (choice) {
      req.toolChoice = choice
      if (fcc.mode !== 'VALIDATED') delete left.mode
    }
    bag.$functionCallingConfig = left
  }
  req.extra.$toolConfig = bag
}

function decodeThinking(v: unknown, gen: JsonObject): ReasoningRequest | undefined {
  const tc = objectAt(v, 'generationConfig.thinkingConfig')
  if (!tc) return undefined
  const r: ReasoningRequest = {}
  const left: JsonObject = pickExtra(tc, THINKING_KEYS) ?? {}
  const budget = numberAt(tc, 'thinkingBudget', 'generationConfig.thinkingConfig')
  if (budget !== undefined) {
    if (budget === 0) r.mode = 'off'
    else if (budget < 0) {
      r.mode = 'auto'
      if (budget !== -1) left.thinkingBudget = budget
    } else {
      r.mode = 'on'
      r.budgetTokens = budget
    }
  }
  if (tc.thinkingLevel !== undefined) {
    const raw = tc.thinkingLevel
    const lower = typeof raw === 'string' ? raw.toLowerCase() : ''
    if (LEVELS.includes(lower as ReasoningEffort)) {
      r.effort = lower as ReasoningEffort
      r.mode ??= 'on'
      if (raw !== lower) left.$thinkingLevel = raw
    } else left.thinkingLevel = raw
  }
  if (tc.includeThoughts !== undefined) {
    if (typeof tc.includeThoughts !== 'boolean')
      fail('includeThoughts must be a boolean', 'generationConfig.thinkingConfig.includeThoughts')
    r.includeThoughts = tc.includeThoughts
  }
  gen.$thinkingConfig = left
  return r
}

function decodeGeneration(v: unknown, req: Request): void {
  const gc = objectAt(v, 'generationConfig')
  if (!gc) return
  const P = 'generationConfig'
  const bag: JsonObject = pickExtra(gc, GEN_KEYS) ?? {}
  const temperature = numberAt(gc, 'temperature', P)
  if (temperature !== undefined) req.temperature = temperature
  const topP = numberAt(gc, 'topP', P)
  if (topP !== undefined) req.topP = topP
  const topK = numberAt(gc, 'topK', P)
  if (topK !== undefined) req.topK = topK
  const n = numberAt(gc, 'candidateCount', P)
  if (n !== undefined) req.n = n
  const max = numberAt(gc, 'maxOutputTokens', P)
  if (max !== undefined) req.maxOutputTokens = max
  const seed = numberAt(gc, 'seed', P)
  if (seed !== undefined) req.seed = seed
  const pp = numberAt(gc, 'presencePenalty', P)
  if (pp !== undefined) req.presencePenalty = pp
  const fp = numberAt(gc, 'frequencyPenalty', P)
  if (fp !== undefined) req.frequencyPenalty = fp
  if (gc.stopSequences !== undefined) {
    if (!Array.isArray(gc.stopSequences) || gc.stopSequences.some((s) => typeof s !== 'string'))
      fail('stopSequences must be an array of strings', `${P}.stopSequences`)
    req.stop = gc.stopSequences as string[]
  }
  const mime = gc.responseMimeType
  if (mime !== undefined && typeof mime !== 'string')
    fail('responseMimeType must be a string', `${P}.responseMimeType`)
  let format: ResponseFormat | undefined
  if (mime === 'application/json') {
    if (isObject(gc.responseJsonSchema)) {
      format = { type: 'json_schema', schema: gc.responseJsonSchema }
      if (gc.responseSchema !== undefined) bag.responseSchema = gc.responseSchema
    } else if (isObject(gc.responseSchema) && gc.responseJsonSchema === undefined) {
      const schema = jsonSchemaOf(gc.responseSchema) as JsonObject
      format = { type: 'json_schema', schema }
      bag.$schema = 'responseSchema'
      if (schema !== gc.responseSchema) bag.$responseSchema = gc.responseSchema
    } else if (gc.responseSchema === undefined && gc.responseJsonSchema === undefined)
      format = { type: 'json_object' }
  } else if (mime === 'text/plain' && gc.responseSchema === undefined && gc.responseJsonSchema === undefined)
    format = { type: 'text' }
  if (format) req.responseFormat = format
  else {
    // Enum output (`text/x.enum`) and other shapes the IR has no format for ride along as they are.
    if (mime !== undefined) bag.responseMimeType = mime
    if (gc.responseSchema !== undefined) bag.responseSchema = gc.responseSchema
    if (gc.responseJsonSchema !== undefined) bag.responseJsonSchema = gc.responseJsonSchema
  }
  const reasoning = decodeThinking(gc.thinkingConfig, bag)
  if (reasoning) req.reasoning = reasoning
  req.extra.$generationConfig = bag
}

export function decodeRequest(body: unknown, ctx: DecodeRequestContext = {}): Request {
  if (!isObject(body)) fail('the request body must be a JSON object', 'body')
  if (typeof ctx.model !== 'string' || ctx.model === '')
    fail('a Gemini request names its model in the URL (models/{model}:generateContent)', 'model')
  const b = camel(body)
  const req: Request = {
    source: DIALECT,
    model: bareModel(ctx.model),
    system: [],
    messages: [],
    stream: ctx.stream ?? false,
    extra: pickExtra(b, TOP_KEYS) ?? {},
  }
  if (b.contents === undefined) fail('contents is required', 'contents')
  decodeSystem(b.systemInstruction, req)
  req.messages = decodeContents(b.contents, requestPartContext())
  decodeTools(b.tools, req)
  decodeToolConfig(b.toolConfig, req)
  decodeGeneration(b.generationConfig, req)
  return req
}

// ---------------------------------------------------------------------------------------------
// Encoding

interface EncodeState {
  same: boolean
  opts: EncodeRequestOptions
  /** Tool-call id → function name, from the history so far (functionResponse needs the name). */
  names: Map<string, string>
  /** Tool-call id → position among the calls so far; a foreign functionResponse → its call's. */
  order: Map<string, number>
  rank: WeakMap<JsonObject, number>
}

function encodeTextPart(part: TextPart, st: EncodeState): JsonObject | undefined {
  if (!st.same && part.text === '') return undefined // Gemini rejects empty text parameters
  const out: JsonObject = st.same ? { ...wireExtra(part.extra), text: part.text } : { text: part.text }
  if (part.thoughtSignature !== undefined && isNative(part.provenance, DIALECT, st.opts.provider))
    out.thoughtSignature = part.thoughtSignature
  return out
}

function encodeThinkingPart(part: ThinkingPart, st: EncodeState): JsonObject | undefined {
  if (isNative(part.provenance, DIALECT, st.opts.provider)) {
    const out: JsonObject = st.same
      ? { ...wireExtra(part.extra), text: part.text, thought: true }
      : { text: part.text, thought: true }
    if (part.signature !== undefined) out.thoughtSignature = part.signature
    return out
  }
  if (st.opts.foreignThinking === 'text' && part.text !== '') return { text: part.text }
  return undefined
}

function encodeCallPart(part: ToolCallPart, st: EncodeState): JsonObject {
  st.names.set(part.id, part.name)
  if (!st.order.has(part.id)) st.order.set(part.id, st.order.size)
  const fc: JsonObject = st.same ? { ...bagOf(part.extra, '$functionCall') } : {}
  fc.name = part.name
  fc.args = parseArguments(part.arguments)
  const out: JsonObject = st.same ? { ...wireExtra(part.extra), functionCall: fc } : { functionCall: fc }
  if (part.thoughtSignature !== undefined && isNative(part.provenance, DIALECT, st.opts.provider))
    out.thoughtSignature = part.thoughtSignature
  return out
}

function encodeResultPart(
  part: ToolResultPart,
  param: string,
  st: EncodeState,
  trailing: JsonObject[],
): JsonObject {
  const name = part.name ?? st.names.get(part.toolCallId)
  if (name === undefined)
    fail(
      `tool result ${part.toolCallId} answers no tool call in the history, and Gemini needs the function name`,
      `${param}.toolCallId`,
    )
  let text: string | undefined
  const media: Array<ImagePart | FilePart> = []
  for (const c of part.content) {
    if (c.type === 'text') text = text === undefined ? c.text : `${text}\n${c.text}`
    else media.push(c)
  }
  const fr: JsonObject = st.same ? { ...bagOf(part.extra, '$functionResponse') } : {}
  fr.name = name
  if (!(st.same && part.extra?.$noResponse === true))
    fr.response =
      text === undefined ? (part.isError ? { error: '' } : {}) : textToResponse(text, part.isError)
  if (media.length > 0) {
    const encoded: JsonObject[] = []
    for (let k = 0; k < media.length; k++) {
      const m = media[k]!
      const e = encodeMedia(m.source, m.extra, `${param}.content.${k}`, st.same)
      if (e) encoded.push(e)
    }
    // Gemini's own multimodal results stay inside the call; foreign ones follow as plain parts.
    if (st.same) fr.parts = encoded
    else trailing.push(...encoded)
  }
  if (st.same) return { ...wireExtra(part.extra), functionResponse: fr }
  const out: JsonObject = { functionResponse: fr }
  const at = st.order.get(part.toolCallId)
  if (at !== undefined) st.rank.set(out, at)
  return out
}

function encodePart(
  part: Part,
  param: string,
  st: EncodeState,
  trailing: JsonObject[],
): JsonObject | undefined {
  switch (part.type) {
    case 'text':
      return encodeTextPart(part, st)
    case 'thinking':
      return encodeThinkingPart(part, st)
    case 'tool_call':
      return encodeCallPart(part, st)
    case 'tool_result':
      return encodeResultPart(part, param, st, trailing)
    case 'image':
    case 'file':
      return encodeMedia(part.source, part.extra, param, st.same)
    case 'audio':
      return encodeAudio(part, st)
  }
}

function encodeAudio(part: AudioPart, st: EncodeState): JsonObject {
  const out: JsonObject = st.same ? { ...wireExtra(part.extra) } : {}
  out.inlineData = { mimeType: audioMime(part.format), data: part.data }
  return out
}

/** Gemini 3 history: model turns without any native signature get the sentinel on each call. */
function signCalls(parts: JsonObject[]): void {
  let calls = 0
  for (const p of parts) {
    if (p.functionCall === undefined) continue
    if (p.thoughtSignature !== undefined) return
    calls++
  }
  if (calls === 0) return
  for (const p of parts) if (p.functionCall !== undefined) p.thoughtSignature = SKIP_SIGNATURE
}

/**
 * Foreign ids are not sent, so Gemini pairs answers with calls by name and position: put a turn's
 * functionResponses in the order of their calls (a client may answer parallel calls out of order).
 */
function orderResponses(parts: JsonObject[], rank: WeakMap<JsonObject, number>): void {
  const slots: number[] = []
  const responses: JsonObject[] = []
  parts.forEach((p, i) => {
    if (p.functionResponse === undefined) return
    slots.push(i)
    responses.push(p)
  })
  if (responses.length < 2 || !responses.every((p) => rank.has(p))) return
  responses.sort((x, y) => rank.get(x)! - rank.get(y)!)
  slots.forEach((at, k) => {
    parts[at] = responses[k]!
  })
}

function encodeSystem(req: Request, st: EncodeState, hoisted: TextPart[]): JsonObject | undefined {
  const bag = st.same ? bagOf(req.extra, '$systemInstruction') : undefined
  const parts: JsonObject[] = []
  for (const p of req.system) {
    if (!st.same && p.text === '') continue
    const out: JsonObject = st.same ? { ...wireExtra(p.extra), text: p.text } : { text: p.text }
    if (st.same && p.thoughtSignature !== undefined) out.thoughtSignature = p.thoughtSignature
    parts.push(out)
  }
  for (const p of hoisted) if (p.text !== '') parts.push({ text: p.text })
  if (parts.length === 0 && !bag) return undefined
  return { ...bag, parts }
}

function encodeContents(
  req: Request,
  st: EncodeState,
  gemini3: boolean,
): { contents: JsonObject[]; hoisted: TextPart[] } {
  const contents: JsonObject[] = []
  const hoisted: TextPart[] = []
  for (let i = 0; i < req.messages.length; i++) {
    const m = req.messages[i]!
    if (m.role === 'system') {
      for (let j = 0; j < m.content.length; j++) {
        const p = m.content[j]!
        if (p.type !== 'text') fail('Gemini system instructions hold only text', `messages.${i}.content.${j}`)
        hoisted.push(p)
      }
      continue
    }
    const role = m.role === 'assistant' ? 'model' : 'user'
    const parts: JsonObject[] = []
    const trailing: JsonObject[] = []
    for (let j = 0; j < m.content.length; j++) {
      const out = encodePart(m.content[j]!, `messages.${i}.content.${j}`, st, trailing)
      if (out) parts.push(out)
    }
    parts.push(...trailing)
    if (st.same) {
      insertRawParts(parts, m.extra?.$parts)
      const c: JsonObject = { ...wireExtra(m.extra) }
      if (m.extra?.$noRole !== true) c.role = role
      c.parts = parts
      contents.push(c)
      continue
    }
    if (parts.length === 0) continue
    const last = contents[contents.length - 1]
    if (last && last.role === role) (last.parts as JsonObject[]).push(...parts)
    else contents.push({ role, parts })
  }
  if (!st.same)
    for (const c of contents) if (c.role === 'user') orderResponses(c.parts as JsonObject[], st.rank)
  if (gemini3) for (const c of contents) if (c.role === 'model') signCalls(c.parts as JsonObject[])
  return { contents, hoisted }
}

function encodeTools(req: Request, st: EncodeState): JsonObject[] | undefined {
  const tools = req.tools
  if (!tools || tools.length === 0) return tools ? [] : undefined
  const stored = st.same ? req.extra.$toolGroups : undefined
  const groups =
    Array.isArray(stored) && stored.length === tools.length ? (stored as number[]) : canonicalGroups(tools)
  const out: JsonObject[] = []
  for (let k = 0; k < tools.length; k++) {
    const t = tools[k]!
    const g = groups[k]!
    while (out.length <= g) out.push({})
    const slot = out[g]!
    if (t.kind === 'function') {
      const decl: JsonObject = st.same ? { ...wireExtra(t.extra) } : {}
      decl.name = t.name
      if (t.description !== undefined) decl.description = t.description
      const key = st.same ? t.extra?.$schema : undefined
      if (key === 'parameters') decl.parameters = t.extra?.$parameters ?? t.parameters
      else if (key !== 'none') {
        decl.parametersJsonSchema = t.parameters
        if (st.same && t.extra?.$parameters !== undefined) decl.parameters = t.extra.$parameters
      }
      const list = (slot.functionDeclarations as JsonObject[] | undefined) ?? []
      list.push(decl)
      slot.functionDeclarations = list
    } else if (t.kind === 'web_search') {
      slot.googleSearch = t.dialect === DIALECT ? (t.config ?? {}) : {}
    } else if (t.dialect === DIALECT) Object.assign(slot, t.raw)
    else
      fail(
        `the ${t.dialect} server tool ${Object.keys(t.raw).join(',')} has no Gemini equivalent`,
        `tools.${k}`,
      )
  }
  return out
}

function encodeToolConfig(req: Request, st: EncodeState): JsonObject | undefined {
  const bag = st.same ? bagOf(req.extra, '$toolConfig') : undefined
  const fccBag = bag ? bagOf(bag, '$functionCallingConfig') : undefined
  const fcc: JsonObject = {}
  const choice = req.toolChoice
  if (choice?.type === 'auto') fcc.mode = 'AUTO'
  else if (choice?.type === 'none') fcc.mode = 'NONE'
  else if (choice?.type === 'required') fcc.mode = 'ANY'
  else if (choice?.type === 'tool') {
    fcc.mode = 'ANY'
    fcc.allowedFunctionNames = [choice.name]
  }
  Object.assign(fcc, fccBag)
  if (Object.keys(fcc).length === 0 && !fccBag && !bag) return undefined
  const out: JsonObject = { ...wireExtra(bag) }
  if (Object.keys(fcc).length > 0 || fccBag) out.functionCallingConfig = fcc
  return out
}

const UPPER_LEVEL: Record<string, string> = { minimal: 'MINIMAL', low: 'LOW', medium: 'MEDIUM', high: 'HIGH' }

function encodeThinking(
  r: ReasoningRequest | undefined,
  bag: JsonObject | undefined,
  same: boolean,
  gemini3: boolean,
): JsonObject | undefined {
  if (!r && !bag) return undefined
  const tc: JsonObject = { ...wireExtra(bag) }
  if (r && same) {
    if (r.mode === 'off') tc.thinkingBudget = 0
    else if (r.budgetTokens !== undefined) tc.thinkingBudget = r.budgetTokens
    else if (r.mode === 'auto' && tc.thinkingBudget === undefined) tc.thinkingBudget = -1
    if (r.effort !== undefined && r.effort !== 'none') {
      const level = clampEffort(r.effort, LEVELS)
      const raw = bag?.$thinkingLevel
      tc.thinkingLevel = typeof raw === 'string' && raw.toLowerCase() === level ? raw : level
    }
    if (r.includeThoughts !== undefined) tc.includeThoughts = r.includeThoughts
  } else if (r) {
    const off = r.mode === 'off' || (r.effort === 'none' && r.budgetTokens === undefined)
    if (off) tc.thinkingBudget = 0
    else if (r.budgetTokens !== undefined) tc.thinkingBudget = r.budgetTokens
    else if (r.effort !== undefined) {
      if (gemini3) tc.thinkingLevel = UPPER_LEVEL[clampEffort(r.effort, LEVELS)]
      else tc.thinkingBudget = budgetForEffort(r.effort)
    } else if ((r.mode === 'auto' || r.mode === 'on') && !gemini3) tc.thinkingBudget = -1
    const asked = !off && (r.mode !== undefined || r.effort !== undefined || r.budgetTokens !== undefined)
    const include = r.includeThoughts ?? (asked && r.summary !== 'none' ? true : undefined)
    if (include !== undefined) tc.includeThoughts = include
  }
  return Object.keys(tc).length > 0 || bag ? tc : undefined
}

function encodeGeneration(req: Request, st: EncodeState, gemini3: boolean): JsonObject | undefined {
  const bag = st.same ? bagOf(req.extra, '$generationConfig') : undefined
  const gc: JsonObject = { ...wireExtra(bag) }
  if (req.temperature !== undefined) gc.temperature = req.temperature
  if (req.topP !== undefined) gc.topP = req.topP
  if (req.topK !== undefined) gc.topK = req.topK
  if (req.n !== undefined) gc.candidateCount = req.n
  if (req.maxOutputTokens !== undefined) gc.maxOutputTokens = req.maxOutputTokens
  if (req.stop !== undefined) gc.stopSequences = req.stop
  if (req.seed !== undefined) gc.seed = req.seed
  if (req.presencePenalty !== undefined) gc.presencePenalty = req.presencePenalty
  if (req.frequencyPenalty !== undefined) gc.frequencyPenalty = req.frequencyPenalty
  const f = req.responseFormat
  if (f?.type === 'text') gc.responseMimeType = 'text/plain'
  else if (f?.type === 'json_object') gc.responseMimeType = 'application/json'
  else if (f?.type === 'json_schema') {
    gc.responseMimeType = 'application/json'
    if (bag?.$schema === 'responseSchema') gc.responseSchema = bag.$responseSchema ?? f.schema
    else gc.responseJsonSchema = f.schema
  }
  const thinking = encodeThinking(
    req.reasoning,
    bag ? bagOf(bag, '$thinkingConfig') : undefined,
    st.same,
    gemini3,
  )
  if (thinking) gc.thinkingConfig = thinking
  return Object.keys(gc).length > 0 || bag ? gc : undefined
}

export function encodeRequest(req: Request, opts: EncodeRequestOptions = {}): Record<string, unknown> {
  const st: EncodeState = {
    same: req.source === DIALECT,
    opts,
    names: new Map(),
    order: new Map(),
    rank: new WeakMap(),
  }
  const gemini3 = isGemini3(opts.model ?? req.model)
  const body: JsonObject = st.same ? { ...wireExtra(req.extra) } : {}
  const { contents, hoisted } = encodeContents(req, st, gemini3)
  body.contents = contents
  const system = encodeSystem(req, st, hoisted)
  if (system) body.systemInstruction = system
  const tools = encodeTools(req, st)
  if (tools) body.tools = tools
  const toolConfig = encodeToolConfig(req, st)
  if (toolConfig) body.toolConfig = toolConfig
  const gen = encodeGeneration(req, st, gemini3)
  if (gen) body.generationConfig = gen
  return body
}
