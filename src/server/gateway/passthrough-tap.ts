/**
 * Same-dialect streams go to the client byte for byte; this tap watches them on the way past.
 * Parsing every event would cost the passthrough path most of its speed, so it only keeps the
 * few events that carry usage, the stop reason or an error (found by a cheap substring test),
 * and decodes those with the dialect's own decoder when the stream ends or the client leaves.
 */
import type { Dialect, DialectName, StreamEvent } from '../../dialects/ir.ts'

interface Markers {
  /** An event is kept when its text contains one of these. */
  any: string[]
  /** Keep only the last kept event (Gemini repeats running totals on every chunk). */
  lastOnly: boolean
}

const MARKERS: Record<DialectName, Markers> = {
  'openai-chat': { any: ['"usage":{', '"error"', '"finish_reason":"', '[DONE]'], lastOnly: false },
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
  /** Feed each chunk that goes to the client. */
  push(chunk: Uint8Array): void
  /** Decodes what was kept (once) and hands the IR events to `onEvent`. */
  drain(): Promise<void>
}

export function passthroughTap(dialect: Dialect, onEvent: (ev: StreamEvent) => void): PassthroughTap {
  const markers = MARKERS[dialect.name]
  const text = new TextDecoder()
  let pending = ''
  let kept: string[] = []
  let drained: Promise<void> | undefined

  const hasMarker = (s: string) => {
    for (const m of markers.any) if (s.includes(m)) return true
    return false
  }
  const scan = (s: string) => {
    pending += s
    const cut = Math.max(pending.lastIndexOf('\n\n'), pending.lastIndexOf('\r\n\r\n'))
    if (cut === -1) return
    const complete = pending.slice(0, cut)
    pending = pending.slice(cut)
    if (!hasMarker(complete)) return
    for (const block of complete.split(/\r?\n\r?\n/)) {
      if (block && hasMarker(block)) {
        if (markers.lastOnly) kept = [block]
        else kept.push(block)
      }
    }
  }

  return {
    push(chunk) {
      scan(text.decode(chunk, { stream: true }))
    },
    drain() {
      drained ??= (async () => {
        scan(`${text.decode()}\n\n`)
        if (kept.length === 0) return
        const bytes = new TextEncoder().encode(`${kept.join('\n\n')}\n\n`)
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
