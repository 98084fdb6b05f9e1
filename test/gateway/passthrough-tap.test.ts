import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Dialect } from '../../src/dialects/contract.ts'
import type { DialectName, StreamEvent, Usage } from '../../src/dialects/ir.ts'
import { dialects } from '../../src/dialects/registry.ts'
import { HEAD_BYTES, passthroughTap, TAIL_BYTES, type TapOptions } from '../../src/gateway/passthrough-tap.ts'
import { UsageMeter } from '../../src/gateway/usage-meter.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import type { Store } from '../../src/store/types.ts'
import { tempDir } from '../helpers/tmp.ts'

const FIXTURES = join(import.meta.dir, '../fixtures')

/** A stream in `dialect` whose text runs to `bytes`, with usage at the start and the end. */
async function wire(dialect: DialectName, deltas: number): Promise<Uint8Array[]> {
  const events: StreamEvent[] = [
    {
      type: 'start',
      id: 'msg_1',
      model: 'm',
      created: 1,
      usage: { inputTokens: 321, outputTokens: 1, cacheReadTokens: 5 },
    },
    { type: 'block_start', index: 0, block: { kind: 'text' } },
    ...Array.from(
      { length: deltas },
      (_, i): StreamEvent => ({ type: 'text_delta', index: 0, text: `word${i} `.repeat(20) }),
    ),
    { type: 'block_stop', index: 0 },
    {
      type: 'finish',
      stopReason: 'end_turn',
      usage: { inputTokens: 321, outputTokens: 4242, cacheReadTokens: 5 },
    },
  ]
  const src = new ReadableStream<StreamEvent>({
    start(c) {
      for (const e of events) c.enqueue(e)
      c.close()
    },
  })
  const chunks: Uint8Array[] = []
  for await (const c of src.pipeThrough(dialects[dialect].encodeStream({ includeUsage: true })))
    chunks.push(c)
  return chunks
}

/** The usage snapshots the meter takes from the events, in order. */
function usageSnapshots(events: StreamEvent[]): Usage[] {
  return events.flatMap((e) =>
    (e.type === 'start' || e.type === 'usage' || e.type === 'finish') && e.usage ? [e.usage] : [],
  )
}

/** What the meter records for a stream's bytes passed through a tap. */
async function recorded(
  dialect: Dialect,
  bytes: Uint8Array,
  fullDecode: boolean,
  store: Store,
  bounds?: TapOptions['bounds'],
) {
  const meter = new UsageMeter(
    {
      requestId: `r${fullDecode}`,
      provider: 'p',
      model: 'm',
      dialect: 'openai-chat',
      stream: true,
      start: 0,
    },
    store,
  )
  const tap = passthroughTap(dialect, (ev) => meter.observe(ev), {
    fullDecode,
    ...(bounds ? { bounds } : {}),
  })
  // network-sized pieces that cut events and lines anywhere
  for (let at = 0; at < bytes.byteLength; at += 97) tap.push(bytes.subarray(at, at + 97))
  tap.drain()
  meter.finish(200)
  await store.usage.flush()
  const row = (await store.usage.recent(1))[0]!
  return {
    status: row.status,
    input: row.inputTokens,
    output: row.outputTokens,
    cacheRead: row.cacheReadTokens,
    cacheWrite: row.cacheWriteTokens,
    reasoning: row.reasoningTokens,
  }
}

describe('passthrough tap', () => {
  test('a stream that ended normally is metered the same as by the full decoder, for every stream fixture', async () => {
    using dir = tempDir()
    const store = openSqliteStore(dir.join('usage.db'))
    const folders: [string, Dialect][] = [
      ['openai-chat', dialects['openai-chat']],
      ['openai-responses', dialects['openai-responses']],
      ['anthropic-messages', dialects['anthropic-messages']],
      ['gemini', dialects.gemini],
    ]
    let compared = 0
    let failed = 0
    for (const [folder, dialect] of folders) {
      const files = readdirSync(join(FIXTURES, folder)).filter((f) => f.endsWith('.sse'))
      for (const f of files) {
        const bytes = readFileSync(join(FIXTURES, folder, f))
        const full = await recorded(dialect, bytes, true, store)
        expect({ f, ...(await recorded(dialect, bytes, false, store)) }).toEqual({ f, ...full })
        // bounds far below the fixture's size: head and tail are cut; the tail keeps the last
        // complete event and the one still arriving whole, and the small terminal events before them
        const small = { head: 1024, tail: 1024, tailMax: 1 << 20 }
        expect({ f, small: true, ...(await recorded(dialect, bytes, false, store, small)) }).toEqual({
          f,
          small: true,
          ...full,
        })
        compared++
        if (full.status !== 200) failed++
      }
    }
    store.close()
    expect(compared).toBeGreaterThan(15)
    expect(failed).toBeGreaterThan(0) // the error and truncated fixtures take the full decoder's word
  })

  test.each(['anthropic-messages', 'openai-chat', 'openai-responses', 'gemini'] as const)(
    '%s: usage is read from head and tail of a stream far longer than what is kept',
    async (dialect) => {
      const chunks = await wire(dialect, 8000) // ~1.3 MB of deltas: the middle is not kept
      const seen: StreamEvent[] = []
      const tap = passthroughTap(dialects[dialect], (ev) => seen.push(ev))
      let bytes = 0
      for (const c of chunks) {
        const out = tap.push(c)
        expect(out).toBe(c) // passthrough means the same bytes
        bytes += c.byteLength
      }
      expect(bytes).toBeGreaterThan(1_000_000)
      tap.drain()
      const snapshots = usageSnapshots(seen)
      expect(snapshots.at(-1)?.outputTokens).toBe(4242)
      expect(snapshots.some((u) => u.inputTokens + (u.cacheReadTokens ?? 0) === 326)).toBe(true)
      expect(seen.some((e) => e.type === 'error')).toBe(false)
    },
  )

  test.each(['anthropic-messages', 'openai-chat', 'openai-responses', 'gemini'] as const)(
    '%s: a short stream and one whose final event is larger than the first look at its end',
    async (dialect) => {
      for (const deltas of [1, 60]) {
        const seen: StreamEvent[] = []
        const tap = passthroughTap(dialects[dialect], (ev) => seen.push(ev))
        for (const c of await wire(dialect, deltas)) tap.push(c)
        tap.drain()
        expect(usageSnapshots(seen).at(-1)?.outputTokens).toBe(4242)
        expect(seen.some((e) => e.type === 'error')).toBe(false)
      }
    },
  )

  test.each(['anthropic-messages', 'openai-chat', 'openai-responses', 'gemini'] as const)(
    '%s: a long stream keeps a bounded tail, whatever the chunking',
    async (dialect) => {
      // ~330 KB of deltas: Responses' final events repeat them, and stay under the tail's maximum
      const chunks = await wire(dialect, 2000)
      const whole = Buffer.concat(chunks)
      for (const pieces of [
        chunks,
        Array.from({ length: Math.ceil(whole.byteLength / 97) }, (_, i) =>
          whole.subarray(i * 97, i * 97 + 97),
        ),
        // reads of several whole events: each ends an event and holds more ends before it
        Array.from({ length: Math.ceil(chunks.length / 5) }, (_, i) =>
          Buffer.concat(chunks.slice(i * 5, i * 5 + 5)),
        ),
      ]) {
        const seen: StreamEvent[] = []
        const tap = passthroughTap(dialects[dialect], (ev) => seen.push(ev))
        // measured over the deltas, before the final events (Responses' repeats the whole answer)
        let most = 0
        let pushed = 0
        for (const c of pieces) {
          tap.push(c)
          pushed += c.byteLength
          if (pushed < whole.byteLength / 3) most = Math.max(most, tap.keptBytes)
        }
        // one event (a delta here is under 1 KB) may still be arriving behind the kept tail
        expect(most).toBeLessThan(HEAD_BYTES + TAIL_BYTES + 4096)
        tap.drain()
        expect(usageSnapshots(seen).at(-1)?.outputTokens).toBe(4242)
      }
    },
  )

  test('a final event larger than the tail is kept whole and metered', () => {
    const enc = new TextEncoder()
    const seen: StreamEvent[] = []
    const tap = passthroughTap(dialects['openai-responses'], (ev) => seen.push(ev))
    const delta = enc.encode(
      `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"${'y'.repeat(200)}"}\n\n`,
    )
    for (let i = 0; i < 500; i++) tap.push(delta)
    const completed = enc.encode(
      `event: response.completed\ndata: {"type":"response.completed","response":{"id":"r","object":"response","status":"completed","model":"m","output":[{"type":"message","id":"m","role":"assistant","status":"completed","content":[{"type":"output_text","text":"${'y'.repeat(200_000)}","annotations":[]}]}],"usage":{"input_tokens":11,"output_tokens":7777,"total_tokens":7788}}}\n\n`,
    )
    // the completed event arrives in network-sized pieces, none holding an event's end but the last
    for (let at = 0; at < completed.byteLength; at += 1000) tap.push(completed.subarray(at, at + 1000))
    tap.drain()
    expect(usageSnapshots(seen).at(-1)?.outputTokens).toBe(7777)
  })

  test('a chat client that did not ask for usage does not get the usage-only chunk', async () => {
    const chunks = await wire('openai-chat', 3)
    const tap = passthroughTap(dialects['openai-chat'], () => {}, { dropUsageChunk: true })
    const out = new TextDecoder().decode(Buffer.concat(chunks.flatMap((c) => tap.push(c))))
    expect(out).not.toContain('"choices":[]')
    expect(out).toContain('data: [DONE]')
    expect(out).toContain('"finish_reason":"stop"')
  })

  test('an Anthropic stream whose text quotes the marker names still meters from the real events', async () => {
    const chunks = await wire('anthropic-messages', 3)
    const quoting = new TextEncoder().encode(
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"message_start message_delta message_stop"}}\n\n',
    )
    const seen: StreamEvent[] = []
    const tap = passthroughTap(dialects['anthropic-messages'], (ev) => seen.push(ev))
    // the quoting event sits after message_start and before the real message_delta
    for (const c of [...chunks.slice(0, 3), quoting, ...chunks.slice(3)]) tap.push(c)
    tap.drain()
    const snapshots = usageSnapshots(seen)
    expect(snapshots.some((u) => u.inputTokens === 321)).toBe(true)
    expect(snapshots.at(-1)?.outputTokens).toBe(4242)
  })

  test('an error event early in a stream longer than the kept tail still reaches the meter', async () => {
    const enc = new TextEncoder()
    const seen: StreamEvent[] = []
    const tap = passthroughTap(dialects['openai-chat'], (ev) => seen.push(ev))
    tap.push(enc.encode('data: {"error":{"message":"quota gone","type":"rate_limit_error"}}\n\n'))
    const filler = enc.encode(
      `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"${'x'.repeat(1000)}"}}]}\r\n\r\n`,
    )
    for (let i = 0; i < 700; i++) tap.push(filler) // ~750 kB: the tail no longer reaches the head
    tap.drain()
    const err = seen.find((e) => e.type === 'error')
    expect(err?.type === 'error' && err.error.message).toBe('quota gone')
  })

  test('cutting the usage-only chunk keeps the events around it in the same chunk, CRLF included', () => {
    const enc = new TextEncoder()
    const tap = passthroughTap(dialects['openai-chat'], () => {}, { dropUsageChunk: true })
    const chunk = enc.encode(
      'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\r\n\r\ndata: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}\r\n\r\ndata: [DONE]\r\n\r\n',
    )
    const parts = tap.push(chunk)
    expect(Array.isArray(parts)).toBe(true)
    // views of the network read, not a copy of it
    for (const p of parts as Uint8Array[]) expect(p.buffer).toBe(chunk.buffer)
    const out = new TextDecoder().decode(Buffer.concat([parts].flat()))
    expect(out).toBe(
      'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\r\n\r\ndata: [DONE]\r\n\r\n',
    )
  })

  test.each([
    ['\n', 'LF'],
    ['\r\n', 'CRLF'],
  ])(
    'the usage-only chunk is cut wherever the network splits the stream (%#: %s line ends), unless a split falls inside it',
    (nl) => {
      const stop = `data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}${nl}${nl}`
      const usage = `data: {"id":"c","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}${nl}${nl}`
      const done = `data: [DONE]${nl}${nl}`
      const whole = new TextEncoder().encode(stop + usage + done)
      const usageFrom = stop.length
      const usageTo = stop.length + usage.length
      // every way of cutting the stream into three reads (empty ones included)
      for (let i = 0; i <= whole.byteLength; i++) {
        for (let j = i; j <= whole.byteLength; j++) {
          const tap = passthroughTap(dialects['openai-chat'], () => {}, { dropUsageChunk: true })
          const reads = [whole.subarray(0, i), whole.subarray(i, j), whole.subarray(j)]
          const out = new TextDecoder().decode(Buffer.concat(reads.flatMap((c) => tap.push(c))))
          const inside = (at: number) => at > usageFrom && at < usageTo
          expect(out).toBe(inside(i) || inside(j) ? stop + usage + done : stop + done)
        }
      }
    },
  )
})
