/**
 * Cuts the usage-only event (OpenAI Chat's `"choices":[]` chunk) out of a passthrough stream
 * whose client did not ask for usage: the gateway asked the upstream for it, to meter.
 *
 * The event is cut only where the read holds all of it. Its start may lie in the read itself
 * (after a blank line there) or exactly at the read's start, which depends on how the stream
 * before it ended: a blank line split across two reads (`\n` | `\ndata: …`) puts the event one
 * byte into the read, and a read that starts inside an event (the rest of it already went to
 * the client) must not be cut at all, or the client gets half an event glued to the next.
 */
import { blankLineEnd, CR, endsBlankLine, eventStart, indexOf, LF } from './sse-bytes.ts'

export class UsageChunkCutter {
  /**
   * The line-end bytes (CR, LF) the stream so far ends with, up to four, oldest first, and how
   * many there are: kept per read without a string or an allocation. A stream's start counts as
   * a finished event.
   */
  readonly #ends = Uint8Array.of(LF, LF, 0, 0)
  #endCount = 2
  readonly #marker: Uint8Array

  /** `marker`: bytes found only in the usage-only event. */
  constructor(marker: Uint8Array) {
    this.#marker = marker
  }

  /**
   * `chunk` without its usage-only events: the chunk itself when it holds none, else views of the
   * bytes around them (none when it was that event alone). Views, not a copy: the cut read is
   * often many events long, and a fresh buffer per stream cost 6% of a passthrough stream's CPU.
   */
  cut(chunk: Uint8Array): Uint8Array | Uint8Array[] {
    let at = indexOf.call(chunk, this.#marker)
    // where the stream stood before this read, read only when the cut needs it (rarely)
    const before = at === -1 ? undefined : this.#ends.slice(0, this.#endCount)
    this.#noteLineEnds(chunk)
    if (before === undefined) return chunk
    const parts: Uint8Array[] = []
    let from = 0
    while (at !== -1) {
      const end = blankLineEnd(chunk, at)
      if (end === -1) break // the event goes on in the next read: it is left whole
      let start = eventStart(chunk, at)
      if (start === -1) {
        start = firstEventStart(before, chunk)
        if (start === -1) break // the event began in an earlier read
      }
      if (start > from) parts.push(chunk.subarray(from, start))
      from = end
      at = indexOf.call(chunk, this.#marker, from)
    }
    if (from === 0) return chunk
    if (from < chunk.byteLength) parts.push(chunk.subarray(from))
    return parts
  }

  /** Updates the stream's trailing line ends with `chunk`'s. */
  #noteLineEnds(chunk: Uint8Array): void {
    const n = chunk.byteLength
    let k = 0
    while (k < 4 && k < n && isLineEnd(chunk[n - 1 - k]!)) k++
    const ends = this.#ends
    if (k < n) {
      // the read ends with its own line ends (or none): they are all that matters
      for (let i = 0; i < k; i++) ends[i] = chunk[n - k + i]!
      this.#endCount = k
      return
    }
    // a read of line ends only extends what came before
    const keep = Math.min(this.#endCount, 4 - k)
    ends.copyWithin(0, this.#endCount - keep, this.#endCount)
    for (let i = 0; i < k; i++) ends[keep + i] = chunk[i]!
    this.#endCount = keep + k
  }
}

const isLineEnd = (c: number) => c === LF || c === CR

/**
 * Where the first event starting in `chunk` begins, for a stream whose bytes before it ended with
 * the line ends `before`: 0 after a finished event, past the rest of a blank line the earlier read
 * began, or -1 when the chunk starts inside an event.
 */
function firstEventStart(before: Uint8Array, chunk: Uint8Array): number {
  const joined = [...before]
  for (let k = 0; k <= 4; k++) {
    if (endsBlankLine(joined)) return k
    const c = chunk[k]
    if (c === undefined || !isLineEnd(c)) return -1
    joined.push(c)
  }
  return -1
}
