/**
 * The two stream shapes every dialect needs: SSE bytes → events of that dialect's choosing, and
 * events → SSE text. A dialect builds each as a synchronous core (`StreamCore`, part of the
 * `Dialect` contract) with `decodeSSEStream`/`encodeSSEStream`; `withStreams` turns the cores
 * into the `TransformStream`s of the contract, here and nowhere else, so a caller that owns its
 * own loop (the gateway) takes the core and pays for no TransformStream it would not use.
 */
import { type SSEEvent, SSEParser, utf8 } from '../../sse.ts'
import type { Dialect, DialectCodec, Emit, StreamCore } from '../contract.ts'

export type { Emit, StreamCore } from '../contract.ts'

/**
 * The core of an upstream SSE decoder → `O`, for any chunking. `onEvent` sees each SSE event;
 * `onEnd` runs once when the upstream closes (after the last event, including one without a
 * trailing blank line).
 */
export function decodeSSEStream<O>(
  onEvent: (ev: SSEEvent, emit: Emit<O>) => void,
  onEnd?: (emit: Emit<O>) => void,
): StreamCore<Uint8Array, O> {
  const text = new TextDecoder('utf-8')
  const parser = new SSEParser()
  const batch: SSEEvent[] = []
  return {
    push(chunk, emit) {
      parser.push(text.decode(chunk, { stream: true }), batch)
      for (const ev of batch) onEvent(ev, emit)
      batch.length = 0
    },
    end(emit) {
      parser.push(text.decode(), batch)
      parser.end(batch)
      for (const ev of batch) onEvent(ev, emit)
      batch.length = 0
      onEnd?.(emit)
    },
  }
}

/** The core of an SSE encoder: `onEvent` writes the wire text of each input, `onEnd` what closes the stream. */
export function encodeSSEStream<I>(
  onEvent: (ev: I, write: Emit<string>) => void,
  onEnd?: (write: Emit<string>) => void,
): StreamCore<I, string> {
  return {
    push: onEvent,
    end: (write) => onEnd?.(write),
  }
}

/** A decoder core as one TransformStream. */
export function decoderStream<O>(core: StreamCore<Uint8Array, O>): TransformStream<Uint8Array, O> {
  return new TransformStream<Uint8Array, O>({
    transform(chunk, controller) {
      core.push(chunk, (o) => controller.enqueue(o))
    },
    flush(controller) {
      core.end((o) => controller.enqueue(o))
    },
  })
}

/**
 * An encoder core as one TransformStream of UTF-8 bytes: whatever one input produced goes out
 * as one chunk, so nothing is held back waiting for more input.
 */
export function encoderStream<I>(core: StreamCore<I, string>): TransformStream<I, Uint8Array> {
  let pending = ''
  const write: Emit<string> = (s) => {
    pending += s
  }
  return new TransformStream<I, Uint8Array>({
    transform(ev, controller) {
      core.push(ev, write)
      if (pending) {
        controller.enqueue(utf8(pending))
        pending = ''
      }
    },
    flush(controller) {
      core.end(write)
      if (pending) {
        controller.enqueue(utf8(pending))
        pending = ''
      }
    },
  })
}

/** A dialect's codec with the stream shapes of the contract built from its cores. */
export function withStreams(codec: DialectCodec): Dialect {
  return {
    ...codec,
    decodeStream: (opts) => decoderStream(codec.decodeStreamCore(opts)),
    encodeStream: (opts) => encoderStream(codec.encodeStreamCore(opts)),
  }
}

/** Parses an SSE data payload as JSON; undefined when it is not JSON (e.g. `[DONE]`). */
export function parseData(data: string): unknown {
  try {
    return JSON.parse(data)
  } catch {
    return undefined
  }
}
