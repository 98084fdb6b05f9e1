import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { wrapSignature } from '../../../src/dialects/common/provenance.ts'
import type { StreamEvent } from '../../../src/dialects/ir.ts'
import { decodeChunks, fixtureBytes, fixtureText, STREAM_FIXTURES, splitAt } from './helpers.ts'

const AM = 'anthropic-messages'
const enc = new TextEncoder()

function sse(...events: Array<Record<string, unknown>>): Uint8Array {
  return enc.encode(events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(''))
}

/** Tool-call arguments per IR block index, concatenated in arrival order. */
function argsByIndex(events: StreamEvent[]): Record<number, string> {
  const out: Record<number, string> = {}
  for (const e of events) if (e.type === 'tool_args_delta') out[e.index] = (out[e.index] ?? '') + e.delta
  return out
}

describe('anthropic-messages stream decode: exact IR', () => {
  test('a full stream: thinking + signature, ping, text, tool_use, message_delta', async () => {
    const events = await decodeChunks([fixtureBytes('stream-protocols.sse')])
    expect(events).toEqual([
      {
        type: 'start',
        id: 'msg_1',
        model: 'claude-sonnet-4-5',
        usage: {
          inputTokens: 25,
          outputTokens: 1,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          extra: {
            [AM]: {
              keys: [
                'input_tokens',
                'output_tokens',
                'cache_creation_input_tokens',
                'cache_read_input_tokens',
              ],
            },
          },
        },
        extra: {
          [AM]: { keys: ['id', 'type', 'role', 'model', 'content', 'stop_reason', 'stop_sequence', 'usage'] },
        },
      },
      { type: 'block_start', index: 0, block: { kind: 'thinking', provenance: { dialect: AM } } },
      { type: 'thinking_delta', index: 0, text: 'User wants weather.' },
      { type: 'signature', index: 0, signature: 'EqQBCgIYAhIM...', provenance: { dialect: AM } },
      { type: 'block_stop', index: 0 },
      { type: 'ping' },
      { type: 'block_start', index: 1, block: { kind: 'text' } },
      { type: 'text_delta', index: 1, text: 'Let me check.' },
      { type: 'block_stop', index: 1 },
      { type: 'block_start', index: 2, block: { kind: 'tool_call', id: 'toolu_01A', name: 'get_weather' } },
      { type: 'tool_args_delta', index: 2, delta: '' },
      { type: 'tool_args_delta', index: 2, delta: '{"city": "Paris"}' },
      { type: 'block_stop', index: 2 },
      {
        type: 'finish',
        stopReason: 'tool_use',
        usage: {
          inputTokens: 25,
          outputTokens: 89,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          extra: { [AM]: { keys: ['output_tokens'] } },
        },
      },
    ])
  })

  test('parallel tool calls keep their own ids and argument streams; redacted thinking arrives whole', async () => {
    const prov = { dialect: AM, provider: 'claude', model: 'claude-opus-4-5-20251101' } as const
    const events = await decodeChunks([fixtureBytes('stream-parallel-tools.sse')], { provenance: prov })
    const starts = events.filter((e) => e.type === 'block_start')
    expect(starts).toEqual([
      {
        type: 'block_start',
        index: 0,
        block: { kind: 'thinking', provenance: prov, extra: { [AM]: { fields: { signature: '' } } } },
      },
      {
        type: 'block_start',
        index: 1,
        block: {
          kind: 'thinking',
          redacted: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
          provenance: prov,
        },
      },
      { type: 'block_start', index: 2, block: { kind: 'text' } },
      {
        type: 'block_start',
        index: 3,
        block: { kind: 'tool_call', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather' },
      },
      {
        type: 'block_start',
        index: 4,
        block: { kind: 'tool_call', id: 'toolu_01B8Cz7tyhZ3kzKMrXtnE9sT', name: 'get_weather' },
      },
    ])
    expect(argsByIndex(events)).toEqual({ 3: '{"city": "Paris"}', 4: '{"city": "Tokyo", "days": [1, 2]}' })
    expect(events.find((e) => e.type === 'signature')).toMatchObject({ index: 0, provenance: prov })
    expect(events[0]).toMatchObject({
      type: 'start',
      usage: {
        inputTokens: 42,
        cacheReadTokens: 1800,
        cacheWriteTokens: 300,
        cacheWrite5mTokens: 100,
        cacheWrite1hTokens: 200,
      },
    })
    expect(events.at(-1)).toMatchObject({
      type: 'finish',
      stopReason: 'tool_use',
      usage: {
        inputTokens: 42,
        outputTokens: 187,
        cacheReadTokens: 1800,
        cacheWriteTokens: 300,
        cacheWrite5mTokens: 100,
      },
    })
  })

  test('an in-stream error becomes an IR error, and no second error is added at the end', async () => {
    const events = await decodeChunks([fixtureBytes('stream-error.sse')])
    expect(events.slice(-3)).toEqual([
      { type: 'text_delta', index: 0, text: 'Partial an' },
      { type: 'ping' },
      { type: 'error', error: { kind: 'overloaded', message: 'Overloaded' } },
    ])
  })

  test('server tool blocks are carried whole, in index order, and citations ride text deltas', async () => {
    const events = await decodeChunks([fixtureBytes('stream-server-tool.sse')])
    const kinds = events.map((e) => (e.type === 'block_start' ? `start${e.index}` : e.type))
    expect(kinds).toEqual([
      'start',
      'start0',
      'text_delta',
      'block_stop',
      'start1',
      'block_stop',
      'start2',
      'block_stop',
      'start3',
      'text_delta',
      'text_delta',
      'block_stop',
      'finish',
    ])
    expect(events[4]).toEqual({
      type: 'block_start',
      index: 1,
      block: {
        kind: 'text',
        extra: {
          [AM]: {
            block: {
              type: 'server_tool_use',
              id: 'srvtoolu_01WYG3ziw53XMcoyKL4XcZmE',
              name: 'web_search',
              input: {},
            },
            deltas: [
              { type: 'input_json_delta', partial_json: '' },
              { type: 'input_json_delta', partial_json: '{"query":' },
              { type: 'input_json_delta', partial_json: ' "latest Bun release"}' },
            ],
          },
        },
      },
    })
    expect(events[9]).toEqual({
      type: 'text_delta',
      index: 3,
      text: '',
      citations: [
        {
          type: 'web_search_result_location',
          cited_text: 'Bun v1.4.4 is here',
          url: 'https://bun.sh/blog/bun-v1.4.4',
          title: 'Bun v1.4.4',
          encrypted_index: 'Eo8BCioIAhgB',
        },
      ],
    })
  })

  test('stop_sequence carries its value; multi-byte text is intact', async () => {
    const events = await decodeChunks([fixtureBytes('stream-text.sse')])
    const text = events.map((e) => (e.type === 'text_delta' ? e.text : '')).join('')
    expect(text).toBe('Grüße 👋 from the café ☕ — 日本語も OK\n')
    expect(events.at(-1)).toMatchObject({ type: 'finish', stopReason: 'stop_sequence', stopSequence: 'END' })
  })
})

describe('anthropic-messages stream decode: any chunking gives the same events', () => {
  for (const name of STREAM_FIXTURES) {
    test(`every single split offset: ${name}`, async () => {
      const bytes = fixtureBytes(name)
      const whole = await decodeChunks([bytes])
      for (let k = 0; k <= bytes.length; k++) {
        const events = await decodeChunks(splitAt(bytes, [k]))
        if (!Bun.deepEquals(events, whole))
          expect({ offset: k, events }).toEqual({ offset: k, events: whole })
      }
    })

    test(`random multi-splits: ${name}`, async () => {
      const bytes = fixtureBytes(name)
      const whole = await decodeChunks([bytes])
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }),
          async (cuts) => {
            expect(await decodeChunks(splitAt(bytes, cuts))).toEqual(whole)
          },
        ),
        { numRuns: 150 },
      )
    })
  }

  test('CRLF line endings and data: without a space give the same events', async () => {
    const text = fixtureText('stream-parallel-tools.sse')
    const whole = await decodeChunks([enc.encode(text)])
    const crlf = text.replaceAll('\n', '\r\n').replaceAll('data: ', 'data:')
    expect(await decodeChunks([enc.encode(crlf)])).toEqual(whole)
  })
})

describe('anthropic-messages stream decode: regressions', () => {
  test('keeps input_json_delta order across interleaved blocks (routes by index, not by the last open call)', async () => {
    const bytes = sse(
      {
        type: 'message_start',
        message: { id: 'm', model: 'x', usage: { input_tokens: 1, output_tokens: 0 } },
      },
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 'a', name: 'f', input: {} },
      },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'b', name: 'g', input: {} },
      },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"q":' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"p":' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '2}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 9 },
      },
      { type: 'message_stop' },
    )
    expect(argsByIndex(await decodeChunks([bytes]))).toEqual({ 0: '{"p":1}', 1: '{"q":2}' })
  })

  test('usage in message_start reaches the start event, and message_delta usage is merged over it', async () => {
    const bytes = sse(
      {
        type: 'message_start',
        message: {
          id: 'm',
          model: 'x',
          usage: { input_tokens: 500, cache_read_input_tokens: 400, output_tokens: 1 },
        },
      },
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 30 },
      },
      { type: 'message_stop' },
    )
    const events = await decodeChunks([bytes])
    expect(events[0]).toMatchObject({ type: 'start', usage: { inputTokens: 500, cacheReadTokens: 400 } })
    expect(events[1]).toMatchObject({
      type: 'finish',
      usage: { inputTokens: 500, cacheReadTokens: 400, outputTokens: 30 },
    })
  })

  test('a stream cut before message_delta ends with an api_error', async () => {
    const text = fixtureText('stream-text.sse')
    const cut = text.slice(0, text.indexOf('event: content_block_stop'))
    const events = await decodeChunks([enc.encode(cut)])
    expect(events.at(-1)).toEqual({
      type: 'error',
      error: { kind: 'api_error', message: 'the Anthropic stream ended before the message was complete' },
    })
  })

  test('a signature the gateway wrapped keeps the provenance it was wrapped with', async () => {
    const wrapped = wrapSignature('sig', { dialect: 'gemini', provider: 'antigravity' })
    const bytes = sse(
      { type: 'message_start', message: { id: 'm', model: 'x' } },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: wrapped } },
    )
    const events = await decodeChunks([bytes])
    expect(events[2]).toEqual({
      type: 'signature',
      index: 0,
      signature: 'sig',
      provenance: { dialect: 'gemini', provider: 'antigravity' },
    })
  })

  test('tool input given whole at block start becomes one argument delta', async () => {
    const bytes = sse(
      { type: 'message_start', message: { id: 'm', model: 'x' } },
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 'a', name: 'f', input: { x: 1 } },
      },
      { type: 'content_block_stop', index: 0 },
    )
    expect(argsByIndex(await decodeChunks([bytes]))).toEqual({ 0: '{"x":1}' })
  })

  test('a message_delta without stop_reason is a usage snapshot', async () => {
    const bytes = sse(
      {
        type: 'message_start',
        message: { id: 'm', model: 'x', usage: { input_tokens: 3, output_tokens: 1 } },
      },
      { type: 'message_delta', delta: { stop_reason: null }, usage: { output_tokens: 5 } },
    )
    const events = await decodeChunks([bytes])
    expect(events[1]).toMatchObject({ type: 'usage', usage: { inputTokens: 3, outputTokens: 5 } })
  })
})
