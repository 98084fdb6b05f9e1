/**
 * The two stream shapes every dialect needs, each one TransformStream (no extra pipe hop):
 * SSE bytes → events of that dialect's choosing, and events → SSE bytes.
 */
import { type SSEEvent, SSEParser, utf8 } from '../../sse.ts'

export type Emit<T> = (value: T) => void

/**
 * Upstream SSE bytes → `O`, for any chunking. `onEvent` sees each SSE event; `onEnd` runs once
 * when the upstream closes (after the last event, including one without a trailing blank line).
 */
export function decodeSSEStream<O>(
  onEvent: (ev: SSEEvent, emit: Emit<O>) => void,
  onEnd?: (emit: Emit<O>) => void,
): TransformStream<Uint8Array, O> {
  const text = new TextDecoder('utf-8')
  const parser = new SSEParser()
  const batch: SSEEvent[] = []
  return new TransformStream<Uint8Array, O>({
    transform(chunk, controller) {
      const emit: Emit<O> = (o) => controller.enqueue(o)
      parser.push(text.decode(chunk, { stream: true }), batch)
      for (const ev of batch) onEvent(ev, emit)
      batch.length = 0
    },
    flush(controller) {
      const emit: Emit<O> = (o) => controller.enqueue(o)
      parser.push(text.decode(), batch)
      parser.end(batch)
      for (const ev of batch) onEvent(ev, emit)
      batch.length = 0
      onEnd?.(emit)
    },
  })
}

/**
 * `I` → SSE bytes. `onEvent` writes wire text for each input; whatever one input produced goes
 * out as one chunk, so nothing is held back waiting for more input.
 */
export function encodeSSEStream<I>(
  onEvent: (ev: I, write: Emit<string>) => void,
  onEnd?: (write: Emit<string>) => void,
): TransformStream<I, Uint8Array> {
  let pending = ''
  const write: Emit<string> = (s) => {
    pending += s
  }
  return new TransformStream<I, Uint8Array>({
    transform(ev, controller) {
      onEvent(ev, write)
      if (pending) {
        controller.enqueue(utf8(pending))
        pending = ''
      }
    },
    flush(controller) {
      onEnd?.(write)
      if (pending) {
        controller.enqueue(utf8(pending))
        pending = ''
      }
    },
  })
}

/** Parses an SSE data payload as JSON; undefined when it is not JSON (e.g. `[DONE]`). */
export function parseData(data: string): unknown {
  try {
    return JSON.parse(data)
  } catch {
    return undefined
  }
}
