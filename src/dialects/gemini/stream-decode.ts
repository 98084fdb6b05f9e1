/**
 * Gemini `streamGenerateContent?alt=sse` bytes → IR stream events.
 *
 * Every `data:` line is a whole response chunk holding only the new parts; there is no terminal
 * marker, the stream ends when the upstream closes it. Per chunk:
 * - consecutive text parts continue one text block, consecutive `thought` parts one thinking
 *   block (each part one delta; empty parts are skipped unless they carry a signature);
 * - a functionCall arrives whole: `block_start` (id minted when Gemini sent none) + ONE
 *   `tool_args_delta` with the full JSON + `block_stop`;
 * - a `thoughtSignature` on a text or thought part → `signature` event right after its delta; on
 *   a functionCall it rides in the `block_start`;
 * - `usageMetadata` (running totals) → `usage`, except on the chunk with `finishReason`, whose
 *   usage rides in `finish` (so that one chunk maps to one run of events that ends with `usage`
 *   or `finish`, which lets the Gemini encoder rebuild the chunks byte for byte);
 * - `finishReason` → `finish` (`tool_use` when any functionCall was seen); a prompt blocked
 *   before any candidate (`promptFeedback.blockReason`) → `finish` with `content_filter`;
 * - `{"error": …}` → `error`. A stream that closes without a finish or an error ends with an
 *   `error` event: a truncated answer must not look complete.
 *
 * The first chunk gives `start` (id = `responseId`, model = `modelVersion`, `usage` = its usage)
 * with `extra.gemini` (`Hints`) holding what the encoder needs to reproduce the chunks:
 * unknown top-level fields of the first chunk, whether `responseId` was absent, the candidate
 * `index`, and (Code Assist) the `traceId`. Its presence, even empty, also tells the Gemini
 * encoder the events came from Gemini.
 * Parts the IR stream has no block for (generated images, code execution) are skipped.
 */

import { mintId } from '../common/ids.ts'
import { isObject, type JsonObject, stringifyArguments } from '../common/json.ts'
import { unwrapSignature } from '../common/provenance.ts'
import { hintsFor, unknownFields } from '../common/round-trip.ts'
import { decodeSSEStream, type Emit, parseData } from '../common/stream.ts'
import type { DecodeStreamOptions } from '../contract.ts'
import type { BlockStart, Provenance, StreamEvent, Usage } from '../ir.ts'

import { decodeErrorObject } from './errors.ts'
import { camel } from './proto-json.ts'
import { decodeUsage, mintCallId, stopOf } from './response.ts'
import { DIALECT, type Hints } from './types.ts'

const TOP_KEYS = new Set(['candidates', 'promptFeedback', 'usageMetadata', 'modelVersion', 'responseId'])
const CANDIDATE_KEYS = new Set(['content', 'finishReason'])
const CALL_INNER_KEYS = new Set(['name', 'args'])
const EMPTY: readonly unknown[] = []

/** The shared decoder; `envelope` unwraps Code Assist's `{"response": …, "traceId": …}` chunks. */
export function createStreamDecoder(opts: DecodeStreamOptions | undefined, envelope: boolean) {
  const fallback: Provenance = opts?.provenance ?? { dialect: DIALECT }
  let started = false
  let done = false
  let next = 0
  let open = -1
  let openKind: 'text' | 'thinking' | undefined
  let sawCall = false
  let lastUsage: Usage | undefined

  const close = (emit: Emit<StreamEvent>) => {
    if (openKind !== undefined) {
      emit({ type: 'block_stop', index: open })
      openKind = undefined
    }
  }

  const onChunk = (obj: JsonObject, emit: Emit<StreamEvent>) => {
    let chunk = obj
    let traceId: string | undefined
    if (envelope && isObject(obj.response)) {
      chunk = obj.response
      if (typeof obj.traceId === 'string') traceId = obj.traceId
    }
    if (isObject(chunk.error)) {
      close(emit)
      emit({ type: 'error', error: decodeErrorObject(chunk.error, 0) })
      done = true
      return
    }
    chunk = camel(chunk)
    const usage = isObject(chunk.usageMetadata) ? decodeUsage(chunk.usageMetadata) : undefined
    const candidates = chunk.candidates
    const cand = Array.isArray(candidates) && isObject(candidates[0]) ? camel(candidates[0]) : undefined

    if (!started) {
      started = true
      const responseId = typeof chunk.responseId === 'string' ? chunk.responseId : undefined
      const x = hintsFor<Hints>(chunk, TOP_KEYS)
      if (responseId === undefined) x.omitResponseId = true
      if (traceId !== undefined) x.traceId = traceId
      if (cand && typeof cand.index === 'number') x.index = cand.index
      const start: StreamEvent = {
        type: 'start',
        id: responseId ?? traceId ?? mintId('gemini-', 24),
        model: typeof chunk.modelVersion === 'string' ? chunk.modelVersion : '',
        extra: { [DIALECT]: x },
      }
      if (usage) start.usage = usage
      emit(start)
    }

    const content = cand && isObject(cand.content) ? cand.content : undefined
    const parts = content && Array.isArray(content.parts) ? content.parts : EMPTY
    for (const raw of parts) {
      if (!isObject(raw)) continue
      const p = camel(raw)
      const sig = typeof p.thoughtSignature === 'string' ? p.thoughtSignature : undefined
      if (typeof p.text === 'string') {
        const kind = p.thought === true ? 'thinking' : 'text'
        if (p.text === '' && sig === undefined) continue
        if (openKind !== kind) {
          close(emit)
          open = next++
          openKind = kind
          const block: BlockStart =
            kind === 'text' ? { kind: 'text' } : { kind: 'thinking', summary: true, provenance: fallback }
          emit({ type: 'block_start', index: open, block })
        }
        emit({ type: kind === 'text' ? 'text_delta' : 'thinking_delta', index: open, text: p.text })
        if (sig !== undefined) {
          const s = unwrapSignature(sig, DIALECT, fallback)
          emit({ type: 'signature', index: open, signature: s.signature, provenance: s.provenance })
        }
      } else if (isObject(p.functionCall)) {
        close(emit)
        const fc = camel(p.functionCall)
        const index = next++
        const block: BlockStart = {
          kind: 'tool_call',
          id: typeof fc.id === 'string' && fc.id !== '' ? fc.id : mintCallId(),
          name: typeof fc.name === 'string' ? fc.name : '',
        }
        if (sig !== undefined) {
          const s = unwrapSignature(sig, DIALECT, fallback)
          block.thoughtSignature = s.signature
          block.provenance = s.provenance
        }
        const inner = unknownFields(fc, CALL_INNER_KEYS)
        if (inner) block.extra = { [DIALECT]: { functionCall: inner } }
        emit({ type: 'block_start', index, block })
        emit({ type: 'tool_args_delta', index, delta: stringifyArguments(fc.args) })
        emit({ type: 'block_stop', index })
        sawCall = true
      }
    }

    if (usage) lastUsage = usage
    const finishReason = cand && typeof cand.finishReason === 'string' ? cand.finishReason : undefined
    const feedback = isObject(chunk.promptFeedback) ? chunk.promptFeedback : undefined
    const blocked =
      !cand && feedback && typeof feedback.blockReason === 'string' ? feedback.blockReason : undefined
    if (finishReason !== undefined || blocked !== undefined) {
      close(emit)
      const finish: StreamEvent =
        finishReason !== undefined
          ? { type: 'finish', ...stopOf(finishReason, sawCall) }
          : { type: 'finish', stopReason: 'content_filter', rawStopReason: blocked }
      const x: Hints = {}
      const candExtra = cand ? unknownFields(cand, CANDIDATE_KEYS) : undefined
      if (candExtra) x.candidate = candExtra
      if (feedback) x.promptFeedback = feedback
      if (!cand) x.noCandidates = true
      if (Object.keys(x).length > 0) finish.extra = { [DIALECT]: x }
      if (usage ?? lastUsage) finish.usage = usage ?? lastUsage
      emit(finish)
      done = true
    } else if (usage) emit({ type: 'usage', usage })
  }

  return decodeSSEStream<StreamEvent>(
    (ev, emit) => {
      if (done) return
      const obj = parseData(ev.data)
      if (isObject(obj)) onChunk(obj, emit)
      else if (Array.isArray(obj)) {
        // Without `alt=sse` Google streams one JSON array; tolerate an array per event too.
        for (const o of obj) if (!done && isObject(o)) onChunk(o, emit)
      }
    },
    (emit) => {
      if (done) return
      close(emit)
      emit({
        type: 'error',
        error: {
          kind: 'api_error',
          message: started
            ? 'the Gemini stream ended without a finishReason'
            : 'the Gemini stream ended without a response',
        },
      })
    },
  )
}

export function decodeStreamCore(opts?: DecodeStreamOptions) {
  return createStreamDecoder(opts, false)
}
