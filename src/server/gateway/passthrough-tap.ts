/**
 * Same-dialect streams go to the client byte for byte; this tap watches them on the way past.
 * Decoding every chunk would cost the passthrough path a third of its speed, and the events
 * that matter (usage, errors, the terminal event) sit at the head of a stream (Anthropic's
 * `message_start`) or at its tail (everything else). So the tap only keeps references to the
 * first chunks and the last ones, and when the stream ends (or the client leaves) it finds the
 * marked events in those bytes with native byte search and runs just them through the
 * dialect's own decoder.
 */
import { decoderCore } from '../../dialects/common/stream.ts'
import type { Dialect, DialectName, StreamEvent } from '../../dialects/ir.ts'

/**
 * What to keep per dialect: the usage-bearing events, errors, and the terminal event (without
 * it the decoder would rightly call the stream truncated). `first` markers are looked for from
 * the start of the stream, `last` markers from its end: each of these events appears once, or
 * (Gemini's running totals, usage on every chunk) its last copy is the one that counts.
 */
const MARKERS: Record<DialectName, { first: string[]; last: string[] }> = {
  'openai-chat': { first: [], last: ['"usage":{', '"error"', '[DONE]'] },
  'openai-responses': {
    first: [],
    last: ['response.completed', 'response.incomplete', 'response.failed', '"type":"error"'],
  },
  'anthropic-messages': {
    first: ['message_start'],
    last: ['message_delta', 'message_stop', '"type":"error"'],
  },
  gemini: { first: [], last: ['usageMetadata', '"error"'] },
}

/** Bytes of the stream's head kept: enough for a first event (Anthropic's message_start). */
const HEAD_BYTES = 16 * 1024
/** Bytes of the tail kept: enough for a final event that repeats the whole answer (Responses' completed). */
const TAIL_BYTES = 512 * 1024

export interface PassthroughTap {
  /**
   * Notes one chunk that goes to the client; returns the chunk to send (the same bytes, unless
   * `dropUsageChunk` removed the usage-only event a client did not ask for).
   */
  push(chunk: Uint8Array): Uint8Array
  /** Decodes what was kept (once) and hands the IR events to `onEvent`. */
  drain(): void
}

export interface TapOptions {
  /**
   * OpenAI Chat: the gateway asked the upstream for `include_usage` (to meter) but the client
   * did not, so the usage-only chunk is cut from what the client gets.
   */
  dropUsageChunk?: boolean
}

// Buffer's native byte search works on any Uint8Array, without wrapping each chunk in a Buffer.
const indexOf = Buffer.prototype.indexOf as (this: Uint8Array, needle: Uint8Array, from?: number) => number
const lastIndexOf = Buffer.prototype.lastIndexOf as (
  this: Uint8Array,
  needle: Uint8Array,
  from?: number,
) => number
const bytes = (s: string) => Buffer.from(s)
const LF2 = bytes('\n\n')
const CRLF2 = bytes('\r\n\r\n')
const USAGE_ONLY = bytes('"choices":[]')
const MARKER_BYTES = Object.fromEntries(
  Object.entries(MARKERS).map(([name, m]) => [name, { first: m.first.map(bytes), last: m.last.map(bytes) }]),
) as Record<DialectName, { first: Buffer[]; last: Buffer[] }>

/** The [start, end) of the whole event around byte `at` (ends with its blank line), or undefined if it is cut off. */
function eventAround(buf: Uint8Array, at: number): [number, number] | undefined {
  const lf = lastIndexOf.call(buf, LF2, at)
  const crlf = lastIndexOf.call(buf, CRLF2, at)
  const start = Math.max(lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 4)
  const lfEnd = indexOf.call(buf, LF2, at)
  const crlfEnd = indexOf.call(buf, CRLF2, at)
  // the nearer blank line ends the event; "\r\n\r\n" also contains "\n\r\n", never "\n\n"
  const ends = [lfEnd === -1 ? -1 : lfEnd + 2, crlfEnd === -1 ? -1 : crlfEnd + 4].filter((e) => e > at)
  if (ends.length === 0) return undefined
  return [start, Math.min(...ends)]
}

/** The marked events of `buf` as [start, end) ranges, in stream order, each once. */
function markedRanges(
  buf: Uint8Array,
  first: Buffer[],
  last: Buffer[],
  fromStart: boolean,
): [number, number][] {
  const found = new Map<number, number>()
  const note = (at: number) => {
    if (at === -1) return
    const range = eventAround(buf, at)
    if (range) found.set(range[0], range[1])
  }
  if (fromStart) for (const m of first) note(indexOf.call(buf, m))
  for (const m of last) note(lastIndexOf.call(buf, m))
  return [...found].sort((a, b) => a[0] - b[0])
}

/** Cuts every usage-only chunk (`"choices":[]`) out of `chunk`. */
function cutUsageChunk(chunk: Uint8Array): Uint8Array {
  let at = indexOf.call(chunk, USAGE_ONLY)
  if (at === -1) return chunk
  let out = chunk
  while (at !== -1) {
    const range = eventAround(out, at)
    if (!range) break
    const next = new Uint8Array(out.byteLength - (range[1] - range[0]))
    next.set(out.subarray(0, range[0]), 0)
    next.set(out.subarray(range[1]), range[0])
    out = next
    at = indexOf.call(out, USAGE_ONLY, range[0])
  }
  return out
}

export function passthroughTap(
  dialect: Dialect,
  onEvent: (ev: StreamEvent) => void,
  opts: TapOptions = {},
): PassthroughTap {
  const { first, last } = MARKER_BYTES[dialect.name]
  const head: Uint8Array[] = []
  let headBytes = 0
  const tail: Uint8Array[] = []
  let tailBytes = 0
  /** Whether the tail still holds every chunk since the end of the head (no gap between them). */
  let contiguous = true
  let drained = false

  return {
    push(chunk) {
      if (headBytes < HEAD_BYTES) {
        head.push(chunk)
        headBytes += chunk.byteLength
      } else {
        tail.push(chunk)
        tailBytes += chunk.byteLength
        while (tail.length > 1 && tailBytes - tail[0]!.byteLength >= TAIL_BYTES) {
          tailBytes -= tail.shift()!.byteLength
          contiguous = false
        }
      }
      return opts.dropUsageChunk ? cutUsageChunk(chunk) : chunk
    },
    drain() {
      if (drained) return
      drained = true
      const parts: Uint8Array[] = []
      if (contiguous) {
        const all = Buffer.concat([...head, ...tail])
        for (const [s, e] of markedRanges(all, first, last, true)) parts.push(all.subarray(s, e))
      } else {
        const h = Buffer.concat(head)
        const t = Buffer.concat(tail)
        // the tail starts mid-event: everything before its first blank line is a fragment
        const cut = Math.min(...[indexOf.call(t, LF2), indexOf.call(t, CRLF2)].filter((i) => i !== -1))
        const whole = Number.isFinite(cut) ? t.subarray(cut) : t.subarray(t.byteLength)
        // a last marker the tail lacks may still be in the head (an error long before the end)
        const inTail = last.filter((m) => lastIndexOf.call(whole, m) !== -1)
        const inHeadOnly = last.filter((m) => !inTail.includes(m))
        for (const [s, e] of markedRanges(h, first, inHeadOnly, true)) parts.push(h.subarray(s, e))
        for (const [s, e] of markedRanges(whole, [], inTail, false)) parts.push(whole.subarray(s, e))
      }
      head.length = 0
      tail.length = 0
      if (parts.length === 0) return
      try {
        const core = decoderCore(() => dialect.decodeStream())
        core.push(Buffer.concat(parts), onEvent)
        core.end(onEvent)
      } catch {
        // a malformed usage event must not fail a stream that already reached the client
      }
    },
  }
}
