/**
 * A whole upstream stream as one IR response, for a client that asked for JSON from an upstream
 * that only streams (the Codex backend). The upstream dialect's stream decoder does the wire
 * work; this rebuilds the content from its events (text, thinking with signatures and encrypted
 * reasoning, tool calls), takes usage and the stop reason from `finish`, and reports an in-stream
 * error, or a stream that ended without a terminal event, as an error instead of a response.
 */
import { isObject } from '../dialects/common/json.ts'
import type { StreamCore, UpstreamCodec } from '../dialects/contract.ts'
import type {
  ErrorInfo,
  Response as IRResponse,
  Part,
  Provenance,
  StreamEvent,
  TextPart,
  ThinkingPart,
  ToolCallPart,
  Usage,
} from '../dialects/ir.ts'

export type Collected = { ok: true; response: IRResponse } | { ok: false; error: ErrorInfo }

/** Builds one response from the events of one stream. */
export class ResponseCollector {
  readonly #source: UpstreamCodec
  #id = ''
  #model = ''
  #created: number | undefined
  #usage: Usage | undefined
  readonly #parts = new Map<number, Part>()
  #finish: (StreamEvent & { type: 'finish' }) | undefined
  #error: ErrorInfo | undefined

  constructor(source: UpstreamCodec) {
    this.#source = source
  }

  get done(): boolean {
    return this.#finish !== undefined || this.#error !== undefined
  }

  push(ev: StreamEvent): void {
    if (this.done) return
    switch (ev.type) {
      case 'start':
        this.#id = ev.id
        this.#model = ev.model
        if (ev.created !== undefined) this.#created = ev.created
        if (ev.usage) this.#usage = ev.usage
        return
      case 'block_start':
        this.#parts.set(ev.index, partOf(ev.block))
        return
      case 'text_delta': {
        const p = this.#parts.get(ev.index)
        if (p?.type === 'text') {
          p.text += ev.text
          if (ev.citations) p.citations = [...(p.citations ?? []), ...ev.citations]
        }
        return
      }
      case 'thinking_delta': {
        const p = this.#parts.get(ev.index)
        if (p?.type === 'thinking') p.text += ev.text
        return
      }
      case 'signature': {
        const p = this.#parts.get(ev.index)
        if (p?.type === 'thinking' || p?.type === 'text' || p?.type === 'tool_call') {
          if (p.type === 'thinking') p.signature = ev.signature
          else p.thoughtSignature = ev.signature
          if (ev.provenance) p.provenance = ev.provenance
        }
        return
      }
      case 'encrypted_reasoning': {
        const p = this.#parts.get(ev.index)
        if (p?.type === 'thinking') p.encrypted = ev.data
        return
      }
      case 'tool_args_delta': {
        const p = this.#parts.get(ev.index)
        if (p?.type === 'tool_call') p.arguments += ev.delta
        return
      }
      case 'usage':
        this.#usage = ev.usage
        return
      case 'finish':
        this.#finish = ev
        if (ev.usage) this.#usage = ev.usage
        return
      case 'error':
        this.#error = ev.error
        return
      default:
        return
    }
  }

  /** The response, or the error to answer with (502 when the stream never finished). */
  result(): Collected {
    if (this.#error) return { ok: false, error: this.#error }
    const f = this.#finish
    if (!f) {
      return {
        ok: false,
        error: { kind: 'api_error', status: 502, message: 'The upstream stream closed before it finished.' },
      }
    }
    const content = [...this.#parts.entries()].sort(([a], [b]) => a - b).map(([, p]) => p)
    for (const p of content) if (p.type === 'tool_call' && p.arguments === '') p.arguments = '{}'
    const response: IRResponse = {
      source: this.#source.name,
      id: this.#id,
      model: this.#model,
      content,
      stopReason: f.stopReason,
    }
    if (this.#created !== undefined) response.created = this.#created
    if (f.rawStopReason !== undefined) response.rawStopReason = f.rawStopReason
    if (f.stopSequence !== undefined) response.stopSequence = f.stopSequence
    if (this.#usage) response.usage = this.#usage
    const extra = this.#terminalExtra(f)
    if (extra) response.extra = extra
    return { ok: true, response }
  }

  /**
   * The unmodelled fields of the final response object a decoder keeps on `finish`
   * (`extra[dialect].response`), decoded by the dialect itself; its content is not used (the
   * Codex backend sends `output: []` there): the content comes from the events.
   */
  #terminalExtra(f: StreamEvent & { type: 'finish' }): Record<string, unknown> | undefined {
    const kept = f.extra?.[this.#source.name]
    const response = isObject(kept) ? kept['response'] : undefined
    if (!isObject(response)) return undefined
    try {
      const { extra } = this.#source.decodeResponse({ ...response, output: [] })
      return extra
    } catch {
      return undefined
    }
  }
}

function partOf(block: (StreamEvent & { type: 'block_start' })['block']): Part {
  switch (block.kind) {
    case 'text': {
      const p: TextPart = { type: 'text', text: '' }
      if (block.thoughtSignature) p.thoughtSignature = block.thoughtSignature
      return p
    }
    case 'thinking': {
      const p: ThinkingPart = { type: 'thinking', text: '' }
      if (block.redacted !== undefined) p.redacted = block.redacted
      if (block.summary !== undefined) p.summary = block.summary
      if (block.itemId !== undefined) p.itemId = block.itemId
      if (block.provenance) p.provenance = block.provenance
      return p
    }
    case 'tool_call': {
      const p: ToolCallPart = { type: 'tool_call', id: block.id, name: block.name, arguments: '' }
      if (block.itemId !== undefined) p.itemId = block.itemId
      if (block.namespace !== undefined) p.namespace = block.namespace
      if (block.thoughtSignature) p.thoughtSignature = block.thoughtSignature
      if (block.provenance) p.provenance = block.provenance
      return p
    }
  }
}

/**
 * Reads an upstream SSE body to its end through `upstream`'s decoder; `onEvent` sees every event
 * (metering). The error a decoder reports because the stream ended without a terminal event
 * answers 502; read failures are rethrown. A successful result carries the terminal response
 * object's unmodelled fields in `extra` when the decoder kept it (`finish.extra[dialect].response`).
 */
export async function collectStream(
  body: ReadableStream<Uint8Array>,
  upstream: UpstreamCodec,
  provenance: Provenance,
  onEvent?: (ev: StreamEvent) => void,
): Promise<Collected> {
  const core: StreamCore<Uint8Array, StreamEvent> = upstream.decodeStreamCore({ provenance })
  const collector = new ResponseCollector(upstream)
  const emit = (ev: StreamEvent) => {
    onEvent?.(ev)
    collector.push(ev)
  }
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      core.push(value, emit)
      if (collector.done) {
        // The answer is complete; whatever follows is not needed.
        await reader.cancel().catch(() => {})
        break
      }
    }
  } finally {
    reader.releaseLock()
  }
  if (collector.done) return collector.result()
  // Whatever the decoder says at the end, a stream without its terminal event failed upstream.
  let endedWithError = false
  core.end((ev) => {
    if (ev.type === 'error') endedWithError = true
    emit(ev)
  })
  const r = collector.result()
  if (!r.ok && endedWithError && r.error.status === undefined)
    return { ok: false, error: { ...r.error, status: 502 } }
  return r
}
