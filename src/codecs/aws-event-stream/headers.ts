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

/** Parses a header block (exactly `block`, nothing after it); a header that runs past its end is an error. */
export function parseHeaders(block: Uint8Array): Map<string, HeaderValue> {
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength)
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
    const b = bytes(n)
    try {
      return utf8.decode(b)
    } catch {
      throw new EventStreamError('bad_header', 'a header name or value is not UTF-8')
    }
  }
  while (at < block.byteLength) {
    const nameLen = view.getUint8(at++)
    if (nameLen === 0) throw new EventStreamError('bad_header', 'a header has an empty name')
    const name = text(nameLen)
    need(1)
    const type = view.getUint8(at++)
    let value: HeaderValue
    switch (type) {
      case HEADER_TYPES.boolTrue:
      case HEADER_TYPES.boolFalse:
        value = { type: 'bool', value: type === HEADER_TYPES.boolTrue }
        break
      case HEADER_TYPES.byte:
        need(1)
        value = { type: 'byte', value: view.getInt8(at) }
        at += 1
        break
      case HEADER_TYPES.short:
        need(2)
        value = { type: 'short', value: view.getInt16(at) }
        at += 2
        break
      case HEADER_TYPES.integer:
        need(4)
        value = { type: 'integer', value: view.getInt32(at) }
        at += 4
        break
      case HEADER_TYPES.long:
      case HEADER_TYPES.timestamp:
        need(8)
        value = { type: type === HEADER_TYPES.long ? 'long' : 'timestamp', value: view.getBigInt64(at) }
        at += 8
        break
      case HEADER_TYPES.bytes:
      case HEADER_TYPES.string: {
        need(2)
        const len = view.getUint16(at)
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
