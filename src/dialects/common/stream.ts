/**
 * The two stream shapes every dialect needs, each one TransformStream (no extra pipe hop):
 * SSE bytes → events of that dialect's choosing, and events → SSE bytes.
 *
 * Each stream also carries its synchronous core (`streamCore`): the same per-stream state driven
 * by plain calls. A caller that owns the whole loop (the gateway's translated path) can run a
 * decoder and an encoder back to back in one pass per network read instead of paying a stream
 * hop per chunk per stage.
 */
import { type SSEEvent, SSEParser, utf8 } from '../../sse.ts'

export type Emit<T> = (value: T) => void

/** The synchronous heart of one stream: feed inputs, then end it once. */
export interface StreamCore<I, O> {
  push(input: I, emit: Emit<O>): void
  end(emit: Emit<O>): void
}

const CORE = Symbol.for('byokey.streamCore')

type WithCore<I, O, C> = TransformStream<I, O> & { [CORE]?: C }

/**
 * Set while `coreOf` runs a codec factory: the factory's `decodeSSEStream`/`encodeSSEStream`
 * then hand back their core alone, without building a TransformStream nobody would use (the
 * constructor costs more than the rest of a stream's setup). Factories run synchronously, so
 * no other caller can see the flag.
 */
let coreOnly = false

function coreOf<C>(make: () => TransformStream<never, unknown> | object): C {
  coreOnly = true
  let made: object
  try {
    made = make()
  } finally {
    coreOnly = false
  }
  const core = (made as { [CORE]?: C })[CORE]
  if (!core)
    throw new Error('this stream codec was not built on common/stream.ts and has no synchronous core')
  return core
}

/** The synchronous core of a decoder that `make` builds with `decodeSSEStream`: bytes in, events out. */
export function decoderCore<O>(make: () => TransformStream<Uint8Array, O>): StreamCore<Uint8Array, O> {
  return coreOf(make)
}

/** The synchronous core of an encoder that `make` builds with `encodeSSEStream`: events in, wire text out. */
export function encoderCore<I>(make: () => TransformStream<I, Uint8Array>): StreamCore<I, string> {
  return coreOf(make)
}

/** What a codec factory returns while only its core is wanted. */
function coreHolder<I, O, C>(core: C): WithCore<I, O, C> {
  return { [CORE]: core } as unknown as WithCore<I, O, C>
}

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
  const core: StreamCore<Uint8Array, O> = {
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
  if (coreOnly) return coreHolder(core)
  const stream: WithCore<Uint8Array, O, StreamCore<Uint8Array, O>> = new TransformStream<Uint8Array, O>({
    transform(chunk, controller) {
      core.push(chunk, (o) => controller.enqueue(o))
    },
    flush(controller) {
      core.end((o) => controller.enqueue(o))
    },
  })
  stream[CORE] = core
  return stream
}

/**
 * `I` → SSE bytes. `onEvent` writes wire text for each input; whatever one input produced goes
 * out as one chunk, so nothing is held back waiting for more input.
 */
export function encodeSSEStream<I>(
  onEvent: (ev: I, write: Emit<string>) => void,
  onEnd?: (write: Emit<string>) => void,
): TransformStream<I, Uint8Array> {
  const core: StreamCore<I, string> = {
    push: onEvent,
    end: (write) => onEnd?.(write),
  }
  if (coreOnly) return coreHolder(core)
  let pending = ''
  const write: Emit<string> = (s) => {
    pending += s
  }
  const stream: WithCore<I, Uint8Array, StreamCore<I, string>> = new TransformStream<I, Uint8Array>({
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
  stream[CORE] = core
  return stream
}

/** Parses an SSE data payload as JSON; undefined when it is not JSON (e.g. `[DONE]`). */
export function parseData(data: string): unknown {
  try {
    return JSON.parse(data)
  } catch {
    return undefined
  }
}
