/**
 * The event-stream decoder against a reference encoder written apart from it
 * (test/helpers/aws-event-stream.ts): every header type, any split of the bytes, damage of any
 * byte rejected with the right error, and work that grows linearly with the input.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import {
  type EventMessage,
  EventStreamDecoder,
  EventStreamError,
  type HeaderValue,
  stringHeader,
} from '../../../src/codecs/aws-event-stream/index.ts'
import {
  concat,
  crc32,
  cutAt,
  encodeMessage,
  kiroEvent,
  type RefHeader,
} from '../../helpers/aws-event-stream.ts'

function decodeChunks(chunks: readonly Uint8Array[]): EventMessage[] {
  const d = new EventStreamDecoder()
  const out: EventMessage[] = []
  for (const c of chunks) d.push(c, (m) => out.push({ headers: m.headers, payload: m.payload.slice() }))
  d.end()
  return out
}

const text = (m: EventMessage) => new TextDecoder().decode(m.payload)

test('the reference CRC32 is the IEEE one', () => {
  expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
})

test('every header value type decodes to what was encoded', () => {
  const headers: Record<string, RefHeader> = {
    t: { type: 'bool', value: true },
    f: { type: 'bool', value: false },
    b: { type: 'byte', value: -7 },
    s: { type: 'short', value: -30000 },
    i: { type: 'integer', value: 2_000_000_000 },
    l: { type: 'long', value: -9_000_000_000_000n },
    by: { type: 'bytes', value: Uint8Array.from([0, 255, 7]) },
    str: { type: 'string', value: 'héllo ✓' },
    ts: { type: 'timestamp', value: 1_700_000_000_123n },
    u: { type: 'uuid', value: '0123abcd-4567-89ef-0123-456789abcdef' },
  }
  const [m] = decodeChunks([encodeMessage(headers, '{"x":1}')])
  const expected = new Map<string, HeaderValue>(Object.entries(headers) as [string, HeaderValue][])
  expect(m?.headers).toEqual(expected)
  expect(text(m!)).toBe('{"x":1}')
})

test('a message with no headers and no payload is 16 bytes and decodes', () => {
  const bytes = encodeMessage({}, '')
  expect(bytes.length).toBe(16)
  const [m] = decodeChunks([bytes])
  expect(m?.headers.size).toBe(0)
  expect(m?.payload.length).toBe(0)
})

test('messages come out in order, with their event types', () => {
  const bytes = concat([
    kiroEvent('assistantResponseEvent', { content: 'Hel' }),
    kiroEvent('assistantResponseEvent', { content: 'lo' }),
    kiroEvent('messageStopEvent', {}),
  ])
  const out = decodeChunks([bytes])
  expect(out.map((m) => stringHeader(m.headers, ':event-type'))).toEqual([
    'assistantResponseEvent',
    'assistantResponseEvent',
    'messageStopEvent',
  ])
  expect(out.map(text)).toEqual(['{"content":"Hel"}', '{"content":"lo"}', '{}'])
})

const arbHeader: fc.Arbitrary<RefHeader> = fc.oneof(
  fc.boolean().map((value) => ({ type: 'bool' as const, value })),
  fc.integer({ min: -128, max: 127 }).map((value) => ({ type: 'byte' as const, value })),
  fc.integer({ min: -32768, max: 32767 }).map((value) => ({ type: 'short' as const, value })),
  fc.integer().map((value) => ({ type: 'integer' as const, value })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value) => ({ type: 'long' as const, value })),
  fc.uint8Array({ maxLength: 40 }).map((value) => ({ type: 'bytes' as const, value })),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map((value) => ({ type: 'string' as const, value })),
  fc.bigInt({ min: 0n, max: 2n ** 50n }).map((value) => ({ type: 'timestamp' as const, value })),
  fc.uuid().map((value) => ({ type: 'uuid' as const, value })),
)
const arbMessage = fc.record({
  headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), arbHeader, { maxKeys: 5 }),
  payload: fc.uint8Array({ maxLength: 300 }),
})

describe('split anywhere', () => {
  test('any split of any messages decodes to the same messages', () => {
    fc.assert(
      fc.property(
        fc.array(arbMessage, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (msgs, cuts) => {
          const bytes = concat(msgs.map((m) => encodeMessage(m.headers, m.payload)))
          const out = decodeChunks(cutAt(bytes, cuts))
          expect(out.length).toBe(msgs.length)
          out.forEach((m, i) => {
            const want = msgs[i]!
            expect(m.payload).toEqual(want.payload)
            expect(m.headers).toEqual(new Map(Object.entries(want.headers) as [string, HeaderValue][]))
          })
        },
      ),
      { numRuns: 300 },
    )
  })

  test('one byte at a time', () => {
    const bytes = concat([kiroEvent('a', { content: 'x'.repeat(100) }), kiroEvent('b', {})])
    const chunks = [...bytes].map((b) => Uint8Array.of(b))
    expect(decodeChunks(chunks).map(text)).toEqual([JSON.stringify({ content: 'x'.repeat(100) }), '{}'])
  })
})

describe('damage', () => {
  const good = kiroEvent('assistantResponseEvent', { content: 'hello there' })

  function errorOf(bytes: Uint8Array): EventStreamError | undefined {
    try {
      decodeChunks([bytes])
    } catch (e) {
      if (e instanceof EventStreamError) return e
      throw e
    }
    return undefined
  }

  test('a flipped bit anywhere is rejected, never decoded into text', () => {
    fc.assert(
      fc.property(fc.nat({ max: good.length * 8 - 1 }), (bit) => {
        const bad = good.slice()
        bad[bit >> 3]! ^= 1 << (bit & 7)
        const e = errorOf(bad)
        expect(e).toBeInstanceOf(EventStreamError)
        const byte = bit >> 3
        if (byte < 12) expect(e?.code).toBe('prelude_crc')
        // a changed total length past the prelude CRC cannot happen; the rest is the message CRC
        else expect(e?.code).toBe('message_crc')
      }),
      { numRuns: 400 },
    )
  })

  test('a good message before a damaged one still comes out, then the error', () => {
    const bad = good.slice()
    bad[20]! ^= 0xff
    const seen: string[] = []
    const d = new EventStreamDecoder()
    expect(() => d.push(concat([good, bad]), (m) => seen.push(text(m)))).toThrow(EventStreamError)
    expect(seen).toEqual(['{"content":"hello there"}'])
  })

  test('a stream cut inside a message is an error at its end', () => {
    const d = new EventStreamDecoder()
    d.push(good.subarray(0, good.length - 3), () => {})
    expect(() => d.end()).toThrow(expect.objectContaining({ code: 'truncated' }))
  })

  test('an impossible length with a valid prelude CRC is rejected', () => {
    const p = new Uint8Array(16)
    const v = new DataView(p.buffer)
    v.setUint32(0, 8) // shorter than the framing
    v.setUint32(4, 0)
    v.setUint32(8, crc32(p.subarray(0, 8)))
    expect(errorOf(p)?.code).toBe('bad_length')
  })

  test('a header of an unknown type is rejected', () => {
    const m = encodeMessage({ x: { type: 'bool', value: true } }, '')
    m[14] = 42 // the type byte of header "x"
    const v = new DataView(m.buffer)
    v.setUint32(m.length - 4, crc32(m.subarray(0, m.length - 4)))
    expect(errorOf(m)?.code).toBe('bad_header')
  })
})

describe('linear time', () => {
  /** `size` bytes of events, in chunks of 1..97 bytes (a fixed pattern), decoded; the decoder's counts. */
  function work(size: number): { copied: number; checked: number; messages: number } {
    const events: Uint8Array[] = []
    let n = 0
    for (let i = 0; n < size; i++) {
      // messages of varied sizes, one of them large, so that joins across many chunks happen
      const e = kiroEvent('assistantResponseEvent', {
        content: 'y'.repeat(i % 50 === 0 ? 20_000 : (i * 37) % 400),
      })
      events.push(e)
      n += e.length
    }
    const bytes = concat(events)
    const d = new EventStreamDecoder()
    let messages = 0
    let at = 0
    for (let k = 0; at < bytes.length; k++) {
      const len = 1 + ((k * 31) % 97)
      d.push(bytes.subarray(at, at + len), () => messages++)
      at += len
    }
    d.end()
    expect(messages).toBe(events.length)
    return { ...d.stats, messages }
  }

  test('4 MB costs four times what 1 MB costs, not sixteen', () => {
    const one = work(1 << 20)
    const four = work(4 << 20)
    // every byte is checked once (plus 8 per prelude); copies only join a message's chunks once
    expect(four.checked / one.checked).toBeGreaterThan(3.5)
    expect(four.checked / one.checked).toBeLessThan(4.5)
    expect(four.copied / one.copied).toBeLessThan(4.5)
    expect(one.copied).toBeLessThanOrEqual(2 * (1 << 20))
    expect(one.checked).toBeLessThanOrEqual((1 << 20) + 20_000 + 8 * one.messages)
  })
})
