/**
 * Chat Completions request envelope ↔ IR: the top-level keys, each handed to the file of its
 * concern (`content.ts` for `messages`, `tools.ts`, `reasoning.ts`, `sampling.ts`). Explicit
 * `null`s and fields the IR does not model are kept so a Chat client's body comes back out as sent.
 */

import { isObject, type JsonObject } from '../common/json.ts'
import { extraWith, fail, keepField, spreadFields, unknownFields } from '../common/round-trip.ts'
import type { EncodeRequestOptions } from '../contract.ts'
import { DialectError, type Request, type ResponseFormat, type Tool } from '../ir.ts'
import { decodeMessage, encodeMessages, sameJson } from './content.ts'
import { decodeReasoningEffort, encodeReasoningEffort } from './reasoning.ts'
import { decodeSampling, encodeSampling } from './sampling.ts'
import { decodeToolChoice, decodeTools, encodeToolChoice, encodeTools } from './tools.ts'
import { chatHints, DIALECT, type Hints } from './types.ts'

// ---------------------------------------------------------------------------------------------
// Response format

function decodeResponseFormat(v: JsonObject): ResponseFormat | undefined {
  if (v.type === 'text' || v.type === 'json_object') return { type: v.type }
  if (v.type !== 'json_schema' || !isObject(v.json_schema)) return undefined
  const js = v.json_schema
  const rf: ResponseFormat = { type: 'json_schema', schema: isObject(js.schema) ? js.schema : {} }
  if (typeof js.name === 'string') rf.name = js.name
  if (typeof js.strict === 'boolean') rf.strict = js.strict
  if (typeof js.description === 'string') rf.description = js.description
  return rf
}

function encodeResponseFormat(rf: ResponseFormat): JsonObject {
  if (rf.type !== 'json_schema') return { type: rf.type }
  const js: JsonObject = { name: rf.name ?? 'response' }
  if (rf.description !== undefined) js.description = rf.description
  js.schema = rf.schema
  if (rf.strict !== undefined) js.strict = rf.strict
  return { type: 'json_schema', json_schema: js }
}

// ---------------------------------------------------------------------------------------------
// Request

const STREAM_OPTIONS_KEYS = new Set(['include_usage'])

export function decodeRequest(body: unknown): Request {
  if (!isObject(body)) throw new DialectError('request body must be a JSON object')
  if (typeof body.model !== 'string') fail('`model` is required', 'model')
  if (!Array.isArray(body.messages)) fail('`messages` must be an array', 'messages')
  const req: Request = {
    source: DIALECT,
    model: body.model,
    system: [],
    messages: [],
    stream: false,
    extra: {},
  }
  const h: Hints = {}
  const names = new Map<string, string>()
  req.messages = body.messages.map((m, i) => decodeMessage(m, i, names))
  const tools: Tool[] = []
  let hasTools = false
  for (const key in body) {
    const v = body[key]
    if (v === null) {
      // Explicit nulls mean "default"; kept so the same body comes back out.
      if (key !== 'model' && key !== 'messages') keepField(h, key, v)
      continue
    }
    switch (key) {
      case 'model':
      case 'messages':
        break
      case 'stream':
        if (typeof v !== 'boolean') fail('`stream` must be a boolean', key)
        req.stream = v
        if (!v) h.stream = false
        break
      case 'stream_options': {
        if (!isObject(v)) fail('`stream_options` must be an object', key)
        if (typeof v.include_usage === 'boolean') req.includeUsage = v.include_usage
        const rest = unknownFields(v, STREAM_OPTIONS_KEYS)
        if (rest || typeof v.include_usage !== 'boolean') h.streamOptions = { ...rest }
        break
      }
      case 'tools':
        if (!Array.isArray(v)) fail('`tools` must be an array', key)
        hasTools = true
        decodeTools(v, tools)
        if (v.length === 0) h.tools = 'empty'
        break
      case 'web_search_options':
        if (!isObject(v)) fail('`web_search_options` must be an object', key)
        break
      case 'tool_choice': {
        const tc = decodeToolChoice(v)
        if (tc) req.toolChoice = tc
        else keepField(h, key, v)
        break
      }
      case 'parallel_tool_calls':
        if (typeof v !== 'boolean') fail('`parallel_tool_calls` must be a boolean', key)
        req.parallelToolCalls = v
        break
      case 'response_format': {
        if (!isObject(v)) fail('`response_format` must be an object', key)
        const rf = decodeResponseFormat(v)
        if (!rf) keepField(h, key, v)
        else {
          req.responseFormat = rf
          if (!sameJson(encodeResponseFormat(rf), v)) h.responseFormat = v
        }
        break
      }
      case 'reasoning_effort': {
        if (typeof v !== 'string') fail('`reasoning_effort` must be a string', key)
        const reasoning = decodeReasoningEffort(v)
        if (reasoning) req.reasoning = reasoning
        else keepField(h, key, v)
        break
      }
      default:
        if (!decodeSampling(key, v, req, h, body)) keepField(h, key, v)
    }
  }
  // Web search goes last so function tools keep their positions.
  const ws = body.web_search_options
  if (isObject(ws)) tools.push({ kind: 'web_search', config: ws, dialect: DIALECT })
  if (hasTools || tools.length > 0) req.tools = tools
  req.extra = extraWith(DIALECT, h) ?? {}
  return req
}

export function encodeRequest(req: Request, opts: EncodeRequestOptions = {}): Record<string, unknown> {
  // A Chat client's own request: its content keeps its shapes and cache marks.
  const own = req.source === DIALECT
  const h = chatHints(req.extra, own)
  const body: JsonObject = spreadFields({}, h)
  body.model = opts.model ?? req.model
  body.messages = encodeMessages(req, opts, own)
  if (req.stream) body.stream = true
  else if (h?.stream === false) body.stream = false
  let so: JsonObject | undefined = h?.streamOptions ? { ...h.streamOptions } : undefined
  if (req.includeUsage !== undefined) so = { ...so, include_usage: req.includeUsage }
  // A foreign client's dialect reports usage in its stream, so ask the upstream for it.
  else if (!own && req.stream) so = { include_usage: true }
  if (so) body.stream_options = so
  encodeSampling(req, h, body)
  if (req.tools !== undefined) encodeTools(req.tools, own, h?.tools === 'empty', body)
  if (req.toolChoice !== undefined) body.tool_choice = encodeToolChoice(req.toolChoice)
  if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls
  if (req.responseFormat !== undefined) {
    const raw = h?.responseFormat
    body.response_format =
      raw && sameJson(decodeResponseFormat(raw), req.responseFormat)
        ? raw
        : encodeResponseFormat(req.responseFormat)
  }
  const effort = encodeReasoningEffort(req.reasoning)
  if (effort !== undefined) body.reasoning_effort = effort
  return body
}
