/**
 * Upstream `chat.completion.chunk` SSE → IR stream events.
 *
 * - Blocks: thinking (`reasoning_content`, or `reasoning` as OpenRouter/vLLM spell it), text
 *   (`content`, `refusal`) and one block per tool call. Text and thinking run one after the
 *   other, so a new block of another kind closes them; tool-call fragments of different
 *   `tool_calls[].index` may interleave, so each OpenAI index keeps its own IR block open until
 *   the finish chunk.
 * - The `finish` event is held until `[DONE]` (or the end of the bytes) because the usage chunk
 *   comes after the finish chunk; it then carries the last non-empty usage (`usage: null` and
 *   all-zero placeholders never replace a real one).
 * - `data: {"error":{...}}` becomes an `error` event and ends the stream; bytes that stop
 *   before any finish or `[DONE]` end with an `error` event too (a truncated answer must not
 *   look complete).
 * - `start.extra['openai-chat']` (the dialect's `Hints`) keeps the chunk fields the IR does not
 *   model (`system_fingerprint`, `service_tier`…) so the Chat encoder can put them back on every
 *   chunk.
 */

import { mintId } from '../common/ids.ts'
import { isObject, type JsonObject } from '../common/json.ts'
import { unwrapSignature } from '../common/provenance.ts'
import { hintsFor } from '../common/round-trip.ts'
import { decodeSSEStream, type Emit, parseData } from '../common/stream.ts'
import type { DecodeStreamOptions } from '../contract.ts'
import type { Provenance, StopReason, StreamEvent, Usage } from '../ir.ts'
import { decodeError } from './errors.ts'
import { decodeFinishReason, decodeUsage } from './response.ts'
import { frameText, learnTextFrame, type TextFrame } from './text-frame.ts'
import { DIALECT, type Hints } from './types.ts'

const CHUNK_KEYS = new Set(['id', 'object', 'created', 'model', 'choices', 'usage'])

interface ToolBlock {
  index: number
  /** Whether any argument text arrived; a call without any gets `{}` when it closes. */
  args: boolean
}

export function decodeStreamCore(opts: DecodeStreamOptions = {}) {
  const provenance: Provenance = opts.provenance ?? { dialect: DIALECT }
  let started = false
  let ended = false
  let nextIndex = 0
  let text = -1
  let thinking = -1
  /** OpenAI tool index (or a key for index-less vendors) → IR block. */
  const tools = new Map<number | string, ToolBlock>()
  let lastToolKey: number | string | undefined
  let open: number[] = []
  let finish: { stopReason: StopReason; rawStopReason?: string } | undefined
  let usage: Usage | undefined
  let sawTool = false

  const openBlock = (emit: Emit<StreamEvent>, ev: StreamEvent & { type: 'block_start' }) => {
    open.push(ev.index)
    emit(ev)
  }
  const closeBlock = (emit: Emit<StreamEvent>, index: number) => {
    open = open.filter((i) => i !== index)
    emit({ type: 'block_stop', index })
  }
  const closeSequential = (emit: Emit<StreamEvent>) => {
    if (text >= 0) {
      closeBlock(emit, text)
      text = -1
    }
    if (thinking >= 0) {
      closeBlock(emit, thinking)
      thinking = -1
    }
  }
  const closeAll = (emit: Emit<StreamEvent>) => {
    for (const block of tools.values()) {
      if (!block.args) emit({ type: 'tool_args_delta', index: block.index, delta: '{}' })
    }
    for (const index of open) emit({ type: 'block_stop', index })
    open = []
    text = -1
    thinking = -1
    tools.clear()
  }
  const ensureThinking = (emit: Emit<StreamEvent>): number => {
    if (thinking < 0) {
      closeSequential(emit)
      thinking = nextIndex++
      openBlock(emit, { type: 'block_start', index: thinking, block: { kind: 'thinking', provenance } })
    }
    return thinking
  }
  const ensureText = (emit: Emit<StreamEvent>): number => {
    if (text < 0) {
      closeSequential(emit)
      text = nextIndex++
      openBlock(emit, { type: 'block_start', index: text, block: { kind: 'text' } })
    }
    return text
  }

  const onToolFragment = (emit: Emit<StreamEvent>, tc: JsonObject) => {
    const fn = isObject(tc.function) ? tc.function : undefined
    const id = typeof tc.id === 'string' && tc.id !== '' ? tc.id : undefined
    // Vendors without `index` (early Gemini compat) start a call with an id and continue without.
    const key: number | string | undefined =
      typeof tc.index === 'number'
        ? tc.index
        : id !== undefined && !tools.has(`id:${id}`)
          ? `id:${id}`
          : lastToolKey
    if (key === undefined) return
    let block = tools.get(key)
    if (!block) {
      closeSequential(emit)
      block = { index: nextIndex++, args: false }
      tools.set(key, block)
      sawTool = true
      const start: StreamEvent & { type: 'block_start' } = {
        type: 'block_start',
        index: block.index,
        block: {
          kind: 'tool_call',
          id: id ?? mintId('call_'),
          name: typeof fn?.name === 'string' ? fn.name : '',
        },
      }
      const ec = tc.extra_content
      const sig = isObject(ec) && isObject(ec.google) ? ec.google.thought_signature : undefined
      if (typeof sig === 'string' && start.block.kind === 'tool_call') {
        const s = unwrapSignature(sig, DIALECT, opts.provenance)
        start.block.thoughtSignature = s.signature
        start.block.provenance = s.provenance
      }
      openBlock(emit, start)
    }
    lastToolKey = key
    const args = fn?.arguments
    if (typeof args === 'string' && args !== '') {
      block.args = true
      emit({ type: 'tool_args_delta', index: block.index, delta: args })
    }
  }

  const emitFinish = (emit: Emit<StreamEvent>) => {
    ended = true
    closeAll(emit)
    const f = finish ?? { stopReason: sawTool ? ('tool_use' as const) : ('end_turn' as const) }
    const ev: StreamEvent & { type: 'finish' } = { type: 'finish', stopReason: f.stopReason }
    if (f.rawStopReason !== undefined) ev.rawStopReason = f.rawStopReason
    if (usage) ev.usage = usage
    emit(ev)
  }

  const onChunk = (emit: Emit<StreamEvent>, chunk: JsonObject) => {
    if (!started) {
      started = true
      const start: StreamEvent & { type: 'start' } = {
        type: 'start',
        id: typeof chunk.id === 'string' ? chunk.id : '',
        model: typeof chunk.model === 'string' ? chunk.model : '',
      }
      const h = hintsFor<Hints>(chunk, CHUNK_KEYS)
      // How this upstream frames chunks (BYOKEY omits `created` and `logprobs`), for a byte-exact re-encode.
      if (typeof chunk.created === 'number') start.created = chunk.created
      else if (chunk.created === undefined) h.created = 'absent'
      const first = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined
      if (isObject(first) && !('logprobs' in first)) h.logprobs = 'absent'
      // always present, even empty: the Chat encoder tells its own stream by it
      start.extra = { [DIALECT]: h }
      emit(start)
    }
    if (isObject(chunk.usage)) {
      const u = chunk.usage
      const real =
        (typeof u.prompt_tokens === 'number' && u.prompt_tokens > 0) ||
        (typeof u.completion_tokens === 'number' && u.completion_tokens > 0)
      if (real || !usage) usage = decodeUsage(u)
    }
    const choices = chunk.choices
    if (!Array.isArray(choices)) return
    for (const choice of choices) {
      // Only the first choice has a place in the IR; `n > 1` streams are Chat-to-Chat passthrough.
      if (!isObject(choice) || (choice.index !== undefined && choice.index !== 0)) continue
      const delta = choice.delta
      if (isObject(delta)) {
        const reasoning =
          typeof delta.reasoning_content === 'string' ? delta.reasoning_content : delta.reasoning
        if (typeof reasoning === 'string' && reasoning !== '')
          emit({ type: 'thinking_delta', index: ensureThinking(emit), text: reasoning })
        const sig = delta.reasoning_signature
        if (typeof sig === 'string' && sig !== '') {
          const s = unwrapSignature(sig, DIALECT, opts.provenance)
          emit({
            type: 'signature',
            index: ensureThinking(emit),
            signature: s.signature,
            provenance: s.provenance,
          })
        }
        const content = delta.content
        if (typeof content === 'string' && content !== '')
          emit({ type: 'text_delta', index: ensureText(emit), text: content })
        const refusal = delta.refusal
        if (typeof refusal === 'string' && refusal !== '')
          emit({ type: 'text_delta', index: ensureText(emit), text: refusal })
        if (Array.isArray(delta.tool_calls)) {
          for (const tc of delta.tool_calls) if (isObject(tc)) onToolFragment(emit, tc)
        }
      }
      if (typeof choice.finish_reason === 'string') {
        finish = decodeFinishReason(choice.finish_reason)
        closeAll(emit)
      }
    }
  }

  /** The frame of this stream's plain text chunks, once one was seen after the first chunk. */
  let frame: TextFrame | undefined

  return decodeSSEStream<StreamEvent>(
    (ev, emit) => {
      if (ended) return
      if (frame) {
        const text = frameText(ev.data, frame)
        if (text !== undefined) {
          if (text !== '') emit({ type: 'text_delta', index: ensureText(emit), text })
          return
        }
      }
      if (ev.data === '[DONE]') {
        emitFinish(emit)
        return
      }
      const chunk = parseData(ev.data)
      if (!isObject(chunk)) return
      if (chunk.error !== undefined && chunk.error !== null) {
        ended = true
        emit({ type: 'error', error: decodeError(0, chunk) })
        return
      }
      const first = !started
      onChunk(emit, chunk)
      // the first chunk also starts the stream, so the frame is learned from a later one
      if (!first && !frame) frame = learnTextFrame(ev.data, chunk)
    },
    (emit) => {
      if (ended) return
      if (finish) emitFinish(emit)
      else {
        ended = true
        emit({
          type: 'error',
          error: { kind: 'api_error', message: 'upstream stream ended before a finish_reason or [DONE]' },
        })
      }
    },
  )
}
