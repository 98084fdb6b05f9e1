/**
 * Responses SSE → IR stream events.
 *
 * Everything is routed by `output_index` (falling back to `item_id`), never by "the last open
 * item": deltas of parallel function calls may interleave, and `function_call_arguments.delta`
 * carries the `fc_` item id, not the `call_id`.
 *
 * | wire                                              | IR                                         |
 * |---------------------------------------------------|--------------------------------------------|
 * | response.created                                  | start (the response object in `extra`)     |
 * | content_part.added (message)                      | block_start text (itemId = msg id)         |
 * | output_text.delta / refusal.delta                 | text_delta                                 |
 * | content_part.done                                 | block_stop                                 |
 * | reasoning_summary_part.added (index k)            | block_start thinking; k > 0 first stops the previous part's block |
 * | reasoning_summary_text.delta / reasoning_text.delta | thinking_delta                           |
 * | output_item.done (reasoning)                      | encrypted_reasoning (if any), block_stop   |
 * | output_item.added (function_call)                 | block_start tool_call (id = call_id, itemId = fc id, namespace) |
 * | function_call_arguments.delta                     | tool_args_delta                            |
 * | output_item.done (function_call)                  | block_stop                                 |
 * | response.completed / response.incomplete          | finish (usage, stop reason; the object in `extra`) |
 * | response.failed, error                            | error                                      |
 * | end of stream without any of those                | error                                      |
 *
 * A reasoning block stays open until its item is done, because `encrypted_content` only arrives
 * on `output_item.done`. Upstreams that skip deltas (only `.done` events, or only a final
 * `response.completed` with `output`) still yield the content. Unknown event types are ignored.
 * `extra` on start/finish is namespaced: `{ 'openai-responses': { response } }`.
 */
import type { SSEEvent } from '../../sse.ts'
import { isObject, type JsonObject } from '../common/json.ts'
import { decodeSSEStream, type Emit, parseData } from '../common/stream.ts'
import type { DecodeStreamOptions } from '../contract.ts'
import type { BlockStart, Provenance, StreamEvent } from '../ir.ts'
import { errorInfoOf } from './errors.ts'
import { decodeUsage, stopReasonOf } from './response.ts'
import { DIALECT } from './types.ts'

const NONE = -1

interface TextPartState {
  block: number
  open: boolean
  /** Deltas received; a part without any takes its text from the `.done` event. */
  seen: number
}

class ItemState {
  /** IR block of the reasoning part or function call; NONE before it opens. */
  block = NONE
  /** Which reasoning part the open block is (`s0`, `s1`… summaries, `c0`… reasoning_text). */
  partKey = ''
  /** Text received for the current reasoning part / arguments received for a call. */
  seen = 0
  stopped = false
  /** Message content parts by content_index. */
  parts: TextPartState[] | undefined
  constructor(
    readonly kind: 'message' | 'reasoning' | 'function_call' | 'other',
    readonly itemId: string,
  ) {
    if (kind === 'message') this.parts = []
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

class Decoder {
  #started = false
  #done = false
  #nextBlock = 0
  #sawItems = false
  #sawToolCall = false
  readonly #items: (ItemState | undefined)[] = []
  readonly #byId = new Map<string, ItemState>()
  readonly #prov: Provenance

  constructor(prov: Provenance) {
    this.#prov = prov
  }

  event(ev: SSEEvent, emit: Emit<StreamEvent>): void {
    if (this.#done) return
    const data = parseData(ev.data)
    if (!isObject(data)) return
    const type = typeof data.type === 'string' ? data.type : ev.event
    switch (type) {
      case 'response.output_text.delta':
      case 'response.refusal.delta': {
        const delta = data.delta
        if (typeof delta !== 'string') return
        const part = this.#textPart(data, emit)
        part.seen++
        emit({ type: 'text_delta', index: part.block, text: delta })
        return
      }
      case 'response.function_call_arguments.delta': {
        const st = this.#lookup(data)
        const delta = data.delta
        if (st?.kind !== 'function_call' || typeof delta !== 'string' || st.stopped) return
        st.seen += delta.length
        emit({ type: 'tool_args_delta', index: st.block, delta })
        return
      }
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta': {
        const st = this.#lookup(data)
        const delta = data.delta
        if (st?.kind !== 'reasoning' || typeof delta !== 'string') return
        this.#reasoningPart(st, data, type === 'response.reasoning_summary_text.delta', emit)
        st.seen += delta.length
        emit({ type: 'thinking_delta', index: st.block, text: delta })
        return
      }
      case 'response.created':
      case 'response.in_progress':
      case 'response.queued':
        if (!this.#started) this.#start(data.response, emit)
        return
      case 'response.output_item.added':
        if (isObject(data.item) && typeof data.output_index === 'number') {
          this.#added(data.item, data.output_index, emit)
        }
        return
      case 'response.output_item.done':
        if (isObject(data.item) && typeof data.output_index === 'number') {
          this.#itemDone(data.item, data.output_index, emit)
        }
        return
      case 'response.content_part.added': {
        const st = this.#lookup(data)
        if (st?.kind === 'message') this.#textPart(data, emit)
        return
      }
      case 'response.output_text.done':
      case 'response.refusal.done': {
        const text = type === 'response.output_text.done' ? data.text : data.refusal
        const part = this.#textPart(data, emit)
        if (part.seen === 0 && typeof text === 'string' && text !== '') {
          part.seen++
          emit({ type: 'text_delta', index: part.block, text })
        }
        return
      }
      case 'response.content_part.done': {
        const st = this.#lookup(data)
        if (st?.kind !== 'message') return
        const part = this.#textPart(data, emit)
        if (!part.open) return
        const p = data.part
        const text = isObject(p) ? (str(p.text) ?? str(p.refusal)) : undefined
        if (part.seen === 0 && text) emit({ type: 'text_delta', index: part.block, text })
        part.open = false
        emit({ type: 'block_stop', index: part.block })
        return
      }
      case 'response.reasoning_summary_part.added': {
        const st = this.#lookup(data)
        if (st?.kind === 'reasoning') this.#reasoningPart(st, data, true, emit)
        return
      }
      case 'response.reasoning_summary_text.done':
      case 'response.reasoning_text.done': {
        const st = this.#lookup(data)
        if (st?.kind !== 'reasoning') return
        this.#reasoningPart(st, data, type === 'response.reasoning_summary_text.done', emit)
        const text = data.text
        if (st.seen === 0 && typeof text === 'string' && text !== '') {
          st.seen += text.length
          emit({ type: 'thinking_delta', index: st.block, text })
        }
        return
      }
      case 'response.function_call_arguments.done': {
        const st = this.#lookup(data)
        const args = data.arguments
        if (st?.kind !== 'function_call' || st.stopped || st.seen > 0) return
        if (typeof args === 'string' && args !== '') {
          st.seen += args.length
          emit({ type: 'tool_args_delta', index: st.block, delta: args })
        }
        return
      }
      case 'response.completed':
      case 'response.incomplete':
        this.#finish(data.response, type, emit)
        return
      case 'response.failed': {
        const r = data.response
        const e = isObject(r) && isObject(r.error) ? r.error : { message: 'The upstream response failed.' }
        this.#done = true
        emit({ type: 'error', error: errorInfoOf(e, 0) })
        return
      }
      case 'error': {
        this.#done = true
        emit({ type: 'error', error: errorInfoOf(isObject(data.error) ? data.error : data, 0) })
        return
      }
      default:
        return
    }
  }

  end(emit: Emit<StreamEvent>): void {
    if (this.#done) return
    this.#done = true
    emit({
      type: 'error',
      error: { kind: 'api_error', message: 'The upstream stream closed before response.completed.' },
    })
  }

  #start(response: unknown, emit: Emit<StreamEvent>): void {
    this.#started = true
    const r = isObject(response) ? response : undefined
    const ev: StreamEvent = { type: 'start', id: str(r?.id) ?? '', model: str(r?.model) ?? '' }
    if (typeof r?.created_at === 'number') ev.created = r.created_at
    if (r) ev.extra = { [DIALECT]: { response: r } }
    emit(ev)
  }

  #lookup(data: JsonObject): ItemState | undefined {
    const oi = data.output_index
    const st = typeof oi === 'number' ? this.#items[oi] : undefined
    if (st) return st
    return typeof data.item_id === 'string' ? this.#byId.get(data.item_id) : undefined
  }

  #added(item: JsonObject, outputIndex: number, emit: Emit<StreamEvent>): ItemState {
    if (!this.#started) this.#start(undefined, emit)
    this.#sawItems = true
    const id = str(item.id) ?? ''
    let st: ItemState
    switch (item.type) {
      case 'message':
        st = new ItemState('message', id)
        break
      case 'reasoning':
        // Opened by its first part, or at item done: it may have no summary at all.
        st = new ItemState('reasoning', id)
        break
      case 'function_call': {
        st = new ItemState('function_call', id)
        st.block = this.#nextBlock++
        this.#sawToolCall = true
        const block: BlockStart = id
          ? { kind: 'tool_call', id: str(item.call_id) ?? id, name: str(item.name) ?? '', itemId: id }
          : { kind: 'tool_call', id: str(item.call_id) ?? '', name: str(item.name) ?? '' }
        if (typeof item.namespace === 'string') block.namespace = item.namespace
        emit({ type: 'block_start', index: st.block, block })
        const args = item.arguments
        if (typeof args === 'string' && args !== '') {
          st.seen += args.length
          emit({ type: 'tool_args_delta', index: st.block, delta: args })
        }
        break
      }
      default:
        st = new ItemState('other', id)
    }
    this.#items[outputIndex] = st
    if (id) this.#byId.set(id, st)
    return st
  }

  /** The message content part an event addresses, opened on first sight. */
  #textPart(data: JsonObject, emit: Emit<StreamEvent>): TextPartState {
    let st = this.#lookup(data)
    if (st?.kind !== 'message') {
      // A delta for an item we never saw added: adopt it rather than lose the text.
      const oi = typeof data.output_index === 'number' ? data.output_index : this.#items.length
      st = this.#added({ type: 'message', id: str(data.item_id) ?? '' }, oi, emit)
    }
    const parts = st.parts!
    const ci = typeof data.content_index === 'number' ? data.content_index : 0
    const part = parts[ci]
    if (part) return part
    const opened: TextPartState = { block: this.#nextBlock++, open: true, seen: 0 }
    parts[ci] = opened
    emit({
      type: 'block_start',
      index: opened.block,
      block: st.itemId ? { kind: 'text', itemId: st.itemId } : { kind: 'text' },
    })
    return opened
  }

  /** Makes the block of the reasoning part an event addresses the open one. */
  #reasoningPart(st: ItemState, data: JsonObject, summary: boolean, emit: Emit<StreamEvent>): void {
    const n = summary ? data.summary_index : data.content_index
    const key = (summary ? 's' : 'c') + (typeof n === 'number' ? n : 0)
    if (st.block !== NONE && st.partKey === key) return
    this.#openReasoning(st, key, summary, emit)
  }

  #openReasoning(st: ItemState, key: string, summary: boolean, emit: Emit<StreamEvent>): void {
    if (st.block !== NONE) emit({ type: 'block_stop', index: st.block })
    st.block = this.#nextBlock++
    st.partKey = key
    st.seen = 0
    const block: StreamEvent & { type: 'block_start' } = {
      type: 'block_start',
      index: st.block,
      block: st.itemId
        ? { kind: 'thinking', summary, itemId: st.itemId, provenance: this.#prov }
        : { kind: 'thinking', summary, provenance: this.#prov },
    }
    emit(block)
  }

  #itemDone(item: JsonObject, outputIndex: number, emit: Emit<StreamEvent>): void {
    const st = this.#items[outputIndex] ?? this.#added(item, outputIndex, emit)
    if (st.stopped) return
    st.stopped = true
    switch (st.kind) {
      case 'message': {
        const parts = st.parts!
        const content = item.content
        if (parts.length === 0 && Array.isArray(content)) {
          // Nothing streamed: the finished item is all there is.
          for (let ci = 0; ci < content.length; ci++) {
            const c = content[ci]
            const text = isObject(c) ? (str(c.text) ?? str(c.refusal)) : undefined
            if (text === undefined) continue
            const part = this.#textPart({ output_index: outputIndex, content_index: ci }, emit)
            if (text !== '') emit({ type: 'text_delta', index: part.block, text })
          }
        }
        for (const part of parts) {
          if (part?.open) {
            part.open = false
            emit({ type: 'block_stop', index: part.block })
          }
        }
        return
      }
      case 'reasoning': {
        if (st.block === NONE) this.#replayReasoning(st, item, emit)
        const enc = item.encrypted_content
        if (typeof enc === 'string' && enc !== '')
          emit({ type: 'encrypted_reasoning', index: st.block, data: enc })
        emit({ type: 'block_stop', index: st.block })
        return
      }
      case 'function_call': {
        if (st.seen === 0) {
          const args = str(item.arguments)
          emit({ type: 'tool_args_delta', index: st.block, delta: args ? args : '{}' })
        }
        emit({ type: 'block_stop', index: st.block })
        return
      }
      default:
        return
    }
  }

  /** A reasoning item that streamed no parts: its summary (or raw text) from the finished item. */
  #replayReasoning(st: ItemState, item: JsonObject, emit: Emit<StreamEvent>): void {
    const summary = Array.isArray(item.summary) ? item.summary : []
    const content = Array.isArray(item.content) ? item.content : []
    const texts = summary.length > 0 ? summary : content
    const isSummary = summary.length > 0 || content.length === 0
    for (let k = 0; k < texts.length; k++) {
      const t = texts[k]
      const text = isObject(t) ? str(t.text) : undefined
      if (text === undefined) continue
      this.#openReasoning(st, (isSummary ? 's' : 'c') + k, isSummary, emit)
      if (text !== '') emit({ type: 'thinking_delta', index: st.block, text })
    }
    if (st.block === NONE) this.#openReasoning(st, 's0', true, emit)
  }

  #finish(response: unknown, type: string, emit: Emit<StreamEvent>): void {
    if (!this.#started) this.#start(response, emit)
    const r = isObject(response) ? response : {}
    // Codex sends `output: []` here; only an upstream that streamed no items at all is rebuilt from it.
    if (!this.#sawItems && Array.isArray(r.output)) {
      for (let i = 0; i < r.output.length; i++) {
        const item = r.output[i]
        if (!isObject(item)) continue
        this.#added(item, i, emit)
        this.#itemDone(item, i, emit)
      }
    }
    for (let i = 0; i < this.#items.length; i++) {
      const st = this.#items[i]
      if (st && !st.stopped) this.#itemDone({}, i, emit)
    }
    const status = r.status ?? (type === 'response.completed' ? 'completed' : 'incomplete')
    const reason = isObject(r.incomplete_details) ? r.incomplete_details.reason : undefined
    const { stopReason, raw } = stopReasonOf(status, reason, this.#sawToolCall)
    const ev: StreamEvent = { type: 'finish', stopReason }
    if (raw !== undefined) ev.rawStopReason = raw
    const usage = decodeUsage(r.usage, false)
    if (usage) ev.usage = usage
    if (isObject(response)) ev.extra = { [DIALECT]: { response } }
    this.#done = true
    emit(ev)
  }
}

export function decodeStreamCore(opts: DecodeStreamOptions = {}) {
  const decoder = new Decoder(opts.provenance ?? { dialect: DIALECT })
  return decodeSSEStream<StreamEvent>(
    (ev, emit) => decoder.event(ev, emit),
    (emit) => decoder.end(emit),
  )
}
