/**
 * Same-dialect streams go to the client byte for byte; this tap watches them on the way past.
 * Decoding every chunk would cost the passthrough path a third of its speed, and the events
 * that matter (usage, errors, the terminal event) sit at the head of a stream (Anthropic's
 * `message_start`) or at its tail (everything else). So the tap only keeps references to the
 * first chunks and the last ones, and when the stream ends (or the client leaves) it decodes
 * those, picks the marked events and runs them through the dialect's own decoder.
 */
import { decoderCore } from '../../dialects/common/stream.ts'
import type { Dialect, DialectName, StreamEvent } from '../../dialects/ir.ts'

interface Markers {
  /** An event is kept when its text contains one of these. */
  any: string[]
  /** Keep only the last kept event (Gemini repeats running totals on every chunk). */
  lastOnly: boolean
}

/**
 * What to keep per dialect: the usage-bearing events, errors, and the terminal event (without
 * it the decoder would rightly call the stream truncated).
 */
const MARKERS: Record<DialectName, Markers> = {
  'openai-chat': { any: ['"usage":{', '"error"', '[DONE]'], lastOnly: false },
  'openai-responses': {
    any: ['response.completed', 'response.incomplete', 'response.failed', '"type":"error"'],
    lastOnly: false,
  },
  'anthropic-messages': {
    any: ['message_start', 'message_delta', 'message_stop', '"type":"error"'],
    lastOnly: false,
  },
  gemini: { any: ['usageMetadata', '"error"'], lastOnly: true },
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
  drain(): Promise<void>
}

export interface TapOptions {
  /**
   * OpenAI Chat: the gateway asked the upstream for `include_usage` (to meter) but the client
   * did not, so the usage-only chunk is cut from what the client gets.
   */
  dropUsageChunk?: boolean
}

const USAGE_ONLY = Buffer.from('"choices":[]')

/** The separator between events in `text` (servers use one style throughout; Gemini's is CRLF). */
function separatorOf(text: string): string {
  return text.includes('\r\n') ? '\r\n\r\n' : '\n\n'
}

/** The complete events of `text` that carry a marker, in order (found by native search, not by splitting every event). */
function markedEvents(text: string, sep: string, markers: string[]): string[] {
  const starts = new Set<number>()
  for (const m of markers) {
    for (let at = text.indexOf(m); at !== -1; at = text.indexOf(m, at + m.length)) {
      const before = text.lastIndexOf(sep, at)
      starts.add(before === -1 ? 0 : before + sep.length)
    }
  }
  const out: string[] = []
  for (const start of [...starts].sort((a, b) => a - b)) {
    const end = text.indexOf(sep, start)
    if (end !== -1) out.push(text.slice(start, end + sep.length))
  }
  return out
}

export function passthroughTap(
  dialect: Dialect,
  onEvent: (ev: StreamEvent) => void,
  opts: TapOptions = {},
): PassthroughTap {
  const { any: markers, lastOnly } = MARKERS[dialect.name]
  const head: Uint8Array[] = []
  let headBytes = 0
  const tail: Uint8Array[] = []
  let tailBytes = 0
  /** Whether the tail still holds every chunk since the end of the head (no gap between them). */
  let contiguous = true
  let drained: Promise<void> | undefined

  const cutUsageChunk = (chunk: Uint8Array): Uint8Array => {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (bytes.indexOf(USAGE_ONLY) === -1) return chunk
    let text = bytes.toString('utf8')
    const sep = separatorOf(text)
    for (let at = text.indexOf('"choices":[]'); at !== -1; at = text.indexOf('"choices":[]')) {
      const start = text.lastIndexOf(sep, at)
      const end = text.indexOf(sep, at)
      if (end === -1) break
      text = text.slice(0, start === -1 ? 0 : start + sep.length) + text.slice(end + sep.length)
    }
    return Buffer.from(text)
  }

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
      drained ??= (async () => {
        const decoder = new TextDecoder()
        let text = head.map((c) => decoder.decode(c, { stream: true })).join('')
        let tailText = ''
        if (contiguous)
          text += tail.map((c) => decoder.decode(c, { stream: true })).join('') + decoder.decode()
        else {
          text += decoder.decode()
          const d = new TextDecoder()
          tailText = tail.map((c) => d.decode(c, { stream: true })).join('') + d.decode()
        }
        const sep = separatorOf(text + tailText)
        let kept = markedEvents(text.endsWith(sep) ? text : text + sep, sep, markers)
        if (tailText) {
          // the tail starts mid-event: everything before its first separator is a fragment
          const from = tailText.indexOf(sep)
          if (from !== -1)
            kept.push(...markedEvents(`${tailText.slice(from + sep.length)}${sep}`, sep, markers))
        }
        if (lastOnly && kept.length > 1) kept = [kept[kept.length - 1]!]
        head.length = 0
        tail.length = 0
        if (kept.length === 0) return
        try {
          const core = decoderCore(dialect.decodeStream())!
          core.push(Buffer.from(kept.join('')), onEvent)
          core.end(onEvent)
        } catch {
          // a malformed usage event must not fail a stream that already reached the client
        }
      })()
      return drained
    },
  }
}
