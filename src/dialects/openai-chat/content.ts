/**
 * Content in Chat: the parts of a message (text, refusal, image, file, audio, cache-control
 * marks), the shapes `content` takes on the wire, assistant messages (shared with `response.ts`)
 * and the message list with its roles.
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
 * A Chat client's own content goes back in the shape it came (`Hints.content`, `Hints.part`…);
 * whether a message is the client's own is the request's `source`, decided once by the caller
 * (`own`), because an array of parts leaves no hint.
 */

import { isObject, type JsonObject } from '../common/json.ts'
import { guessMediaType, mediaSourceFromUrl, mediaSourceToUrl } from '../common/media.ts'
import { fail, hintsFor, keepField, spreadFields, unknownFields, withHints } from '../common/round-trip.ts'
import type { EncodeRequestOptions } from '../contract.ts'
import type {
  CacheControl,
  FilePart,
  ImagePart,
  Message,
  Part,
  Provenance,
  Request,
  TextPart,
  ThinkingPart,
  ToolResultPart,
} from '../ir.ts'
import { decodeThinking, requestSign, requestThinking, type Sign, type ThinkingOut } from './reasoning.ts'
import { decodeToolCall, decodeToolMessage, encodeToolCall, encodeToolMessage } from './tools.ts'
import { chatHints, DIALECT, type Hints } from './types.ts'

/** Deep equality of JSON values, key order ignored. */
export function sameJson(a: unknown, b: unknown): boolean {
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
 * `cache_control` on a part or tool: the IR field when it is the plain Anthropic shape, otherwise
 * kept verbatim in the hints so nothing the client sent is lost.
 */
export function readCache(target: { cacheControl?: CacheControl }, raw: JsonObject, h: Hints): void {
  if (raw.cache_control === undefined) return
  const cc = decodeCacheControl(raw.cache_control)
  if (cc && sameJson(cc, raw.cache_control)) target.cacheControl = cc
  else keepField(h, 'cache_control', raw.cache_control)
}

/** One element of a `content` array → IR part. */
function decodeContentPart(raw: unknown, path: string): Part {
  if (!isObject(raw)) fail('content part must be an object', path)
  switch (raw.type) {
    case 'text': {
      if (typeof raw.text !== 'string') fail('text part needs a string `text`', `${path}.text`)
      const part: TextPart = { type: 'text', text: raw.text }
      const h = hintsFor<Hints>(raw, TEXT_KEYS)
      readCache(part, raw, h)
      return withHints(part, DIALECT, h)
    }
    case 'refusal': {
      if (typeof raw.refusal !== 'string') fail('refusal part needs a string `refusal`', `${path}.refusal`)
      const h: Hints = { part: 'refusal', ...hintsFor<Hints>(raw, REFUSAL_KEYS) }
      return withHints<TextPart, Hints>({ type: 'text', text: raw.refusal }, DIALECT, h)
    }
    case 'image_url': {
      const img = raw.image_url
      if (!isObject(img) || typeof img.url !== 'string')
        fail('image_url needs a `url`', `${path}.image_url.url`)
      const part: ImagePart = { type: 'image', source: mediaSourceFromUrl(img.url) }
      const h = hintsFor<Hints>(raw, IMAGE_KEYS)
      if (mediaSourceToUrl(part.source) !== img.url) h.url = img.url
      if (img.detail === 'auto' || img.detail === 'low' || img.detail === 'high') part.detail = img.detail
      else if (img.detail !== undefined) h.detail = img.detail
      const inner = unknownFields(img, IMAGE_URL_KEYS)
      if (inner) h.imageUrl = inner
      readCache(part, raw, h)
      return withHints(part, DIALECT, h)
    }
    case 'file': {
      const file = raw.file
      if (!isObject(file)) fail('file part needs a `file` object', `${path}.file`)
      const h = hintsFor<Hints>(raw, FILE_KEYS)
      let part: FilePart
      if (typeof file.file_data === 'string') {
        const data = file.file_data
        if (data.startsWith('data:')) {
          part = { type: 'file', source: mediaSourceFromUrl(data) }
          if (mediaSourceToUrl(part.source) !== data) h.url = data
        } else {
          // Some clients send bare base64; the media type then comes from the file name.
          const name = typeof file.filename === 'string' ? file.filename : ''
          const mediaType = guessMediaType(name, 'application/pdf')
          part = { type: 'file', source: { kind: 'base64', mediaType, data } }
          h.bare = true
        }
        if (typeof file.file_id === 'string') h.fileId = file.file_id
      } else if (typeof file.file_id === 'string') {
        part = { type: 'file', source: { kind: 'file_id', fileId: file.file_id } }
      } else {
        fail('file part needs `file_data` or `file_id`', `${path}.file`)
      }
      if (typeof file.filename === 'string') part.filename = file.filename
      const inner = unknownFields(file, FILE_INNER_KEYS)
      if (inner) h.file = inner
      readCache(part, raw, h)
      return withHints(part, DIALECT, h)
    }
    case 'input_audio': {
      const a = raw.input_audio
      if (!isObject(a) || typeof a.data !== 'string' || typeof a.format !== 'string')
        fail('input_audio needs `data` and `format`', `${path}.input_audio`)
      const h = hintsFor<Hints>(raw, AUDIO_KEYS)
      const inner = unknownFields(a, AUDIO_INNER_KEYS)
      if (inner) h.inputAudio = inner
      return withHints<Part, Hints>({ type: 'audio', data: a.data, format: a.format }, DIALECT, h)
    }
    default:
      return fail(`unsupported content part type ${JSON.stringify(raw.type)}`, `${path}.type`)
  }
}

/** IR part → one element of a `content` array; `own`: the part is a Chat client's own. */
function encodeContentPart(part: Part, own: boolean, path: string): JsonObject {
  const h = chatHints(part.extra, own)
  switch (part.type) {
    case 'text': {
      if (h?.part === 'refusal')
        return Object.assign(spreadFields({}, h), { type: 'refusal', refusal: part.text })
      const out: JsonObject = Object.assign(spreadFields({}, h), { type: 'text', text: part.text })
      if (own && part.cacheControl) out.cache_control = { ...part.cacheControl }
      return out
    }
    case 'image': {
      const url =
        h?.url !== undefined
          ? h.url
          : part.source.kind === 'file_id'
            ? fail('Chat images take a URL or data URL, not a file id', `${path}.source`)
            : mediaSourceToUrl(part.source)
      const img: JsonObject = { ...h?.imageUrl, url }
      if (part.detail) img.detail = part.detail
      else if (h?.detail !== undefined) img.detail = h.detail
      const out: JsonObject = Object.assign(spreadFields({}, h), { type: 'image_url', image_url: img })
      if (own && part.cacheControl) out.cache_control = { ...part.cacheControl }
      return out
    }
    case 'file': {
      const file: JsonObject = { ...h?.file }
      if (part.source.kind === 'file_id') file.file_id = part.source.fileId
      else if (part.source.kind === 'url') fail('Chat file parts cannot reference a URL', `${path}.source`)
      else {
        file.file_data =
          h?.url !== undefined ? h.url : h?.bare ? part.source.data : mediaSourceToUrl(part.source)
        if (h?.fileId !== undefined) file.file_id = h.fileId
      }
      if (part.filename !== undefined) file.filename = part.filename
      const out: JsonObject = Object.assign(spreadFields({}, h), { type: 'file', file })
      if (own && part.cacheControl) out.cache_control = { ...part.cacheControl }
      return out
    }
    case 'audio':
      return Object.assign(spreadFields({}, h), {
        type: 'input_audio',
        input_audio: { ...h?.inputAudio, data: part.data, format: part.format },
      })
    default:
      return fail(`a ${part.type} part cannot appear here in Chat`, path)
  }
}

/** How `content` was shaped on the wire, so a same-dialect encode restores it. */
type ContentShape = 'string' | 'null' | 'absent' | 'array'

export function decodeContent(
  raw: unknown,
  present: boolean,
  path: string,
): { parts: Part[]; shape: ContentShape } {
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
export function encodeSameContent(parts: Part[], shape: unknown, path: string): unknown {
  if (shape === 'string' && parts.every((p) => p.type === 'text')) return parts.map((p) => p.text).join('')
  if (parts.length === 0 && shape === 'null') return null
  if (parts.length === 0 && shape === 'absent') return undefined
  return parts.map((p, j) => encodeContentPart(p, true, `${path}.${j}`))
}

/** Content of a foreign message: one text part is a string, anything else an array. */
export function encodeForeignContent(parts: Part[], path: string): string | JsonObject[] {
  const only = parts.length === 1 ? parts[0] : undefined
  if (only?.type === 'text') return only.text
  if (parts.length === 0) return ''
  return parts.map((p, j) => encodeContentPart(p, false, `${path}.${j}`))
}

// ---------------------------------------------------------------------------------------------
// Assistant messages (shared with response.ts)

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
): { parts: Part[]; hints: Hints } {
  const h = hintsFor<Hints>(m, ASSISTANT_KEYS)
  const thinking = decodeThinking(m, fallback, h)
  const parts: Part[] = thinking ? [thinking] : []
  const content = decodeContent(m.content, 'content' in m, `${path}.content`)
  for (const p of content.parts) {
    if (p.type !== 'text') fail('assistant content holds only text and refusal parts', `${path}.content`)
    parts.push(p)
  }
  if (content.shape !== 'array') h.content = content.shape
  if (typeof m.refusal === 'string' && m.refusal !== '') {
    parts.push(withHints<TextPart, Hints>({ type: 'text', text: m.refusal }, DIALECT, { refusal: true }))
  } else if (m.refusal !== undefined) keepField(h, 'refusal', m.refusal)
  if (Array.isArray(m.tool_calls)) {
    m.tool_calls.forEach((tc, k) => {
      parts.push(decodeToolCall(tc, `${path}.tool_calls.${k}`, fallback))
    })
    if (m.tool_calls.length === 0) h.toolCalls = 'empty'
  } else if (m.tool_calls !== undefined) keepField(h, 'tool_calls', m.tool_calls)
  return { parts, hints: h }
}

/** How an assistant message is written: whose it is, and which thinking the receiver may see. */
export interface AssistantRules {
  /** The message is a Chat client's own (request `source`/response `source` is Chat). */
  own: boolean
  /** Decides per thinking part (native, foreign, wrapped). */
  thinking: (p: ThinkingPart) => ThinkingOut
  /** The same for Gemini thought signatures on tool calls. */
  sign: Sign
}

/** IR assistant parts (with the message's hints) → a Chat assistant message. */
export function encodeAssistant(
  parts: Part[],
  mx: Hints | undefined,
  path: string,
  { own, thinking, sign }: AssistantRules,
): JsonObject {
  const msg: JsonObject = spreadFields({ role: 'assistant' }, mx)
  const texts: TextPart[] = []
  const calls: JsonObject[] = []
  let refusal: string | undefined
  let reasoning: unknown
  let signature: string | undefined
  parts.forEach((part, j) => {
    switch (part.type) {
      case 'text':
        if (chatHints(part.extra, own)?.refusal) refusal = (refusal ?? '') + part.text
        else texts.push(part)
        break
      case 'thinking': {
        const t = thinking(part)
        if (t.kind === 'text') {
          if (part.text !== '') texts.push({ type: 'text', text: part.text })
        } else if (t.kind === 'reasoning') {
          // `reasoningContent` records a signature that came with '' / null / no text.
          const wire = chatHints(part.extra, own)?.reasoningContent
          if (wire === undefined) reasoning = (typeof reasoning === 'string' ? reasoning : '') + t.text
          else if (wire !== 'absent') reasoning ??= wire
          if (t.signature !== undefined) signature = t.signature
        }
        break
      }
      case 'tool_call':
        calls.push(encodeToolCall(part, chatHints(part.extra, own), sign))
        break
      default:
        fail(`assistant messages in Chat cannot carry a ${part.type} part`, `${path}.content.${j}`)
    }
  })
  if (own) {
    const c = encodeSameContent(texts, mx?.content, `${path}.content`)
    if (c !== undefined) msg.content = c
  } else {
    msg.content = texts.length > 0 ? texts.map((t) => t.text).join('') : calls.length > 0 ? null : ''
  }
  if (refusal !== undefined) msg.refusal = refusal
  if (reasoning !== undefined) msg.reasoning_content = reasoning
  if (signature !== undefined) msg.reasoning_signature = signature
  if (calls.length > 0 || mx?.toolCalls === 'empty') msg.tool_calls = calls
  return msg
}

// ---------------------------------------------------------------------------------------------
// Messages

const MESSAGE_KEYS = new Set(['role', 'content', 'name'])
const TOOL_MESSAGE_KEYS = new Set(['role', 'content', 'name', 'tool_call_id'])

/** `names` maps tool-call ids seen so far to function names (Gemini results need the name). */
export function decodeMessage(m: unknown, i: number, names: Map<string, string>): Message {
  const path = `messages.${i}`
  if (!isObject(m)) fail('message must be an object', path)
  let msg: Message
  let h: Hints
  switch (m.role) {
    case 'system':
    case 'developer':
    case 'user': {
      const c = decodeContent(m.content, 'content' in m, `${path}.content`)
      if (m.role !== 'user' && c.parts.some((p) => p.type !== 'text'))
        fail(`${m.role} messages hold only text`, `${path}.content`)
      h = hintsFor<Hints>(m, MESSAGE_KEYS)
      if (c.shape !== 'array') h.content = c.shape
      if (m.role === 'developer') h.role = 'developer'
      msg = { role: m.role === 'user' ? 'user' : 'system', content: c.parts }
      break
    }
    case 'assistant': {
      const a = decodeAssistant(m, path, undefined)
      for (const p of a.parts) if (p.type === 'tool_call') names.set(p.id, p.name)
      msg = { role: 'assistant', content: a.parts }
      h = a.hints
      break
    }
    case 'tool':
      msg = decodeToolMessage(m, path, names)
      h = hintsFor<Hints>(m, TOOL_MESSAGE_KEYS)
      break
    case 'function':
      return fail('legacy `function` messages are not supported; use `tool` messages', `${path}.role`)
    default:
      return fail(`unknown role ${JSON.stringify(m.role)}`, `${path}.role`)
  }
  if (typeof m.name === 'string') msg.name = m.name
  else if (m.name !== undefined) keepField(h, 'name', m.name)
  return withHints(msg, DIALECT, h)
}

/** The request's messages → Chat; `own`: the request is a Chat client's own. */
export function encodeMessages(req: Request, opts: EncodeRequestOptions, own: boolean): JsonObject[] {
  const out: JsonObject[] = []
  const rules: AssistantRules = {
    own,
    thinking: requestThinking(opts, req.messages),
    sign: requestSign(opts),
  }
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
    out.push(encodeToolMessage(r, m, own, pending, path))
  }

  req.messages.forEach((m, i) => {
    const path = `messages.${i}`
    const mx = chatHints(m.extra, own)
    let msg: JsonObject
    switch (m.role) {
      case 'system': {
        flush()
        m.content.forEach((p, j) => {
          if (p.type !== 'text')
            fail(`system messages in Chat hold only text, not ${p.type}`, `${path}.content.${j}`)
        })
        msg = spreadFields({}, mx)
        msg.role = mx?.role === 'developer' ? 'developer' : 'system'
        const c = own
          ? encodeSameContent(m.content, mx?.content, `${path}.content`)
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
        msg = spreadFields({}, mx)
        msg.role = 'user'
        const c = own
          ? encodeSameContent(parts, mx?.content, `${path}.content`)
          : encodeForeignContent(parts, `${path}.content`)
        if (c !== undefined) msg.content = c
        break
      }
      case 'assistant':
        flush()
        msg = encodeAssistant(m.content, mx, path, rules)
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
