import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import {
  formatSSE,
  formatSSEComment,
  parseSSE,
  type SSEEvent,
  SSEParser,
  sseDecoder,
  utf8,
} from '../src/sse.ts'

/** Runs bytes through `sseDecoder` cut at the given offsets. */
async function decodeChunks(bytes: Uint8Array, cuts: number[]): Promise<SSEEvent[]> {
  const sorted = [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)
  const pieces: Uint8Array[] = []
  let at = 0
  for (const c of [...sorted, bytes.length]) {
    pieces.push(bytes.slice(at, c))
    at = c
  }
  const out: SSEEvent[] = []
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of pieces) controller.enqueue(p)
      controller.close()
    },
  }).pipeThrough(sseDecoder())
  for await (const ev of stream) out.push(ev)
  return out
}

/** The same, synchronously through `SSEParser` with a streaming TextDecoder. */
function parseChunks(bytes: Uint8Array, cuts: number[]): SSEEvent[] {
  const parser = new SSEParser()
  const dec = new TextDecoder()
  const out: SSEEvent[] = []
  let at = 0
  for (const c of [...cuts, bytes.length]) {
    parser.push(dec.decode(bytes.slice(at, c), { stream: true }), out)
    at = c
  }
  parser.push(dec.decode(), out)
  return parser.end(out)
}

/** Every split of `text` into two pieces, and every split into single bytes, give `expected`. */
async function expectAllSplits(text: string, expected: SSEEvent[]): Promise<void> {
  const bytes = utf8(text)
  expect(parseSSE(text)).toEqual(expected)
  expect(await decodeChunks(bytes, [])).toEqual(expected)
  for (let i = 1; i < bytes.length; i++) {
    expect(await decodeChunks(bytes, [i])).toEqual(expected)
    expect(parseChunks(bytes, [i])).toEqual(expected)
    for (let j = i + 1; j < bytes.length; j += 3) expect(parseChunks(bytes, [i, j])).toEqual(expected)
  }
  const every = Array.from({ length: bytes.length }, (_, i) => i)
  expect(await decodeChunks(bytes, every)).toEqual(expected)
}

describe('SSE parser', () => {
  test('gives the same events for every split of a typical stream', async () => {
    await expectAllSplits('event: a\ndata: {"x":1}\n\ndata: [DONE]\n\n', [
      { event: 'a', data: '{"x":1}' },
      { data: '[DONE]' },
    ])
  })

  test('keeps multi-byte UTF-8 characters whole when a chunk ends inside one', async () => {
    const text = 'data: héllo 世界 👋🏽 — ünïcødé\n\ndata: 🎉\n\n'
    await expectAllSplits(text, [{ data: 'héllo 世界 👋🏽 — ünïcødé' }, { data: '🎉' }])
    // explicitly: the four bytes of 🎉 cut after each of them
    const bytes = utf8(text)
    const at = bytes.length - 6
    for (let k = 1; k < 4; k++) expect((await decodeChunks(bytes, [at + k]))[1]).toEqual({ data: '🎉' })
  })

  test('treats \\r\\n split between two chunks as one line ending', async () => {
    const text = 'data: a\r\n\r\ndata: b\r\n\r\n'
    const expected = [{ data: 'a' }, { data: 'b' }]
    await expectAllSplits(text, expected)
    const bytes = utf8(text)
    // cut right after each \r
    for (let i = 0; i < bytes.length; i++)
      if (bytes[i] === 13) expect(parseChunks(bytes, [i + 1])).toEqual(expected)
  })

  test('accepts a lone \\r as a line ending', async () => {
    await expectAllSplits('data: a\r\rdata: b\rdata: c\r\r', [{ data: 'a' }, { data: 'b\nc' }])
  })

  test('accepts mixed line endings in one stream', async () => {
    await expectAllSplits('data: a\r\ndata: b\n\r\ndata: c\r\n\n', [{ data: 'a\nb' }, { data: 'c' }])
  })

  test('skips comments, also inside an event', async () => {
    await expectAllSplits(': ping\n\n:keep-alive\ndata: a\n: mid-event comment\ndata: b\n\n: bye\n\n', [
      { data: 'a\nb' },
    ])
  })

  test('joins multi-line data with \\n', async () => {
    await expectAllSplits('data: line 1\ndata: line 2\ndata:\ndata: line 4\n\n', [
      { data: 'line 1\nline 2\n\nline 4' },
    ])
  })

  test('takes data: without a space, and strips only one space', async () => {
    await expectAllSplits('data:{"a":1}\n\ndata:  two\n\ndata\n\n', [
      { data: '{"a":1}' },
      { data: ' two' },
      { data: '' },
    ])
  })

  test('delivers a final event without its trailing newline', async () => {
    await expectAllSplits('data: a\n\ndata: last', [{ data: 'a' }, { data: 'last' }])
    await expectAllSplits('event: e\ndata: last\n', [{ event: 'e', data: 'last' }])
    await expectAllSplits('data: last\r', [{ data: 'last' }])
  })

  test('ignores events without data and unknown fields', async () => {
    await expectAllSplits('event: nothing\n\nfoo: bar\ndata: x\n\nretry: 10\n\n', [{ data: 'x' }])
  })

  test('keeps the last event id across events and reads retry', async () => {
    await expectAllSplits(
      'id: 1\ndata: a\n\ndata: b\n\nretry: 3000\nid: 2\ndata: c\n\nretry: x\ndata: d\n\n',
      [
        { id: '1', data: 'a' },
        { id: '1', data: 'b' },
        { id: '2', retry: 3000, data: 'c' },
        { id: '2', data: 'd' },
      ],
    )
  })

  test('an empty stream and blank lines only give no events', async () => {
    await expectAllSplits('', [])
    await expectAllSplits('\n\n\r\n\r', [])
  })

  test('a UTF-8 byte order mark at the start is dropped by the byte decoder', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('data: a\n\n')])
    expect(await decodeChunks(bytes, [1])).toEqual([{ data: 'a' }])
    expect(await decodeChunks(bytes, [2, 3])).toEqual([{ data: 'a' }])
  })
})

describe('SSE formatter', () => {
  test('writes one data line, or one per line of multi-line data', () => {
    expect(formatSSE('{"a":1}')).toBe('data: {"a":1}\n\n')
    expect(formatSSE('x', 'message_start')).toBe('event: message_start\ndata: x\n\n')
    expect(formatSSE('a\nb\r\nc\rd')).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n')
    expect(formatSSEComment('ping')).toBe(': ping\n\n')
  })

  test('round-trips through the parser', () => {
    const text = formatSSE('a\nb', 'e') + formatSSEComment('x') + formatSSE('') + formatSSE(' lead')
    expect(parseSSE(text)).toEqual([{ event: 'e', data: 'a\nb' }, { data: '' }, { data: ' lead' }])
  })
})

// ---------------------------------------------------------------------------------------------
// Property: random events, written with random framing, cut at random offsets.

interface GenEvent {
  event?: string
  lines: string[]
  id?: string
}

/** Field values: any text without line breaks (multi-byte included). */
const value = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, ''))
const name = fc
  .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 })
  .map((s) => s.replace(/[\r\n:]/g, 'x'))

const genEvent: fc.Arbitrary<GenEvent> = fc.record(
  {
    event: name,
    lines: fc.array(value, { minLength: 1, maxLength: 3 }),
    id: fc.string({ unit: 'grapheme-ascii', maxLength: 5 }).map((s) => s.replace(/[\r\n\0]/g, '')),
  },
  { requiredKeys: ['lines'] },
)

const framing = fc.record({
  eol: fc.constantFrom('\n', '\r\n', '\r'),
  space: fc.boolean(),
  comment: fc.boolean(),
  open: fc.boolean(),
})

/** Writes one field line; a value starting with a space needs the separating space kept. */
function field(key: string, v: string, space: boolean, eol: string): string {
  return `${key}:${space || v.startsWith(' ') ? ' ' : ''}${v}${eol}`
}

describe('SSE property', () => {
  test('random events × random framing × random splits decode to the same events', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(genEvent, framing), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (events, rawCuts) => {
          let text = ''
          const expected: SSEEvent[] = []
          let lastId: string | undefined
          events.forEach(([ev, f], k) => {
            if (f.comment) text += `:${ev.lines[0] ?? ''}${f.eol}`
            if (ev.event !== undefined) text += field('event', ev.event, f.space, f.eol)
            if (ev.id !== undefined) {
              text += field('id', ev.id, f.space, f.eol)
              lastId = ev.id
            }
            ev.lines.forEach((l, j) => {
              text += field('data', l, f.space, f.eol)
              if (f.comment && j === 0) text += `: mid${f.eol}`
            })
            // The last event may end without its blank line (or without any line ending).
            const last = k === events.length - 1
            if (!(last && f.open)) text += f.eol
            else if (f.space) text = text.slice(0, -f.eol.length)
            const want: SSEEvent = { data: ev.lines.join('\n') }
            if (ev.event !== undefined) want.event = ev.event
            if (lastId !== undefined) want.id = lastId
            expected.push(want)
          })
          const bytes = utf8(text)
          const cuts = rawCuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)).sort((a, b) => a - b)
          expect(parseSSE(text)).toEqual(expected)
          expect(parseChunks(bytes, cuts)).toEqual(expected)
          expect(await decodeChunks(bytes, cuts)).toEqual(expected)
        },
      ),
      { numRuns: 400 },
    )
  })
})
