/**
 * The header block of an AWS event-stream message (docs/protocols/kiro.md, "Event-stream framing"):
 * a run of `name length (u8) · name (UTF-8) · type (u8) · value`, values big-endian, the types
 * numbered 0–9 as below.
 */
import { EventStreamError } from './errors.ts'

/** A header's value, typed by its wire type: see `HEADER_TYPES`. */
export type HeaderValue =
  | { type: 'bool'; value: boolean }
  | { type: 'byte' | 'short' | 'integer'; value: number }
  | { type: 'long'; value: bigint }
  | { type: 'bytes'; value: Uint8Array }
  | { type: 'string'; value: string }
  /** Milliseconds since the epoch. */
  | { type: 'timestamp'; value: bigint }
  /** Lower-case hex with dashes. */
  | { type: 'uuid'; value: string }

/** The wire type byte of each value type. */
export const HEADER_TYPES = {
  boolTrue: 0,
  boolFalse: 1,
  byte: 2,
  short: 3,
  integer: 4,
  long: 5,
  bytes: 6,
  string: 7,
  timestamp: 8,
  uuid: 9,
} as const

const utf8 = new TextDecoder('utf-8', { fatal: true })

function hex(b: Uint8Array): string {
  let s = ''
  for (const x of b) s += x.toString(16).padStart(2, '0')
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
}

/**
 * The short ASCII strings a stream repeats in every message (header names, `event`,
 * `assistantResponseEvent`, `application/json`), kept by a hash of their bytes so that a
 * message's headers are read without building strings. One per decoder; bounded.
 */
export class HeaderStrings {
  readonly #byHash = new Map<number, string>()

  /** `block[at, at + n)` as a string when it is ASCII and at most 64 bytes; undefined otherwise. */
  ascii(block: Uint8Array, at: number, n: number): string | undefined {
    if (n > 64) return undefined
    let h = 0x811c9dc5
    for (let i = at; i < at + n; i++) {
      const c = block[i] as number
      if (c > 0x7f) return undefined
      h = Math.imul(h ^ c, 0x01000193)
    }
    h = (h ^ n) >>> 0
    const known = this.#byHash.get(h)
    if (known !== undefined && known.length === n) {
      let same = true
      for (let i = 0; i < n; i++) {
        if (known.charCodeAt(i) !== block[at + i]) {
          same = false
          break
        }
      }
      if (same) return known
    }
    let s = ''
    for (let i = at; i < at + n; i++) s += String.fromCharCode(block[i] as number)
    if (this.#byHash.size < 256) this.#byHash.set(h, s)
    return s
  }
}

/** Parses a header block (exactly `block`, nothing after it); a header that runs past its end is an error. */
export function parseHeaders(block: Uint8Array, strings = new HeaderStrings()): Map<string, HeaderValue> {
  let view: DataView | undefined
  /** Numbers of the rarer value types are read through a DataView, made when first needed. */
  const nums = () => {
    view ??= new DataView(block.buffer, block.byteOffset, block.byteLength)
    return view
  }
  const out = new Map<string, HeaderValue>()
  let at = 0
  const need = (n: number) => {
    if (at + n > block.byteLength)
      throw new EventStreamError('bad_header', 'a header runs past the header block')
  }
  /** The next `n` bytes, consumed. */
  const bytes = (n: number): Uint8Array => {
    need(n)
    const b = block.subarray(at, at + n)
    at += n
    return b
  }
  const text = (n: number): string => {
    need(n)
    const known = strings.ascii(block, at, n)
    if (known !== undefined) {
      at += n
      return known
    }
    try {
      return utf8.decode(bytes(n))
    } catch {
      throw new EventStreamError('bad_header', 'a header name or value is not UTF-8')
    }
  }
  while (at < block.byteLength) {
    const nameLen = block[at++] as number
    if (nameLen === 0) throw new EventStreamError('bad_header', 'a header has an empty name')
    const name = text(nameLen)
    need(1)
    const type = block[at++] as number
    let value: HeaderValue
    switch (type) {
      case HEADER_TYPES.boolTrue:
      case HEADER_TYPES.boolFalse:
        value = { type: 'bool', value: type === HEADER_TYPES.boolTrue }
        break
      case HEADER_TYPES.byte:
        need(1)
        value = { type: 'byte', value: nums().getInt8(at) }
        at += 1
        break
      case HEADER_TYPES.short:
        need(2)
        value = { type: 'short', value: nums().getInt16(at) }
        at += 2
        break
      case HEADER_TYPES.integer:
        need(4)
        value = { type: 'integer', value: nums().getInt32(at) }
        at += 4
        break
      case HEADER_TYPES.long:
      case HEADER_TYPES.timestamp:
        need(8)
        value = { type: type === HEADER_TYPES.long ? 'long' : 'timestamp', value: nums().getBigInt64(at) }
        at += 8
        break
      case HEADER_TYPES.bytes:
      case HEADER_TYPES.string: {
        need(2)
        const len = ((block[at] as number) << 8) | (block[at + 1] as number)
        at += 2
        if (type === HEADER_TYPES.string) value = { type: 'string', value: text(len) }
        else value = { type: 'bytes', value: bytes(len).slice() }
        break
      }
      case HEADER_TYPES.uuid:
        value = { type: 'uuid', value: hex(bytes(16)) }
        break
      default:
        throw new EventStreamError('bad_header', `header ${name} has the unknown value type ${type}`)
    }
    out.set(name, value)
  }
  return out
}

/** A header's value when it is a string (`:event-type`, `:message-type`…). */
export function stringHeader(headers: Map<string, HeaderValue>, name: string): string | undefined {
  const h = headers.get(name)
  return h?.type === 'string' ? h.value : undefined
}
