/**
 * Tools in Chat: function tool declarations (`tools[]`), `web_search_options` (a search tool of
 * its own field), `tool_choice`, the assistant's `tool_calls` and the `tool` messages carrying
 * their results.
 *
 * A foreign request's tool results are `tool` messages whose texts are joined with `\n` into a
 * string (many compatible servers take only strings); their images and files cannot ride in a
 * `tool` message and go out in a `user` message after the run of tool messages (see `content.ts`).
 */
import { mintId } from '../common/ids.ts'
import { isObject, type JsonObject, stringifyArguments } from '../common/json.ts'
import { unwrapSignature } from '../common/provenance.ts'
import { fail, keepField, spreadFields, unknownFields } from '../common/round-trip.ts'
import type {
  FunctionTool,
  Message,
  Part,
  Provenance,
  Request,
  Tool,
  ToolCallPart,
  ToolResultContent,
  ToolResultPart,
} from '../ir.ts'
import { decodeContent, encodeSameContent, readCache } from './content.ts'
import type { Sign } from './reasoning.ts'
import { chatHints, DIALECT, type Hints, hintsFor, withHints } from './types.ts'

// ---------------------------------------------------------------------------------------------
// Declarations

const TOOL_KEYS = new Set(['type', 'function', 'cache_control'])
const TOOL_FUNCTION_KEYS = new Set(['name', 'description', 'parameters', 'strict'])

function decodeTool(raw: unknown, path: string): Tool {
  if (!isObject(raw)) fail('tool must be an object', path)
  if (raw.type !== 'function') return { kind: 'server', dialect: DIALECT, raw }
  const fn = raw.function
  if (!isObject(fn) || typeof fn.name !== 'string')
    fail('function tool needs `function.name`', `${path}.function.name`)
  const tool: FunctionTool = { kind: 'function', name: fn.name, parameters: {} }
  const h = hintsFor(raw, TOOL_KEYS)
  // `function` keys the IR does not model, and modelled ones of another type, kept as sent
  const fnHints = hintsFor(fn, TOOL_FUNCTION_KEYS)
  if (typeof fn.description === 'string') tool.description = fn.description
  else if (fn.description !== undefined) keepField(fnHints, 'description', fn.description)
  if (isObject(fn.parameters)) tool.parameters = fn.parameters
  else {
    // Tools without parameters take none; other dialects need an object schema.
    tool.parameters = { type: 'object', properties: {} }
    if (fn.parameters === undefined) h.parameters = 'absent'
    else keepField(fnHints, 'parameters', fn.parameters)
  }
  if (typeof fn.strict === 'boolean') tool.strict = fn.strict
  else if (fn.strict !== undefined) keepField(fnHints, 'strict', fn.strict)
  if (fnHints.fields) h.function = fnHints.fields
  readCache(tool, raw, h)
  return withHints(tool, h)
}

/** `own`: the tool is a Chat client's own (its cache marks go back). */
function encodeFunctionTool(t: FunctionTool, own: boolean): JsonObject {
  const h = chatHints(t.extra, own)
  const fn: JsonObject = { name: t.name }
  if (t.description !== undefined) fn.description = t.description
  if (h?.parameters !== 'absent') fn.parameters = t.parameters
  if (t.strict !== undefined) fn.strict = t.strict
  Object.assign(fn, h?.function)
  const out: JsonObject = Object.assign(spreadFields({}, h), { type: 'function', function: fn })
  if (own && t.cacheControl) out.cache_control = { ...t.cacheControl }
  return out
}

/** `tools[]` → IR tools (appended to `into`). */
export function decodeTools(v: unknown[], into: Tool[]): void {
  v.forEach((t, i) => {
    into.push(decodeTool(t, `tools.${i}`))
  })
}

/**
 * IR tools → `body.tools` and `body.web_search_options`; `own`: a Chat client's request, `empty`:
 * it sent `tools: []`.
 */
export function encodeTools(tools: Tool[], own: boolean, empty: boolean, body: JsonObject): void {
  const fns: JsonObject[] = []
  tools.forEach((t, i) => {
    if (t.kind === 'function') fns.push(encodeFunctionTool(t, own))
    else if (t.kind === 'web_search') {
      // Other dialects' settings (max_uses, domains) have no Chat equivalent: search with defaults.
      body.web_search_options = t.dialect === DIALECT && t.config ? t.config : {}
    } else if (t.dialect === DIALECT) fns.push(t.raw)
    else
      fail(`the ${t.dialect} server tool ${JSON.stringify(t.raw.type)} has no Chat equivalent`, `tools.${i}`)
  })
  if (fns.length > 0 || empty) body.tools = fns
}

// ---------------------------------------------------------------------------------------------
// Tool choice

/** `tool_choice` → IR; undefined for a shape the IR cannot hold (kept verbatim). */
export function decodeToolChoice(v: unknown): Request['toolChoice'] {
  if (v === 'auto' || v === 'none' || v === 'required') return { type: v }
  if (
    isObject(v) &&
    v.type === 'function' &&
    isObject(v.function) &&
    typeof v.function.name === 'string' &&
    Object.keys(v).length === 2 &&
    Object.keys(v.function).length === 1
  )
    return { type: 'tool', name: v.function.name }
  if (typeof v === 'string') fail(`unknown tool_choice ${JSON.stringify(v)}`, 'tool_choice')
  return undefined
}

export function encodeToolChoice(tc: NonNullable<Request['toolChoice']>): unknown {
  return tc.type === 'tool' ? { type: 'function', function: { name: tc.name } } : tc.type
}

// ---------------------------------------------------------------------------------------------
// Tool calls

const TOOL_CALL_KEYS = new Set(['id', 'type', 'function', 'extra_content'])
const FUNCTION_KEYS = new Set(['name', 'arguments'])

/** A Chat tool call → IR; `fallback` is the provenance of an unwrapped Gemini thought signature. */
export function decodeToolCall(raw: unknown, path: string, fallback?: Provenance): ToolCallPart {
  if (!isObject(raw)) fail('tool call must be an object', path)
  if (raw.type !== undefined && raw.type !== 'function')
    fail(`unsupported tool call type ${JSON.stringify(raw.type)}`, `${path}.type`)
  const fn = raw.function
  if (!isObject(fn) || typeof fn.name !== 'string')
    fail('tool call needs `function.name`', `${path}.function.name`)
  const args = fn.arguments
  if (args !== undefined && args !== null && typeof args !== 'string')
    fail('`function.arguments` must be a JSON string', `${path}.function.arguments`)
  const part: ToolCallPart = {
    type: 'tool_call',
    id: typeof raw.id === 'string' && raw.id !== '' ? raw.id : mintId('call_'),
    name: fn.name,
    arguments: stringifyArguments(args),
  }
  const h = hintsFor(raw, TOOL_CALL_KEYS)
  if (raw.type === undefined) h.type = 'absent'
  const fnFields = unknownFields(fn, FUNCTION_KEYS)
  if (fnFields) h.function = fnFields
  const ec = raw.extra_content
  if (ec !== undefined) {
    const google = isObject(ec) ? ec.google : undefined
    if (isObject(ec) && isObject(google) && typeof google.thought_signature === 'string') {
      const s = unwrapSignature(google.thought_signature, DIALECT, fallback)
      part.thoughtSignature = s.signature
      part.provenance = s.provenance
      const { thought_signature: _, ...googleRest } = google
      const { google: __, ...ecRest } = ec
      const rest: JsonObject = Object.keys(googleRest).length > 0 ? { ...ecRest, google: googleRest } : ecRest
      if (Object.keys(rest).length > 0) h.extraContent = rest
    } else keepField(h, 'extra_content', ec)
  }
  return withHints(part, h)
}

/**
 * IR tool call (with its hints when a Chat client's own) → Chat; `sign` says which thought
 * signature (if any) the receiver may see.
 */
export function encodeToolCall(part: ToolCallPart, h: Hints | undefined, sign: Sign): JsonObject {
  const out: JsonObject = spreadFields({}, h)
  out.id = part.id
  if (h?.type !== 'absent') out.type = 'function'
  out.function = {
    ...h?.function,
    name: part.name,
    arguments: stringifyArguments(part.arguments),
  }
  const sig = part.thoughtSignature === undefined ? undefined : sign(part.thoughtSignature, part.provenance)
  const ecRest = h?.extraContent
  if (sig !== undefined || ecRest) {
    const ec: JsonObject = { ...ecRest }
    if (sig !== undefined) ec.google = { ...(isObject(ec.google) ? ec.google : {}), thought_signature: sig }
    out.extra_content = ec
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Tool results (`tool` messages)

/** A `tool` message → IR (its own hints are the caller's); `names` maps tool-call ids seen so far to function names (Gemini results need the name). */
export function decodeToolMessage(m: JsonObject, path: string, names: Map<string, string>): Message {
  if (typeof m.tool_call_id !== 'string') fail('tool messages need a `tool_call_id`', `${path}.tool_call_id`)
  const c = decodeContent(m.content, 'content' in m, `${path}.content`)
  const content: ToolResultContent[] = []
  for (const p of c.parts) {
    if (p.type !== 'text' && p.type !== 'image' && p.type !== 'file')
      fail(`tool message content cannot hold a ${p.type} part`, `${path}.content`)
    content.push(p)
  }
  const result: ToolResultPart = { type: 'tool_result', toolCallId: m.tool_call_id, content }
  const name = names.get(m.tool_call_id)
  if (name !== undefined) result.name = name
  if (c.shape !== 'array') withHints(result, { content: c.shape })
  return { role: 'tool', content: [result] }
}

/**
 * An IR tool result (of message `m`) → a `tool` message; `own`: a Chat client's request. A
 * foreign result's images and files cannot ride in it: they are appended to `media`, for the
 * `user` message that follows.
 */
export function encodeToolMessage(
  r: ToolResultPart,
  m: Message,
  own: boolean,
  media: Part[],
  path: string,
): JsonObject {
  const msg: JsonObject = spreadFields({}, chatHints(m.extra, own))
  msg.role = 'tool'
  msg.tool_call_id = r.toolCallId
  if (own) {
    // A Chat client's own tool content goes back exactly as it was sent.
    const c = encodeSameContent(r.content, chatHints(r.extra)?.content, `${path}.content`)
    if (c !== undefined) msg.content = c
  } else {
    const texts: string[] = []
    for (const c of r.content) {
      if (c.type === 'text') texts.push(c.text)
      else media.push(c)
    }
    msg.content = texts.join('\n')
  }
  if (m.role === 'tool' && m.name !== undefined) msg.name = m.name
  return msg
}
