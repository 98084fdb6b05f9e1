/**
 * Upstream Messages SSE → IR stream events.
 *
 * | wire                                   | IR                                                          |
 * |----------------------------------------|-------------------------------------------------------------|
 * | `message_start`                        | `start` (id, model, input usage; key order and unknown fields in extra) |
 * | `content_block_start` text/thinking/tool_use | `block_start` (indices 0,1,2… in order of appearance)  |
 * | `content_block_start` redacted_thinking| `block_start` thinking with `redacted` (it arrives whole)   |
 * | `text_delta` / `thinking_delta`        | `text_delta` / `thinking_delta`                             |
 * | `signature_delta`                      | `signature` (+ provenance)                                  |
 * | `input_json_delta`                     | `tool_args_delta`, exactly as split, routed by `index`      |
 * | `citations_delta`                      | `text_delta` with empty text and `citations`                |
 * | any other block (server tools…)        | held to its `content_block_stop`, then `block_start` text carrying the block and its deltas in extra, and `block_stop`: other dialects see an empty text block, this one replays it byte for byte |
 * | `message_delta` with `stop_reason`     | `finish` with usage merged over message_start's (it is cumulative) |
 * | `message_delta` without                | `usage`                                                     |
 * | `ping` / `error` / `message_stop`      | `ping` / `error` / (nothing)                                |
 * | end of bytes before a finish or error  | `error` (api_error): a cut stream is not a complete answer  |
 *
 * Signatures are attributed with `opts.provenance` (default `{dialect:'anthropic-messages'}`), unless
 * they carry the gateway's own wrapping, which restores the provenance they were wrapped with.
 */
import type { SSEEvent } from '../../sse.ts'
import { isObject, type JsonObject } from '../common/json.ts'
import { extraWith, unknownFields } from '../common/round-trip.ts'
import { decodeSSEStream, type Emit, parseData } from '../common/stream.ts'
import type { DecodeStreamOptions } from '../contract.ts'
import type { BlockStart, Extra, Provenance, StreamEvent, Usage } from '../ir.ts'
import { decodeErrorBody } from './errors.ts'
import { attributeSignature } from './reasoning.ts'
import { decodeStopReason, decodeUsage } from './response.ts'
import { DIALECT, type Hints } from './types.ts'

const MESSAGE_KEYS = new Set([
  'id',
  'type',
  'role',
  'model',
  'content',
  'stop_reason',
  'stop_sequence',
  'usage',
])
const TEXT_START_KEYS = new Set(['type', 'text'])
const THINKING_START_KEYS = new Set(['type', 'thinking'])
const SIGNED_THINKING_START_KEYS = new Set(['type', 'thinking', 'signature'])
const REDACTED_START_KEYS = new Set(['type', 'data'])
const TOOL_START_KEYS = new Set(['type', 'id', 'name', 'input'])
const MESSAGE_DELTA_KEYS = new Set(['type', 'delta', 'usage'])
const DELTA_KEYS = new Set(['stop_reason', 'stop_sequence'])

function fieldsExtra(raw: JsonObject, known: ReadonlySet<string>): Extra | undefined {
  const fields = unknownFields(raw, known)
  return fields ? extraWith<Hints>(DIALECT, { fields }) : undefined
}

/** A block the IR does not model, held until it is complete. */
interface Held {
  block: JsonObject
  deltas: JsonObject[]
}

class MessagesStreamDecoder {
  readonly #prov: Provenance
  /** Wire block index → IR block index. */
  readonly #index = new Map<number, number>()
  readonly #held = new Map<number, Held>()
  #next = 0
  #startUsage: Usage | undefined
  #done = false

  constructor(opts: DecodeStreamOptions) {
    this.#prov = opts.provenance ?? { dialect: DIALECT }
  }

  event(ev: SSEEvent, emit: Emit<StreamEvent>): void {
    const data = parseData(ev.data)
    if (!isObject(data)) return
    const type = typeof data.type === 'string' ? data.type : ev.event
    switch (type) {
      case 'content_block_delta':
        this.#delta(data, emit)
        return
      case 'content_block_start':
        this.#blockStart(data, emit)
        return
      case 'content_block_stop':
        this.#blockStop(data, emit)
        return
      case 'message_start':
        this.#messageStart(data, emit)
        return
      case 'message_delta':
        this.#messageDelta(data, emit)
        return
      case 'ping':
        emit({ type: 'ping' })
        return
      case 'error':
        this.#done = true
        emit({ type: 'error', error: decodeErrorBody(data) })
        return
    }
  }

  end(emit: Emit<StreamEvent>): void {
    if (this.#done) return
    emit({
      type: 'error',
      error: { kind: 'api_error', message: 'the Anthropic stream ended before the message was complete' },
    })
  }

  #open(wire: number): number {
    const i = this.#next++
    this.#index.set(wire, i)
    return i
  }

  #messageStart(data: JsonObject, emit: Emit<StreamEvent>): void {
    const m = data.message
    if (!isObject(m)) return
    const start: Extract<StreamEvent, { type: 'start' }> = {
      type: 'start',
      id: typeof m.id === 'string' ? m.id : '',
      model: typeof m.model === 'string' ? m.model : '',
    }
    if (isObject(m.usage)) {
      this.#startUsage = decodeUsage(m.usage)
      start.usage = this.#startUsage
    }
    const h: Hints = { keys: Object.keys(m) }
    const fields = unknownFields(m, MESSAGE_KEYS)
    if (fields) h.fields = fields
    start.extra = extraWith(DIALECT, h)
    emit(start)
  }

  #blockStart(data: JsonObject, emit: Emit<StreamEvent>): void {
    const wire = data.index
    const b = data.content_block
    if (typeof wire !== 'number' || !isObject(b)) return
    switch (b.type) {
      case 'text': {
        const index = this.#open(wire)
        const block: BlockStart = { kind: 'text' }
        const extra = fieldsExtra(b, TEXT_START_KEYS)
        if (extra) block.extra = extra
        emit({ type: 'block_start', index, block })
        if (typeof b.text === 'string' && b.text !== '') emit({ type: 'text_delta', index, text: b.text })
        return
      }
      case 'thinking': {
        const index = this.#open(wire)
        const signed = typeof b.signature === 'string' && b.signature !== ''
        const block: BlockStart = { kind: 'thinking', provenance: this.#prov }
        const extra = fieldsExtra(b, signed ? SIGNED_THINKING_START_KEYS : THINKING_START_KEYS)
        if (extra) block.extra = extra
        emit({ type: 'block_start', index, block })
        if (typeof b.thinking === 'string' && b.thinking !== '') {
          emit({ type: 'thinking_delta', index, text: b.thinking })
        }
        if (signed) {
          const a = attributeSignature(b.signature as string, this.#prov)
          emit({ type: 'signature', index, signature: a.value, provenance: a.provenance })
        }
        return
      }
      case 'redacted_thinking': {
        if (typeof b.data !== 'string') return
        const index = this.#open(wire)
        const a = attributeSignature(b.data, this.#prov)
        const block: BlockStart = { kind: 'thinking', redacted: a.value, provenance: a.provenance }
        const extra = fieldsExtra(b, REDACTED_START_KEYS)
        if (extra) block.extra = extra
        emit({ type: 'block_start', index, block })
        return
      }
      case 'tool_use': {
        if (typeof b.id !== 'string' || typeof b.name !== 'string') return
        const index = this.#open(wire)
        const block: BlockStart = { kind: 'tool_call', id: b.id, name: b.name }
        const extra = fieldsExtra(b, TOOL_START_KEYS)
        if (extra) block.extra = extra
        emit({ type: 'block_start', index, block })
        // Some upstreams send the whole input at block start instead of as deltas.
        if (isObject(b.input) && Object.keys(b.input).length > 0) {
          emit({ type: 'tool_args_delta', index, delta: JSON.stringify(b.input) })
        }
        return
      }
      default:
        this.#held.set(wire, { block: b, deltas: [] })
    }
  }

  #delta(data: JsonObject, emit: Emit<StreamEvent>): void {
    const wire = data.index
    const d = data.delta
    if (typeof wire !== 'number' || !isObject(d)) return
    const held = this.#held.get(wire)
    if (held) {
      held.deltas.push(d)
      return
    }
    let index = this.#index.get(wire)
    switch (d.type) {
      case 'text_delta':
        if (typeof d.text !== 'string') return
        if (index === undefined) index = this.#implicit(wire, { kind: 'text' }, emit)
        emit({ type: 'text_delta', index, text: d.text })
        return
      case 'input_json_delta':
        if (index === undefined || typeof d.partial_json !== 'string') return
        emit({ type: 'tool_args_delta', index, delta: d.partial_json })
        return
      case 'thinking_delta':
        if (typeof d.thinking !== 'string') return
        if (index === undefined)
          index = this.#implicit(wire, { kind: 'thinking', provenance: this.#prov }, emit)
        emit({ type: 'thinking_delta', index, text: d.thinking })
        return
      case 'signature_delta': {
        if (index === undefined || typeof d.signature !== 'string') return
        const a = attributeSignature(d.signature, this.#prov)
        emit({ type: 'signature', index, signature: a.value, provenance: a.provenance })
        return
      }
      case 'citations_delta':
        if (index === undefined) index = this.#implicit(wire, { kind: 'text' }, emit)
        emit({ type: 'text_delta', index, text: '', citations: [d.citation] })
        return
    }
  }

  /** A delta for a block whose start never came: open it, so the content is not lost. */
  #implicit(wire: number, block: BlockStart, emit: Emit<StreamEvent>): number {
    const index = this.#open(wire)
    emit({ type: 'block_start', index, block })
    return index
  }

  #blockStop(data: JsonObject, emit: Emit<StreamEvent>): void {
    const wire = data.index
    if (typeof wire !== 'number') return
    const held = this.#held.get(wire)
    if (held) {
      this.#held.delete(wire)
      const index = this.#open(wire)
      const h: Hints = { block: held.block }
      if (held.deltas.length > 0) h.deltas = held.deltas
      emit({ type: 'block_start', index, block: { kind: 'text', extra: extraWith(DIALECT, h) } })
      emit({ type: 'block_stop', index })
      return
    }
    const index = this.#index.get(wire)
    if (index !== undefined) emit({ type: 'block_stop', index })
  }

  #messageDelta(data: JsonObject, emit: Emit<StreamEvent>): void {
    const d = isObject(data.delta) ? data.delta : {}
    const usage = isObject(data.usage) ? decodeUsage(data.usage, this.#startUsage) : undefined
    if (d.stop_reason === undefined || d.stop_reason === null) {
      if (usage) emit({ type: 'usage', usage })
      return
    }
    this.#done = true
    const stop = decodeStopReason(d.stop_reason)
    const finish: Extract<StreamEvent, { type: 'finish' }> = { type: 'finish', stopReason: stop.stopReason }
    if (stop.rawStopReason !== undefined) finish.rawStopReason = stop.rawStopReason
    if (typeof d.stop_sequence === 'string') finish.stopSequence = d.stop_sequence
    if (usage) finish.usage = usage
    const h: Hints = {}
    const fields = unknownFields(data, MESSAGE_DELTA_KEYS)
    if (fields) h.fields = fields
    const rest = unknownFields(d, DELTA_KEYS)
    if (rest) h.delta = rest
    const extra = extraWith(DIALECT, h)
    if (extra) finish.extra = extra
    emit(finish)
  }
}

/** Upstream Messages SSE bytes → IR events, for any chunking of the bytes. */
export function decodeStreamCore(opts: DecodeStreamOptions = {}) {
  const d = new MessagesStreamDecoder(opts)
  return decodeSSEStream<StreamEvent>(
    (ev, emit) => d.event(ev, emit),
    (emit) => d.end(emit),
  )
}
