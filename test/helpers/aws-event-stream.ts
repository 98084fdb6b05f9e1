/**
 * A reference encoder of the AWS binary event-stream framing, written from the format's
 * description (docs/protocols/kiro.md) and independent of the decoder under test: its own
 * table-driven CRC32, its own header encoding. Fakes use it to answer like Kiro does.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** A header to encode, by wire type. */
export type RefHeader =
  | { type: 'bool'; value: boolean }
  | { type: 'byte' | 'short' | 'integer'; value: number }
  | { type: 'long' | 'timestamp'; value: bigint }
  | { type: 'bytes'; value: Uint8Array }
  | { type: 'string'; value: string }
  | { type: 'uuid'; value: string }

const enc = new TextEncoder()

function headerBytes(headers: Record<string, RefHeader>): Uint8Array {
  const parts: number[] = []
  const u16 = (n: number) => parts.push((n >> 8) & 0xff, n & 0xff)
  const bytes = (b: Uint8Array) => {
    for (const x of b) parts.push(x)
  }
  const big = (v: bigint) => {
    const b = new Uint8Array(8)
    new DataView(b.buffer).setBigInt64(0, v)
    bytes(b)
  }
  for (const [name, h] of Object.entries(headers)) {
    const n = enc.encode(name)
    parts.push(n.length)
    bytes(n)
    switch (h.type) {
      case 'bool':
        parts.push(h.value ? 0 : 1)
        break
      case 'byte':
        parts.push(2, h.value & 0xff)
        break
      case 'short':
        parts.push(3)
        u16(h.value & 0xffff)
        break
      case 'integer': {
        parts.push(4)
        const b = new Uint8Array(4)
        new DataView(b.buffer).setInt32(0, h.value)
        bytes(b)
        break
      }
      case 'long':
      case 'timestamp':
        parts.push(h.type === 'long' ? 5 : 8)
        big(h.value)
        break
      case 'bytes':
        parts.push(6)
        u16(h.value.length)
        bytes(h.value)
        break
      case 'string': {
        const v = enc.encode(h.value)
        parts.push(7)
        u16(v.length)
        bytes(v)
        break
      }
      case 'uuid':
        parts.push(9)
        bytes(Uint8Array.from(Buffer.from(h.value.replaceAll('-', ''), 'hex')))
        break
    }
  }
  return Uint8Array.from(parts)
}

/** One whole message: prelude, prelude CRC, headers, payload, message CRC. */
export function encodeMessage(headers: Record<string, RefHeader>, payload: Uint8Array | string): Uint8Array {
  const h = headerBytes(headers)
  const p = typeof payload === 'string' ? enc.encode(payload) : payload
  const total = 12 + h.length + p.length + 4
  const out = new Uint8Array(total)
  const view = new DataView(out.buffer)
  view.setUint32(0, total)
  view.setUint32(4, h.length)
  view.setUint32(8, crc32(out.subarray(0, 8)))
  out.set(h, 12)
  out.set(p, 12 + h.length)
  view.setUint32(total - 4, crc32(out.subarray(0, total - 4)))
  return out
}

/** A Kiro event: `:message-type event`, `:event-type <type>`, JSON payload. */
export function kiroEvent(type: string, payload: unknown): Uint8Array {
  return encodeMessage(
    {
      ':event-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    JSON.stringify(payload),
  )
}

/** A Kiro exception: `:message-type exception`, `:exception-type <type>`, JSON payload. */
export function kiroException(type: string, message: string): Uint8Array {
  return encodeMessage(
    {
      ':exception-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    JSON.stringify({ message }),
  )
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** `whole` cut at the given offsets (taken modulo its length + 1, deduplicated): every piece in order. */
export function cutAt<T extends Uint8Array | string>(whole: T, cuts: readonly number[]): T[] {
  const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b)
  const out: T[] = []
  let at = 0
  for (const p of points) {
    out.push(whole.slice(at, p) as T)
    at = p
  }
  out.push(whole.slice(at) as T)
  return out
}
