import { describe, expect, test } from 'bun:test'
import { wrapSignature } from '../../../src/dialects/common/provenance.ts'
import type { StreamEvent } from '../../../src/dialects/ir.ts'
import {
  decodeBytes,
  decodeChunks,
  encodeEvents,
  fixtureBytes,
  fixtureText,
  maskIds,
  responseOf,
  sseData,
} from './support.ts'

const P = { dialect: 'openai-responses' } as const
const utf8 = (s: string) => new TextEncoder().encode(s)

/** The events without start/finish `extra` (the upstream response object), for exact comparisons. */
function plain(events: StreamEvent[]): StreamEvent[] {
  return events.map((ev) => {
    if ((ev.type === 'start' || ev.type === 'finish') && ev.extra) {
      const { extra: _, ...rest } = ev
      return rest as StreamEvent
    }
    return ev
  })
}

/** Expected `data:` payloads: `[type, fields]` → `{type, sequence_number, ...fields}`. */
function sequence(events: [string, Record<string, unknown>][]): Record<string, unknown>[] {
  return events.map(([type, fields], i) => ({ type, sequence_number: i, ...fields }))
}

const CANONICAL = ['text.sse', 'tool-calls.sse', 'error-mid-stream.sse', 'incomplete.sse']

describe('same-dialect round trip is byte-identical', () => {
  for (const name of CANONICAL) {
    test(name, async () => {
      const events = await decodeBytes(fixtureBytes(name))
      expect(await encodeEvents(events)).toBe(fixtureText(name))
    })
  }
})

describe('decodeStream', () => {
  test('text stream into the exact IR events', async () => {
    const events = await decodeBytes(fixtureBytes('text.sse'))
    expect(plain(events)).toEqual([
      { type: 'start', id: 'resp_68a1c0ffee', model: 'gpt-5-2025-08-07', created: 1741476542 },
      { type: 'block_start', index: 0, block: { kind: 'text', itemId: 'msg_68a1c0ffee01' } },
      { type: 'text_delta', index: 0, text: 'Hel' },
      { type: 'text_delta', index: 0, text: 'lo 👋 — ' },
      { type: 'text_delta', index: 0, text: 'wörld!' },
      { type: 'block_stop', index: 0 },
      {
        type: 'finish',
        stopReason: 'end_turn',
        rawStopReason: 'completed',
        usage: { inputTokens: 25, outputTokens: 5, cacheReadTokens: 0, reasoningTokens: 0 },
      },
    ])
    const start = events[0]
    expect(start?.type === 'start' && start.extra).toMatchObject({
      'openai-responses': {
        response: {
          id: 'resp_68a1c0ffee',
          status: 'in_progress',
          instructions: 'You are a helpful assistant.',
        },
      },
    })
  })

  test('reasoning with two summary parts, text and parallel calls into the exact IR events', async () => {
    const events = await decodeBytes(fixtureBytes('tool-calls.sse'))
    const rs = { kind: 'thinking', summary: true, itemId: 'rs_68a1c0ffee02', provenance: P } as const
    expect(plain(events)).toEqual([
      { type: 'start', id: 'resp_68a1c0ffee', model: 'gpt-5-2025-08-07', created: 1741476542 },
      { type: 'block_start', index: 0, block: rs },
      { type: 'thinking_delta', index: 0, text: '**Checking tools**\n\n' },
      { type: 'thinking_delta', index: 0, text: 'The user wants weather and time.' },
      { type: 'block_stop', index: 0 },
      { type: 'block_start', index: 1, block: rs },
      { type: 'thinking_delta', index: 1, text: 'Call both in parallel.' },
      { type: 'encrypted_reasoning', index: 1, data: 'gAAAAABoqdKx3f9Zr0WJ-encrypted-reasoning-blob_1w==' },
      { type: 'block_stop', index: 1 },
      { type: 'block_start', index: 2, block: { kind: 'text', itemId: 'msg_68a1c0ffee03' } },
      { type: 'text_delta', index: 2, text: 'Let me check both.' },
      { type: 'block_stop', index: 2 },
      {
        type: 'block_start',
        index: 3,
        block: { kind: 'tool_call', id: 'call_Wx1', name: 'get_weather', itemId: 'fc_68a1c0ffee04' },
      },
      { type: 'tool_args_delta', index: 3, delta: '{"city":' },
      { type: 'tool_args_delta', index: 3, delta: '"Paris"}' },
      { type: 'block_stop', index: 3 },
      {
        type: 'block_start',
        index: 4,
        block: { kind: 'tool_call', id: 'call_Tm2', name: 'get_time', itemId: 'fc_68a1c0ffee05' },
      },
      { type: 'tool_args_delta', index: 4, delta: '{"city":"Paris"}' },
      { type: 'block_stop', index: 4 },
      {
        type: 'finish',
        stopReason: 'tool_use',
        rawStopReason: 'completed',
        usage: { inputTokens: 176, outputTokens: 180, cacheReadTokens: 1024, reasoningTokens: 128 },
      },
    ])
  })

  test('stamps the provenance option on thinking blocks', async () => {
    const codex = { dialect: 'openai-responses', provider: 'codex', model: 'gpt-5' } as const
    const events = await decodeBytes(fixtureBytes('tool-calls.sse'), { provenance: codex })
    const starts = events.filter((e) => e.type === 'block_start' && e.block.kind === 'thinking')
    expect(
      starts.map((e) => e.type === 'block_start' && e.block.kind === 'thinking' && e.block.provenance),
    ).toEqual([codex, codex])
  })

  test('incomplete → max_tokens; failed mid-stream → error', async () => {
    const inc = await decodeBytes(fixtureBytes('incomplete.sse'))
    expect(inc.at(-1)).toMatchObject({
      type: 'finish',
      stopReason: 'max_tokens',
      rawStopReason: 'max_output_tokens',
    })
    const failed = await decodeBytes(fixtureBytes('error-mid-stream.sse'))
    expect(plain(failed).slice(1)).toEqual([
      { type: 'block_start', index: 0, block: { kind: 'text', itemId: 'msg_68a1c0ffee06' } },
      { type: 'text_delta', index: 0, text: 'Partial answ' },
      {
        type: 'error',
        error: {
          kind: 'api_error',
          message: 'The server had an error while processing your request.',
          code: 'server_error',
        },
      },
    ])
  })

  test('a bare error event becomes an IR error with its retry hint', async () => {
    const events = await decodeBytes(fixtureBytes('bare-error.sse'))
    expect(events.at(-1)).toEqual({
      type: 'error',
      error: {
        kind: 'rate_limit',
        message: 'Rate limit reached for gpt-5 on tokens per min. Please try again in 1.5s.',
        code: 'rate_limit_exceeded',
        retryAfter: 2,
      },
    })
  })

  test('reports a stream that ends without response.completed as an error', async () => {
    const events = await decodeBytes(fixtureBytes('truncated.sse'))
    expect(events.map((e) => e.type)).toEqual(['start', 'block_start', 'text_delta', 'error'])
    expect(events.at(-1)).toMatchObject({ error: { kind: 'api_error' } })
    expect(await decodeBytes(new Uint8Array())).toEqual([
      {
        type: 'error',
        error: { kind: 'api_error', message: 'The upstream stream closed before response.completed.' },
      },
    ])
  })

  test('does not rely on response.completed output (Codex sends it empty)', async () => {
    const events = await decodeBytes(fixtureBytes('codex-empty-output.sse'))
    expect(plain(events)).toEqual([
      { type: 'start', id: 'resp_codex01', model: 'gpt-5-codex', created: 1750000000 },
      // No summary parts were streamed: the block opens and closes at output_item.done.
      {
        type: 'block_start',
        index: 0,
        block: { kind: 'thinking', summary: true, itemId: 'rs_codex01', provenance: P },
      },
      { type: 'encrypted_reasoning', index: 0, data: 'gAAAAcodexENC==' },
      { type: 'block_stop', index: 0 },
      { type: 'block_start', index: 1, block: { kind: 'text', itemId: 'msg_codex01' } },
      { type: 'text_delta', index: 1, text: 'Running ' },
      { type: 'text_delta', index: 1, text: 'the tests.' },
      { type: 'block_stop', index: 1 },
      {
        type: 'block_start',
        index: 2,
        block: { kind: 'tool_call', id: 'call_codex01', name: 'shell', itemId: 'fc_codex01' },
      },
      { type: 'tool_args_delta', index: 2, delta: '{"command":["bun","test"]}' },
      { type: 'block_stop', index: 2 },
      {
        type: 'finish',
        stopReason: 'tool_use',
        rawStopReason: 'completed',
        usage: { inputTokens: 500, outputTokens: 60, cacheReadTokens: 3500, reasoningTokens: 20 },
      },
    ])
    // Re-encoded for a Responses client, response.completed carries the rebuilt output.
    const completed = sseData(await encodeEvents(events)).at(-1)
    expect(completed?.type).toBe('response.completed')
    const output = responseOf(completed).output as Record<string, unknown>[]
    expect(output.map((o) => [o.type, o.id])).toEqual([
      ['reasoning', 'rs_codex01'],
      ['message', 'msg_codex01'],
      ['function_call', 'fc_codex01'],
    ])
    expect(output[0]?.encrypted_content).toBe('gAAAAcodexENC==')
  })

  test('keeps function_call_arguments deltas of interleaved calls apart (routes by item, not by last call)', async () => {
    const events = await decodeBytes(fixtureBytes('interleaved-calls.sse'))
    expect(plain(events).slice(1)).toEqual([
      {
        type: 'block_start',
        index: 0,
        block: { kind: 'tool_call', id: 'call_A', name: 'get_weather', itemId: 'fc_A' },
      },
      {
        type: 'block_start',
        index: 1,
        block: { kind: 'tool_call', id: 'call_B', name: 'get_time', itemId: 'fc_B' },
      },
      { type: 'tool_args_delta', index: 0, delta: '{"city":' },
      { type: 'tool_args_delta', index: 1, delta: '{"city":"Tokyo"' },
      { type: 'tool_args_delta', index: 0, delta: '"Paris"}' },
      { type: 'tool_args_delta', index: 1, delta: '}' },
      { type: 'block_stop', index: 1 },
      { type: 'block_stop', index: 0 },
      {
        type: 'finish',
        stopReason: 'tool_use',
        rawStopReason: 'completed',
        usage: { inputTokens: 80, outputTokens: 30, cacheReadTokens: 0, reasoningTokens: 0 },
      },
    ])
  })

  test('routes by item_id when output_index is missing', async () => {
    const text =
      'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_x","model":"m"}}\n\n' +
      'event: response.output_item.added\ndata: {"type":"response.output_item.added","output_index":0,"item":{"id":"fc_A","type":"function_call","call_id":"c1","name":"a","arguments":""}}\n\n' +
      'event: response.output_item.added\ndata: {"type":"response.output_item.added","output_index":1,"item":{"id":"fc_B","type":"function_call","call_id":"c2","name":"b","arguments":""}}\n\n' +
      'event: response.function_call_arguments.delta\ndata: {"type":"response.function_call_arguments.delta","item_id":"fc_A","delta":"{\\"x\\":1}"}\n\n' +
      'event: response.completed\ndata: {"type":"response.completed","response":{"id":"resp_x","status":"completed","output":[]}}\n\n'
    const events = await decodeBytes(utf8(text))
    expect(events.filter((e) => e.type === 'tool_args_delta')).toEqual([
      { type: 'tool_args_delta', index: 0, delta: '{"x":1}' },
      { type: 'tool_args_delta', index: 1, delta: '{}' },
    ])
  })

  test('an upstream that sends only the final response still yields its content', async () => {
    const events = await decodeBytes(fixtureBytes('completed-only.sse'))
    expect(plain(events).slice(1)).toEqual([
      { type: 'block_start', index: 0, block: { kind: 'text', itemId: 'msg_only1' } },
      { type: 'text_delta', index: 0, text: 'Done.' },
      { type: 'block_stop', index: 0 },
      {
        type: 'block_start',
        index: 1,
        block: { kind: 'tool_call', id: 'call_only1', name: 'get_time', itemId: 'fc_only1' },
      },
      // Empty arguments become {}.
      { type: 'tool_args_delta', index: 1, delta: '{}' },
      { type: 'block_stop', index: 1 },
      {
        type: 'finish',
        stopReason: 'tool_use',
        rawStopReason: 'completed',
        usage: { inputTokens: 9, outputTokens: 3, cacheReadTokens: 0, reasoningTokens: 0 },
      },
    ])
  })

  test('.done events stand in for deltas an upstream skipped', async () => {
    const text = [
      '{"type":"response.created","response":{"id":"resp_d","model":"m"}}',
      '{"type":"response.output_item.added","output_index":0,"item":{"id":"rs_d","type":"reasoning","summary":[]}}',
      '{"type":"response.reasoning_summary_text.done","item_id":"rs_d","output_index":0,"summary_index":0,"text":"Thought."}',
      '{"type":"response.output_item.done","output_index":0,"item":{"id":"rs_d","type":"reasoning","summary":[{"type":"summary_text","text":"Thought."}]}}',
      '{"type":"response.output_item.added","output_index":1,"item":{"id":"msg_d","type":"message","role":"assistant","content":[]}}',
      '{"type":"response.output_text.done","item_id":"msg_d","output_index":1,"content_index":0,"text":"Hi"}',
      '{"type":"response.output_item.done","output_index":1,"item":{"id":"msg_d","type":"message","role":"assistant","content":[{"type":"output_text","text":"Hi"}]}}',
      '{"type":"response.output_item.added","output_index":2,"item":{"id":"fc_d","type":"function_call","call_id":"c","name":"f","arguments":""}}',
      '{"type":"response.function_call_arguments.done","item_id":"fc_d","output_index":2,"arguments":"{\\"a\\":1}"}',
      '{"type":"response.output_item.done","output_index":2,"item":{"id":"fc_d","type":"function_call","call_id":"c","name":"f","arguments":"{\\"a\\":1}"}}',
      '{"type":"response.completed","response":{"id":"resp_d","status":"completed","output":[]}}',
    ]
      .map((d) => `data: ${d}\n\n`)
      .join('')
    const events = await decodeBytes(utf8(text))
    expect(events.filter((e) => e.type.endsWith('delta'))).toEqual([
      { type: 'thinking_delta', index: 0, text: 'Thought.' },
      { type: 'text_delta', index: 1, text: 'Hi' },
      { type: 'tool_args_delta', index: 2, delta: '{"a":1}' },
    ])
  })

  test('ignores unknown event types, comments, CRLF framing and data without a space', async () => {
    const original = fixtureText('tool-calls.sse')
    const noisy = original
      .split('\n\n')
      .filter((b) => b !== '')
      .map(
        (block) =>
          ': keep-alive\r\n' +
          block.replace('data: ', 'data:').replaceAll('\n', '\r\n') +
          '\r\n\r\nevent: response.output_text.annotation.added\r\ndata: {"type":"response.output_text.annotation.added","item_id":"x","output_index":99}\r\n\r\n',
      )
      .join('')
    expect(await decodeBytes(utf8(noisy))).toEqual(await decodeBytes(utf8(original)))
  })

  for (const name of ['text.sse', 'error-mid-stream.sse', 'tool-calls.sse']) {
    test(`${name}: same IR events for a split at every byte offset`, async () => {
      const bytes = fixtureBytes(name)
      const whole = await decodeBytes(bytes)
      for (let k = 1; k < bytes.length; k++) {
        const got = await decodeChunks([bytes.subarray(0, k), bytes.subarray(k)])
        if (!Bun.deepEquals(got, whole)) expect({ split: k, got }).toEqual({ split: k, got: whole })
      }
    })
  }

  test('same IR events for many random multi-way splits', async () => {
    let seed = 42
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    for (const name of [
      'tool-calls.sse',
      'codex-empty-output.sse',
      'interleaved-calls.sse',
      'incomplete.sse',
    ]) {
      const bytes = fixtureBytes(name)
      const whole = await decodeBytes(bytes)
      for (let run = 0; run < 100; run++) {
        const cuts = Array.from({ length: 1 + rand(12) }, () => rand(bytes.length)).sort((a, b) => a - b)
        const chunks: Uint8Array[] = []
        let at = 0
        for (const c of cuts) {
          chunks.push(bytes.subarray(at, c))
          at = c
        }
        chunks.push(bytes.subarray(at))
        const got = await decodeChunks(chunks)
        if (!Bun.deepEquals(got, whole)) expect({ name, cuts, got }).toEqual({ name, cuts, got: whole })
      }
    }
  })
})

describe('encodeStream from another dialect', () => {
  const claude = { dialect: 'anthropic-messages', provider: 'claude' } as const

  test('an Anthropic-shaped stream becomes the canonical Responses sequence', async () => {
    const events: StreamEvent[] = [
      {
        type: 'start',
        id: 'msg_01',
        model: 'claude-sonnet-4-5',
        created: 1750000000,
        usage: { inputTokens: 25, outputTokens: 1 },
        extra: { 'anthropic-messages': { type: 'message' } },
      },
      { type: 'block_start', index: 0, block: { kind: 'thinking', provenance: claude } },
      { type: 'thinking_delta', index: 0, text: 'User wants weather.' },
      { type: 'signature', index: 0, signature: 'EqQBsig' },
      { type: 'block_stop', index: 0 },
      { type: 'ping' },
      { type: 'block_start', index: 1, block: { kind: 'text' } },
      { type: 'text_delta', index: 1, text: 'Let me check.' },
      { type: 'block_stop', index: 1 },
      { type: 'block_start', index: 2, block: { kind: 'tool_call', id: 'toolu_01A', name: 'get_weather' } },
      { type: 'tool_args_delta', index: 2, delta: '' },
      { type: 'tool_args_delta', index: 2, delta: '{"city": "Paris"}' },
      { type: 'block_stop', index: 2 },
      { type: 'usage', usage: { inputTokens: 25, outputTokens: 89 } },
      {
        type: 'finish',
        stopReason: 'tool_use',
        rawStopReason: 'tool_use',
        usage: { inputTokens: 25, outputTokens: 89, cacheReadTokens: 5 },
      },
    ]
    const text = maskIds(await encodeEvents(events))
    // Framing: `event: <type>` matching the data's type, blank line after each event.
    for (const block of text.split('\n\n').filter((b) => b.startsWith('event: '))) {
      const [head, data] = block.split('\n')
      expect(JSON.parse(data!.slice(6)).type).toBe(head!.slice(7))
    }
    expect(text).toContain(': ping\n\n')
    const rs = { item_id: 'rs_*', output_index: 0, summary_index: 0 }
    const msg = { item_id: 'msg_*', output_index: 1, content_index: 0 }
    const fc = { item_id: 'fc_*', output_index: 2 }
    const reasoning = {
      id: 'rs_*',
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'User wants weather.' }],
      encrypted_content: wrapSignature('EqQBsig', claude),
    }
    const message = {
      id: 'msg_*',
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'Let me check.', annotations: [] }],
    }
    const call = {
      id: 'fc_*',
      type: 'function_call',
      status: 'completed',
      call_id: 'toolu_01A',
      name: 'get_weather',
      arguments: '{"city": "Paris"}',
    }
    const response = (status: string, output: unknown[], usage: unknown) => ({
      id: 'resp_msg_01',
      object: 'response',
      created_at: 1750000000,
      status,
      error: null,
      incomplete_details: null,
      model: 'claude-sonnet-4-5',
      output,
      usage,
    })
    expect(sseData(text)).toEqual(
      sequence([
        ['response.created', { response: response('in_progress', [], null) }],
        ['response.in_progress', { response: response('in_progress', [], null) }],
        [
          'response.output_item.added',
          { output_index: 0, item: { id: 'rs_*', type: 'reasoning', summary: [] } },
        ],
        ['response.reasoning_summary_part.added', { ...rs, part: { type: 'summary_text', text: '' } }],
        ['response.reasoning_summary_text.delta', { ...rs, delta: 'User wants weather.' }],
        ['response.reasoning_summary_text.done', { ...rs, text: 'User wants weather.' }],
        [
          'response.reasoning_summary_part.done',
          { ...rs, part: { type: 'summary_text', text: 'User wants weather.' } },
        ],
        ['response.output_item.done', { output_index: 0, item: reasoning }],
        [
          'response.output_item.added',
          {
            output_index: 1,
            item: { id: 'msg_*', type: 'message', status: 'in_progress', role: 'assistant', content: [] },
          },
        ],
        ['response.content_part.added', { ...msg, part: { type: 'output_text', text: '', annotations: [] } }],
        ['response.output_text.delta', { ...msg, delta: 'Let me check.', logprobs: [] }],
        ['response.output_text.done', { ...msg, text: 'Let me check.', logprobs: [] }],
        [
          'response.content_part.done',
          { ...msg, part: { type: 'output_text', text: 'Let me check.', annotations: [] } },
        ],
        ['response.output_item.done', { output_index: 1, item: message }],
        [
          'response.output_item.added',
          {
            output_index: 2,
            item: {
              id: 'fc_*',
              type: 'function_call',
              status: 'in_progress',
              call_id: 'toolu_01A',
              name: 'get_weather',
              arguments: '',
            },
          },
        ],
        ['response.function_call_arguments.delta', { ...fc, delta: '' }],
        ['response.function_call_arguments.delta', { ...fc, delta: '{"city": "Paris"}' }],
        [
          'response.function_call_arguments.done',
          { ...fc, name: 'get_weather', arguments: '{"city": "Paris"}' },
        ],
        ['response.output_item.done', { output_index: 2, item: call }],
        [
          'response.completed',
          {
            response: response('completed', [reasoning, message, call], {
              input_tokens: 30,
              input_tokens_details: { cached_tokens: 5 },
              output_tokens: 89,
              output_tokens_details: { reasoning_tokens: 0 },
              total_tokens: 119,
            }),
          },
        ],
      ]),
    )
  })

  test('parallel calls get their own output_index and item id; interleaved deltas stay with their call', async () => {
    const text = await encodeEvents([
      { type: 'start', id: 'chatcmpl-1', model: 'gpt-4o' },
      { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 'call_a', name: 'a' } },
      { type: 'block_start', index: 1, block: { kind: 'tool_call', id: 'call_b', name: 'b' } },
      { type: 'tool_args_delta', index: 0, delta: '{"x":' },
      { type: 'tool_args_delta', index: 1, delta: '{"y":2}' },
      { type: 'tool_args_delta', index: 0, delta: '1}' },
      { type: 'block_stop', index: 0 },
      { type: 'block_stop', index: 1 },
      { type: 'finish', stopReason: 'tool_use' },
    ])
    const data = sseData(text)
    const added = data.filter((d) => d.type === 'response.output_item.added')
    const [a, b] = added.map((d) => (d.item as Record<string, unknown>).id as string)
    expect(a).toMatch(/^fc_/)
    expect(b).toMatch(/^fc_/)
    expect(a).not.toBe(b)
    expect(added.map((d) => d.output_index)).toEqual([0, 1])
    const done = data.filter((d) => d.type === 'response.function_call_arguments.done')
    expect(done.map((d) => [d.item_id, d.output_index, d.arguments])).toEqual([
      [a, 0, '{"x":1}'],
      [b, 1, '{"y":2}'],
    ])
    expect(data.map((d) => d.sequence_number)).toEqual(data.map((_, i) => i))
  })

  test('empty tool arguments become {}', async () => {
    const data = sseData(
      await encodeEvents([
        { type: 'start', id: 'x', model: 'm' },
        { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 'call_1', name: 'now' } },
        { type: 'block_stop', index: 0 },
        { type: 'finish', stopReason: 'tool_use' },
      ]),
    )
    expect(data.find((d) => d.type === 'response.function_call_arguments.done')?.arguments).toBe('{}')
    expect(data.find((d) => d.type === 'response.function_call_arguments.delta')?.delta).toBe('{}')
  })

  test('consecutive text blocks without item ids share one message item', async () => {
    const data = sseData(
      await encodeEvents([
        { type: 'start', id: 'x', model: 'm' },
        { type: 'block_start', index: 0, block: { kind: 'text' } },
        { type: 'text_delta', index: 0, text: 'A' },
        { type: 'block_stop', index: 0 },
        { type: 'block_start', index: 1, block: { kind: 'text' } },
        { type: 'text_delta', index: 1, text: 'B' },
        { type: 'block_stop', index: 1 },
        { type: 'finish', stopReason: 'end_turn' },
      ]),
    )
    expect(data.filter((d) => d.type === 'response.output_item.added')).toHaveLength(1)
    const done = data.find((d) => d.type === 'response.output_item.done')?.item as Record<string, unknown>
    expect(done.content).toEqual([
      { type: 'output_text', text: 'A', annotations: [] },
      { type: 'output_text', text: 'B', annotations: [] },
    ])
  })

  test('max_tokens → response.incomplete; the model option renames; usage event used when finish has none', async () => {
    const data = sseData(
      await encodeEvents(
        [
          { type: 'start', id: 'resp_1', model: 'upstream-model', created: 1 },
          { type: 'block_start', index: 0, block: { kind: 'text' } },
          { type: 'text_delta', index: 0, text: 'Once' },
          { type: 'block_stop', index: 0 },
          { type: 'usage', usage: { inputTokens: 3, outputTokens: 4, reasoningTokens: 1 } },
          { type: 'finish', stopReason: 'max_tokens' },
        ],
        { model: 'alias' },
      ),
    )
    expect(data.at(-1)?.type).toBe('response.incomplete')
    expect(responseOf(data.at(-1))).toMatchObject({
      id: 'resp_1',
      model: 'alias',
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      usage: {
        input_tokens: 3,
        output_tokens: 4,
        output_tokens_details: { reasoning_tokens: 1 },
        total_tokens: 7,
      },
    })
    expect(responseOf(data[0]).model).toBe('alias')
  })

  test('an error before anything started is a bare error event', async () => {
    const text = await encodeEvents([
      { type: 'error', error: { kind: 'rate_limit', message: 'Slow down', retryAfter: 3 } },
    ])
    expect(text).toBe(
      'event: error\ndata: {"type":"error","sequence_number":0,"code":"rate_limit_exceeded","message":"Slow down","param":null}\n\n',
    )
  })

  test('an error mid-stream is response.failed with what was completed so far', async () => {
    const data = sseData(
      await encodeEvents([
        { type: 'start', id: 'resp_9', model: 'm', created: 5 },
        { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 'call_1', name: 'f' } },
        { type: 'tool_args_delta', index: 0, delta: '{}' },
        { type: 'block_stop', index: 0 },
        { type: 'block_start', index: 1, block: { kind: 'text' } },
        { type: 'text_delta', index: 1, text: 'par' },
        { type: 'error', error: { kind: 'overloaded', message: 'Overloaded' } },
        { type: 'text_delta', index: 1, text: 'ignored after the end' },
      ]),
    )
    expect(data.at(-1)?.type).toBe('response.failed')
    expect(responseOf(data.at(-1))).toMatchObject({
      status: 'failed',
      error: { code: 'server_is_overloaded', message: 'Overloaded' },
    })
    expect(responseOf(data.at(-1)).output).toHaveLength(1)
    expect(data.filter((d) => d.type === 'response.output_text.delta')).toHaveLength(1)
  })

  test('an IR stream that ends without finish still ends the client stream', async () => {
    const data = sseData(await encodeEvents([{ type: 'start', id: 'r', model: 'm' }]))
    expect(data.at(-1)?.type).toBe('response.failed')
    expect(sseData(await encodeEvents([])).map((d) => d.type)).toEqual(['error'])
  })

  test('native encrypted reasoning is passed verbatim; redacted thinking is wrapped', async () => {
    const data = sseData(
      await encodeEvents([
        { type: 'start', id: 'r', model: 'm' },
        {
          type: 'block_start',
          index: 0,
          block: { kind: 'thinking', itemId: 'rs_1', summary: true, provenance: P },
        },
        { type: 'encrypted_reasoning', index: 0, data: 'gAAAA-native' },
        { type: 'block_stop', index: 0 },
        { type: 'block_start', index: 1, block: { kind: 'thinking', redacted: 'EmwK', provenance: claude } },
        { type: 'block_stop', index: 1 },
        { type: 'finish', stopReason: 'end_turn' },
      ]),
    )
    const items = data.filter((d) => d.type === 'response.output_item.done').map((d) => d.item)
    expect(items).toEqual([
      { id: 'rs_1', type: 'reasoning', summary: [], encrypted_content: 'gAAAA-native' },
      {
        id: expect.stringMatching(/^rs_/),
        type: 'reasoning',
        summary: [],
        encrypted_content: wrapSignature('redacted:EmwK', claude),
      },
    ])
    // An encrypted-only item has no summary part events.
    expect(data.some((d) => d.type === 'response.reasoning_summary_part.added')).toBe(false)
  })

  test('raw reasoning text (summary: false) streams as reasoning_text', async () => {
    const data = sseData(
      await encodeEvents([
        { type: 'start', id: 'r', model: 'm' },
        { type: 'block_start', index: 0, block: { kind: 'thinking', summary: false } },
        { type: 'thinking_delta', index: 0, text: 'raw' },
        { type: 'block_stop', index: 0 },
        { type: 'finish', stopReason: 'end_turn' },
      ]),
    )
    expect(data.map((d) => d.type)).toContain('response.reasoning_text.delta')
    const item = data.find((d) => d.type === 'response.output_item.done')?.item
    expect(item).toMatchObject({ summary: [], content: [{ type: 'reasoning_text', text: 'raw' }] })
  })
})
