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
import { isObject, type JsonObject, pickExtra, stringifyArguments } from '../common/json.ts'
import { unwrapSignature } from '../common/provenance.ts'
import { fail } from '../common/round-trip.ts'
import type {
  Extra,
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
import { decodeContent, encodeSameContent, put, readCache, wireExtra } from './content.ts'
import type { Sign } from './reasoning.ts'
import { DIALECT } from './types.ts'

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
  let extra = pickExtra(raw, TOOL_KEYS)
  let fnExtra = pickExtra(fn, TOOL_FUNCTION_KEYS)
  if (typeof fn.description === 'string') tool.description = fn.description
  else if (fn.description !== undefined) fnExtra = put(fnExtra, 'description', fn.description)
  if (isObject(fn.parameters)) tool.parameters = fn.parameters
  else {
    // Tools without parameters take none; other dialects need an object schema.
    tool.parameters = { type: 'object', properties: {} }
    if (fn.parameters === undefined) extra = put(extra, '$parameters', 'absent')
    else fnExtra = put(fnExtra, 'parameters', fn.parameters)
  }
  if (typeof fn.strict === 'boolean') tool.strict = fn.strict
  else if (fn.strict !== undefined) fnExtra = put(fnExtra, 'strict', fn.strict)
  if (fnExtra) extra = put(extra, '$function', fnExtra)
  extra = readCache(tool, raw, extra)
  if (extra) tool.extra = extra
  return tool
}

function encodeFunctionTool(t: FunctionTool, same: boolean): JsonObject {
  const extra = same ? t.extra : undefined
  const fn: JsonObject = { name: t.name }
  if (t.description !== undefined) fn.description = t.description
  if (extra?.$parameters !== 'absent') fn.parameters = t.parameters
  if (t.strict !== undefined) fn.strict = t.strict
  Object.assign(fn, extra?.$function as JsonObject | undefined)
  const out: JsonObject = { ...wireExtra(extra), type: 'function', function: fn }
  if (same && t.cacheControl) out.cache_control = { ...t.cacheControl }
  return out
}

/** `tools[]` → IR tools (appended to `into`). */
export function decodeTools(v: unknown[], into: Tool[]): void {
  v.forEach((t, i) => {
    into.push(decodeTool(t, `tools.${i}`))
  })
}

/** IR tools → `body.tools` and `body.web_search_options`; `empty`: the client sent `tools: []`. */
export function encodeTools(tools: Tool[], same: boolean, empty: boolean, body: JsonObject): void {
  const fns: JsonObject[] = []
  tools.forEach((t, i) => {
    if (t.kind === 'function') fns.push(encodeFunctionTool(t, same))
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
  let extra = pickExtra(raw, TOOL_CALL_KEYS)
  if (raw.type === undefined) extra = put(extra, '$type', 'absent')
  const fnExtra = pickExtra(fn, FUNCTION_KEYS)
  if (fnExtra) extra = put(extra, '$function', fnExtra)
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
      if (Object.keys(rest).length > 0) extra = put(extra, '$extra_content', rest)
    } else extra = put(extra, 'extra_content', ec)
  }
  if (extra) part.extra = extra
  return part
}

/** IR tool call → Chat; `sign` says which thought signature (if any) the receiver may see. */
export function encodeToolCall(part: ToolCallPart, same: boolean, sign: Sign): JsonObject {
  const extra = same ? part.extra : undefined
  const out: JsonObject = { ...wireExtra(extra), id: part.id }
  if (extra?.$type !== 'absent') out.type = 'function'
  out.function = {
    ...(extra?.$function as JsonObject | undefined),
    name: part.name,
    arguments: stringifyArguments(part.arguments),
  }
  const sig = part.thoughtSignature === undefined ? undefined : sign(part.thoughtSignature, part.provenance)
  const ecRest = extra?.$extra_content as JsonObject | undefined
  if (sig !== undefined || ecRest) {
    const ec: JsonObject = { ...ecRest }
    if (sig !== undefined) ec.google = { ...(isObject(ec.google) ? ec.google : {}), thought_signature: sig }
    out.extra_content = ec
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Tool results (`tool` messages)

const TOOL_MESSAGE_KEYS = new Set(['role', 'content', 'name', 'tool_call_id'])

/** A `tool` message → IR; `names` maps tool-call ids seen so far to function names (Gemini results need the name). */
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
  if (c.shape !== 'array') result.extra = { $content: c.shape }
  const msg: Message = { role: 'tool', content: [result] }
  const extra = pickExtra(m, TOOL_MESSAGE_KEYS)
  if (extra) msg.extra = extra
  return msg
}

/**
 * An IR tool result (of message `m`) → a `tool` message. A foreign result's images and files
 * cannot ride in it: they are appended to `media`, for the `user` message that follows.
 */
export function encodeToolMessage(
  r: ToolResultPart,
  m: Message,
  same: boolean,
  media: Part[],
  path: string,
): JsonObject {
  const msg: JsonObject = {
    ...(same ? wireExtra(m.extra as Extra | undefined) : undefined),
    role: 'tool',
    tool_call_id: r.toolCallId,
  }
  if (same) {
    // A Chat client's own tool content goes back exactly as it was sent.
    const c = encodeSameContent(r.content, r.extra?.$content, `${path}.content`)
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
