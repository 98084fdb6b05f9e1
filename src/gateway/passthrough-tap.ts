/**
 * Same-dialect streams go to the client byte for byte; this tap watches them on the way past.
 * Decoding every chunk would cost the passthrough path a third of its speed, and the events
 * that matter (usage, errors, the terminal event) sit at the head of a stream (Anthropic's
 * `message_start`) or at its tail (everything else). So the tap only keeps references to the
 * first chunks and the last ones, and when the stream ends (or the client leaves) it finds the
 * marked events in those bytes with native byte search (each dialect names its markers:
 * `Dialect.passthrough`). A stream that ended normally is metered
 * from those events' payloads by the dialect's own `responseUsage`; anything else (an error
 * event, no terminal event) runs them through the dialect's full decoder, which tells a cut
 * stream from a finished one.
 */

import { concatBytes } from '../bytes.ts'
import { isObject } from '../dialects/common/json.ts'
import type { Dialect, PassthroughMarkers } from '../dialects/contract.ts'
import { DIALECTS, type DialectName, type StreamEvent, type Usage } from '../dialects/ir.ts'
import { dialects } from '../dialects/registry.ts'
import { parseSSE } from '../sse.ts'
import { blankLineEnd, CRLF2, endsBlankLine, eventAround, indexOf, LF2, lastIndexOf } from './sse-bytes.ts'
import { UsageChunkCutter } from './usage-chunk-cut.ts'

/** Bytes of the stream's head kept: enough for a first event (Anthropic's message_start). */
export const HEAD_BYTES = 4 * 1024
/**
 * Bytes of the tail kept behind the event still arriving: the terminal events the search wants
 * (usage, `[DONE]`, message_stop) are a few hundred bytes. The event still arriving is kept whole
 * (Responses' completed event repeats the whole answer) up to `TAIL_MAX_BYTES`. A fixed 512 KB
 * tail held every stream's whole answer in memory: 1,000 streams of 50 KB each held 50 MB. At
 * 16 KB a side, kept chunks (a few hundred bytes each, plus their objects) were still most of
 * byokey's own heap per open stream; 4 KB is ten times the largest terminal event.
 */
export const TAIL_BYTES = 4 * 1024
/** The most the tail holds however large the event still arriving is. */
export const TAIL_MAX_BYTES = 512 * 1024
const DEFAULT_BOUNDS = { head: HEAD_BYTES, tail: TAIL_BYTES, tailMax: TAIL_MAX_BYTES }

export interface PassthroughTap {
  /**
   * Notes one chunk that goes to the client; returns what to send: the chunk itself, or, when
   * `dropUsageChunk` removed the usage-only event a client did not ask for, the pieces around it
   * (none when the chunk was that event alone).
   */
  push(chunk: Uint8Array): Uint8Array | Uint8Array[]
  /** Decodes what was kept (once) and hands the IR events to `onEvent`. */
  drain(): void
  /** The bytes it holds now, head and tail (what its bound is tested on). */
  readonly keptBytes: number
}

export interface TapOptions {
  /** Always run the kept events through the full decoder (tests compare it with the short way). */
  fullDecode?: boolean
  /**
   * The gateway asked the upstream for the usage (to meter) but the client did not, so the
   * dialect's usage-only chunk (`passthrough.usageOnlyChunk`) is cut from what the client gets.
   */
  dropUsageChunk?: boolean
  /** What is kept of the head and tail (`HEAD_BYTES`, `TAIL_BYTES`, `TAIL_MAX_BYTES`); tests shrink them to reach the tail logic on small fixtures. */
  bounds?: { head: number; tail: number; tailMax: number }
}

const bytes = (s: string) => Buffer.from(s)
const text = new TextDecoder()

/** A dialect's markers as bytes, made once per process. */
interface MarkerBytes {
  first: Buffer[]
  last: Buffer[]
  errors: Buffer[]
  usageOnly: Buffer | undefined
}

function markerBytes(m: PassthroughMarkers): MarkerBytes {
  return {
    first: m.first.map(bytes),
    last: m.last.map(bytes),
    errors: (m.outcome?.errors ?? []).map(bytes),
    usageOnly: m.usageOnlyChunk === undefined ? undefined : bytes(m.usageOnlyChunk),
  }
}

const MARKER_BYTES = Object.fromEntries(
  DIALECTS.map((name) => [name, markerBytes(dialects[name].passthrough)]),
) as Record<DialectName, MarkerBytes>

/** How many event ends (blank lines) `chunk` holds: 0, 1, or 2 for two or more. */
function eventEnds(chunk: Uint8Array): 0 | 1 | 2 {
  const lf = indexOf.call(chunk, LF2)
  const crlf = indexOf.call(chunk, CRLF2)
  if (lf === -1 && crlf === -1) return 0
  if (lf !== -1 && crlf !== -1) return 2
  // a run of newlines ("\n\n\n") is one end, not two overlapping ones
  return lf !== -1
    ? lastIndexOf.call(chunk, LF2) - lf >= 2
      ? 2
      : 1
    : lastIndexOf.call(chunk, CRLF2) - crlf >= 4
      ? 2
      : 1
}

/** Where each marker's event sits in `buf`: the first or the last copy, as [start, end). */
function rangesOf(buf: Uint8Array, markers: Buffer[], which: 'first' | 'last'): [number, number][] {
  const out: [number, number][] = []
  for (const m of markers) {
    const at = which === 'first' ? indexOf.call(buf, m) : lastIndexOf.call(buf, m)
    const range = at === -1 ? undefined : eventAround(buf, at)
    if (range) out.push(range)
  }
  return out
}

/** The first look at either end of a stream: its terminal events are a few hundred bytes. */
const WINDOW = 2048

export function passthroughTap(
  dialect: Dialect,
  onEvent: (ev: StreamEvent) => void,
  opts: TapOptions = {},
): PassthroughTap {
  const markers = MARKER_BYTES[dialect.name]
  const { first, last } = markers
  const cutter =
    opts.dropUsageChunk && markers.usageOnly ? new UsageChunkCutter(markers.usageOnly) : undefined
  const bounds = opts.bounds ?? DEFAULT_BOUNDS
  /** The kept chunks: the head (`headCount` chunks), then the tail. */
  const kept: Uint8Array[] = []
  let headCount = 0
  let headBytes = 0
  let tailBytes = 0
  /** Stream bytes seen. */
  let total = 0
  /** Whether chunks between head and tail were let go. */
  let gap = false
  /** Chunks let go from the tail. */
  let dropped = 0
  /**
   * Numbers (from 0, in stream order) of the chunks holding the last two event ends seen: the
   * last complete event starts in `prevEndChunk` (what is kept of the tail reaches back to it).
   */
  let lastEndChunk = -1
  let prevEndChunk = -1
  let pushed = 0
  let drained = false

  /** The kept bytes from the stream's start (up to the gap), as one buffer, at most about `want` long. */
  const fromStart = (want: number): Uint8Array => {
    const parts: Uint8Array[] = []
    let n = 0
    const end = gap ? headCount : kept.length
    for (let i = 0; i < end && n < want; i++) {
      parts.push(kept[i]!)
      n += kept[i]!.byteLength
    }
    return concatBytes(parts)
  }
  /** The kept bytes before the stream's end (back to the gap), about `want` long, and their offset in the stream. */
  const toEnd = (want: number): { buf: Uint8Array; at: number } => {
    const parts: Uint8Array[] = []
    let n = 0
    const stop = gap ? headCount : 0
    for (let i = kept.length - 1; i >= stop && n < want; i--) {
      parts.push(kept[i]!)
      n += kept[i]!.byteLength
    }
    return { buf: concatBytes(parts.reverse()), at: total - n }
  }

  return {
    push(chunk) {
      total += chunk.byteLength
      kept.push(chunk)
      const n = pushed++
      if (headBytes < bounds.head) {
        headCount++
        headBytes += chunk.byteLength
      } else {
        tailBytes += chunk.byteLength
        // A read that ends an event (the usual read: upstreams flush whole events) counts as one
        // end without a search. Should it hold more, the last complete event is taken to start
        // after the end seen before it: more of the tail is kept, never less.
        const ends = endsBlankLine(chunk) ? 1 : eventEnds(chunk)
        if (ends > 0) {
          prevEndChunk = ends > 1 ? n : lastEndChunk
          lastEndChunk = n
        }
        // the oldest tail chunk goes when what stays is enough: the last complete event and the
        // one still arriving, whole, and `tail` bytes; or `tailMax` bytes whatever they hold
        while (kept.length - headCount > 1) {
          const left = tailBytes - kept[headCount]!.byteLength
          const beforeLastEvent = headCount + dropped < prevEndChunk
          if (!(left >= bounds.tailMax || (beforeLastEvent && left >= bounds.tail))) break
          tailBytes = left
          kept.splice(headCount, 1)
          dropped++
          gap = true
        }
      }
      return cutter ? cutter.cut(chunk) : chunk
    },
    get keptBytes() {
      return headBytes + tailBytes
    },
    drain() {
      if (drained) return
      drained = true
      /** The events found, by their offset in the stream, so one found from both ends counts once. */
      const events = new Map<number, Uint8Array>()
      const take = (buf: Uint8Array, at: number, ranges: [number, number][]) => {
        for (const [s, e] of ranges) events.set(at + s, buf.subarray(s, e))
      }
      // the head as one buffer, joined once however many searches need it
      let head: Uint8Array | undefined
      const headBuf = () => {
        head ??= fromStart(bounds.head)
        return head
      }
      if (first.length > 0) take(headBuf(), 0, rangesOf(headBuf(), first, 'first'))
      // The end of the stream: a small window first, all that was kept when the window holds no marker.
      let end: Uint8Array = new Uint8Array(0)
      for (const want of [WINDOW, Number.POSITIVE_INFINITY]) {
        const { buf, at } = toEnd(want)
        // unless the window starts the stream, its bytes before the first blank line are a fragment
        const fragment = at === 0 ? 0 : blankLineEnd(buf, 0)
        const cut = fragment === -1 ? buf.byteLength : fragment
        end = buf.subarray(cut)
        const ranges = rangesOf(end, last, 'last')
        if (ranges.length > 0 || want !== WINDOW || at === 0) {
          take(end, at + cut, ranges)
          break
        }
      }
      // the tail was cut off from the head: a last marker the tail lacks may sit in the head (an early error)
      if (gap) {
        const missing = last.filter((m) => lastIndexOf.call(end, m) === -1)
        if (missing.length > 0) take(headBuf(), 0, rangesOf(headBuf(), missing, 'last'))
      }
      kept.length = 0
      headBytes = 0
      tailBytes = 0
      if (events.size === 0) return
      const ordered =
        events.size === 1 ? [...events.values()] : [...events].sort((a, b) => a[0] - b[0]).map(([, ev]) => ev)
      try {
        const usage = opts.fullDecode ? undefined : endedNormally(dialect, markers, ordered)
        if (usage) {
          for (const u of usage) onEvent({ type: 'usage', usage: u })
          return
        }
        const core = dialect.decodeStreamCore()
        core.push(concatBytes(ordered), onEvent)
        core.end(onEvent)
      } catch {
        // a malformed usage event must not fail a stream that already reached the client
      }
    },
  }
}

/**
 * The usage snapshots of a stream that ended normally, in stream order; undefined when its kept
 * events hold no terminal event or may hold an error (then the full decoder decides).
 */
function endedNormally(dialect: Dialect, markers: MarkerBytes, events: Uint8Array[]): Usage[] | undefined {
  const outcome = dialect.passthrough.outcome
  if (!outcome) return undefined
  const usage: Usage[] = []
  let ended = false
  for (const bytes of events) {
    for (const m of markers.errors) if (indexOf.call(bytes, m) !== -1) return undefined
    for (const ev of parseSSE(text.decode(bytes))) {
      if (outcome.end(ev.data)) ended = true
      if (ev.data.charCodeAt(0) !== 123) continue // not a JSON object: `[DONE]`
      let payload: unknown
      try {
        payload = JSON.parse(ev.data)
      } catch {
        return undefined
      }
      const found = usageOfPayload(dialect, payload)
      if (found) usage.push(found)
    }
  }
  return ended ? usage : undefined
}

/** The usage an event payload carries: on itself, or on the response or message it wraps. */
function usageOfPayload(dialect: Dialect, payload: unknown): Usage | undefined {
  if (!isObject(payload)) return undefined
  const own = dialect.responseUsage(payload)
  if (own) return own
  for (const key of dialect.passthrough.usageCarriers) {
    const inner = payload[key]
    const usage = isObject(inner) ? dialect.responseUsage(inner) : undefined
    if (usage) return usage
  }
  return undefined
}
