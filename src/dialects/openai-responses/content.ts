/**
 * Messages and their content parts ↔ Responses items. The item list is shared by the request's
 * `input` and the response's `output` (one assistant turn of items, see response.ts).
 *
 * - `instructions` ↔ `system` (request.ts); a string `input` ↔ one user message.
 * - `message` items: user → user; system/developer → system (wire role `developer` unless the
 *   client wrote `system`); assistant → parts of an assistant turn.
 * - consecutive assistant-turn items (`reasoning`, assistant `message`, `function_call`) form ONE
 *   IR assistant message; each `function_call_output` becomes one IR `tool` message (tools.ts).
 * - any other item (`item_reference`, `custom_tool_call`, `web_search_call`, …) becomes a
 *   message with empty `content` whose hints hold the item verbatim: only this dialect puts it
 *   back, in place; other encoders see an empty message and skip it.
 *
 * Encoding for another dialect's IR: item ids are only sent when they carry the right prefix
 * (`fc` for function calls, `rs_` for reasoning, `msg_` for messages) — a `call_…`/`toolu_…` id in
 * `id` is a 400.
 */
import { mintId } from '../common/ids.ts'
import { isObject, type JsonObject } from '../common/json.ts'
import { guessMediaType, mediaSourceFromUrl, mediaSourceToUrl } from '../common/media.ts'
import { extraWith, fillGaps, hintsOf, keepField, unknownFields } from '../common/round-trip.ts'
import {
  type AudioPart,
  DialectError,
  type FilePart,
  type ImagePart,
  type MediaSource,
  type Message,
  type Part,
  type Provenance,
  type TextPart,
  type ThinkingPart,
  type ToolResultContent,
} from '../ir.ts'
import { continuesReasoning, decodeReasoningItem, reasoningItem } from './reasoning.ts'
import { decodeFunctionCall, decodeToolResult, encodeToolResult, functionCallItem } from './tools.ts'
import { DIALECT, fieldsOf, type Hints, takenKeySets, withHints } from './types.ts'

/** How the assistant-turn encoder behaves: request history or a response's output. */
export interface ItemContext {
  /**
   * The IR was decoded by this dialect (`source` is ours), set once per request or response:
   * what a Responses client sent comes back as sent, another dialect's IR gets what the API needs.
   */
  ownSource: boolean
  mode: 'request' | 'response'
  provider?: string
  foreignThinking?: 'drop' | 'text'
  /** Response mode: provenance to wrap signatures with when a part has none. */
  provenance?: Provenance
  /** Response mode: the client's tool namespaces, to split flattened function names back. */
  toolNamespaces?: readonly string[]
}

/** Input items → IR messages, grouping each assistant turn into one message. */
export function decodeItems(items: unknown[]): Message[] {
  const out: Message[] = []
  const prov: Provenance = { dialect: DIALECT }
  /** Function names by call id, for tool results (Gemini's functionResponse needs the name). */
  const names = new Map<string, string>()
  let turn: Message | undefined
  const assistantTurn = (): Part[] => {
    if (!turn) {
      turn = { role: 'assistant', content: [] }
      out.push(turn)
    }
    return turn.content
  }
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    const path = `input.${i}`
    if (!isObject(item)) throw new DialectError('Each input item must be an object', path)
    const type = item.type
    if (type === 'message' || (type === undefined && item.role !== undefined)) {
      const role = item.role
      if (role === 'assistant') {
        if (decodeAssistantMessage(item, path, assistantTurn)) continue
      } else if (role === 'user' || role === 'system' || role === 'developer') {
        turn = undefined
        out.push(decodeInputMessage(item, role, path))
        continue
      } else {
        throw new DialectError(
          "A message's role must be user, assistant, system or developer",
          `${path}.role`,
        )
      }
    } else if (type === 'reasoning') {
      assistantTurn().push(...decodeReasoningItem(item, path, prov))
      continue
    } else if (type === 'function_call') {
      const call = decodeFunctionCall(item, path)
      names.set(call.id, call.name)
      assistantTurn().push(call)
      continue
    } else if (type === 'function_call_output') {
      turn = undefined
      out.push({ role: 'tool', content: [decodeToolResult(item, path, names)] })
      continue
    }
    turn = undefined
    out.push(rawItemMessage(item))
  }
  return out
}

/** An item the IR cannot model, carried verbatim in order. */
function rawItemMessage(item: JsonObject): Message {
  const type = typeof item.type === 'string' ? item.type : ''
  // Outputs and references are the client's side of the conversation; calls are the model's.
  const role = type.endsWith('_output') || type === 'item_reference' || type === '' ? 'user' : 'assistant'
  return { role, content: [], extra: { [DIALECT]: { item } satisfies Hints } }
}

function decodeInputMessage(item: JsonObject, role: 'user' | 'system' | 'developer', path: string): Message {
  const msg: Message = { role: role === 'user' ? 'user' : 'system', content: [] }
  const h = messageHints(item)
  if (role === 'system') h.role = 'system'
  const c = item.content
  if (typeof c === 'string') {
    msg.content.push({ type: 'text', text: c })
    h.content = 'string'
  } else if (Array.isArray(c)) {
    for (let j = 0; j < c.length; j++)
      msg.content.push(decodeInputPart(c[j], `${path}.content.${j}`, 'input_text'))
  } else {
    throw new DialectError("A message needs 'content' (a string or an array of parts)", `${path}.content`)
  }
  const extra = extraWith(DIALECT, h)
  if (extra) msg.extra = extra
  return msg
}

const MESSAGE_KEYS: ReadonlySet<string> = new Set(['role', 'content'])

/** A message item's hints: its fields other than role and content. */
function messageHints(item: JsonObject): Hints {
  const fields = unknownFields(item, MESSAGE_KEYS)
  return fields ? { fields } : {}
}

/** Returns false for an assistant message with no content (carried as a raw item instead). */
function decodeAssistantMessage(item: JsonObject, path: string, turn: () => Part[]): boolean {
  const message = messageHints(item)
  const c = item.content
  if (typeof c === 'string') {
    message.content = 'string'
    turn().push({ type: 'text', text: c, extra: { [DIALECT]: { message } satisfies Hints } })
    return true
  }
  if (!Array.isArray(c)) {
    throw new DialectError("A message needs 'content' (a string or an array of parts)", `${path}.content`)
  }
  if (c.length === 0) return false
  const parts = turn()
  for (let j = 0; j < c.length; j++) {
    const part = decodeInputPart(c[j], `${path}.content.${j}`, 'output_text')
    if (part.type !== 'text') {
      throw new DialectError(
        'Assistant messages carry only output_text and refusal parts',
        `${path}.content.${j}`,
      )
    }
    if (j === 0) part.extra = { [DIALECT]: { ...hintsOf<Hints>(part.extra, DIALECT), message } }
    parts.push(part)
  }
  return true
}

type InputContent = TextPart | ImagePart | FilePart | AudioPart

const TEXT_KEYS = takenKeySets(['type', 'text'], ['annotations'])
const IMAGE_KEYS = takenKeySets(['type'], ['image_url', 'file_id', 'detail'])
const FILE_KEYS = takenKeySets(['type'], ['file_data', 'file_url', 'file_id', 'filename'])
const REFUSAL_KEYS: ReadonlySet<string> = new Set(['type', 'refusal'])
const AUDIO_PART_KEYS: ReadonlySet<string> = new Set(['type', 'input_audio'])
const AUDIO_KEYS: ReadonlySet<string> = new Set(['data', 'format'])

/** One content part; `defaultText` is the text part type the role normally uses. */
export function decodeInputPart(
  p: unknown,
  path: string,
  defaultText: 'input_text' | 'output_text',
): InputContent {
  if (!isObject(p)) throw new DialectError('Each content part must be an object', path)
  switch (p.type) {
    case 'input_text':
    case 'output_text': {
      if (typeof p.text !== 'string')
        throw new DialectError('A text part needs a string text', `${path}.text`)
      const part: TextPart = { type: 'text', text: p.text }
      let taken = 0
      if (Array.isArray(p.annotations) && p.annotations.length > 0) {
        part.citations = p.annotations
        taken |= 1
      }
      const h = fieldsOf(p, TEXT_KEYS[taken]!)
      if (p.type !== defaultText) h.partType = p.type
      return withHints(part, h)
    }
    case 'refusal': {
      if (typeof p.refusal !== 'string')
        throw new DialectError('A refusal part needs a string', `${path}.refusal`)
      const h = fieldsOf(p, REFUSAL_KEYS)
      h.refusal = true
      return withHints<TextPart>({ type: 'text', text: p.refusal }, h)
    }
    case 'input_image': {
      let taken = 0
      let source: MediaSource
      if (typeof p.image_url === 'string') {
        source = mediaSourceFromUrl(p.image_url)
        taken |= 1
      } else if (typeof p.file_id === 'string') {
        source = { kind: 'file_id', fileId: p.file_id }
        taken |= 2
      } else {
        throw new DialectError('An input_image needs image_url or file_id', `${path}.image_url`)
      }
      const part: ImagePart = { type: 'image', source }
      if (p.detail === 'auto' || p.detail === 'low' || p.detail === 'high') {
        part.detail = p.detail
        taken |= 4
      }
      return withHints(part, fieldsOf(p, IMAGE_KEYS[taken]!))
    }
    case 'input_file': {
      let taken = 0
      const filename = typeof p.filename === 'string' ? p.filename : undefined
      let raw = false
      let source: MediaSource
      if (typeof p.file_data === 'string') {
        if (p.file_data.startsWith('data:')) {
          source = mediaSourceFromUrl(p.file_data)
        } else {
          source = { kind: 'base64', mediaType: guessMediaType(filename ?? ''), data: p.file_data }
          raw = true
        }
        taken |= 1
      } else if (typeof p.file_url === 'string') {
        source = { kind: 'url', url: p.file_url }
        taken |= 2
      } else if (typeof p.file_id === 'string') {
        source = { kind: 'file_id', fileId: p.file_id }
        taken |= 4
      } else {
        throw new DialectError('An input_file needs file_data, file_url or file_id', `${path}.file_data`)
      }
      const part: FilePart = { type: 'file', source }
      if (filename !== undefined) {
        part.filename = filename
        taken |= 8
      }
      const h = fieldsOf(p, FILE_KEYS[taken]!)
      if (raw) h.fileData = 'raw'
      return withHints(part, h)
    }
    case 'input_audio': {
      const a = p.input_audio
      if (!isObject(a) || typeof a.data !== 'string' || typeof a.format !== 'string') {
        throw new DialectError(
          'An input_audio part needs input_audio.data and .format',
          `${path}.input_audio`,
        )
      }
      const part: AudioPart = { type: 'audio', data: a.data, format: a.format }
      const h = fieldsOf(p, AUDIO_PART_KEYS)
      const nested = unknownFields(a, AUDIO_KEYS)
      if (nested) keepField(h, 'input_audio', nested)
      return withHints(part, h)
    }
    default:
      throw new DialectError(`Unsupported content part type '${String(p.type)}'`, `${path}.type`)
  }
}

export function encodeInput(messages: Message[], ctx: ItemContext): string | JsonObject[] | undefined {
  if (messages.length === 0) return undefined
  if (messages.length === 1) {
    const m = messages[0]!
    const only = m.content[0]
    if (
      m.role === 'user' &&
      hintsOf<Hints>(m.extra, DIALECT)?.input === 'string' &&
      m.content.length === 1 &&
      only?.type === 'text'
    ) {
      return only.text
    }
  }
  const items: JsonObject[] = []
  for (let m = 0; m < messages.length; m++) {
    const msg = messages[m]!
    const item = hintsOf<Hints>(msg.extra, DIALECT)?.item
    if (item) {
      items.push(item)
      continue
    }
    if (msg.role === 'assistant') encodeAssistantParts(msg.content, `messages.${m}.content`, items, ctx)
    else encodeClientMessage(msg, m, items, ctx)
  }
  return items
}

/** A user, system or tool message: message items for content, function_call_output items for results. */
function encodeClientMessage(msg: Message, m: number, items: JsonObject[], ctx: ItemContext): void {
  const h = hintsOf<Hints>(msg.extra, DIALECT)
  const role = msg.role === 'system' ? (h?.role === 'system' ? 'system' : 'developer') : 'user'
  let content: JsonObject[] | undefined
  for (let j = 0; j < msg.content.length; j++) {
    const p = msg.content[j]!
    const path = `messages.${m}.content.${j}`
    if (p.type === 'tool_result') {
      content = undefined
      items.push(encodeToolResult(p, path, ctx))
      continue
    }
    if (msg.role === 'tool') throw new DialectError('A tool message carries only tool results', path)
    if (p.type === 'thinking' || p.type === 'tool_call') {
      throw new DialectError(`A ${msg.role} message cannot carry a ${p.type} part`, path)
    }
    if (!content) {
      content = []
      items.push(messageItem(role, content, h, ctx))
    }
    content.push(encodeContentPart(p, path, ctx))
  }
  // A client's own empty message goes back as sent; another dialect's says nothing the API accepts.
  if (msg.content.length === 0 && ctx.ownSource) items.push(messageItem(role, [], h, ctx))
  finishStringContent(items, h)
}

function messageItem(
  role: string,
  content: JsonObject[],
  h: Hints | undefined,
  ctx: ItemContext,
): JsonObject {
  if (!ctx.ownSource) return { type: 'message', role, content }
  return fillGaps({ role, content }, h?.fields)
}

/** Restores `content: "…"` on the last item when the client wrote it that way. */
function finishStringContent(items: JsonObject[], h: Hints | undefined): void {
  if (h?.content !== 'string') return
  const item = items[items.length - 1]
  const content = item?.content
  if (!item || !Array.isArray(content) || content.length !== 1) return
  const only = content[0]
  if (isObject(only) && Object.keys(only).length === 2 && typeof only.text === 'string')
    item.content = only.text
}

export function encodeContentPart(
  p: ToolResultContent | AudioPart,
  path: string,
  ctx: ItemContext,
): JsonObject {
  const h = hintsOf<Hints>(p.extra, DIALECT)
  const fields = h?.fields
  switch (p.type) {
    case 'text': {
      if (h?.refusal === true) return fillGaps({ type: 'refusal', refusal: p.text }, fields)
      const out: JsonObject = { type: h?.partType ?? 'input_text', text: p.text }
      if (ctx.ownSource && p.citations) out.annotations = p.citations
      return fillGaps(out, fields)
    }
    case 'image': {
      const out: JsonObject = { type: 'input_image' }
      if (p.source.kind === 'file_id') out.file_id = p.source.fileId
      else out.image_url = mediaSourceToUrl(p.source)
      if (p.detail !== undefined) out.detail = p.detail
      return fillGaps(out, fields)
    }
    case 'file': {
      const out: JsonObject = { type: 'input_file' }
      if (p.filename !== undefined) out.filename = p.filename
      const src = p.source
      if (src.kind === 'base64') out.file_data = h?.fileData === 'raw' ? src.data : mediaSourceToUrl(src)
      else if (src.kind === 'url') out.file_url = src.url
      else out.file_id = src.fileId
      return fillGaps(out, fields)
    }
    case 'audio':
      return fillGaps({ type: 'input_audio', input_audio: { data: p.data, format: p.format } }, fields)
    default:
      throw new DialectError('Unsupported content part', path)
  }
}

/**
 * One assistant turn's parts → items: reasoning, assistant message (consecutive text parts share
 * one) and function_call items, in order. Shared by request history and response output.
 */
export function encodeAssistantParts(
  parts: Part[],
  path: string,
  items: JsonObject[],
  ctx: ItemContext,
): void {
  let message: JsonObject | undefined
  let marker: Hints | undefined
  const close = () => {
    if (message) finishStringContent(items, marker)
    message = undefined
    marker = undefined
  }
  const textPart = (p: TextPart): JsonObject => {
    const h = hintsOf<Hints>(p.extra, DIALECT)
    if (h?.refusal === true) return fillGaps({ type: 'refusal', refusal: p.text }, h.fields)
    const out: JsonObject = { type: h?.partType ?? 'output_text', text: p.text }
    if (ctx.mode === 'response') out.annotations = ctx.ownSource && p.citations ? p.citations : []
    else if (ctx.ownSource && p.citations) out.annotations = p.citations
    return fillGaps(out, h?.fields)
  }
  const append = (content: JsonObject, startMarker: Hints | undefined) => {
    if (!message || startMarker) {
      close()
      marker = startMarker
      message = openMessage(startMarker, ctx)
      items.push(message)
    }
    ;(message.content as JsonObject[]).push(content)
  }

  let j = 0
  while (j < parts.length) {
    const p = parts[j]!
    switch (p.type) {
      case 'text': {
        append(textPart(p), hintsOf<Hints>(p.extra, DIALECT)?.message)
        j++
        break
      }
      case 'thinking': {
        let k = j + 1
        while (k < parts.length && continuesReasoning(parts[k]!, parts[k - 1]!, ctx)) k++
        const group = parts.slice(j, k) as ThinkingPart[]
        const item = reasoningItem(group, ctx)
        if (item) {
          close()
          items.push(item)
        } else if (ctx.foreignThinking === 'text') {
          for (const t of group)
            if (t.text !== '') append(textPart({ type: 'text', text: t.text }), undefined)
        }
        j = k
        break
      }
      case 'tool_call':
        close()
        items.push(functionCallItem(p, ctx))
        j++
        break
      default:
        throw new DialectError(`An assistant turn cannot carry a ${p.type} part`, `${path}.${j}`)
    }
  }
  close()
}

function openMessage(marker: Hints | undefined, ctx: ItemContext): JsonObject {
  const fields = marker?.fields
  if (ctx.mode === 'response') {
    const item: JsonObject = {
      id: typeof fields?.id === 'string' ? fields.id : mintId('msg_'),
      type: 'message',
      status: typeof fields?.status === 'string' ? fields.status : 'completed',
      role: 'assistant',
      content: [],
    }
    return fillGaps(item, fields)
  }
  if (!ctx.ownSource) return { type: 'message', role: 'assistant', content: [] }
  return fillGaps({ role: 'assistant', content: [] }, fields)
}
