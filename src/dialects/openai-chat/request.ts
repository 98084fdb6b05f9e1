/**
 * Chat Completions request ↔ IR.
 *
 * Reasoning mapping (request field `reasoning_effort`, levels from `common/reasoning.ts`):
 *
 * | chat `reasoning_effort`            | IR `reasoning`                       |
 * |------------------------------------|--------------------------------------|
 * | `none`                             | `{ mode: 'off', effort: 'none' }`    |
 * | `minimal`/`low`/`medium`/`high`/`xhigh` | `{ effort }`                    |
 * | anything else (vendor values)      | kept verbatim in `extra`             |
 * | IR `mode: 'off'` / budget 0        | `none`                               |
 * | IR effort, or budget → `effortForBudget` | `clampEffort` to the six levels (`max` → `xhigh`) |
 * | IR `mode: 'auto'` without a level  | omitted (the model decides)          |
 * | IR `summary` / `includeThoughts`   | no Chat field; display hints only, not sent |
 *
 * Content shapes a foreign request (another dialect's IR) is given, since Chat has several:
 *
 * | role      | shape                                                                          |
 * |-----------|--------------------------------------------------------------------------------|
 * | system    | one text → string, several → array of text parts (IR `req.system` goes first)  |
 * | user      | one text → string, otherwise an array of parts                                  |
 * | assistant | texts joined into one string; `null` when only tool calls                       |
 * | tool      | texts joined with `\n` into a string (many compatible servers take only strings); images and files follow in a `user` message |
 *
 * Markers the decoder leaves for a same-dialect encode start with `$` inside `extra` (no Chat
 * field does), so `wireExtra` can tell them from the client's own unknown fields.
 */

import { isBookkeeping } from '../common/extra.ts'
import { mintId } from '../common/ids.ts'
import { isObject, type JsonObject, pickExtra, stringifyArguments } from '../common/json.ts'
import { guessMediaType, mediaSourceFromUrl, mediaSourceToUrl } from '../common/media.ts'
import { isNative, unwrapSignature } from '../common/provenance.ts'
import { clampEffort, effortOf } from '../common/reasoning.ts'
import {
  type CacheControl,
  DialectError,
  type EncodeRequestOptions,
  type Extra,
  type FilePart,
  type FunctionTool,
  type ImagePart,
  type Message,
  type Part,
  type Provenance,
  type ReasoningEffort,
  type Request,
  type ResponseFormat,
  type TextPart,
  type ThinkingPart,
  type Tool,
  type ToolCallPart,
  type ToolResultContent,
  type ToolResultPart,
} from '../ir.ts'
import { DIALECT } from './types.ts'

/** The levels Chat models accept; anything else is clamped to the nearest of these. */
const EFFORTS: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh']

// ---------------------------------------------------------------------------------------------
// Small shared helpers (also used by response.ts and the stream codecs)

/** The client's own unknown fields of an `extra` bag, without the decoder's `$` markers. */
export function wireExtra(extra: Extra | undefined): JsonObject | undefined {
  if (!extra) return undefined
  let out: JsonObject | undefined
  for (const k in extra) {
    if (!isBookkeeping(k)) {
      out ??= {}
      out[k] = extra[k]
    }
  }
  return out
}

/** Adds `value` under `key` to a possibly absent bag. */
function put(extra: Extra | undefined, key: string, value: unknown): Extra {
  const bag = extra ?? {}
  bag[key] = value
  return bag
}

/** Deep equality of JSON values, key order ignored. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false
    return true
  }
  const ao = a as JsonObject
  const bo = b as JsonObject
  const ak = Object.keys(ao)
  if (ak.length !== Object.keys(bo).length) return false
  for (const k of ak) if (!(k in bo) || !sameJson(ao[k], bo[k])) return false
  return true
}

function decodeCacheControl(v: unknown): CacheControl | undefined {
  if (!isObject(v) || v.type !== 'ephemeral') return undefined
  const cc: CacheControl = { type: 'ephemeral' }
  if (v.ttl === '5m' || v.ttl === '1h') cc.ttl = v.ttl
  return cc
}

function fail(message: string, param: string): never {
  throw new DialectError(message, param)
}

// ---------------------------------------------------------------------------------------------
// Content parts

const TEXT_KEYS = new Set(['type', 'text', 'cache_control'])
const IMAGE_KEYS = new Set(['type', 'image_url', 'cache_control'])
const IMAGE_URL_KEYS = new Set(['url', 'detail'])
const FILE_KEYS = new Set(['type', 'file', 'cache_control'])
const FILE_INNER_KEYS = new Set(['file_data', 'file_id', 'filename'])
const AUDIO_KEYS = new Set(['type', 'input_audio'])
const AUDIO_INNER_KEYS = new Set(['data', 'format'])
const REFUSAL_KEYS = new Set(['type', 'refusal'])

/**
 * `cache_control` on a part: the IR field when it is the plain Anthropic shape, otherwise kept
 * verbatim in `extra` (returned) so nothing the client sent is lost.
 */
function readCache(
  part: { cacheControl?: CacheControl },
  raw: JsonObject,
  extra: Extra | undefined,
): Extra | undefined {
  if (raw.cache_control === undefined) return extra
  const cc = decodeCacheControl(raw.cache_control)
  if (cc && sameJson(cc, raw.cache_control)) {
    part.cacheControl = cc
    return extra
  }
  return put(extra, 'cache_control', raw.cache_control)
}

/** One element of a `content` array → IR part. */
function decodeContentPart(raw: unknown, path: string): Part {
  if (!isObject(raw)) fail('content part must be an object', path)
  switch (raw.type) {
    case 'text': {
      if (typeof raw.text !== 'string') fail('text part needs a string `text`', `${path}.text`)
      const part: TextPart = { type: 'text', text: raw.text }
      const extra = readCache(part, raw, pickExtra(raw, TEXT_KEYS))
      if (extra) part.extra = extra
      return part
    }
    case 'refusal': {
      if (typeof raw.refusal !== 'string') fail('refusal part needs a string `refusal`', `${path}.refusal`)
      const part: TextPart = { type: 'text', text: raw.refusal, extra: { $part: 'refusal' } }
      const extra = pickExtra(raw, REFUSAL_KEYS)
      if (extra) Object.assign(part.extra as Extra, extra)
      return part
    }
    case 'image_url': {
      const img = raw.image_url
      if (!isObject(img) || typeof img.url !== 'string')
        fail('image_url needs a `url`', `${path}.image_url.url`)
      const part: ImagePart = { type: 'image', source: mediaSourceFromUrl(img.url) }
      let extra = pickExtra(raw, IMAGE_KEYS)
      if (mediaSourceToUrl(part.source) !== img.url) extra = put(extra, '$url', img.url)
      if (img.detail === 'auto' || img.detail === 'low' || img.detail === 'high') part.detail = img.detail
      else if (img.detail !== undefined) extra = put(extra, '$detail', img.detail)
      const inner = pickExtra(img, IMAGE_URL_KEYS)
      if (inner) extra = put(extra, '$image_url', inner)
      extra = readCache(part, raw, extra)
      if (extra) part.extra = extra
      return part
    }
    case 'file': {
      const file = raw.file
      if (!isObject(file)) fail('file part needs a `file` object', `${path}.file`)
      let extra = pickExtra(raw, FILE_KEYS)
      let part: FilePart
      if (typeof file.file_data === 'string') {
        const data = file.file_data
        if (data.startsWith('data:')) {
          part = { type: 'file', source: mediaSourceFromUrl(data) }
          if (mediaSourceToUrl(part.source) !== data) extra = put(extra, '$url', data)
        } else {
          // Some clients send bare base64; the media type then comes from the file name.
          const name = typeof file.filename === 'string' ? file.filename : ''
          const mediaType = guessMediaType(name, 'application/pdf')
          part = { type: 'file', source: { kind: 'base64', mediaType, data } }
          extra = put(extra, '$bare', true)
        }
        if (typeof file.file_id === 'string') extra = put(extra, '$file_id', file.file_id)
      } else if (typeof file.file_id === 'string') {
        part = { type: 'file', source: { kind: 'file_id', fileId: file.file_id } }
      } else {
        fail('file part needs `file_data` or `file_id`', `${path}.file`)
      }
      if (typeof file.filename === 'string') part.filename = file.filename
      const inner = pickExtra(file, FILE_INNER_KEYS)
      if (inner) extra = put(extra, '$file', inner)
      extra = readCache(part, raw, extra)
      if (extra) part.extra = extra
      return part
    }
    case 'input_audio': {
      const a = raw.input_audio
      if (!isObject(a) || typeof a.data !== 'string' || typeof a.format !== 'string')
        fail('input_audio needs `data` and `format`', `${path}.input_audio`)
      const part: Part = { type: 'audio', data: a.data, format: a.format }
      let extra = pickExtra(raw, AUDIO_KEYS)
      const inner = pickExtra(a, AUDIO_INNER_KEYS)
      if (inner) extra = put(extra, '$input_audio', inner)
      if (extra) part.extra = extra
      return part
    }
    default:
      return fail(`unsupported content part type ${JSON.stringify(raw.type)}`, `${path}.type`)
  }
}

/** IR part → one element of a `content` array. */
function encodeContentPart(part: Part, same: boolean, path: string): JsonObject {
  const extra = same ? part.extra : undefined
  switch (part.type) {
    case 'text': {
      if (extra?.$part === 'refusal') return { ...wireExtra(extra), type: 'refusal', refusal: part.text }
      const out: JsonObject = { ...wireExtra(extra), type: 'text', text: part.text }
      if (same && part.cacheControl) out.cache_control = { ...part.cacheControl }
      return out
    }
    case 'image': {
      const url =
        typeof extra?.$url === 'string'
          ? extra.$url
          : part.source.kind === 'file_id'
            ? fail('Chat images take a URL or data URL, not a file id', `${path}.source`)
            : mediaSourceToUrl(part.source)
      const img: JsonObject = { ...(extra?.$image_url as JsonObject | undefined), url }
      if (part.detail) img.detail = part.detail
      else if (extra?.$detail !== undefined) img.detail = extra.$detail
      const out: JsonObject = { ...wireExtra(extra), type: 'image_url', image_url: img }
      if (same && part.cacheControl) out.cache_control = { ...part.cacheControl }
      return out
    }
    case 'file': {
      const file: JsonObject = { ...(extra?.$file as JsonObject | undefined) }
      if (part.source.kind === 'file_id') file.file_id = part.source.fileId
      else if (part.source.kind === 'url') fail('Chat file parts cannot reference a URL', `${path}.source`)
      else {
        file.file_data =
          typeof extra?.$url === 'string'
            ? extra.$url
            : extra?.$bare
              ? part.source.data
              : mediaSourceToUrl(part.source)
        if (typeof extra?.$file_id === 'string') file.file_id = extra.$file_id
      }
      if (part.filename !== undefined) file.filename = part.filename
      const out: JsonObject = { ...wireExtra(extra), type: 'file', file }
      if (same && part.cacheControl) out.cache_control = { ...part.cacheControl }
      return out
    }
    case 'audio':
      return {
        ...wireExtra(extra),
        type: 'input_audio',
        input_audio: {
          ...(extra?.$input_audio as JsonObject | undefined),
          data: part.data,
          format: part.format,
        },
      }
    default:
      return fail(`a ${part.type} part cannot appear here in Chat`, path)
  }
}

/** How `content` was shaped on the wire, so a same-dialect encode restores it. */
type ContentShape = 'string' | 'null' | 'absent' | 'array'

function decodeContent(raw: unknown, present: boolean, path: string): { parts: Part[]; shape: ContentShape } {
  if (!present) return { parts: [], shape: 'absent' }
  if (raw === null) return { parts: [], shape: 'null' }
  if (typeof raw === 'string')
    return { parts: raw === '' ? [] : [{ type: 'text', text: raw }], shape: 'string' }
  if (Array.isArray(raw))
    return { parts: raw.map((p, j) => decodeContentPart(p, `${path}.${j}`)), shape: 'array' }
  return fail('content must be a string, an array of parts or null', path)
}

/**
 * Content of a same-dialect message in the shape the client sent: a string, `null`, absent, or
 * an array of parts.
 */
function encodeSameContent(parts: Part[], shape: unknown, path: string): unknown {
  if (shape === 'string' && parts.every((p) => p.type === 'text')) return parts.map((p) => p.text).join('')
  if (parts.length === 0 && shape === 'null') return null
  if (parts.length === 0 && shape === 'absent') return undefined
  return parts.map((p, j) => encodeContentPart(p, true, `${path}.${j}`))
}

/** Content of a foreign message: one text part is a string, anything else an array. */
function encodeForeignContent(parts: Part[], path: string): string | JsonObject[] {
  const only = parts.length === 1 ? parts[0] : undefined
  if (only?.type === 'text') return only.text
  if (parts.length === 0) return ''
  return parts.map((p, j) => encodeContentPart(p, false, `${path}.${j}`))
}

// ---------------------------------------------------------------------------------------------
// Assistant messages (shared with response.ts)

const TOOL_CALL_KEYS = new Set(['id', 'type', 'function', 'extra_content'])
const FUNCTION_KEYS = new Set(['name', 'arguments'])

/** A Chat tool call → IR; `fallback` is the provenance of an unwrapped Gemini thought signature. */
function decodeToolCall(raw: unknown, path: string, fallback?: Provenance): ToolCallPart {
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
function encodeToolCall(
  part: ToolCallPart,
  same: boolean,
  sign: (signature: string, prov: Provenance | undefined) => string | undefined,
): JsonObject {
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

const ASSISTANT_KEYS = new Set([
  'role',
  'content',
  'name',
  'tool_calls',
  'refusal',
  'reasoning_content',
  'reasoning_signature',
])

/**
 * An assistant message (request history or response `message`) → IR parts and the message's
 * `extra` (unknown fields and shape markers). `fallback` is the provenance for signatures the
 * gateway did not wrap.
 */
export function decodeAssistant(
  m: JsonObject,
  path: string,
  fallback: Provenance | undefined,
): { parts: Part[]; extra: Extra | undefined } {
  let extra: Extra | undefined = pickExtra(m, ASSISTANT_KEYS)
  const parts: Part[] = []
  const rc = m.reasoning_content
  const rs = m.reasoning_signature
  const hasText = typeof rc === 'string' && rc !== ''
  const hasSig = typeof rs === 'string' && rs !== ''
  if (hasText || hasSig) {
    const t: ThinkingPart = { type: 'thinking', text: hasText ? rc : '' }
    if (hasSig) {
      const s = unwrapSignature(rs, DIALECT, fallback)
      t.signature = s.signature
      t.provenance = s.provenance
    } else t.provenance = fallback ?? { dialect: DIALECT }
    if (rc === '') t.extra = { $reasoning_content: '' }
    else if (rc === undefined) t.extra = { $reasoning_content: 'absent' }
    else if (rc === null) t.extra = { $reasoning_content: null }
    parts.push(t)
    if (rs !== undefined && !hasSig) extra = put(extra, 'reasoning_signature', rs)
  } else {
    if (rc !== undefined) extra = put(extra, 'reasoning_content', rc)
    if (rs !== undefined) extra = put(extra, 'reasoning_signature', rs)
  }
  const content = decodeContent(m.content, 'content' in m, `${path}.content`)
  for (const p of content.parts) {
    if (p.type !== 'text') fail('assistant content holds only text and refusal parts', `${path}.content`)
    parts.push(p)
  }
  if (content.shape !== 'array') extra = put(extra, '$content', content.shape)
  if (typeof m.refusal === 'string' && m.refusal !== '') {
    parts.push({ type: 'text', text: m.refusal, extra: { $refusal: true } })
  } else if (m.refusal !== undefined) extra = put(extra, 'refusal', m.refusal)
  if (Array.isArray(m.tool_calls)) {
    m.tool_calls.forEach((tc, k) => {
      parts.push(decodeToolCall(tc, `${path}.tool_calls.${k}`, fallback))
    })
    if (m.tool_calls.length === 0) extra = put(extra, '$tool_calls', 'empty')
  } else if (m.tool_calls !== undefined) extra = put(extra, 'tool_calls', m.tool_calls)
  return { parts, extra }
}

/** What one IR thinking part becomes in a Chat assistant message. */
export type ThinkingOut =
  | { kind: 'reasoning'; text: string; signature?: string }
  | { kind: 'text' }
  | { kind: 'drop' }

/**
 * IR assistant parts → a Chat assistant message. `thinking` decides per thinking part (native,
 * foreign, wrapped); `sign` the same for Gemini thought signatures on tool calls.
 */
export function encodeAssistant(
  parts: Part[],
  extra: Extra | undefined,
  same: boolean,
  path: string,
  thinking: (p: ThinkingPart) => ThinkingOut,
  sign: (signature: string, prov: Provenance | undefined) => string | undefined,
): JsonObject {
  const mx = same ? extra : undefined
  const msg: JsonObject = { role: 'assistant', ...wireExtra(mx) }
  const texts: TextPart[] = []
  const calls: JsonObject[] = []
  let refusal: string | undefined
  let reasoning: unknown
  let signature: string | undefined
  parts.forEach((part, j) => {
    switch (part.type) {
      case 'text':
        if (same && part.extra?.$refusal) refusal = (refusal ?? '') + part.text
        else texts.push(part)
        break
      case 'thinking': {
        const t = thinking(part)
        if (t.kind === 'text') {
          if (part.text !== '') texts.push({ type: 'text', text: part.text })
        } else if (t.kind === 'reasoning') {
          // `$reasoning_content` records a signature that came with '' / null / no text.
          const wire: unknown = same && part.extra ? part.extra.$reasoning_content : undefined
          if (wire === undefined) reasoning = (typeof reasoning === 'string' ? reasoning : '') + t.text
          else if (wire !== 'absent') reasoning ??= wire
          if (t.signature !== undefined) signature = t.signature
        }
        break
      }
      case 'tool_call':
        calls.push(encodeToolCall(part, same, sign))
        break
      default:
        fail(`assistant messages in Chat cannot carry a ${part.type} part`, `${path}.content.${j}`)
    }
  })
  if (same) {
    const c = encodeSameContent(texts, mx?.$content, `${path}.content`)
    if (c !== undefined) msg.content = c
  } else {
    msg.content = texts.length > 0 ? texts.map((t) => t.text).join('') : calls.length > 0 ? null : ''
  }
  if (refusal !== undefined) msg.refusal = refusal
  if (reasoning !== undefined) msg.reasoning_content = reasoning
  if (signature !== undefined) msg.reasoning_signature = signature
  if (calls.length > 0 || (same && mx?.$tool_calls === 'empty')) msg.tool_calls = calls
  return msg
}

// ---------------------------------------------------------------------------------------------
// Messages

const MESSAGE_KEYS = new Set(['role', 'content', 'name'])
const TOOL_MESSAGE_KEYS = new Set(['role', 'content', 'name', 'tool_call_id'])

/** `names` maps tool-call ids seen so far to function names (Gemini results need the name). */
function decodeMessage(m: unknown, i: number, names: Map<string, string>): Message {
  const path = `messages.${i}`
  if (!isObject(m)) fail('message must be an object', path)
  let msg: Message
  switch (m.role) {
    case 'system':
    case 'developer':
    case 'user': {
      const c = decodeContent(m.content, 'content' in m, `${path}.content`)
      if (m.role !== 'user' && c.parts.some((p) => p.type !== 'text'))
        fail(`${m.role} messages hold only text`, `${path}.content`)
      let extra = pickExtra(m, MESSAGE_KEYS)
      if (c.shape !== 'array') extra = put(extra, '$content', c.shape)
      if (m.role === 'developer') extra = put(extra, '$role', 'developer')
      msg = { role: m.role === 'user' ? 'user' : 'system', content: c.parts }
      if (extra) msg.extra = extra
      break
    }
    case 'assistant': {
      const a = decodeAssistant(m, path, undefined)
      for (const p of a.parts) if (p.type === 'tool_call') names.set(p.id, p.name)
      msg = { role: 'assistant', content: a.parts }
      if (a.extra) msg.extra = a.extra
      break
    }
    case 'tool': {
      if (typeof m.tool_call_id !== 'string')
        fail('tool messages need a `tool_call_id`', `${path}.tool_call_id`)
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
      msg = { role: 'tool', content: [result] }
      const extra = pickExtra(m, TOOL_MESSAGE_KEYS)
      if (extra) msg.extra = extra
      break
    }
    case 'function':
      return fail('legacy `function` messages are not supported; use `tool` messages', `${path}.role`)
    default:
      return fail(`unknown role ${JSON.stringify(m.role)}`, `${path}.role`)
  }
  if (typeof m.name === 'string') msg.name = m.name
  else if (m.name !== undefined) msg.extra = put(msg.extra, 'name', m.name)
  return msg
}

const hasOpaque = (p: ThinkingPart) =>
  p.signature !== undefined || p.redacted !== undefined || p.encrypted !== undefined

/**
 * Request-side thinking rule: plain text always; opaque only when native; else drop or text. A
 * reasoning item's opaque value rides on one of its parts (Responses: the last) but covers them
 * all, so every part sharing its `itemId` counts as opaque.
 */
function requestThinking(
  opts: EncodeRequestOptions,
  messages: readonly Message[],
): (p: ThinkingPart) => ThinkingOut {
  const opaqueItems = new Set<string>()
  for (const m of messages)
    for (const p of m.content)
      if (p.type === 'thinking' && p.itemId !== undefined && hasOpaque(p)) opaqueItems.add(p.itemId)
  return (p) => {
    const opaque = hasOpaque(p) || (p.itemId !== undefined && opaqueItems.has(p.itemId))
    if (!opaque) return { kind: 'reasoning', text: p.text }
    if (isNative(p.provenance, DIALECT, opts.provider)) {
      const out: ThinkingOut = { kind: 'reasoning', text: p.text }
      if (p.signature !== undefined) out.signature = p.signature
      return out
    }
    return opts.foreignThinking === 'text' ? { kind: 'text' } : { kind: 'drop' }
  }
}

function encodeMessages(req: Request, opts: EncodeRequestOptions, same: boolean): JsonObject[] {
  const out: JsonObject[] = []
  const thinking = requestThinking(opts, req.messages)
  const sign = (s: string, prov: Provenance | undefined) =>
    isNative(prov, DIALECT, opts.provider) ? s : undefined
  if (req.system.length > 0) out.push({ role: 'system', content: encodeForeignContent(req.system, 'system') })

  // Chat `tool` messages cannot carry images or files: they wait here and go out in one `user`
  // message after the run of tool messages (a user message between two tool messages would
  // break the tool_calls → tool sequence OpenAI validates).
  let pending: Part[] = []
  const flush = () => {
    if (pending.length > 0) {
      out.push({
        role: 'user',
        content: pending.map((p, j) => encodeContentPart(p, false, `tool_media.${j}`)),
      })
      pending = []
    }
  }
  const pushToolMessage = (r: ToolResultPart, m: Message, path: string) => {
    const msg: JsonObject = {
      ...(same ? wireExtra(m.extra) : undefined),
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
        else pending.push(c)
      }
      msg.content = texts.join('\n')
    }
    if (m.role === 'tool' && m.name !== undefined) msg.name = m.name
    out.push(msg)
  }

  req.messages.forEach((m, i) => {
    const path = `messages.${i}`
    const mx = same ? m.extra : undefined
    let msg: JsonObject
    switch (m.role) {
      case 'system': {
        flush()
        m.content.forEach((p, j) => {
          if (p.type !== 'text')
            fail(`system messages in Chat hold only text, not ${p.type}`, `${path}.content.${j}`)
        })
        msg = { ...wireExtra(mx), role: mx?.$role === 'developer' ? 'developer' : 'system' }
        const c = same
          ? encodeSameContent(m.content, mx?.$content, `${path}.content`)
          : encodeForeignContent(m.content, `${path}.content`)
        if (c !== undefined) msg.content = c
        break
      }
      case 'user': {
        // Anthropic-style user turns carry tool results: those become tool messages first.
        const rest: Part[] = []
        let results = 0
        m.content.forEach((p, j) => {
          if (p.type === 'tool_result') {
            results++
            pushToolMessage(p, m, `${path}.content.${j}`)
          } else if (p.type === 'tool_call' || p.type === 'thinking') {
            fail(`user messages cannot carry a ${p.type} part`, `${path}.content.${j}`)
          } else rest.push(p)
        })
        if (rest.length === 0 && results > 0) return
        const parts = pending.length > 0 ? [...pending, ...rest] : rest
        pending = []
        msg = { ...wireExtra(mx), role: 'user' }
        const c = same
          ? encodeSameContent(parts, mx?.$content, `${path}.content`)
          : encodeForeignContent(parts, `${path}.content`)
        if (c !== undefined) msg.content = c
        break
      }
      case 'assistant':
        flush()
        msg = encodeAssistant(m.content, m.extra, same, path, thinking, sign)
        break
      case 'tool':
        m.content.forEach((p, j) => {
          if (p.type !== 'tool_result')
            fail(`tool messages hold only tool results, not ${p.type}`, `${path}.content.${j}`)
          pushToolMessage(p, m, `${path}.content.${j}`)
        })
        return
    }
    if (m.name !== undefined) msg.name = m.name
    out.push(msg)
  })
  flush()
  return out
}

// ---------------------------------------------------------------------------------------------
// Tools, tool choice, response format

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
  if (raw.cache_control !== undefined) {
    const cc = decodeCacheControl(raw.cache_control)
    if (cc && sameJson(cc, raw.cache_control)) tool.cacheControl = cc
    else extra = put(extra, 'cache_control', raw.cache_control)
  }
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

type NumberField = 'temperature' | 'topP' | 'topK' | 'presencePenalty' | 'frequencyPenalty' | 'seed' | 'n'

/** Chat's numeric knobs and their IR names. `top_k` is not OpenAI's but vLLM/Ollama/DeepSeek-style servers take it. */
const NUMBER_FIELDS: Record<string, NumberField> = {
  temperature: 'temperature',
  top_p: 'topP',
  top_k: 'topK',
  presence_penalty: 'presencePenalty',
  frequency_penalty: 'frequencyPenalty',
  seed: 'seed',
  n: 'n',
}
const NUMBER_FIELD_PAIRS = Object.entries(NUMBER_FIELDS)

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
  const extra = req.extra
  const names = new Map<string, string>()
  req.messages = body.messages.map((m, i) => decodeMessage(m, i, names))
  const tools: Tool[] = []
  let hasTools = false
  for (const key in body) {
    const v = body[key]
    if (v === null) {
      // Explicit nulls mean "default"; kept so the same body comes back out.
      if (key !== 'model' && key !== 'messages') extra[key] = v
      continue
    }
    switch (key) {
      case 'model':
      case 'messages':
        break
      case 'stream':
        if (typeof v !== 'boolean') fail('`stream` must be a boolean', key)
        req.stream = v
        if (!v) extra.$stream = false
        break
      case 'stream_options': {
        if (!isObject(v)) fail('`stream_options` must be an object', key)
        if (typeof v.include_usage === 'boolean') req.includeUsage = v.include_usage
        const rest = pickExtra(v, new Set(['include_usage']))
        if (rest || typeof v.include_usage !== 'boolean') extra.$stream_options = { ...rest }
        break
      }
      case 'max_tokens':
      case 'max_completion_tokens':
        if (typeof v !== 'number') fail(`\`${key}\` must be a number`, key)
        // Both present: max_completion_tokens is the cap, max_tokens rides along verbatim.
        if (key === 'max_tokens' && typeof body.max_completion_tokens === 'number') extra.max_tokens = v
        else {
          req.maxOutputTokens = v
          if (key === 'max_tokens') extra.$max_field = 'max_tokens'
        }
        break
      case 'temperature':
      case 'top_p':
      case 'top_k':
      case 'presence_penalty':
      case 'frequency_penalty':
      case 'seed':
      case 'n':
        if (typeof v !== 'number') fail(`\`${key}\` must be a number`, key)
        req[NUMBER_FIELDS[key] as NumberField] = v
        break
      case 'stop':
        if (typeof v === 'string') {
          req.stop = [v]
          extra.$stop = 'string'
        } else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) req.stop = v as string[]
        else fail('`stop` must be a string or an array of strings', key)
        break
      case 'user':
        if (typeof v !== 'string') fail('`user` must be a string', key)
        req.user = v
        break
      case 'metadata':
        if (!isObject(v)) fail('`metadata` must be an object', key)
        req.metadata = v
        break
      case 'tools':
        if (!Array.isArray(v)) fail('`tools` must be an array', key)
        hasTools = true
        v.forEach((t, i) => {
          tools.push(decodeTool(t, `tools.${i}`))
        })
        if (v.length === 0) extra.$tools = 'empty'
        break
      case 'web_search_options':
        if (!isObject(v)) fail('`web_search_options` must be an object', key)
        break
      case 'tool_choice':
        if (v === 'auto' || v === 'none' || v === 'required') req.toolChoice = { type: v }
        else if (
          isObject(v) &&
          v.type === 'function' &&
          isObject(v.function) &&
          typeof v.function.name === 'string' &&
          Object.keys(v).length === 2 &&
          Object.keys(v.function).length === 1
        )
          req.toolChoice = { type: 'tool', name: v.function.name }
        else if (typeof v === 'string') fail(`unknown tool_choice ${JSON.stringify(v)}`, key)
        else extra[key] = v
        break
      case 'parallel_tool_calls':
        if (typeof v !== 'boolean') fail('`parallel_tool_calls` must be a boolean', key)
        req.parallelToolCalls = v
        break
      case 'response_format': {
        if (!isObject(v)) fail('`response_format` must be an object', key)
        const rf = decodeResponseFormat(v)
        if (!rf) extra[key] = v
        else {
          req.responseFormat = rf
          if (!sameJson(encodeResponseFormat(rf), v)) extra.$response_format = v
        }
        break
      }
      case 'reasoning_effort':
        if (typeof v !== 'string') fail('`reasoning_effort` must be a string', key)
        if ((EFFORTS as readonly string[]).includes(v)) {
          const effort = v as ReasoningEffort
          req.reasoning = effort === 'none' ? { mode: 'off', effort } : { effort }
        } else extra[key] = v
        break
      default:
        extra[key] = v
    }
  }
  // Web search goes last so function tools keep their positions.
  const ws = body.web_search_options
  if (isObject(ws)) tools.push({ kind: 'web_search', config: ws, dialect: DIALECT })
  if (hasTools || tools.length > 0) req.tools = tools
  return req
}

export function encodeRequest(req: Request, opts: EncodeRequestOptions = {}): Record<string, unknown> {
  const same = req.source === DIALECT
  const x = same ? req.extra : undefined
  const body: JsonObject = { ...wireExtra(x), model: opts.model ?? req.model }
  body.messages = encodeMessages(req, opts, same)
  if (req.stream) body.stream = true
  else if (x?.$stream === false) body.stream = false
  let so: JsonObject | undefined = isObject(x?.$stream_options) ? { ...x.$stream_options } : undefined
  if (req.includeUsage !== undefined) so = { ...so, include_usage: req.includeUsage }
  // A foreign client's dialect reports usage in its stream, so ask the upstream for it.
  else if (!same && req.stream) so = { include_usage: true }
  if (so) body.stream_options = so
  if (req.maxOutputTokens !== undefined) {
    body[x?.$max_field === 'max_tokens' ? 'max_tokens' : 'max_completion_tokens'] = req.maxOutputTokens
  }
  for (const [wire, ir] of NUMBER_FIELD_PAIRS) {
    const v = req[ir]
    if (v !== undefined) body[wire] = v
  }
  if (req.stop !== undefined) {
    body.stop = x?.$stop === 'string' && req.stop.length === 1 ? req.stop[0] : req.stop
  }
  if (req.user !== undefined) body.user = req.user
  if (req.metadata !== undefined) body.metadata = req.metadata
  if (req.tools !== undefined) {
    const fns: JsonObject[] = []
    req.tools.forEach((t, i) => {
      if (t.kind === 'function') fns.push(encodeFunctionTool(t, same))
      else if (t.kind === 'web_search') {
        // Other dialects' settings (max_uses, domains) have no Chat equivalent: search with defaults.
        body.web_search_options = t.dialect === DIALECT && t.config ? t.config : {}
      } else if (t.dialect === DIALECT) fns.push(t.raw)
      else
        fail(
          `the ${t.dialect} server tool ${JSON.stringify(t.raw.type)} has no Chat equivalent`,
          `tools.${i}`,
        )
    })
    if (fns.length > 0 || x?.$tools === 'empty') body.tools = fns
  }
  if (req.toolChoice !== undefined) {
    const tc = req.toolChoice
    body.tool_choice = tc.type === 'tool' ? { type: 'function', function: { name: tc.name } } : tc.type
  }
  if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls
  if (req.responseFormat !== undefined) {
    const raw = x?.$response_format
    body.response_format =
      isObject(raw) && sameJson(decodeResponseFormat(raw), req.responseFormat)
        ? raw
        : encodeResponseFormat(req.responseFormat)
  }
  const effort = effortOf(req.reasoning)
  if (effort !== undefined) body.reasoning_effort = clampEffort(effort, EFFORTS)
  return body
}
