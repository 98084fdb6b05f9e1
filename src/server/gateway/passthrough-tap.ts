/**
 * Same-dialect streams go to the client byte for byte; this tap watches them on the way past.
 * Parsing every event would cost the passthrough path most of its speed, so it only keeps the
 * few events that carry usage or an error (found with native substring search, event bounds
 * included), and decodes those with the dialect's own decoder when the stream ends or the client
 * leaves.
 */
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

export interface PassthroughTap {
  /**
   * Feeds one chunk that goes to the client; returns the chunk to send (the same bytes, unless
   * `dropUsageChunk` removed the usage-only event a client did not ask for).
   */
  push(chunk: Uint8Array): Uint8Array
  /** Decodes what was kept (once) and hands the IR events to `onEvent`. */
  drain(): Promise<void>
}

/** Start of the event holding `at`: just after the blank line (`sep`) before it. */
function eventStart(text: string, at: number, sep: string): number {
  const i = text.lastIndexOf(sep, at)
  return i === -1 ? 0 : i + sep.length
}

/** End of the event holding `at`, its blank line included; -1 while incomplete. */
function eventEnd(text: string, at: number, sep: string): number {
  const i = text.indexOf(sep, at)
  return i === -1 ? -1 : i + sep.length
}

export interface TapOptions {
  /**
   * OpenAI Chat: the gateway asked the upstream for `include_usage` (to meter) but the client
   * did not, so the usage-only chunk is cut from what the client gets.
   */
  dropUsageChunk?: boolean
}

export function passthroughTap(
  dialect: Dialect,
  onEvent: (ev: StreamEvent) => void,
  opts: TapOptions = {},
): PassthroughTap {
  const markers = MARKERS[dialect.name].any
  const lastOnly = MARKERS[dialect.name].lastOnly
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  /** Text of an event that started in an earlier chunk and has not ended yet. */
  let carry = ''
  /**
   * The blank line between events. Decided from the first text seen (servers use one style
   * throughout; Gemini's is CRLF): searching for a separator that never occurs scans the whole
   * text each time, which cost more than the rest of the tap.
   */
  let sep: string | undefined
  let kept: string[] = []
  let drained: Promise<void> | undefined

  /** Keeps the marked events wholly inside `text[0, limit)`; returns where the last complete event ends. */
  const keep = (text: string, limit: number) => {
    const starts = new Set<number>()
    for (const m of markers) {
      for (let at = text.indexOf(m); at !== -1 && at < limit; at = text.indexOf(m, at + m.length)) {
        starts.add(eventStart(text, at, sep!))
      }
    }
    if (starts.size === 0) return
    for (const start of [...starts].sort((a, b) => a - b)) {
      const end = eventEnd(text, start, sep!)
      if (end === -1 || end > limit) continue
      const block = text.slice(start, end)
      if (lastOnly) kept = [block]
      else kept.push(block)
    }
  }

  return {
    push(chunk) {
      const fresh = decoder.decode(chunk, { stream: true })
      const text = carry ? carry + fresh : fresh
      sep ??= text.includes('\r\n') ? '\r\n\r\n' : text.includes('\n') ? '\n\n' : undefined
      if (!sep) {
        carry = text
        return chunk
      }
      const last = text.lastIndexOf(sep)
      const cut = last === -1 ? 0 : last + sep.length
      keep(text, cut)
      carry = text.slice(cut)
      if (!opts.dropUsageChunk || !fresh.includes('"choices":[]')) return chunk
      // Cut the usage-only event(s) out of this chunk's own text.
      let out = fresh
      for (let at = out.indexOf('"choices":[]'); at !== -1; at = out.indexOf('"choices":[]')) {
        const start = eventStart(out, at, sep)
        const end = eventEnd(out, at, sep)
        if (end === -1) break
        out = out.slice(0, start) + out.slice(end)
      }
      return encoder.encode(out)
    },
    drain() {
      drained ??= (async () => {
        const rest = carry + decoder.decode()
        sep ??= rest.includes('\r\n') ? '\r\n\r\n' : '\n\n'
        keep(rest + sep, rest.length + sep.length)
        carry = ''
        if (kept.length === 0) return
        const bytes = encoder.encode(kept.join(''))
        kept = []
        try {
          const events = new Response(bytes).body!.pipeThrough(dialect.decodeStream())
          for await (const ev of events) onEvent(ev)
        } catch {
          // a malformed usage event must not fail a stream that already reached the client
        }
      })()
      return drained
    },
  }
}
