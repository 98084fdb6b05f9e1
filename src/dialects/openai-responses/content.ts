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
 *   message with empty `content` and `extra.$item` = the item verbatim: only this dialect puts it
 *   back, in place; other encoders see an empty message and skip it.
 *
 * Encoding for another dialect's IR: item ids are only sent when they carry the right prefix
 * (`fc` for function calls, `rs_` for reasoning, `msg_` for messages) — a `call_…`/`toolu_…` id in
 * `id` is a 400.
 */
import { fillFromExtra, restOf } from '../common/extra.ts'
import { mintId } from '../common/ids.ts'
import { isObject, type JsonObject } from '../common/json.ts'
import { guessMediaType, mediaSourceFromUrl, mediaSourceToUrl } from '../common/media.ts'
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
import { US } from './types.ts'

/** How the assistant-turn encoder behaves: request history or a response's output. */
export interface ItemContext {
  /** The IR came from this dialect: honour `extra` and bookkeeping. */
  same: boolean
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
  const prov: Provenance = { dialect: US }
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
  return { role, content: [], extra: { $item: item } }
}

function decodeInputMessage(item: JsonObject, role: 'user' | 'system' | 'developer', path: string): Message {
  const msg: Message = { role: role === 'user' ? 'user' : 'system', content: [] }
  let extra = restOf(item, ['role', 'content'])
  if (role === 'system') {
    extra ??= {}
    extra.$role = 'system'
  }
  const c = item.content
  if (typeof c === 'string') {
    msg.content.push({ type: 'text', text: c })
    extra ??= {}
    extra.$content = 'string'
  } else if (Array.isArray(c)) {
    for (let j = 0; j < c.length; j++)
      msg.content.push(decodeInputPart(c[j], `${path}.content.${j}`, 'input_text'))
  } else {
    throw new DialectError("A message needs 'content' (a string or an array of parts)", `${path}.content`)
  }
  if (extra) msg.extra = extra
  return msg
}

/** Returns false for an assistant message with no content (carried as a raw item instead). */
function decodeAssistantMessage(item: JsonObject, path: string, turn: () => Part[]): boolean {
  const marker: JsonObject = restOf(item, ['role', 'content']) ?? {}
  const c = item.content
  if (typeof c === 'string') {
    marker.$content = 'string'
    turn().push({ type: 'text', text: c, extra: { $message: marker } })
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
    if (j === 0) part.extra = { $message: marker, ...part.extra }
    parts.push(part)
  }
  return true
}

type InputContent = TextPart | ImagePart | FilePart | AudioPart

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
      const used = ['type', 'text']
      if (Array.isArray(p.annotations) && p.annotations.length > 0) {
        part.citations = p.annotations
        used.push('annotations')
      }
      let extra = restOf(p, used)
      if (p.type !== defaultText) {
        extra ??= {}
        extra.$partType = p.type
      }
      if (extra) part.extra = extra
      return part
    }
    case 'refusal': {
      if (typeof p.refusal !== 'string')
        throw new DialectError('A refusal part needs a string', `${path}.refusal`)
      return { type: 'text', text: p.refusal, extra: { $refusal: true, ...restOf(p, ['type', 'refusal']) } }
    }
    case 'input_image': {
      const used = ['type']
      let source: MediaSource
      if (typeof p.image_url === 'string') {
        source = mediaSourceFromUrl(p.image_url)
        used.push('image_url')
      } else if (typeof p.file_id === 'string') {
        source = { kind: 'file_id', fileId: p.file_id }
        used.push('file_id')
      } else {
        throw new DialectError('An input_image needs image_url or file_id', `${path}.image_url`)
      }
      const part: ImagePart = { type: 'image', source }
      if (p.detail === 'auto' || p.detail === 'low' || p.detail === 'high') {
        part.detail = p.detail
        used.push('detail')
      }
      const extra = restOf(p, used)
      if (extra) part.extra = extra
      return part
    }
    case 'input_file': {
      const used = ['type']
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
        used.push('file_data')
      } else if (typeof p.file_url === 'string') {
        source = { kind: 'url', url: p.file_url }
        used.push('file_url')
      } else if (typeof p.file_id === 'string') {
        source = { kind: 'file_id', fileId: p.file_id }
        used.push('file_id')
      } else {
        throw new DialectError('An input_file needs file_data, file_url or file_id', `${path}.file_data`)
      }
      const part: FilePart = { type: 'file', source }
      if (filename !== undefined) {
        part.filename = filename
        used.push('filename')
      }
      let extra = restOf(p, used)
      if (raw) {
        extra ??= {}
        extra.$fileData = 'raw'
      }
      if (extra) part.extra = extra
      return part
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
      let extra = restOf(p, ['type', 'input_audio'])
      const nested = restOf(a, ['data', 'format'])
      if (nested) {
        extra ??= {}
        extra.input_audio = nested
      }
      if (extra) part.extra = extra
      return part
    }
    default:
      throw new DialectError(`Unsupported content part type '${String(p.type)}'`, `${path}.type`)
  }
}

export function encodeInput(messages: Message[], ctx: ItemContext): string | JsonObject[] | undefined {
  if (messages.length === 0) return undefined
  if (ctx.same && messages.length === 1) {
    const m = messages[0]!
    const only = m.content[0]
    if (
      m.role === 'user' &&
      m.extra?.$input === 'string' &&
      m.content.length === 1 &&
      only?.type === 'text'
    ) {
      return only.text
    }
  }
  const items: JsonObject[] = []
  for (let m = 0; m < messages.length; m++) {
    const msg = messages[m]!
    const x = ctx.same ? msg.extra : undefined
    if (x && isObject(x.$item)) {
      items.push(x.$item)
      continue
    }
    if (msg.role === 'assistant') encodeAssistantParts(msg.content, `messages.${m}.content`, items, ctx)
    else encodeClientMessage(msg, m, items, ctx)
  }
  return items
}

/** A user, system or tool message: message items for content, function_call_output items for results. */
function encodeClientMessage(msg: Message, m: number, items: JsonObject[], ctx: ItemContext): void {
  const x = ctx.same ? msg.extra : undefined
  const role = msg.role === 'system' ? (x?.$role === 'system' ? 'system' : 'developer') : 'user'
  let content: JsonObject[] | undefined
  for (let j = 0; j < msg.content.length; j++) {
    const p = msg.content[j]!
    const path = `messages.${m}.content.${j}`
    if (p.type === 'tool_result') {
      content = undefined
      items.push(encodeToolResult(p, path, ctx.same))
      continue
    }
    if (msg.role === 'tool') throw new DialectError('A tool message carries only tool results', path)
    if (p.type === 'thinking' || p.type === 'tool_call') {
      throw new DialectError(`A ${msg.role} message cannot carry a ${p.type} part`, path)
    }
    if (!content) {
      content = []
      items.push(messageItem(role, content, x, ctx.same))
    }
    content.push(encodeContentPart(p, path, ctx.same))
  }
  // A client's own empty message goes back as sent; another dialect's says nothing the API accepts.
  if (msg.content.length === 0 && ctx.same) items.push(messageItem(role, [], x, ctx.same))
  finishStringContent(items, x, ctx.same)
}

function messageItem(
  role: string,
  content: JsonObject[],
  x: JsonObject | undefined,
  same: boolean,
): JsonObject {
  if (!same) return { type: 'message', role, content }
  return fillFromExtra({ role, content }, x)
}

/** Restores `content: "…"` on the last item when the client wrote it that way. */
function finishStringContent(items: JsonObject[], marker: JsonObject | undefined, same: boolean): void {
  if (!same || marker?.$content !== 'string') return
  const item = items[items.length - 1]
  const content = item?.content
  if (!item || !Array.isArray(content) || content.length !== 1) return
  const only = content[0]
  if (isObject(only) && Object.keys(only).length === 2 && typeof only.text === 'string')
    item.content = only.text
}

export function encodeContentPart(p: ToolResultContent | AudioPart, path: string, same: boolean): JsonObject {
  const x = same ? p.extra : undefined
  switch (p.type) {
    case 'text': {
      if (x?.$refusal === true) return fillFromExtra({ type: 'refusal', refusal: p.text }, x)
      const out: JsonObject = {
        type: typeof x?.$partType === 'string' ? x.$partType : 'input_text',
        text: p.text,
      }
      if (same && p.citations) out.annotations = p.citations
      return fillFromExtra(out, x)
    }
    case 'image': {
      const out: JsonObject = { type: 'input_image' }
      if (p.source.kind === 'file_id') out.file_id = p.source.fileId
      else out.image_url = mediaSourceToUrl(p.source)
      if (p.detail !== undefined) out.detail = p.detail
      return fillFromExtra(out, x)
    }
    case 'file': {
      const out: JsonObject = { type: 'input_file' }
      if (p.filename !== undefined) out.filename = p.filename
      const src = p.source
      if (src.kind === 'base64') out.file_data = x?.$fileData === 'raw' ? src.data : mediaSourceToUrl(src)
      else if (src.kind === 'url') out.file_url = src.url
      else out.file_id = src.fileId
      return fillFromExtra(out, x)
    }
    case 'audio':
      return fillFromExtra({ type: 'input_audio', input_audio: { data: p.data, format: p.format } }, x)
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
  let marker: JsonObject | undefined
  const close = () => {
    if (message) finishStringContent(items, marker, ctx.same)
    message = undefined
    marker = undefined
  }
  const textPart = (p: TextPart): JsonObject => {
    const x = ctx.same ? p.extra : undefined
    if (x?.$refusal === true) return fillFromExtra({ type: 'refusal', refusal: p.text }, x)
    const out: JsonObject = {
      type: typeof x?.$partType === 'string' ? x.$partType : 'output_text',
      text: p.text,
    }
    if (ctx.mode === 'response') out.annotations = ctx.same && p.citations ? p.citations : []
    else if (ctx.same && p.citations) out.annotations = p.citations
    return fillFromExtra(out, x)
  }
  const append = (content: JsonObject, startMarker: JsonObject | undefined) => {
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
        const m = ctx.same && isObject(p.extra?.$message) ? p.extra.$message : undefined
        append(textPart(p), m)
        j++
        break
      }
      case 'thinking': {
        let k = j + 1
        while (k < parts.length && continuesReasoning(parts[k]!, parts[k - 1]!, ctx.same)) k++
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

function openMessage(marker: JsonObject | undefined, ctx: ItemContext): JsonObject {
  if (ctx.mode === 'response') {
    const item: JsonObject = {
      id: typeof marker?.id === 'string' ? marker.id : mintId('msg_'),
      type: 'message',
      status: typeof marker?.status === 'string' ? marker.status : 'completed',
      role: 'assistant',
      content: [],
    }
    return fillFromExtra(item, marker)
  }
  if (!ctx.same) return { type: 'message', role: 'assistant', content: [] }
  return fillFromExtra({ role: 'assistant', content: [] }, marker)
}
