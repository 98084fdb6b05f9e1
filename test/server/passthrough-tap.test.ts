import { describe, expect, test } from 'bun:test'
import type { DialectName, StreamEvent } from '../../src/dialects/ir.ts'
import { dialects } from '../../src/dialects/registry.ts'
import { passthroughTap } from '../../src/server/gateway/passthrough-tap.ts'

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

describe('passthrough tap', () => {
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
      await tap.drain()
      const usage = seen.flatMap((e) => (e.type === 'finish' || e.type === 'usage' ? [e.usage] : [])).at(-1)
      expect(usage?.outputTokens).toBe(4242)
      expect((usage?.inputTokens ?? 0) + (usage?.cacheReadTokens ?? 0)).toBe(326)
      expect(seen.some((e) => e.type === 'error')).toBe(false)
    },
  )

  test('a chat client that did not ask for usage does not get the usage-only chunk', async () => {
    const chunks = await wire('openai-chat', 3)
    const tap = passthroughTap(dialects['openai-chat'], () => {}, { dropUsageChunk: true })
    const out = new TextDecoder().decode(Buffer.concat(chunks.map((c) => tap.push(c))))
    expect(out).not.toContain('"choices":[]')
    expect(out).toContain('data: [DONE]')
    expect(out).toContain('"finish_reason":"stop"')
  })
})
