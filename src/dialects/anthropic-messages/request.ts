/**
 * Anthropic Messages request ↔ IR.
 *
 * Reasoning (IR → wire; decoding is the inverse: `enabled` → `{mode:'on', budgetTokens}`,
 * `disabled` → `{mode:'off'}`, `adaptive` → `{mode:'auto'}`, `output_config.effort` → `effort`):
 *
 * | IR `reasoning`                                  | `thinking`                                   | `output_config.effort`       |
 * |-------------------------------------------------|----------------------------------------------|------------------------------|
 * | absent                                          | absent                                       | absent                       |
 * | `mode:'off'`, effort `none`, or budget 0        | `{type:'disabled'}`                          | same dialect only            |
 * | `mode:'auto'`                                   | `{type:'adaptive'}`                          | effort, clamped to low…max   |
 * | `mode:'on'` or a `budgetTokens`                 | `{type:'enabled', budget_tokens}`            | same dialect only            |
 * | effort only, from another dialect               | `enabled`, budget from `common/reasoning.ts` | absent                       |
 * | effort only, from this dialect                  | absent (effort without thinking is valid)    | effort                       |
 *
 * Budgets are at least 1024 (`minimal` → 1024); `mode:'on'` without a level means `medium` (8192).
 * With `enabled`, `max_tokens = maxTokensForBudget(max_tokens ?? 32000, budget)`.
 * `max_tokens` defaults to 32000 when the IR has none (the API requires it).
 *
 * What the API refuses with thinking on, and what the encoder does instead:
 * - `temperature` (must be 1) and `top_k` are dropped; `top_p` is kept only at ≥ 0.95;
 * - a forced `tool_choice` (any/tool) drops `thinking` (the forced tool is what the client asked for);
 * - from another dialect, a last assistant tool_use turn that does not start with a native thinking
 *   block drops `thinking` ("a final assistant message must start with a thinking block").
 *
 * Structured output: IR `json_schema` ↔ `output_config.format` `{type:'json_schema', schema}` (the
 * beta top-level `output_format` is read too and written back only to a client that used it);
 * `name`/`strict`/`description` have no field there. `json_object` has no Anthropic form: DialectError.
 *
 * Messages from another dialect are normalised to what the API accepts: consecutive same-role turns
 * merge, `tool` messages become tool_result blocks of the user turn that follows the tool_use turn
 * (results first), empty/whitespace text is dropped (never carrying cache_control), empty turns are
 * dropped, tool ids go through `sanitizeToolId` (one mapping for tool_use and tool_result), mid-list
 * `system` messages are hoisted into `system` in order, and a final assistant prefill loses trailing
 * whitespace. A request of this dialect keeps its mid-list `system` messages in place.
 *
 * Thinking history: a thinking part goes upstream only when its provenance is native
 * (`isNative`, narrowed by `opts.provider`) and it carries a signature (or redacted data); anything
 * else is dropped, or with `foreignThinking: 'text'` becomes plain text. A signature the gateway
 * wrapped for another dialect comes back unwrapped with that provenance; one from the Responses API
 * lands in `encrypted` (that is where its encoder keeps opaque reasoning).
 *
 * Dropped without error, by choice: `seed` (best effort everywhere), penalties (sampling hints
 * that clients send by default; refusing them would lock those clients out), `detail` on
 * images, `includeUsage` (usage is always reported), another dialect's `metadata` (Anthropic accepts
 * only `user_id`). `n > 1`, audio, images in assistant turns, another
 * provider's file ids and another dialect's server tools throw DialectError naming the field.
 *
 * `count_tokens` bodies (no `max_tokens`) decode like any request; `encodeCountTokensRequest` writes
 * one (the fields that endpoint takes).
 */
import { sanitizeToolId } from '../common/ids.ts'
import { isObject, type JsonObject, parseArguments, pickExtra } from '../common/json.ts'
import { isNative, unwrapSignature } from '../common/provenance.ts'
import { budgetForEffort, clampEffort, maxTokensForBudget } from '../common/reasoning.ts'
import {
  type CacheControl,
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
  type Role,
  type TextPart,
  type ThinkingPart,
  type Tool,
  type ToolCallPart,
  type ToolChoice,
  type ToolResultContent,
  type ToolResultPart,
} from '../ir.ts'
import { DEFAULT_MAX_TOKENS, DIALECT, type Hints, MIN_THINKING_BUDGET } from './types.ts'

/** The effort levels `output_config.effort` accepts. */
const EFFORTS: readonly ReasoningEffort[] = ['low', 'medium', 'high', 'xhigh', 'max']
const IR_EFFORTS: ReadonlySet<string> = new Set(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'])

const REQUEST_KEYS = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'output_format',
])
const MESSAGE_KEYS = new Set(['role', 'content'])
const TEXT_KEYS = new Set(['type', 'text', 'cache_control', 'citations'])
const IMAGE_KEYS = new Set(['type', 'source', 'cache_control'])
const DOCUMENT_KEYS = new Set(['type', 'source', 'title', 'cache_control'])
const THINKING_KEYS = new Set(['type', 'thinking', 'signature'])
const REDACTED_KEYS = new Set(['type', 'data'])
const TOOL_USE_KEYS = new Set(['type', 'id', 'name', 'input', 'cache_control'])
const TOOL_RESULT_KEYS = new Set(['type', 'tool_use_id', 'content', 'is_error', 'cache_control'])
const TOOL_KEYS = new Set(['name', 'description', 'input_schema', 'cache_control', 'strict'])
const TOOL_CHOICE_KEYS = new Set(['type', 'name', 'disable_parallel_tool_use'])
const THINKING_CONFIG_KEYS = new Set(['type', 'budget_tokens'])
const OUTPUT_CONFIG_KEYS = new Set(['effort', 'format'])
const FORMAT_KEYS = new Set(['type', 'schema'])

/** Fields `POST /v1/messages/count_tokens` takes; the rest of a request body is left out. */
const COUNT_TOKENS_KEYS = new Set([
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'cache_control',
  'context_management',
  'mcp_servers',
  'speed',
])

// ---------------------------------------------------------------------------------------------
// Hints

/** This dialect's hint bag inside an IR `extra`, when it has one. */
export function hintsOf(extra: Extra | undefined): Hints | undefined {
  const h = extra?.[DIALECT]
  return isObject(h) ? (h as Hints) : undefined
}

/** An `extra` carrying `hints`; undefined when there is nothing to carry. */
export function extraWith(hints: Hints): Extra | undefined {
  return Object.keys(hints).length > 0 ? { [DIALECT]: hints } : undefined
}

/** The client's own unknown fields, to spread back into a wire object of this dialect. */
export function fieldsOf(extra: Extra | undefined): JsonObject | undefined {
  return hintsOf(extra)?.fields
}

/** Keeps a wire field the IR could not take as typed, for a same-dialect encode. */
function keep(h: Hints, key: string, value: unknown): void {
  if (h.fields) h.fields[key] = value
  else h.fields = { [key]: value }
}

/** Hints whose `fields` are the keys of `raw` outside `known`. */
export function hintsFor(raw: JsonObject, known: ReadonlySet<string>): Hints {
  const fields = pickExtra(raw, known)
  return fields ? { fields } : {}
}

function fail(message: string, param?: string): never {
  throw new DialectError(message, param)
}

// ---------------------------------------------------------------------------------------------
// Decoding: shared by requests, responses and streams

/**
 * `cache_control` as the IR types it. One the IR cannot hold whole (a null, an unknown field)
 * also stays in `fields`, which a same-dialect encode spreads over the typed one.
 */
function readCacheControl(raw: JsonObject, h: Hints): CacheControl | undefined {
  const cc = raw.cache_control
  if (cc === undefined) return undefined
  if (isObject(cc) && cc.type === 'ephemeral') {
    const out: CacheControl = { type: 'ephemeral' }
    let whole = true
    for (const k in cc) {
      if (k === 'ttl' && (cc.ttl === '5m' || cc.ttl === '1h')) out.ttl = cc.ttl
      else if (k !== 'type') whole = false
    }
    if (!whole) keep(h, 'cache_control', cc)
    return out
  }
  keep(h, 'cache_control', cc)
  return undefined
}

export function encodeCacheControl(cc: CacheControl): JsonObject {
  return cc.ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: cc.ttl }
}

/**
 * An opaque signature (or redacted data) and who produced it: a value the gateway wrapped for a
 * client comes back with its original provenance; an unwrapped one is this dialect's, attributed
 * to `fallback` (the upstream's provenance for responses and streams) when given.
 */
export function attributeSignature(
  opaque: string,
  fallback: Provenance | undefined,
): { value: string; provenance: Provenance } {
  const u = unwrapSignature(opaque, DIALECT)
  if (u.signature !== opaque || !fallback) return { value: u.signature, provenance: u.provenance }
  return { value: opaque, provenance: fallback }
}

/** A thinking part's opaque field: the Responses API's opaque reasoning lives in `encrypted`. */
function setOpaque(part: ThinkingPart, value: string, provenance: Provenance): void {
  if (provenance.dialect === 'openai-responses') part.encrypted = value
  else part.signature = value
}

function rawPart(block: JsonObject): TextPart {
  return { type: 'text', text: '', extra: { [DIALECT]: { block } satisfies Hints } }
}

function readSource(src: unknown, allowText: boolean): MediaSource | undefined {
  if (!isObject(src)) return undefined
  switch (src.type) {
    case 'base64':
      if (typeof src.data !== 'string' || typeof src.media_type !== 'string') return undefined
      return { kind: 'base64', mediaType: src.media_type, data: src.data }
    case 'url':
      return typeof src.url === 'string' ? { kind: 'url', url: src.url } : undefined
    case 'file':
      return typeof src.file_id === 'string' ? { kind: 'file_id', fileId: src.file_id } : undefined
    case 'text':
      // Plain-text documents travel as base64 text/plain in the IR, the form other dialects take.
      if (!allowText || typeof src.data !== 'string') return undefined
      return {
        kind: 'base64',
        mediaType: 'text/plain',
        data: Buffer.from(src.data, 'utf8').toString('base64'),
      }
    default:
      return undefined
  }
}

function str(v: unknown, param: string): string {
  if (typeof v !== 'string') fail(`${param} must be a string`, param)
  return v
}

/**
 * One content block → one IR part. `prov` is the provenance to stamp on signatures the gateway
 * did not wrap itself (responses and streams); requests leave it undefined. Blocks the IR does not
 * model come back as an empty text part holding the block whole.
 */
export function decodeBlock(raw: unknown, path: string, prov?: Provenance): Part {
  if (!isObject(raw) || typeof raw.type !== 'string') fail(`${path} must be a content block object`, path)
  switch (raw.type) {
    case 'text': {
      const h = hintsFor(raw, TEXT_KEYS)
      const part: TextPart = { type: 'text', text: str(raw.text, `${path}.text`) }
      const cc = readCacheControl(raw, h)
      if (cc) part.cacheControl = cc
      if (Array.isArray(raw.citations)) part.citations = raw.citations
      else if (raw.citations !== undefined) keep(h, 'citations', raw.citations)
      const extra = extraWith(h)
      if (extra) part.extra = extra
      return part
    }
    case 'image': {
      const source = readSource(raw.source, false)
      if (!source) return rawPart(raw)
      const h = hintsFor(raw, IMAGE_KEYS)
      const part: ImagePart = { type: 'image', source }
      const cc = readCacheControl(raw, h)
      if (cc) part.cacheControl = cc
      const extra = extraWith(h)
      if (extra) part.extra = extra
      return part
    }
    case 'document': {
      const source = readSource(raw.source, true)
      if (!source) return rawPart(raw)
      const h = hintsFor(raw, DOCUMENT_KEYS)
      const part: FilePart = { type: 'file', source }
      if (typeof raw.title === 'string') part.title = raw.title
      else if (raw.title !== undefined) keep(h, 'title', raw.title)
      const cc = readCacheControl(raw, h)
      if (cc) part.cacheControl = cc
      const extra = extraWith(h)
      if (extra) part.extra = extra
      return part
    }
    case 'thinking': {
      const part: ThinkingPart = { type: 'thinking', text: str(raw.thinking, `${path}.thinking`) }
      const sig = raw.signature === undefined ? '' : str(raw.signature, `${path}.signature`)
      const a = attributeSignature(sig, prov)
      // A wrapped empty signature is the placeholder foreign thinking without one was given
      // (see `thinkingForClient`): it stays without one, rather than becoming an empty opaque
      // value that Gemini, Chat or Responses upstreams would be sent.
      const placeholder = a.value === '' && sig !== ''
      if (raw.signature !== undefined && !placeholder) setOpaque(part, a.value, a.provenance)
      part.provenance = a.provenance
      const extra = extraWith(hintsFor(raw, THINKING_KEYS))
      if (extra) part.extra = extra
      return part
    }
    case 'redacted_thinking': {
      const a = attributeSignature(str(raw.data, `${path}.data`), prov)
      const part: ThinkingPart = { type: 'thinking', text: '', redacted: a.value, provenance: a.provenance }
      const extra = extraWith(hintsFor(raw, REDACTED_KEYS))
      if (extra) part.extra = extra
      return part
    }
    case 'tool_use': {
      const input = raw.input
      if (input !== undefined && !isObject(input)) fail(`${path}.input must be an object`, `${path}.input`)
      const h = hintsFor(raw, TOOL_USE_KEYS)
      const part: ToolCallPart = {
        type: 'tool_call',
        id: str(raw.id, `${path}.id`),
        name: str(raw.name, `${path}.name`),
        arguments: input === undefined ? '{}' : JSON.stringify(input),
      }
      const cc = readCacheControl(raw, h)
      if (cc) part.cacheControl = cc
      const extra = extraWith(h)
      if (extra) part.extra = extra
      return part
    }
    case 'tool_result': {
      const h = hintsFor(raw, TOOL_RESULT_KEYS)
      const part: ToolResultPart = {
        type: 'tool_result',
        toolCallId: str(raw.tool_use_id, `${path}.tool_use_id`),
        content: [],
      }
      const c = raw.content
      if (c === undefined) h.form = 'absent'
      else if (typeof c === 'string') {
        h.form = 'string'
        part.content.push({ type: 'text', text: c })
      } else if (Array.isArray(c)) {
        for (let i = 0; i < c.length; i++) {
          const p = decodeBlock(c[i], `${path}.content.${i}`, prov)
          if (p.type === 'text' || p.type === 'image' || p.type === 'file') part.content.push(p)
          else part.content.push(rawPart(c[i] as JsonObject))
        }
      } else fail(`${path}.content must be a string or an array of blocks`, `${path}.content`)
      if (typeof raw.is_error === 'boolean') part.isError = raw.is_error
      else if (raw.is_error !== undefined) keep(h, 'is_error', raw.is_error)
      const cc = readCacheControl(raw, h)
      if (cc) part.cacheControl = cc
      const extra = extraWith(h)
      if (extra) part.extra = extra
      return part
    }
    default:
      return rawPart(raw)
  }
}

function decodeContent(content: unknown, path: string, h: Hints): Part[] {
  if (typeof content === 'string') {
    h.form = 'string'
    return [{ type: 'text', text: content }]
  }
  if (!Array.isArray(content)) fail(`${path} must be a string or an array of content blocks`, path)
  const parts: Part[] = new Array(content.length)
  for (let i = 0; i < content.length; i++) parts[i] = decodeBlock(content[i], `${path}.${i}`)
  return parts
}

function decodeMessage(raw: unknown, i: number): Message {
  const path = `messages.${i}`
  if (!isObject(raw)) fail(`${path} must be an object`, path)
  const role = raw.role
  if (role !== 'user' && role !== 'assistant' && role !== 'system') {
    fail(`${path}.role must be "user", "assistant" or "system"`, `${path}.role`)
  }
  const h = hintsFor(raw, MESSAGE_KEYS)
  const msg: Message = { role, content: decodeContent(raw.content, `${path}.content`, h) }
  const extra = extraWith(h)
  if (extra) msg.extra = extra
  return msg
}

function decodeSystem(system: unknown, h: Hints): TextPart[] {
  if (system === undefined) return []
  if (typeof system === 'string') {
    h.form = 'string'
    return [{ type: 'text', text: system }]
  }
  if (!Array.isArray(system)) fail('system must be a string or an array of text blocks', 'system')
  const parts: TextPart[] = new Array(system.length)
  for (let i = 0; i < system.length; i++) {
    const p = decodeBlock(system[i], `system.${i}`)
    if (p.type !== 'text' || hintsOf(p.extra)?.block) fail(`system.${i} must be a text block`, `system.${i}`)
    parts[i] = p
  }
  return parts
}

function decodeTool(raw: unknown, i: number): Tool {
  const path = `tools.${i}`
  if (!isObject(raw)) fail(`${path} must be an object`, path)
  const type = raw.type
  if (type === undefined || type === null || type === 'custom') {
    const schema = raw.input_schema
    if (!isObject(schema)) fail(`${path}.input_schema must be an object`, `${path}.input_schema`)
    const h = hintsFor(raw, TOOL_KEYS)
    const tool: FunctionTool = { kind: 'function', name: str(raw.name, `${path}.name`), parameters: schema }
    if (typeof raw.description === 'string') tool.description = raw.description
    else if (raw.description !== undefined) keep(h, 'description', raw.description)
    if (typeof raw.strict === 'boolean') tool.strict = raw.strict
    else if (raw.strict !== undefined) keep(h, 'strict', raw.strict)
    const cc = readCacheControl(raw, h)
    if (cc) tool.cacheControl = cc
    const extra = extraWith(h)
    if (extra) tool.extra = extra
    return tool
  }
  if (typeof type !== 'string') fail(`${path}.type must be a string`, `${path}.type`)
  if (type.startsWith('web_search_') && raw.name === 'web_search') {
    const config: JsonObject = {}
    for (const k in raw) if (k !== 'name') config[k] = raw[k]
    return { kind: 'web_search', config, dialect: DIALECT }
  }
  return { kind: 'server', dialect: DIALECT, raw }
}

function decodeToolChoice(raw: unknown, h: Hints): { choice: ToolChoice; parallel?: boolean } {
  if (!isObject(raw)) fail('tool_choice must be an object', 'tool_choice')
  let choice: ToolChoice
  switch (raw.type) {
    case 'auto':
      choice = { type: 'auto' }
      break
    case 'any':
      choice = { type: 'required' }
      break
    case 'none':
      choice = { type: 'none' }
      break
    case 'tool':
      choice = { type: 'tool', name: str(raw.name, 'tool_choice.name') }
      break
    default:
      fail('tool_choice.type must be "auto", "any", "tool" or "none"', 'tool_choice.type')
  }
  const rest = pickExtra(raw, TOOL_CHOICE_KEYS)
  if (rest) h.toolChoice = rest
  const d = raw.disable_parallel_tool_use
  if (typeof d === 'boolean') return { choice, parallel: !d }
  if (d !== undefined) fail('tool_choice.disable_parallel_tool_use must be a boolean', 'tool_choice')
  return { choice }
}

function decodeThinking(raw: unknown, h: Hints): ReasoningRequest {
  if (!isObject(raw)) fail('thinking must be an object', 'thinking')
  const rest = pickExtra(raw, THINKING_CONFIG_KEYS)
  let r: ReasoningRequest
  switch (raw.type) {
    case 'enabled': {
      const b = raw.budget_tokens
      if (typeof b !== 'number' || !Number.isInteger(b)) {
        fail('thinking.budget_tokens must be an integer', 'thinking.budget_tokens')
      }
      r = { mode: 'on', budgetTokens: b }
      break
    }
    case 'disabled':
      r = { mode: 'off' }
      break
    case 'adaptive':
      r = { mode: 'auto' }
      break
    default:
      // A thinking type this codec does not know: the model decides; the type itself rides along.
      if (typeof raw.type !== 'string') fail('thinking.type must be a string', 'thinking.type')
      h.thinking = { ...rest, type: raw.type }
      return { mode: 'auto' }
  }
  if (rest) h.thinking = rest
  return r
}

function decodeFormat(raw: unknown, param: string, h: Hints): ResponseFormat {
  if (!isObject(raw) || raw.type !== 'json_schema' || !isObject(raw.schema)) {
    fail(`${param} must be {"type":"json_schema","schema":{…}}`, param)
  }
  const rest = pickExtra(raw, FORMAT_KEYS)
  if (rest) h.format = rest
  return { type: 'json_schema', schema: raw.schema }
}

function num(v: unknown, param: string): number | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${param} must be a number`, param)
  return v
}

/**
 * A Messages (or count_tokens) body → IR. Throws DialectError naming the field for a malformed
 * body. `max_tokens` may be absent (count_tokens); `ctx.model`/`ctx.stream` fill in missing ones.
 */
export function decodeRequest(body: unknown, ctx: DecodeRequestContext = {}): Request {
  if (!isObject(body)) fail('the request body must be a JSON object')
  const h = hintsFor(body, REQUEST_KEYS)
  const model = body.model ?? ctx.model
  if (typeof model !== 'string' || model === '') fail('model must be a non-empty string', 'model')
  if (!Array.isArray(body.messages)) fail('messages must be an array', 'messages')
  const messages: Message[] = new Array(body.messages.length)
  for (let i = 0; i < body.messages.length; i++) messages[i] = decodeMessage(body.messages[i], i)

  const req: Request = {
    source: DIALECT,
    model,
    system: decodeSystem(body.system, h),
    messages,
    stream: false,
    extra: {},
  }

  const maxTokens = body.max_tokens
  if (maxTokens !== undefined) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      fail('max_tokens must be a positive integer', 'max_tokens')
    }
    req.maxOutputTokens = maxTokens
  }

  if (body.stream === true) req.stream = true
  else if (body.stream === false) h.streamFalse = true
  else if (body.stream !== undefined) fail('stream must be a boolean', 'stream')
  else if (ctx.stream) req.stream = true

  const temperature = num(body.temperature, 'temperature')
  if (temperature !== undefined) req.temperature = temperature
  const topP = num(body.top_p, 'top_p')
  if (topP !== undefined) req.topP = topP
  const topK = num(body.top_k, 'top_k')
  if (topK !== undefined) req.topK = topK

  if (body.stop_sequences !== undefined) {
    const s = body.stop_sequences
    if (!Array.isArray(s) || !s.every((x) => typeof x === 'string')) {
      fail('stop_sequences must be an array of strings', 'stop_sequences')
    }
    req.stop = s as string[]
  }

  if (body.metadata !== undefined) {
    const m = body.metadata
    if (!isObject(m)) fail('metadata must be an object', 'metadata')
    const rest: JsonObject = {}
    let restCount = 0
    for (const k in m) {
      if (k === 'user_id' && typeof m.user_id === 'string') req.user = m.user_id
      else {
        rest[k] = m[k]
        restCount++
      }
    }
    if (restCount > 0 || req.user === undefined) req.metadata = rest
  }

  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) fail('tools must be an array', 'tools')
    const tools: Tool[] = new Array(body.tools.length)
    for (let i = 0; i < body.tools.length; i++) tools[i] = decodeTool(body.tools[i], i)
    req.tools = tools
  }

  if (body.tool_choice !== undefined) {
    const tc = decodeToolChoice(body.tool_choice, h)
    req.toolChoice = tc.choice
    if (tc.parallel !== undefined) req.parallelToolCalls = tc.parallel
  }

  if (body.thinking !== undefined) req.reasoning = decodeThinking(body.thinking, h)

  if (body.output_config !== undefined) {
    const oc = body.output_config
    if (!isObject(oc)) fail('output_config must be an object', 'output_config')
    const rest = pickExtra(oc, OUTPUT_CONFIG_KEYS) ?? {}
    if (typeof oc.effort === 'string' && IR_EFFORTS.has(oc.effort)) {
      req.reasoning = { ...req.reasoning, effort: oc.effort as ReasoningEffort }
    } else if (oc.effort !== undefined) rest.effort = oc.effort
    if (oc.format !== undefined) req.responseFormat = decodeFormat(oc.format, 'output_config.format', h)
    // An empty output_config still comes back, so the hint keeps even an empty rest.
    h.outputConfig = rest
  }
  if (body.output_format !== undefined) {
    req.responseFormat = decodeFormat(body.output_format, 'output_format', h)
    h.formatField = 'output_format'
  }

  req.extra = extraWith(h) ?? {}
  return req
}

// ---------------------------------------------------------------------------------------------
// Encoding

interface EncodeContext {
  same: boolean
  provider: string | undefined
  foreignThinking: 'drop' | 'text'
  /** One sanitised id per original id, so tool_use and tool_result always agree. */
  ids: Map<string, string>
}

function toolId(ctx: EncodeContext, id: string): string {
  let out = ctx.ids.get(id)
  if (out === undefined) {
    out = sanitizeToolId(id)
    ctx.ids.set(id, out)
  }
  return out
}

/** Puts `extra`'s client fields back (same dialect only), after the typed fields. */
export function withFields(block: JsonObject, extra: Extra | undefined, ctx: { same: boolean }): JsonObject {
  if (!ctx.same) return block
  const f = fieldsOf(extra)
  return f ? Object.assign(block, f) : block
}

function isPlainText(b: JsonObject): boolean {
  if (b.type !== 'text') return false
  for (const k in b) if (k !== 'type' && k !== 'text') return false
  return true
}

function encodeImageSource(src: MediaSource, path: string, ctx: EncodeContext): JsonObject {
  switch (src.kind) {
    case 'base64':
      return { type: 'base64', media_type: src.mediaType, data: src.data }
    case 'url':
      return { type: 'url', url: src.url }
    case 'file_id':
      if (!ctx.same) fail(`${path}: a file id of another provider cannot be sent to Anthropic`, path)
      return { type: 'file', file_id: src.fileId }
  }
}

function encodeImage(part: ImagePart, path: string, ctx: EncodeContext): JsonObject {
  const b: JsonObject = { type: 'image', source: encodeImageSource(part.source, path, ctx) }
  if (part.cacheControl) b.cache_control = encodeCacheControl(part.cacheControl)
  return withFields(b, part.extra, ctx)
}

function encodeFile(part: FilePart, path: string, ctx: EncodeContext): JsonObject {
  const src = part.source
  if (src.mediaType?.startsWith('image/')) {
    const img: ImagePart = { type: 'image', source: src }
    if (part.cacheControl) img.cacheControl = part.cacheControl
    return encodeImage(img, path, ctx)
  }
  let source: JsonObject
  if (src.kind === 'base64' && src.mediaType === 'text/plain') {
    source = {
      type: 'text',
      media_type: 'text/plain',
      data: Buffer.from(src.data, 'base64').toString('utf8'),
    }
  } else if (src.kind === 'base64') {
    if (src.mediaType !== 'application/pdf') {
      fail(`${path}: Anthropic documents are PDF or plain text, not ${src.mediaType}`, path)
    }
    source = { type: 'base64', media_type: src.mediaType, data: src.data }
  } else source = encodeImageSource(src, path, ctx)
  const b: JsonObject = { type: 'document', source }
  const title = part.title ?? part.filename
  if (title !== undefined) b.title = title
  if (part.cacheControl) b.cache_control = encodeCacheControl(part.cacheControl)
  return withFields(b, part.extra, ctx)
}

function encodeText(part: TextPart, ctx: EncodeContext): JsonObject | undefined {
  if (ctx.same) {
    const raw = hintsOf(part.extra)?.block
    if (raw) return raw
  }
  // The API rejects empty and whitespace-only text blocks, and cache_control on them.
  if (part.text.trim() === '') return undefined
  const b: JsonObject = { type: 'text', text: part.text }
  if (part.cacheControl) b.cache_control = encodeCacheControl(part.cacheControl)
  if (part.citations && ctx.same) b.citations = part.citations
  return withFields(b, part.extra, ctx)
}

function encodeResultContent(part: ToolResultPart, path: string, ctx: EncodeContext): unknown {
  const h = ctx.same ? hintsOf(part.extra) : undefined
  if (h?.form === 'string' && part.content.every((c) => c.type === 'text' && !c.extra && !c.cacheControl)) {
    return part.content.map((c) => (c as TextPart).text).join('')
  }
  const blocks: JsonObject[] = []
  for (let i = 0; i < part.content.length; i++) {
    const c: ToolResultContent = part.content[i]!
    const p = `${path}.content.${i}`
    let b: JsonObject | undefined
    if (c.type === 'text') b = encodeText(c, ctx)
    else if (c.type === 'image') b = encodeImage(c, p, ctx)
    else b = encodeFile(c, p, ctx)
    if (b) blocks.push(b)
  }
  if (blocks.length === 0) return undefined
  if (!ctx.same && blocks.length === 1 && isPlainText(blocks[0]!)) return blocks[0]!.text
  return blocks
}

function encodeThinkingPart(part: ThinkingPart, ctx: EncodeContext): JsonObject | undefined {
  const native = isNative(part.provenance, DIALECT, ctx.provider)
  if (part.redacted !== undefined) {
    // Redacted data is only readable by the provider that minted it, and has no text to keep.
    if (!native || part.redacted === '') return undefined
    return withFields({ type: 'redacted_thinking', data: part.redacted }, part.extra, ctx)
  }
  // An unsigned or foreign block would be rejected ("Invalid signature in thinking block").
  if (native && part.signature) {
    return withFields({ type: 'thinking', thinking: part.text, signature: part.signature }, part.extra, ctx)
  }
  if (ctx.foreignThinking === 'text' && part.text.trim() !== '') return { type: 'text', text: part.text }
  return undefined
}

function encodePart(part: Part, role: Role, path: string, ctx: EncodeContext): JsonObject | undefined {
  switch (part.type) {
    case 'text':
      return encodeText(part, ctx)
    case 'image':
      if (role === 'assistant') fail(`${path}: Anthropic assistant turns cannot hold images`, path)
      return encodeImage(part, path, ctx)
    case 'file':
      if (role === 'assistant') fail(`${path}: Anthropic assistant turns cannot hold documents`, path)
      return encodeFile(part, path, ctx)
    case 'audio':
      return fail(`${path}: Anthropic does not accept audio input`, path)
    case 'tool_call': {
      if (role !== 'assistant') fail(`${path}: tool calls belong in assistant turns`, path)
      const b: JsonObject = {
        type: 'tool_use',
        id: toolId(ctx, part.id),
        name: part.name,
        input: parseArguments(part.arguments),
      }
      if (part.cacheControl) b.cache_control = encodeCacheControl(part.cacheControl)
      return withFields(b, part.extra, ctx)
    }
    case 'tool_result': {
      if (role === 'assistant') fail(`${path}: tool results belong in user turns`, path)
      const b: JsonObject = { type: 'tool_result', tool_use_id: toolId(ctx, part.toolCallId) }
      const content = encodeResultContent(part, path, ctx)
      if (content !== undefined) b.content = content
      if (part.isError !== undefined) b.is_error = part.isError
      if (part.cacheControl) b.cache_control = encodeCacheControl(part.cacheControl)
      return withFields(b, part.extra, ctx)
    }
    case 'thinking':
      return role === 'assistant' ? encodeThinkingPart(part, ctx) : undefined
  }
}

interface Turn {
  role: 'user' | 'assistant' | 'system'
  blocks: JsonObject[]
  /** Several IR messages went into it, so its original form (string content) no longer applies. */
  merged: boolean
  message: Message
}

function encodeMessages(messages: Message[], ctx: EncodeContext, hoisted: JsonObject[]): Turn[] {
  const turns: Turn[] = []
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!
    if (m.role === 'system' && !ctx.same) {
      for (let j = 0; j < m.content.length; j++) {
        const p = m.content[j]!
        const path = `messages.${i}.content.${j}`
        if (p.type !== 'text') fail(`${path}: a system message can only hold text`, path)
        const b = encodeText(p, ctx)
        if (b) hoisted.push(b)
      }
      continue
    }
    const role = m.role === 'tool' ? 'user' : m.role
    const blocks: JsonObject[] = []
    for (let j = 0; j < m.content.length; j++) {
      const b = encodePart(m.content[j]!, m.role, `messages.${i}.content.${j}`, ctx)
      if (b) blocks.push(b)
    }
    if (blocks.length === 0) continue
    const last = turns[turns.length - 1]
    if (last && last.role === role && role !== 'system') {
      for (const b of blocks) last.blocks.push(b)
      last.merged = true
    } else turns.push({ role, blocks, merged: false, message: m })
  }
  for (const t of turns) {
    if (t.role === 'user' && t.merged) t.blocks = resultsFirst(t.blocks)
  }
  return turns
}

/** tool_result blocks must open the user turn that answers a tool_use turn. */
function resultsFirst(blocks: JsonObject[]): JsonObject[] {
  const results: JsonObject[] = []
  const rest: JsonObject[] = []
  for (const b of blocks) (b.type === 'tool_result' ? results : rest).push(b)
  return results.length === 0 || rest.length === 0 ? blocks : results.concat(rest)
}

/** The API refuses a final assistant prefill that ends in whitespace. */
function trimFinalAssistant(turns: Turn[]): void {
  const last = turns[turns.length - 1]
  if (last?.role !== 'assistant') return
  const b = last.blocks[last.blocks.length - 1]
  if (b?.type !== 'text' || typeof b.text !== 'string') return
  const text = b.text.trimEnd()
  if (text === b.text) return
  if (text === '') {
    last.blocks.pop()
    if (last.blocks.length === 0) turns.pop()
  } else last.blocks[last.blocks.length - 1] = { ...b, text }
}

function turnToWire(t: Turn, ctx: EncodeContext): JsonObject {
  const h = ctx.same ? hintsOf(t.message.extra) : undefined
  let content: unknown = t.blocks
  if (h?.form === 'string' && !t.merged && t.blocks.every(isPlainText)) {
    content = t.blocks.map((b) => b.text as string).join('')
  }
  return withFields({ role: t.role, content }, t.message.extra, ctx)
}

/** Whether the last assistant turn calls tools without opening with a thinking block. */
function lacksLeadingThinking(turns: Turn[]): boolean {
  for (let i = turns.length - 1; i >= 0; i--) {
    const t = turns[i]!
    if (t.role !== 'assistant') continue
    if (!t.blocks.some((b) => b.type === 'tool_use')) return false
    const first = t.blocks[0]!.type
    return first !== 'thinking' && first !== 'redacted_thinking'
  }
  return false
}

function objectSchema(params: Record<string, unknown>, path: string): JsonObject {
  if (params.type === 'object') return params
  if (params.type === undefined) return { type: 'object', ...params }
  return fail(`${path}: Anthropic input_schema must be an object schema`, path)
}

function encodeTool(t: Tool, i: number, ctx: EncodeContext): JsonObject {
  switch (t.kind) {
    case 'function': {
      const b: JsonObject = { name: t.name }
      if (t.description !== undefined) b.description = t.description
      b.input_schema = objectSchema(t.parameters, `tools.${i}.parameters`)
      if (t.strict === true || (ctx.same && t.strict !== undefined)) b.strict = t.strict
      if (t.cacheControl) b.cache_control = encodeCacheControl(t.cacheControl)
      return withFields(b, t.extra, ctx)
    }
    case 'web_search':
      return {
        type: 'web_search_20250305',
        name: 'web_search',
        ...(t.dialect === DIALECT ? t.config : undefined),
      }
    case 'server':
      if (t.dialect !== DIALECT)
        fail(`tools.${i}: a ${t.dialect} server tool has no Anthropic form`, `tools.${i}`)
      return t.raw
  }
}

function encodeToolChoice(req: Request, hasTools: boolean, h: Hints | undefined): JsonObject | undefined {
  let tc: JsonObject | undefined
  switch (req.toolChoice?.type) {
    case 'auto':
      tc = { type: 'auto' }
      break
    case 'required':
      tc = { type: 'any' }
      break
    case 'tool':
      tc = { type: 'tool', name: req.toolChoice.name }
      break
    case 'none':
      tc = { type: 'none' }
      break
  }
  if (tc?.type !== 'none') {
    if (req.parallelToolCalls === false && (tc || hasTools)) {
      tc ??= { type: 'auto' }
      tc.disable_parallel_tool_use = true
    } else if (req.parallelToolCalls === true && tc) tc.disable_parallel_tool_use = false
  }
  if (tc && h?.toolChoice) Object.assign(tc, h.toolChoice)
  return tc
}

interface ThinkingPlan {
  thinking?: JsonObject
  effort?: ReasoningEffort
  budget?: number
}

/** The request's reasoning as `thinking` + `output_config.effort`: the table at the top. */
function planThinking(r: ReasoningRequest | undefined, same: boolean): ThinkingPlan {
  if (!r) return {}
  const effort = r.effort && r.effort !== 'none' ? clampEffort(r.effort, EFFORTS) : undefined
  const off =
    r.mode === 'off' ||
    (r.mode === undefined && (r.budgetTokens === 0 || (r.budgetTokens === undefined && r.effort === 'none')))
  if (off) return { thinking: { type: 'disabled' }, effort: same ? effort : undefined }
  if (r.mode === 'auto') return { thinking: { type: 'adaptive' }, effort }
  if (r.mode === 'on' || r.budgetTokens !== undefined) {
    const asked = r.budgetTokens ?? budgetForEffort(r.effort && r.effort !== 'none' ? r.effort : 'medium')
    const budget = Math.max(MIN_THINKING_BUDGET, asked)
    return { thinking: { type: 'enabled', budget_tokens: budget }, budget, effort: same ? effort : undefined }
  }
  if (!r.effort) return {}
  if (same) return { effort }
  const budget = Math.max(MIN_THINKING_BUDGET, budgetForEffort(r.effort))
  return { thinking: { type: 'enabled', budget_tokens: budget }, budget }
}

function encodeFormat(f: ResponseFormat, h: Hints | undefined): JsonObject | undefined {
  switch (f.type) {
    case 'text':
      return undefined
    case 'json_object':
      return fail(
        'responseFormat json_object has no Anthropic form; send a json_schema instead',
        'responseFormat',
      )
    case 'json_schema': {
      const out: JsonObject = { type: 'json_schema', schema: f.schema }
      return h?.format ? Object.assign(out, h.format) : out
    }
  }
}

/** IR → Messages body for the upstream (or for a client, in tests). */
export function encodeRequest(req: Request, opts: EncodeRequestOptions = {}): Record<string, unknown> {
  const same = req.source === DIALECT
  const h = same ? hintsOf(req.extra) : undefined
  if (req.n !== undefined && req.n > 1) fail('Anthropic returns one choice per request; n must be 1', 'n')

  const ctx: EncodeContext = {
    same,
    provider: opts.provider,
    foreignThinking: opts.foreignThinking ?? 'drop',
    ids: new Map(),
  }
  const hoisted: JsonObject[] = []
  const turns = encodeMessages(req.messages, ctx, hoisted)
  if (!same) trimFinalAssistant(turns)

  const body: JsonObject = { model: opts.model ?? req.model, max_tokens: 0 }

  const systemParts = req.system
  if (
    h?.form === 'string' &&
    hoisted.length === 0 &&
    systemParts.every((p) => !p.cacheControl && !p.citations && !p.extra)
  ) {
    body.system = systemParts.map((p) => p.text).join('')
  } else {
    const blocks: JsonObject[] = []
    for (const p of systemParts) {
      const b = encodeText(p, ctx)
      if (b) blocks.push(b)
    }
    for (const b of hoisted) blocks.push(b)
    if (blocks.length > 0) body.system = blocks
  }

  body.messages = turns.map((t) => turnToWire(t, ctx))

  if (same && req.metadata !== undefined) {
    body.metadata = req.user === undefined ? req.metadata : { ...req.metadata, user_id: req.user }
  } else if (req.user !== undefined) body.metadata = { user_id: req.user }

  if (req.stop !== undefined) body.stop_sequences = req.stop
  if (req.stream) body.stream = true
  else if (h?.streamFalse) body.stream = false

  const hasTools = req.tools !== undefined && req.tools.length > 0
  if (req.tools !== undefined) body.tools = req.tools.map((t, i) => encodeTool(t, i, ctx))
  const toolChoice = encodeToolChoice(req, hasTools, h)
  if (toolChoice) body.tool_choice = toolChoice

  const plan = planThinking(req.reasoning, same)
  let thinking = plan.thinking
  const on = (t: JsonObject | undefined) => t?.type === 'enabled' || t?.type === 'adaptive'
  if (on(thinking) && (toolChoice?.type === 'any' || toolChoice?.type === 'tool')) thinking = undefined
  if (on(thinking) && !same && lacksLeadingThinking(turns)) thinking = undefined
  if (thinking && h?.thinking && (thinking.type !== 'disabled' || h.thinking.type !== undefined)) {
    Object.assign(thinking, h.thinking)
  }
  const thinkingOn = on(thinking)

  const maxTokens = req.maxOutputTokens ?? DEFAULT_MAX_TOKENS
  body.max_tokens =
    thinking?.type === 'enabled' && plan.budget !== undefined
      ? maxTokensForBudget(maxTokens, plan.budget)
      : maxTokens

  if (req.temperature !== undefined && !thinkingOn) body.temperature = req.temperature
  if (req.topP !== undefined && (!thinkingOn || req.topP >= 0.95)) body.top_p = req.topP
  if (req.topK !== undefined && !thinkingOn) body.top_k = req.topK
  if (thinking) body.thinking = thinking

  const format = req.responseFormat ? encodeFormat(req.responseFormat, h) : undefined
  const outputConfig: JsonObject = {}
  if (plan.effort) outputConfig.effort = plan.effort
  if (format && h?.formatField === 'output_format') body.output_format = format
  else if (format) outputConfig.format = format
  if (h?.outputConfig) Object.assign(outputConfig, h.outputConfig)
  if (Object.keys(outputConfig).length > 0 || h?.outputConfig) body.output_config = outputConfig

  if (h?.fields) Object.assign(body, h.fields)
  return body
}

/** IR → `POST /v1/messages/count_tokens` body: the request without the fields that endpoint refuses. */
export function encodeCountTokensRequest(
  req: Request,
  opts: EncodeRequestOptions = {},
): Record<string, unknown> {
  const full = encodeRequest(req, opts)
  const body: JsonObject = {}
  for (const k in full) if (COUNT_TOKENS_KEYS.has(k)) body[k] = full[k]
  return body
}
