/**
 * IR stream events → Messages SSE for an Anthropic client (Claude Code among them).
 *
 * - `message_start` carries the real input usage: `start.usage`, else `opts.estimatedInputTokens`,
 *   else 0 (clients read input tokens there). Events before a `start` get a minted one.
 * - Blocks are numbered 0,1,2… as they open, and only one is open at a time, as the API does. When
 *   another dialect's events interleave blocks, an open text or thinking block is closed to let the
 *   next one through (a later delta for it opens a fresh block of the same kind; nothing is lost),
 *   while a block that opens behind an open tool call (or server block) waits, its events queued,
 *   until that one stops: tool arguments can never be split across blocks.
 * - tool_use blocks start with `input: {}` and carry the arguments as `input_json_delta`s as they
 *   came; a call that got no (or only blank) arguments gets one `"{}"` delta.
 * - Thinking signatures go out as `signature_delta` before `content_block_stop`; those of another
 *   provenance are wrapped (`signatureFor`), and foreign thinking that had none gets a wrapped empty
 *   one, so it is recognised (and kept from Anthropic) when the client sends it back.
 * - `finish` closes whatever is open, then `message_delta` (stop_reason, stop_sequence, cumulative
 *   usage: output and, again, input and cache tokens) and `message_stop`. A finish without usage
 *   waits for a later `usage` event (OpenAI sends it after the finish chunk) or the end of input.
 * - `error` becomes `event: error` with the Anthropic envelope, and ends the stream; input that ends
 *   without a finish gets one (api_error), since a cut stream must not look complete.
 * - `ping` becomes `event: ping` once the message has started.
 *
 * Events this dialect's decoder produced (extra under `'anthropic-messages'`) come back byte for
 * byte: key order of `message_start` and usage objects, unknown fields, citations, server blocks.
 */
import { mintId } from '../common/ids.ts'
import type { JsonObject } from '../common/json.ts'
import { signatureFor } from '../common/provenance.ts'
import { hintsOf, spreadFields } from '../common/round-trip.ts'
import { type Emit, encodeSSEStream } from '../common/stream.ts'
import type { EncodeStreamOptions } from '../contract.ts'
import type { BlockStart, Provenance, StreamEvent, Usage } from '../ir.ts'
import { encodeErrorBody } from './errors.ts'
import { encodeStopReason, encodeUsage } from './response.ts'
import { DIALECT, type Hints } from './types.ts'

type Finish = Extract<StreamEvent, { type: 'finish' }>
type Start = Extract<StreamEvent, { type: 'start' }>

const PING = 'event: ping\ndata: {"type":"ping"}\n\n'
const MESSAGE_STOP = 'event: message_stop\ndata: {"type":"message_stop"}\n\n'

/** One content block on its way to the client. */
interface Slot {
  start: BlockStart
  kind: 'text' | 'thinking' | 'tool_call' | 'raw'
  /** Wire index, once opened. */
  index: number
  closed: boolean
  /** The IR said it stopped (it may still be waiting for its turn). */
  stopped: boolean
  /** Events that arrived while another block held the wire. */
  queue: StreamEvent[] | undefined
  /** Thinking: who produced it. */
  prov: Provenance | undefined
  signed: boolean
  /** Tool call: a non-blank argument delta went out. */
  args: boolean
}

function reorder(obj: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {}
  for (const k of keys) if (k in obj) out[k] = obj[k]
  for (const k in obj) if (!(k in out)) out[k] = obj[k]
  return out
}

function delta(index: number, body: string): string {
  return `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":${body}}\n\n`
}

class MessagesStreamEncoder {
  readonly #opts: EncodeStreamOptions
  #started = false
  #ended = false
  /** The events come from this dialect's decoder. */
  #own = false
  #next = 0
  #current: Slot | undefined
  readonly #waiting: Slot[] = []
  readonly #slots = new Map<number, Slot>()
  #finish: Finish | undefined
  #usage: Usage | undefined
  #startUsage: Usage | undefined
  #toolCalls = false

  constructor(opts: EncodeStreamOptions) {
    this.#opts = opts
  }

  event(ev: StreamEvent, write: Emit<string>): void {
    if (this.#ended) return
    switch (ev.type) {
      case 'start':
        if (!this.#started) this.#writeStart(ev, write)
        return
      case 'ping':
        if (this.#started && !this.#finish) write(PING)
        return
      case 'error':
        this.#ended = true
        write(`event: error\ndata: ${JSON.stringify(encodeErrorBody(ev.error))}\n\n`)
        return
      case 'usage':
        this.#usage = ev.usage
        if (this.#finish) this.#writeEnd(write)
        return
      case 'finish':
        if (this.#finish) return
        this.#ensureStarted(write)
        this.#closeAll(write)
        this.#finish = ev
        if (ev.usage) {
          this.#usage = ev.usage
          this.#writeEnd(write)
        }
        return
    }
    if (this.#finish) return
    this.#ensureStarted(write)
    if (ev.type === 'block_start') {
      if (this.#slots.has(ev.index)) return
      const slot = this.#slot(ev.block)
      this.#slots.set(ev.index, slot)
      this.#admit(slot, write)
      return
    }
    if (ev.type === 'block_stop') {
      const s = this.#slots.get(ev.index)
      if (!s || s.stopped) return
      s.stopped = true
      if (s === this.#current) {
        this.#close(s, write)
        this.#drain(write)
      }
      return
    }
    let s = this.#slots.get(ev.index)
    if (!s || s.closed) {
      // A block never announced, or one closed early to let another through: a fresh block
      // of the same kind takes the rest. Signatures and arguments have nothing to attach to.
      if (ev.type !== 'text_delta' && ev.type !== 'thinking_delta') return
      const prov = s?.prov
      s = this.#slot(ev.type === 'text_delta' ? { kind: 'text' } : { kind: 'thinking', provenance: prov })
      this.#slots.set(ev.index, s)
      this.#admit(s, write)
    }
    if (s === this.#current) this.#delta(s, ev, write)
    else if (s.queue) s.queue.push(ev)
    else s.queue = [ev]
  }

  end(write: Emit<string>): void {
    if (this.#ended || !this.#started) return
    if (this.#finish) {
      this.#writeEnd(write)
      return
    }
    this.#ended = true
    const body = encodeErrorBody({
      kind: 'api_error',
      message: 'the upstream stream ended before it finished',
    })
    write(`event: error\ndata: ${JSON.stringify(body)}\n\n`)
  }

  #slot(start: BlockStart): Slot {
    let kind: Slot['kind'] = start.kind
    if (start.kind === 'text' && hintsOf<Hints>(start.extra, DIALECT)?.block) kind = 'raw'
    const prov = start.kind === 'thinking' ? (start.provenance ?? this.#opts.provenance) : undefined
    return {
      start,
      kind,
      index: -1,
      closed: false,
      stopped: false,
      queue: undefined,
      prov,
      signed: false,
      args: false,
    }
  }

  #ensureStarted(write: Emit<string>): void {
    if (!this.#started) this.#writeStart({ type: 'start', id: mintId('msg_'), model: '' }, write)
  }

  #writeStart(ev: Start, write: Emit<string>): void {
    this.#started = true
    const h = hintsOf<Hints>(ev.extra, DIALECT)
    this.#own = h !== undefined
    const usage = ev.usage ?? { inputTokens: this.#opts.estimatedInputTokens ?? 0, outputTokens: 0 }
    this.#startUsage = usage
    let msg: JsonObject = {
      id: ev.id || mintId('msg_'),
      type: 'message',
      role: 'assistant',
      model: this.#opts.model ?? ev.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: encodeUsage(usage),
    }
    spreadFields(msg, h)
    if (h?.keys) msg = reorder(msg, h.keys)
    write(`event: message_start\ndata: {"type":"message_start","message":${JSON.stringify(msg)}}\n\n`)
  }

  /** Gives `slot` the wire, or queues it behind a tool call that holds it. */
  #admit(slot: Slot, write: Emit<string>): void {
    while (this.#current && (this.#current.kind === 'text' || this.#current.kind === 'thinking')) {
      this.#close(this.#current, write)
      this.#drain(write)
    }
    if (this.#current) this.#waiting.push(slot)
    else this.#open(slot, write)
  }

  /** Opens waiting blocks in order until one stays open. */
  #drain(write: Emit<string>): void {
    while (!this.#current) {
      const s = this.#waiting.shift()
      if (!s) return
      this.#open(s, write)
      if (s.stopped) this.#close(s, write)
    }
  }

  #closeAll(write: Emit<string>): void {
    for (;;) {
      if (this.#current) this.#close(this.#current, write)
      const s = this.#waiting.shift()
      if (!s) return
      this.#open(s, write)
    }
  }

  #open(s: Slot, write: Emit<string>): void {
    s.index = this.#next++
    this.#current = s
    const b = s.start
    const h = hintsOf<Hints>(b.extra, DIALECT)
    let block: JsonObject
    switch (b.kind) {
      case 'text':
        block = h?.block ?? { type: 'text', text: '' }
        break
      case 'thinking':
        block =
          b.redacted === undefined
            ? { type: 'thinking', thinking: '' }
            : { type: 'redacted_thinking', data: signatureFor(DIALECT, b.redacted, s.prov) }
        break
      case 'tool_call':
        this.#toolCalls = true
        block = { type: 'tool_use', id: b.id, name: b.name, input: {} }
        break
    }
    if (s.kind !== 'raw') spreadFields(block, h)
    write(
      `event: content_block_start\ndata: {"type":"content_block_start","index":${s.index},"content_block":${JSON.stringify(block)}}\n\n`,
    )
    if (s.kind === 'raw') {
      const deltas = h?.deltas
      if (deltas) for (const d of deltas) write(delta(s.index, JSON.stringify(d)))
    }
    if (s.queue) {
      for (const ev of s.queue) this.#delta(s, ev, write)
      s.queue = undefined
    }
  }

  #close(s: Slot, write: Emit<string>): void {
    if (s.kind === 'thinking' && !s.signed && s.start.kind === 'thinking' && s.start.redacted === undefined) {
      if (s.prov && s.prov.dialect !== DIALECT) {
        write(
          delta(
            s.index,
            `{"type":"signature_delta","signature":${JSON.stringify(signatureFor(DIALECT, '', s.prov))}}`,
          ),
        )
      }
    } else if (s.kind === 'tool_call' && !s.args) {
      write(delta(s.index, '{"type":"input_json_delta","partial_json":"{}"}'))
    }
    s.closed = true
    if (this.#current === s) this.#current = undefined
    write(`event: content_block_stop\ndata: {"type":"content_block_stop","index":${s.index}}\n\n`)
  }

  #delta(s: Slot, ev: StreamEvent, write: Emit<string>): void {
    switch (ev.type) {
      case 'text_delta':
        if (s.kind !== 'text') return
        if (ev.text !== '' || !ev.citations) {
          write(delta(s.index, `{"type":"text_delta","text":${JSON.stringify(ev.text)}}`))
        }
        // Citations are in this dialect's own shape only when its decoder produced them.
        if (ev.citations && this.#own) {
          for (const c of ev.citations) {
            write(delta(s.index, `{"type":"citations_delta","citation":${JSON.stringify(c)}}`))
          }
        }
        return
      case 'thinking_delta':
        if (s.kind !== 'thinking' || (s.start.kind === 'thinking' && s.start.redacted !== undefined)) return
        write(delta(s.index, `{"type":"thinking_delta","thinking":${JSON.stringify(ev.text)}}`))
        return
      case 'signature':
        if (s.kind !== 'thinking') return
        this.#sign(s, ev.signature, ev.provenance ?? s.prov, write)
        return
      case 'encrypted_reasoning':
        if (s.kind !== 'thinking') return
        this.#sign(s, ev.data, s.prov ?? { dialect: 'openai-responses' }, write)
        return
      case 'tool_args_delta':
        if (s.kind !== 'tool_call') return
        if (!s.args && ev.delta.trim() !== '') s.args = true
        write(delta(s.index, `{"type":"input_json_delta","partial_json":${JSON.stringify(ev.delta)}}`))
        return
    }
  }

  #sign(s: Slot, signature: string, prov: Provenance | undefined, write: Emit<string>): void {
    s.signed = true
    const value = signatureFor(DIALECT, signature, prov)
    write(delta(s.index, `{"type":"signature_delta","signature":${JSON.stringify(value)}}`))
  }

  #writeEnd(write: Emit<string>): void {
    const f = this.#finish!
    this.#ended = true
    const h = hintsOf<Hints>(f.extra, DIALECT)
    const d: JsonObject = {
      stop_reason: encodeStopReason(f.stopReason, f.rawStopReason, this.#own, this.#toolCalls),
      stop_sequence: f.stopSequence ?? null,
    }
    if (h?.delta) spreadFields(d, { fields: h.delta })
    const usage = encodeUsage(this.#usage ?? this.#startUsage ?? { inputTokens: 0, outputTokens: 0 })
    const body: JsonObject = { type: 'message_delta', delta: d, usage }
    spreadFields(body, h)
    write(`event: message_delta\ndata: ${JSON.stringify(body)}\n\n${MESSAGE_STOP}`)
  }
}

/** IR events → Messages SSE bytes, framing included. */
export function encodeStreamCore(opts: EncodeStreamOptions = {}) {
  const e = new MessagesStreamEncoder(opts)
  return encodeSSEStream<StreamEvent>(
    (ev, write) => e.event(ev, write),
    (write) => e.end(write),
  )
}
