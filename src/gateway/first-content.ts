/**
 * Holding a stream's answer until its first content event: an upstream may answer 200 and then
 * open its stream with an error event (overloaded, rate limited) or end before any content. Until
 * the first content event is decoded nothing has reached the client, so such a stream is an
 * attempt that failed before the first byte and the next credential may serve. The hold is bounded
 * (`timeouts.first_content_ms`): past it the stream is committed and goes out as it comes.
 *
 * Only the chunks before the first content event are decoded here; they are handed to the stream
 * loop, which reads on from the same reader.
 */
import type { UpstreamCodec } from '../dialects/contract.ts'
import type { ErrorInfo, Provenance, StreamEvent } from '../dialects/ir.ts'

export interface ReadMany {
  done: boolean
  value: Uint8Array[]
}

/** Bun's reader extension: every chunk already queued, in one call (without a promise when there is some). */
export interface BunReader {
  readMany(): Promise<ReadMany> | ReadMany
  cancel(reason?: unknown): Promise<void>
}

/** What the hold read of a stream: the stream loop goes on from here. */
export interface HeldStream {
  readonly reader: BunReader
  /** Batches to hand to the loop before it reads again: the chunks read, a read under way, the end. */
  readonly batches: (ReadMany | Promise<ReadMany>)[]
}

export type FirstContent =
  /** Content came, or the bound passed: commit the stream. */
  | { kind: 'content'; held: HeldStream }
  /** The stream's own error event came before any content. */
  | { kind: 'error'; error: ErrorInfo; held: HeldStream }
  /** The stream ended before any content. */
  | { kind: 'ended'; held: HeldStream }
  /** Reading the stream failed before any content. */
  | { kind: 'broke'; failure: unknown; held: HeldStream }

/** Events the client must see: a block (text, thinking, tool call) or the answer's end. */
const CONTENT = new Set<StreamEvent['type']>([
  'block_start',
  'text_delta',
  'thinking_delta',
  'tool_args_delta',
  'encrypted_reasoning',
  'finish',
])

/** Reads `body` until its first content event, an error event, its end, or `boundMs`. */
export async function holdFirstContent(
  body: ReadableStream<Uint8Array>,
  upstream: UpstreamCodec,
  provenance: Provenance | undefined,
  boundMs: number,
): Promise<FirstContent> {
  const reader = body.getReader() as unknown as BunReader
  const chunks: Uint8Array[] = []
  const batches: (ReadMany | Promise<ReadMany>)[] = []
  const held: HeldStream = { reader, batches }
  const decode = upstream.decodeStreamCore(provenance ? { provenance } : {})
  let content = false
  let error: ErrorInfo | undefined
  const onEvent = (ev: StreamEvent) => {
    if (content || error) return
    if (ev.type === 'error') error = ev.error
    else if (CONTENT.has(ev.type)) content = true
  }
  const keep = () => {
    if (chunks.length > 0) batches.push({ done: false, value: chunks })
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  const bound = new Promise<'bound'>((resolve) => {
    timer = setTimeout(() => resolve('bound'), boundMs)
  })
  try {
    for (;;) {
      let batch = reader.readMany()
      if (batch instanceof Promise) {
        const reading = batch
        const won = await Promise.race([reading, bound])
        if (won === 'bound') {
          keep()
          batches.push(reading)
          return { kind: 'content', held }
        }
        batch = won
      }
      if (batch.done) {
        decode.end(onEvent)
        keep()
        batches.push(batch)
        if (content) return { kind: 'content', held }
        return error ? { kind: 'error', error, held } : { kind: 'ended', held }
      }
      for (const chunk of batch.value) {
        chunks.push(chunk)
        decode.push(chunk, onEvent)
      }
      if (content || error) {
        keep()
        return content ? { kind: 'content', held } : { kind: 'error', error: error!, held }
      }
    }
  } catch (failure) {
    keep()
    batches.push(Promise.reject(failure))
    // the loop may never read it (the attempt fails over): no unhandled rejection
    ;(batches.at(-1) as Promise<ReadMany>).catch(() => {})
    return { kind: 'broke', failure, held }
  } finally {
    clearTimeout(timer)
  }
}
