/**
 * Anthropic Messages content ↔ IR: the message list and roles, content blocks (text, image,
 * document), `cache_control` marks, and the block dispatch that hands thinking blocks to
 * `reasoning.ts` and tool_use/tool_result blocks to `tools.ts`. Responses and streams decode their
 * blocks here too.
 *
 * Messages from another dialect are normalised to what the API accepts: consecutive same-role turns
 * merge, `tool` messages become tool_result blocks of the user turn that follows the tool_use turn
 * (results first), empty/whitespace text is dropped (never carrying cache_control), empty turns are
 * dropped, mid-list `system` messages are hoisted into `system` in order, and a final assistant
 * prefill loses trailing whitespace. A request of this dialect keeps its mid-list `system` messages
 * in place.
 *
 * Dropped without error, by choice: `detail` on images. Audio, images in assistant turns and
 * another provider's file ids throw DialectError naming the field.
 */
import { isObject, type JsonObject } from '../common/json.ts'
import {
  extraWith,
  fail,
  hintsFor,
  hintsOf,
  keepField,
  spreadFields,
  withHints,
} from '../common/round-trip.ts'
import type {
  CacheControl,
  Extra,
  FilePart,
  ImagePart,
  MediaSource,
  Message,
  Part,
  Provenance,
  Role,
  TextPart,
} from '../ir.ts'
import { decodeRedactedThinkingBlock, decodeThinkingBlock, encodeThinkingPart } from './reasoning.ts'
import { decodeToolResultBlock, decodeToolUseBlock, encodeToolCall, encodeToolResult } from './tools.ts'
import { DIALECT, type Hints } from './types.ts'

const MESSAGE_KEYS = new Set(['role', 'content'])
const TEXT_KEYS = new Set(['type', 'text', 'cache_control', 'citations'])
const IMAGE_KEYS = new Set(['type', 'source', 'cache_control'])
const DOCUMENT_KEYS = new Set(['type', 'source', 'title', 'cache_control'])

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
    if (!whole) keepField(h, 'cache_control', cc)
    return out
  }
  keepField(h, 'cache_control', cc)
  return undefined
}

/**
 * The tail of a block decoder: `cache_control` onto the part (what the IR cannot hold of it stays
 * in `h`), then the hints into the part's `extra`.
 */
export function withCacheAndHints<P extends { cacheControl?: CacheControl; extra?: Extra }>(
  part: P,
  raw: JsonObject,
  h: Hints,
): P {
  const cc = readCacheControl(raw, h)
  if (cc) part.cacheControl = cc
  return withHints(part, DIALECT, h)
}

export function encodeCacheControl(cc: CacheControl): JsonObject {
  return cc.ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: cc.ttl }
}

export function rawPart(block: JsonObject): TextPart {
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

export function str(v: unknown, param: string): string {
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
      const h = hintsFor<Hints>(raw, TEXT_KEYS)
      const part: TextPart = { type: 'text', text: str(raw.text, `${path}.text`) }
      const cc = readCacheControl(raw, h)
      if (cc) part.cacheControl = cc
      if (Array.isArray(raw.citations)) part.citations = raw.citations
      else if (raw.citations !== undefined) keepField(h, 'citations', raw.citations)
      const extra = extraWith(DIALECT, h)
      if (extra) part.extra = extra
      return part
    }
    case 'image': {
      const source = readSource(raw.source, false)
      if (!source) return rawPart(raw)
      const h = hintsFor<Hints>(raw, IMAGE_KEYS)
      const part: ImagePart = { type: 'image', source }
      return withCacheAndHints(part, raw, h)
    }
    case 'document': {
      const source = readSource(raw.source, true)
      if (!source) return rawPart(raw)
      const h = hintsFor<Hints>(raw, DOCUMENT_KEYS)
      const part: FilePart = { type: 'file', source }
      if (typeof raw.title === 'string') part.title = raw.title
      else if (raw.title !== undefined) keepField(h, 'title', raw.title)
      return withCacheAndHints(part, raw, h)
    }
    case 'thinking':
      return decodeThinkingBlock(raw, path, prov)
    case 'redacted_thinking':
      return decodeRedactedThinkingBlock(raw, path, prov)
    case 'tool_use':
      return decodeToolUseBlock(raw, path)
    case 'tool_result':
      return decodeToolResultBlock(raw, path, prov)
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
  const h = hintsFor<Hints>(raw, MESSAGE_KEYS)
  const msg: Message = { role, content: decodeContent(raw.content, `${path}.content`, h) }
  const extra = extraWith(DIALECT, h)
  if (extra) msg.extra = extra
  return msg
}

/** A request's `messages` array → IR messages. */
export function decodeMessages(raw: unknown): Message[] {
  if (!Array.isArray(raw)) fail('messages must be an array', 'messages')
  const messages: Message[] = new Array(raw.length)
  for (let i = 0; i < raw.length; i++) messages[i] = decodeMessage(raw[i], i)
  return messages
}

export function decodeSystem(system: unknown, h: Hints): TextPart[] {
  if (system === undefined) return []
  if (typeof system === 'string') {
    h.form = 'string'
    return [{ type: 'text', text: system }]
  }
  if (!Array.isArray(system)) fail('system must be a string or an array of text blocks', 'system')
  const parts: TextPart[] = new Array(system.length)
  for (let i = 0; i < system.length; i++) {
    const p = decodeBlock(system[i], `system.${i}`)
    if (p.type !== 'text' || hintsOf<Hints>(p.extra, DIALECT)?.block)
      fail(`system.${i} must be a text block`, `system.${i}`)
    parts[i] = p
  }
  return parts
}

// ---------------------------------------------------------------------------------------------
// Encoding

export interface EncodeContext {
  /**
   * The request is this dialect's: its own values that are not kept fields (file ids, citations,
   * `strict: false`, system messages in place, a tool result's block form) may go back.
   */
  own: boolean
  provider: string | undefined
  foreignThinking: 'drop' | 'text'
  /** One sanitised id per original id, so tool_use and tool_result always agree. */
  ids: Map<string, string>
}

export function isPlainText(b: JsonObject): boolean {
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
      if (!ctx.own) fail(`${path}: a file id of another provider cannot be sent to Anthropic`, path)
      return { type: 'file', file_id: src.fileId }
  }
}

export function encodeImage(part: ImagePart, path: string, ctx: EncodeContext): JsonObject {
  const b: JsonObject = { type: 'image', source: encodeImageSource(part.source, path, ctx) }
  if (part.cacheControl) b.cache_control = encodeCacheControl(part.cacheControl)
  return spreadFields(b, hintsOf<Hints>(part.extra, DIALECT))
}

export function encodeFile(part: FilePart, path: string, ctx: EncodeContext): JsonObject {
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
  return spreadFields(b, hintsOf<Hints>(part.extra, DIALECT))
}

export function encodeText(part: TextPart, ctx: EncodeContext): JsonObject | undefined {
  const h = hintsOf<Hints>(part.extra, DIALECT)
  if (h?.block) return h.block
  // The API rejects empty and whitespace-only text blocks, and cache_control on them.
  if (part.text.trim() === '') return undefined
  const b: JsonObject = { type: 'text', text: part.text }
  if (part.cacheControl) b.cache_control = encodeCacheControl(part.cacheControl)
  if (part.citations && ctx.own) b.citations = part.citations
  return spreadFields(b, h)
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
    case 'tool_call':
      if (role !== 'assistant') fail(`${path}: tool calls belong in assistant turns`, path)
      return encodeToolCall(part, ctx)
    case 'tool_result':
      if (role === 'assistant') fail(`${path}: tool results belong in user turns`, path)
      return encodeToolResult(part, path, ctx)
    case 'thinking':
      return role === 'assistant' ? encodeThinkingPart(part, ctx) : undefined
  }
}

export interface Turn {
  role: 'user' | 'assistant' | 'system'
  blocks: JsonObject[]
  /** Several IR messages went into it, so its original form (string content) no longer applies. */
  merged: boolean
  message: Message
}

export function encodeMessages(messages: Message[], ctx: EncodeContext, hoisted: JsonObject[]): Turn[] {
  const turns: Turn[] = []
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!
    if (m.role === 'system' && !ctx.own) {
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
export function trimFinalAssistant(turns: Turn[]): void {
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

export function turnToWire(t: Turn): JsonObject {
  const h = hintsOf<Hints>(t.message.extra, DIALECT)
  let content: unknown = t.blocks
  if (h?.form === 'string' && !t.merged && t.blocks.every(isPlainText)) {
    content = t.blocks.map((b) => b.text as string).join('')
  }
  return spreadFields({ role: t.role, content }, h)
}

/**
 * The request's `system`: a string when the client sent one and it still fits one, else text
 * blocks followed by the system messages hoisted out of the message list.
 */
export function encodeSystem(
  system: TextPart[],
  hoisted: JsonObject[],
  h: Hints | undefined,
  ctx: EncodeContext,
): string | JsonObject[] | undefined {
  if (
    h?.form === 'string' &&
    hoisted.length === 0 &&
    system.every((p) => !p.cacheControl && !p.citations && !p.extra)
  ) {
    return system.map((p) => p.text).join('')
  }
  const blocks: JsonObject[] = []
  for (const p of system) {
    const b = encodeText(p, ctx)
    if (b) blocks.push(b)
  }
  for (const b of hoisted) blocks.push(b)
  return blocks.length > 0 ? blocks : undefined
}
