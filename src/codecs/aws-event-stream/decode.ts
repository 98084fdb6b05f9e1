/**
 * The AWS binary event-stream decoder (docs/protocols/kiro.md, "Event-stream framing"): bytes in,
 * in chunks split anywhere, whole messages out. Each message is
 * `total length (u32) · headers length (u32) · prelude CRC32 · headers · payload · message CRC32`,
 * big-endian; both CRCs are checked and a mismatch throws, since a damaged length makes every
 * later byte meaningless.
 *
 * Linear in the input: chunks are queued, not concatenated; a message is copied out once, when
 * all its bytes have arrived (a message inside one chunk is not copied at all).
 */
import { EventStreamError } from './errors.ts'
import { HeaderStrings, type HeaderValue, parseHeaders } from './headers.ts'

/** Prelude (12 bytes) and the trailing message CRC (4). */
const PRELUDE = 12
const FRAMING = PRELUDE + 4
/** AWS's own limits: 16 MiB a message, 128 KiB of headers. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024
export const MAX_HEADER_BYTES = 128 * 1024

export interface EventMessage {
  headers: Map<string, HeaderValue>
  /** A view of the message's payload (valid after the emit returns: the decoder never reuses it). */
  payload: Uint8Array
}

/** What the decoder did, for tests that check it stays linear. */
export interface DecodeStats {
  /** Bytes copied to join chunks. */
  copied: number
  /** Bytes run through CRC32. */
  checked: number
}

/** The big-endian unsigned 32-bit integer at `at` (no DataView per message). */
function u32(b: Uint8Array, at: number): number {
  return (
    (((b[at] as number) << 24) |
      ((b[at + 1] as number) << 16) |
      ((b[at + 2] as number) << 8) |
      (b[at + 3] as number)) >>>
    0
  )
}

export class EventStreamDecoder {
  readonly stats: DecodeStats = { copied: 0, checked: 0 }
  /** Unread chunks; the first is read from `#offset`. */
  #chunks: Uint8Array[] = []
  #offset = 0
  #buffered = 0
  /** The total length of the message being waited for, once its prelude checked out. */
  #want = 0
  readonly #strings = new HeaderStrings()

  /** Feeds one chunk; emits every message it completes. Throws `EventStreamError` on damage. */
  push(bytes: Uint8Array, emit: (m: EventMessage) => void): void {
    if (bytes.byteLength === 0) return
    this.#chunks.push(bytes)
    this.#buffered += bytes.byteLength
    for (;;) {
      if (this.#want === 0) {
        if (this.#buffered < PRELUDE) return
        this.#want = this.#prelude(this.#peek(PRELUDE))
      }
      if (this.#buffered < this.#want) return
      const message = this.#take(this.#want)
      this.#want = 0
      emit(this.#message(message))
    }
  }

  /** Ends the stream: bytes of an unfinished message left over are an error. */
  end(): void {
    if (this.#buffered > 0) {
      throw new EventStreamError(
        'truncated',
        `the stream ended inside a message (${this.#buffered} bytes left)`,
      )
    }
  }

  /** Checks a prelude; returns the message's total length. */
  #prelude(p: Uint8Array): number {
    this.stats.checked += 8
    if (Bun.hash.crc32(p.subarray(0, 8)) >>> 0 !== u32(p, 8)) {
      throw new EventStreamError('prelude_crc', 'event-stream prelude CRC mismatch')
    }
    const total = u32(p, 0)
    const headers = u32(p, 4)
    if (
      total < FRAMING ||
      total > MAX_MESSAGE_BYTES ||
      headers > MAX_HEADER_BYTES ||
      headers > total - FRAMING
    ) {
      throw new EventStreamError(
        'bad_length',
        `impossible event-stream lengths: total ${total}, headers ${headers}`,
      )
    }
    return total
  }

  #message(m: Uint8Array): EventMessage {
    const end = m.byteLength - 4
    this.stats.checked += end
    if (Bun.hash.crc32(m.subarray(0, end)) >>> 0 !== u32(m, end)) {
      throw new EventStreamError('message_crc', 'event-stream message CRC mismatch')
    }
    const headersEnd = PRELUDE + u32(m, 4)
    return {
      headers: parseHeaders(m.subarray(PRELUDE, headersEnd), this.#strings),
      payload: m.subarray(headersEnd, end),
    }
  }

  /** The first `n` buffered bytes, without consuming them. */
  #peek(n: number): Uint8Array {
    const first = this.#chunks[0] as Uint8Array
    if (first.byteLength - this.#offset >= n) return first.subarray(this.#offset, this.#offset + n)
    return this.#join(n, false)
  }

  /** The first `n` buffered bytes, consumed. */
  #take(n: number): Uint8Array {
    const first = this.#chunks[0] as Uint8Array
    const left = first.byteLength - this.#offset
    if (left >= n) {
      const out = first.subarray(this.#offset, this.#offset + n)
      this.#offset += n
      if (this.#offset === first.byteLength) {
        this.#chunks.shift()
        this.#offset = 0
      }
      this.#buffered -= n
      return out
    }
    return this.#join(n, true)
  }

  /** Copies the first `n` bytes out of the queue into one array, consuming them when `consume`. */
  #join(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n)
    this.stats.copied += n
    let filled = 0
    let i = 0
    let offset = this.#offset
    while (filled < n) {
      const c = this.#chunks[i] as Uint8Array
      const part = c.subarray(offset, offset + (n - filled))
      out.set(part, filled)
      filled += part.byteLength
      offset += part.byteLength
      if (offset === c.byteLength) {
        i++
        offset = 0
      }
    }
    if (consume) {
      this.#chunks.splice(0, i)
      this.#offset = offset
      this.#buffered -= n
    }
    return out
  }
}
