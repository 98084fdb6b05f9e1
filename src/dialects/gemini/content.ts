/**
 * Gemini contents and parts ↔ IR messages and parts: text, media, audio, the message list and
 * its roles, and the system instruction. Function calls and responses are in `tools.ts`, thoughts
 * in `reasoning.ts`; `decodePart`/`encodePart` dispatch to them.
 *
 * - Roles: `user` ↔ user, `model` ↔ assistant; a user turn of only `functionResponse` parts
 *   decodes as a `tool` message. IR `system` messages anywhere in the list are hoisted into
 *   `systemInstruction` after `req.system`, in order. Foreign IR turns of the same Gemini role
 *   are merged (Gemini wants all answers to one step's calls in one turn); a trailing `model`
 *   turn is sent as it is (Gemini continues from it; dropping it would change the request).
 * - Media: `inlineData` ↔ base64 (image/* → image part, else file); `fileData` ↔ url source.
 *   Gemini fetches no http(s) URL, so a url source that is not `gs://`, a Files API URI or a
 *   YouTube link, and every `file_id` source, throws `DialectError`.
 * - Parts the IR has no type for (executableCode, codeExecutionResult…) ride in `extra` with
 *   their position and come back in place to Gemini clients only.
 *
 * What a Gemini client's body needs to come back as it was rides in `extra.gemini`
 * (`Hints` in `types.ts`); `keptHints` reads it for a Gemini client's IR only.
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { guessMediaType, mediaSourceFromUrl } from '../common/media.ts'
import { isNative, unwrapSignature } from '../common/provenance.ts'
import { extraWith, fail, hintsFor, hintsOf, unknownFields } from '../common/round-trip.ts'
import type { EncodeRequestOptions } from '../contract.ts'
import type {
  AudioPart,
  Extra,
  FilePart,
  ImagePart,
  MediaSource,
  Message,
  Part,
  Provenance,
  Request,
  TextPart,
} from '../ir.ts'
import { camel, objectAt } from './proto-json.ts'
import { decodeThoughtPart, encodeThinkingPart, signCalls } from './reasoning.ts'
import { decodeCall, decodeResult, encodeCallPart, encodeResultPart, orderResponses } from './tools.ts'
import { DIALECT, type Hints, type RawPart } from './types.ts'

/**
 * The Gemini hints of an IR object, when the IR came from a Gemini client (`same`): an IR
 * relabelled as another dialect's gets none of them back, not even the ids Gemini sent.
 */
export function keptHints(extra: Extra | undefined, same: boolean): Hints | undefined {
  return same ? hintsOf<Hints>(extra, DIALECT) : undefined
}

/**
 * The hints of a part that wraps one payload object (`inlineData`, `functionCall`…): the part's
 * unknown fields, and the payload's under the payload's name.
 */
export function payloadHints(
  p: JsonObject,
  known: ReadonlySet<string>,
  key: 'inlineData' | 'fileData' | 'functionCall' | 'functionResponse',
  payload: JsonObject,
  payloadKnown: ReadonlySet<string>,
): Hints {
  const h = hintsFor<Hints>(p, known)
  const inner = unknownFields(payload, payloadKnown)
  if (inner) h[key] = inner
  return h
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

const TEXT_KEYS = new Set(['text', 'thoughtSignature'])
const INLINE_KEYS = new Set(['inlineData'])
const BLOB_KEYS = new Set(['mimeType', 'data'])
const FILE_KEYS = new Set(['fileData'])
const FILE_DATA_KEYS = new Set(['mimeType', 'fileUri'])

export function decodeInline(p: JsonObject, path: string): ImagePart | FilePart {
  const blob = objectAt(p.inlineData, `${path}.inlineData`) ?? {}
  if (typeof blob.mimeType !== 'string')
    fail('inlineData.mimeType must be a string', `${path}.inlineData.mimeType`)
  if (typeof blob.data !== 'string') fail('inlineData.data must be base64 text', `${path}.inlineData.data`)
  const source: MediaSource = { kind: 'base64', mediaType: blob.mimeType, data: blob.data }
  const part = mediaPart(source, blob.mimeType, blob.displayName)
  const extra = extraWith(DIALECT, payloadHints(p, INLINE_KEYS, 'inlineData', blob, BLOB_KEYS))
  if (extra) part.extra = extra
  return part
}

export function decodeFileData(p: JsonObject, path: string): ImagePart | FilePart {
  const fd = objectAt(p.fileData, `${path}.fileData`) ?? {}
  if (typeof fd.fileUri !== 'string') fail('fileData.fileUri must be a string', `${path}.fileData.fileUri`)
  const source: MediaSource = { kind: 'url', url: fd.fileUri }
  if (typeof fd.mimeType === 'string') source.mediaType = fd.mimeType
  const part = mediaPart(source, source.mediaType ?? guessMediaType(fd.fileUri, ''), fd.displayName)
  const extra = extraWith(DIALECT, payloadHints(p, FILE_KEYS, 'fileData', fd, FILE_DATA_KEYS))
  if (extra) part.extra = extra
  return part
}

/** An image part for image/* media, a file part (with its display name) for anything else. */
function mediaPart(source: MediaSource, mime: string, displayName: unknown): ImagePart | FilePart {
  const part: ImagePart | FilePart = mime.startsWith('image/')
    ? { type: 'image', source }
    : { type: 'file', source }
  if (part.type === 'file' && typeof displayName === 'string') part.filename = displayName
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
    if (p.thought === true) return decodeThoughtPart(p, p.text, ctx)
    const part: TextPart = { type: 'text', text: p.text }
    if (p.thoughtSignature !== undefined) {
      const s = unwrapSignature(p.thoughtSignature, DIALECT, ctx.fallback)
      part.thoughtSignature = s.signature
      part.provenance = s.provenance
    }
    const extra = extraWith(DIALECT, hintsFor<Hints>(p, TEXT_KEYS))
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
export function insertRawParts(parts: JsonObject[], raw: readonly RawPart[] | undefined): void {
  if (!Array.isArray(raw)) return
  for (const r of raw) {
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
  const h = keptHints(extra, same)
  const out: JsonObject = { ...h?.fields }
  if (src.kind === 'base64') {
    out.inlineData = {
      ...h?.inlineData,
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
    const fd: JsonObject = { ...h?.fileData }
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

const CONTENT_KEYS = new Set(['role', 'parts'])
const SYSTEM_KEYS = new Set(['parts'])

export function decodeContents(contents: unknown, ctx: PartContext): Message[] {
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
    const h = hintsFor<Hints>(c, CONTENT_KEYS)
    if (role === undefined) h.noRole = true
    if (raw) h.rawParts = raw
    const extra = extraWith(DIALECT, h)
    if (extra) msg.extra = extra
    messages.push(msg)
  }
  return messages
}

export function decodeSystem(v: unknown, req: Request, hints: Hints): void {
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
    const extra = extraWith(DIALECT, hintsFor<Hints>(p, TEXT_KEYS))
    if (typeof p.thoughtSignature === 'string') part.thoughtSignature = p.thoughtSignature
    if (extra) part.extra = extra
    req.system.push(part)
  }
  hints.systemInstruction = unknownFields(si, SYSTEM_KEYS) ?? {}
}

export interface EncodeState {
  /**
   * The IR came from a Gemini client: kept as it came (no merged turns, no dropped empty text,
   * results answered in the client's order). Kept fields come from each object's hints.
   */
  same: boolean
  /** The request's own hints; undefined for a foreign request. */
  hints: Hints | undefined
  opts: EncodeRequestOptions
  /** Tool-call id → function name, from the history so far (functionResponse needs the name). */
  names: Map<string, string>
  /** Tool-call id → position among the calls so far; a foreign functionResponse → its call's. */
  order: Map<string, number>
  rank: WeakMap<JsonObject, number>
}

function encodeTextPart(part: TextPart, st: EncodeState): JsonObject | undefined {
  if (!st.same && part.text === '') return undefined // Gemini rejects empty text parameters
  const out: JsonObject = { ...keptHints(part.extra, st.same)?.fields, text: part.text }
  if (
    part.thoughtSignature !== undefined &&
    isNative(part.provenance, DIALECT, st.opts.provider, st.opts.model)
  )
    out.thoughtSignature = part.thoughtSignature
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
  const out: JsonObject = { ...keptHints(part.extra, st.same)?.fields }
  out.inlineData = { mimeType: audioMime(part.format), data: part.data }
  return out
}

export function encodeSystem(req: Request, st: EncodeState, hoisted: TextPart[]): JsonObject | undefined {
  const bag = st.hints?.systemInstruction
  const parts: JsonObject[] = []
  for (const p of req.system) {
    if (!st.same && p.text === '') continue
    const out: JsonObject = { ...keptHints(p.extra, st.same)?.fields, text: p.text }
    if (st.same && p.thoughtSignature !== undefined) out.thoughtSignature = p.thoughtSignature
    parts.push(out)
  }
  for (const p of hoisted) if (p.text !== '') parts.push({ text: p.text })
  if (parts.length === 0 && !bag) return undefined
  return { ...bag, parts }
}

export function encodeContents(
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
      const h = keptHints(m.extra, st.same)
      insertRawParts(parts, h?.rawParts)
      const c: JsonObject = { ...h?.fields }
      if (h?.noRole !== true) c.role = role
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
