import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { wrapSignature } from '../../../src/dialects/common/provenance.ts'
import type { StreamEvent } from '../../../src/dialects/ir.ts'
import { parseSSE } from '../../../src/sse.ts'
import { decodeChunks, encodeEvents, fixtureBytes, fixtureText, STREAM_FIXTURES, splitAt } from './helpers.ts'

function frame(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`
}

const delta = (index: number, d: Record<string, unknown>) => frame('content_block_delta', { index, delta: d })
const blockStart = (index: number, block: Record<string, unknown>) =>
  frame('content_block_start', { index, content_block: block })
const blockStop = (index: number) => frame('content_block_stop', { index })

/** (event name, index, block or delta type) per SSE event, for order checks. */
function outline(text: string): string[] {
  return parseSSE(text).map((e) => {
    const d = JSON.parse(e.data) as {
      index?: number
      delta?: { type?: string }
      content_block?: { type?: string }
    }
    const what = d.content_block?.type ?? d.delta?.type ?? ''
    return [e.event, d.index, what].filter((x) => x !== undefined && x !== '').join(':')
  })
}

describe('anthropic-messages stream encode: same-dialect identity', () => {
  for (const name of STREAM_FIXTURES) {
    test(`encodeStream(decodeStream(bytes)) is byte-equal: ${name}`, async () => {
      const events = await decodeChunks([fixtureBytes(name)])
      expect(await encodeEvents(events)).toBe(fixtureText(name))
    })
  }

  test('byte-equal for any chunking of the upstream bytes', async () => {
    const bytes = fixtureBytes('stream-parallel-tools.sse')
    const expected = fixtureText('stream-parallel-tools.sse')
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 30 }),
        async (cuts) => {
          expect(await encodeEvents(await decodeChunks(splitAt(bytes, cuts)))).toBe(expected)
        },
      ),
      { numRuns: 100 },
    )
  })
})

describe('anthropic-messages stream encode: another dialect’s events', () => {
  test('an OpenAI-style stream: estimated input in message_start, interleaved calls, empty args, late usage', async () => {
    const prov = { dialect: 'openai-chat', provider: 'deepseek' } as const
    const events: StreamEvent[] = [
      { type: 'start', id: 'chatcmpl-9', model: 'deepseek-reasoner', created: 1700000000 },
      { type: 'block_start', index: 0, block: { kind: 'thinking', provenance: prov } },
      { type: 'thinking_delta', index: 0, text: 'Plan.' },
      { type: 'block_start', index: 1, block: { kind: 'text' } },
      { type: 'text_delta', index: 1, text: 'Calling.' },
      { type: 'block_start', index: 2, block: { kind: 'tool_call', id: 'call_A', name: 'get_weather' } },
      { type: 'tool_args_delta', index: 2, delta: '{"city":' },
      { type: 'block_start', index: 3, block: { kind: 'tool_call', id: 'call_B', name: 'list_cities' } },
      { type: 'tool_args_delta', index: 2, delta: '"Paris"}' },
      { type: 'ping' },
      { type: 'block_stop', index: 2 },
      { type: 'block_stop', index: 3 },
      { type: 'finish', stopReason: 'tool_use' },
      {
        type: 'usage',
        usage: { inputTokens: 1200, outputTokens: 40, cacheReadTokens: 1000, reasoningTokens: 12 },
      },
    ]
    const expected =
      frame('message_start', {
        message: {
          id: 'chatcmpl-9',
          type: 'message',
          role: 'assistant',
          model: 'claude-alias',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: 1100,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output_tokens: 0,
          },
        },
      }) +
      blockStart(0, { type: 'thinking', thinking: '' }) +
      delta(0, { type: 'thinking_delta', thinking: 'Plan.' }) +
      delta(0, { type: 'signature_delta', signature: wrapSignature('', prov) }) +
      blockStop(0) +
      blockStart(1, { type: 'text', text: '' }) +
      delta(1, { type: 'text_delta', text: 'Calling.' }) +
      blockStop(1) +
      blockStart(2, { type: 'tool_use', id: 'call_A', name: 'get_weather', input: {} }) +
      delta(2, { type: 'input_json_delta', partial_json: '{"city":' }) +
      delta(2, { type: 'input_json_delta', partial_json: '"Paris"}' }) +
      frame('ping', {}) +
      blockStop(2) +
      blockStart(3, { type: 'tool_use', id: 'call_B', name: 'list_cities', input: {} }) +
      delta(3, { type: 'input_json_delta', partial_json: '{}' }) +
      blockStop(3) +
      frame('message_delta', {
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: {
          input_tokens: 1200,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 1000,
          output_tokens: 40,
          output_tokens_details: { thinking_tokens: 12 },
        },
      }) +
      frame('message_stop', {})
    expect(await encodeEvents(events, { model: 'claude-alias', estimatedInputTokens: 1100 })).toBe(expected)
  })

  test('message_start takes start.usage when the upstream gives it; message_delta repeats input and cache tokens', async () => {
    const text = await encodeEvents(
      [
        {
          type: 'start',
          id: 'r1',
          model: 'gemini-2.5-pro',
          usage: { inputTokens: 99, outputTokens: 0, cacheReadTokens: 5 },
        },
        { type: 'block_start', index: 0, block: { kind: 'text' } },
        { type: 'text_delta', index: 0, text: 'hi' },
        {
          type: 'finish',
          stopReason: 'end_turn',
          usage: { inputTokens: 99, outputTokens: 7, cacheReadTokens: 5 },
        },
      ],
      { estimatedInputTokens: 1 },
    )
    const events = parseSSE(text).map((e) => JSON.parse(e.data))
    expect(events[0].message.usage).toEqual({
      input_tokens: 99,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 5,
      output_tokens: 0,
    })
    expect(events.at(-2)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: {
        input_tokens: 99,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 5,
        output_tokens: 7,
      },
    })
  })

  test('without any usage, message_start says 0 input tokens', async () => {
    const text = await encodeEvents([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'finish', stopReason: 'end_turn' },
    ])
    expect(JSON.parse(parseSSE(text)[0]!.data).message.usage.input_tokens).toBe(0)
  })

  test('closes an open block before message_delta', async () => {
    const text = await encodeEvents([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'block_start', index: 0, block: { kind: 'text' } },
      { type: 'text_delta', index: 0, text: 'a' },
      { type: 'block_start', index: 1, block: { kind: 'tool_call', id: 'c', name: 'f' } },
      { type: 'tool_args_delta', index: 1, delta: '{"a":1}' },
      { type: 'finish', stopReason: 'tool_use', usage: { inputTokens: 1, outputTokens: 2 } },
    ])
    expect(outline(text)).toEqual([
      'message_start',
      'content_block_start:0:text',
      'content_block_delta:0:text_delta',
      'content_block_stop:0',
      'content_block_start:1:tool_use',
      'content_block_delta:1:input_json_delta',
      'content_block_stop:1',
      'message_delta',
      'message_stop',
    ])
  })

  test('a block that starts behind an open tool call waits, with its events, until the call stops', async () => {
    const text = await encodeEvents([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 'a', name: 'f' } },
      { type: 'block_start', index: 1, block: { kind: 'tool_call', id: 'b', name: 'g' } },
      { type: 'tool_args_delta', index: 1, delta: '{"b":' },
      { type: 'tool_args_delta', index: 0, delta: '{"a":1}' },
      { type: 'tool_args_delta', index: 1, delta: '2}' },
      { type: 'block_stop', index: 0 },
      { type: 'block_stop', index: 1 },
      { type: 'finish', stopReason: 'tool_use', usage: { inputTokens: 1, outputTokens: 2 } },
    ])
    const data = parseSSE(text).map((e) => JSON.parse(e.data))
    const args: Record<number, string> = {}
    for (const d of data)
      if (d.delta?.type === 'input_json_delta') args[d.index] = (args[d.index] ?? '') + d.delta.partial_json
    expect(args).toEqual({ 0: '{"a":1}', 1: '{"b":2}' })
    expect(outline(text).slice(1, 7)).toEqual([
      'content_block_start:0:tool_use',
      'content_block_delta:0:input_json_delta',
      'content_block_stop:0',
      'content_block_start:1:tool_use',
      'content_block_delta:1:input_json_delta',
      'content_block_delta:1:input_json_delta',
    ])
  })

  test('text that continues after a tool call started goes into a fresh text block', async () => {
    const text = await encodeEvents([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'block_start', index: 0, block: { kind: 'text' } },
      { type: 'text_delta', index: 0, text: 'before ' },
      { type: 'block_start', index: 1, block: { kind: 'tool_call', id: 'a', name: 'f' } },
      { type: 'text_delta', index: 0, text: 'after' },
      { type: 'tool_args_delta', index: 1, delta: '{}' },
      { type: 'block_stop', index: 1 },
      { type: 'finish', stopReason: 'tool_use', usage: { inputTokens: 1, outputTokens: 2 } },
    ])
    expect(outline(text)).toEqual([
      'message_start',
      'content_block_start:0:text',
      'content_block_delta:0:text_delta',
      'content_block_stop:0',
      'content_block_start:1:tool_use',
      'content_block_delta:1:input_json_delta',
      'content_block_stop:1',
      'content_block_start:2:text',
      'content_block_delta:2:text_delta',
      'content_block_stop:2',
      'message_delta',
      'message_stop',
    ])
    expect(JSON.parse(parseSSE(text)[8]!.data).delta.text).toBe('after')
  })

  test('tool_use with no or blank arguments still produces a valid {}', async () => {
    const text = await encodeEvents([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 'a', name: 'f' } },
      { type: 'tool_args_delta', index: 0, delta: '' },
      { type: 'tool_args_delta', index: 0, delta: '  ' },
      { type: 'block_stop', index: 0 },
      { type: 'finish', stopReason: 'tool_use', usage: { inputTokens: 1, outputTokens: 2 } },
    ])
    const args = parseSSE(text)
      .map((e) => JSON.parse(e.data))
      .filter((d) => d.delta?.type === 'input_json_delta')
      .map((d) => d.delta.partial_json)
      .join('')
    expect(JSON.parse(args)).toEqual({})
  })

  test('signatures of another provenance are wrapped; Responses encrypted reasoning too', async () => {
    const gem = { dialect: 'gemini', provider: 'gemini-cli' } as const
    const text = await encodeEvents([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'block_start', index: 0, block: { kind: 'thinking', provenance: gem } },
      { type: 'thinking_delta', index: 0, text: 't' },
      { type: 'signature', index: 0, signature: 'gsig', provenance: gem },
      { type: 'block_stop', index: 0 },
      { type: 'block_start', index: 1, block: { kind: 'thinking', summary: true } },
      { type: 'encrypted_reasoning', index: 1, data: 'gAAAA' },
      { type: 'block_stop', index: 1 },
      { type: 'finish', stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 2 } },
    ])
    const sigs = parseSSE(text)
      .map((e) => JSON.parse(e.data))
      .filter((d) => d.delta?.type === 'signature_delta')
      .map((d) => d.delta.signature)
    expect(sigs).toEqual([
      wrapSignature('gsig', gem),
      wrapSignature('gAAAA', { dialect: 'openai-responses' }),
    ])
  })

  test('an IR error becomes event: error with the Anthropic envelope, and ends the stream', async () => {
    const text = await encodeEvents([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'block_start', index: 0, block: { kind: 'text' } },
      { type: 'text_delta', index: 0, text: 'par' },
      { type: 'error', error: { kind: 'rate_limit', message: 'Too many requests', requestId: 'req_1' } },
      { type: 'text_delta', index: 0, text: 'ignored' },
      { type: 'finish', stopReason: 'end_turn' },
    ])
    expect(
      text.endsWith(
        frame('error', {
          error: { type: 'rate_limit_error', message: 'Too many requests' },
          request_id: 'req_1',
        }),
      ),
    ).toBe(true)
    expect(outline(text)).toEqual([
      'message_start',
      'content_block_start:0:text',
      'content_block_delta:0:text_delta',
      'error',
    ])
  })

  test('input that ends without a finish gets an api_error, never a clean message_stop', async () => {
    const text = await encodeEvents([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'block_start', index: 0, block: { kind: 'text' } },
      { type: 'text_delta', index: 0, text: 'cut' },
    ])
    expect(outline(text).at(-1)).toBe('error')
    expect(text).not.toContain('message_stop')
    expect(JSON.parse(parseSSE(text).at(-1)!.data).error.type).toBe('api_error')
  })

  test('events before a start get a minted message_start; a ping before it is dropped', async () => {
    const text = await encodeEvents(
      [
        { type: 'ping' },
        { type: 'block_start', index: 0, block: { kind: 'text' } },
        { type: 'text_delta', index: 0, text: 'x' },
        { type: 'finish', stopReason: 'max_tokens', usage: { inputTokens: 1, outputTokens: 2 } },
      ],
      { model: 'claude-x' },
    )
    const first = JSON.parse(parseSSE(text)[0]!.data)
    expect(first.message.id).toMatch(/^msg_/)
    expect(first.message.model).toBe('claude-x')
    expect(outline(text)[0]).toBe('message_start')
    expect(outline(text)).not.toContain('ping')
    expect(JSON.parse(parseSSE(text).at(-2)!.data).delta.stop_reason).toBe('max_tokens')
  })

  test('citations from another dialect are not sent as citations_delta', async () => {
    const text = await encodeEvents([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'block_start', index: 0, block: { kind: 'text' } },
      { type: 'text_delta', index: 0, text: 'see', citations: [{ url: 'https://x.test' }] },
      { type: 'finish', stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 2 } },
    ])
    expect(text).not.toContain('citations_delta')
    expect(text).toContain('"text":"see"')
  })

  test('end_turn after tool calls from another dialect becomes tool_use', async () => {
    const text = await encodeEvents([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 'g', name: 'f' } },
      { type: 'tool_args_delta', index: 0, delta: '{}' },
      { type: 'finish', stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 2 } },
    ])
    expect(JSON.parse(parseSSE(text).at(-2)!.data).delta.stop_reason).toBe('tool_use')
  })
})
