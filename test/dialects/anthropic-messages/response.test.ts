import { describe, expect, test } from 'bun:test'
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../src/dialects/anthropic-messages/index.ts'
import { unwrapSignature } from '../../../src/dialects/common/provenance.ts'
import { DialectError, type Response, type StopReason } from '../../../src/dialects/ir.ts'
import { fixtureJson, wire } from './helpers.ts'

const AM = 'anthropic-messages'

function foreign(over: Partial<Response>): Response {
  return {
    source: 'openai-chat',
    id: 'chatcmpl-1',
    model: 'gpt-5',
    content: [],
    stopReason: 'end_turn',
    ...over,
  }
}

describe('anthropic-messages response: same-dialect identity', () => {
  for (const name of [
    'response-text.json',
    'response-tool-use.json',
    'response-stop-sequence.json',
    'response-server-tool.json',
  ]) {
    test(`encodeResponse(decodeResponse(x)) deep-equals x: ${name}`, () => {
      const body = fixtureJson(name)
      expect(wire(encodeResponse(decodeResponse(body)))).toEqual(body)
    })
  }

  test('an unknown stop_reason survives as other + rawStopReason', () => {
    const body = { ...fixtureJson('response-text.json'), stop_reason: 'compaction_needed' }
    const res = decodeResponse(body)
    expect([res.stopReason, res.rawStopReason]).toEqual(['other', 'compaction_needed'])
    expect(wire(encodeResponse(res))).toEqual(body)
  })
})

describe('anthropic-messages response: decode to the exact IR', () => {
  test('thinking, redacted thinking, text, parallel tool calls, cache and reasoning usage', () => {
    const body = fixtureJson('response-tool-use.json')
    const blocks = body.content as Array<Record<string, string>>
    const prov = { dialect: AM, provider: 'claude', model: 'claude-opus-4-5-20251101' } as const
    expect(decodeResponse(body, { provenance: prov })).toEqual({
      source: AM,
      id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
      model: 'claude-opus-4-5-20251101',
      content: [
        {
          type: 'thinking',
          text: 'Two cities: call get_weather for each, in parallel.',
          signature: blocks[0]!.signature,
          provenance: prov,
        },
        { type: 'thinking', text: '', redacted: blocks[1]!.data, provenance: prov },
        { type: 'text', text: "I'll check both cities." },
        {
          type: 'tool_call',
          id: 'toolu_01A09q90qw90lq917835lq9',
          name: 'get_weather',
          arguments: '{"city":"Paris"}',
        },
        {
          type: 'tool_call',
          id: 'toolu_01B8Cz7tyhZ3kzKMrXtnE9sT',
          name: 'get_weather',
          arguments: '{"city":"Tokyo","days":[1,2],"detail":{"hourly":false}}',
        },
        { type: 'tool_call', id: 'toolu_01NoArgs000000000000000', name: 'list_cities', arguments: '{}' },
      ],
      stopReason: 'tool_use',
      usage: {
        inputTokens: 42,
        outputTokens: 187,
        cacheReadTokens: 1800,
        cacheWriteTokens: 300,
        cacheWrite5mTokens: 100,
        cacheWrite1hTokens: 200,
        reasoningTokens: 61,
        extra: {
          [AM]: {
            keys: [
              'input_tokens',
              'cache_creation_input_tokens',
              'cache_read_input_tokens',
              'cache_creation',
              'output_tokens',
              'output_tokens_details',
              'service_tier',
              'inference_geo',
            ],
            fields: { service_tier: 'standard', inference_geo: 'us' },
          },
        },
      },
    })
  })

  test('without opts.provenance, thinking is stamped as this dialect', () => {
    const res = decodeResponse(fixtureJson('response-tool-use.json'))
    expect(res.content[0]).toMatchObject({ type: 'thinking', provenance: { dialect: AM } })
  })

  test('stop_sequence carries its value', () => {
    const res = decodeResponse(fixtureJson('response-stop-sequence.json'))
    expect([res.stopReason, res.stopSequence]).toEqual(['stop_sequence', 'END'])
    expect(res.usage).toMatchObject({ inputTokens: 30, outputTokens: 7 })
    expect(res.usage?.cacheReadTokens).toBeUndefined()
  })

  test('an error envelope throws its DialectError', () => {
    try {
      decodeResponse({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })
      throw new Error('no throw')
    } catch (e) {
      expect(e).toBeInstanceOf(DialectError)
      expect((e as DialectError).info).toMatchObject({ kind: 'overloaded', message: 'Overloaded' })
    }
  })
})

describe('anthropic-messages response: encoding another dialect’s response', () => {
  test('text and tool calls, usage with repeated cache fields, stop reason', () => {
    const res = foreign({
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'text', text: '' },
        { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'tool_call', id: 'call_2', name: 'list', arguments: '' },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } },
      ],
      stopReason: 'tool_use',
      usage: {
        inputTokens: 100,
        outputTokens: 20,
        cacheReadTokens: 50,
        reasoningTokens: 5,
        extra: { openai: 1 },
      },
      extra: { system_fingerprint: 'fp_1' },
    })
    expect(wire(encodeResponse(res, { model: 'claude-alias' }))).toEqual({
      id: 'chatcmpl-1',
      type: 'message',
      role: 'assistant',
      model: 'claude-alias',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'list', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 100,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 50,
        output_tokens: 20,
        output_tokens_details: { thinking_tokens: 5 },
      },
    })
  })

  test('usage with the 5m/1h cache write breakdown', () => {
    const body = encodeResponse(
      foreign({
        usage: {
          inputTokens: 1,
          outputTokens: 2,
          cacheWriteTokens: 30,
          cacheWrite5mTokens: 10,
          cacheWrite1hTokens: 20,
        },
      }),
    )
    expect(body.usage).toEqual({
      input_tokens: 1,
      cache_creation_input_tokens: 30,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 },
      output_tokens: 2,
    })
  })

  test('foreign thinking gets a wrapped signature (an empty one when it had none) and is dropped on the way back', () => {
    const res = foreign({
      source: 'gemini',
      content: [
        {
          type: 'thinking',
          text: 'gemini thought',
          signature: 'CiQBdGhvdWdodA==',
          provenance: { dialect: 'gemini', provider: 'gemini-cli' },
        },
        { type: 'thinking', text: 'chat reasoning' },
        {
          type: 'thinking',
          text: 'responses summary',
          summary: true,
          encrypted: 'gAAAAAB',
          provenance: { dialect: 'openai-responses' },
        },
        { type: 'text', text: 'answer' },
      ],
    })
    const body = encodeResponse(res)
    const blocks = body.content as Array<{ type: string; thinking: string; signature: string }>
    expect(blocks.map((b) => b.type)).toEqual(['thinking', 'thinking', 'thinking', 'text'])
    expect(unwrapSignature(blocks[0]!.signature, AM)).toEqual({
      signature: 'CiQBdGhvdWdodA==',
      provenance: { dialect: 'gemini', provider: 'gemini-cli' },
    })
    // No provenance of its own: the response's source dialect.
    expect(unwrapSignature(blocks[1]!.signature, AM)).toEqual({
      signature: '',
      provenance: { dialect: 'gemini' },
    })
    expect(unwrapSignature(blocks[2]!.signature, AM)).toEqual({
      signature: 'gAAAAAB',
      provenance: { dialect: 'openai-responses' },
    })

    // The client sends the turn back: nothing foreign reaches Anthropic.
    const next = decodeRequest({
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: body.content },
        { role: 'user', content: 'more' },
      ],
    })
    const assistant = (encodeRequest(next).messages as Array<{ content: unknown }>)[1]!.content
    expect(assistant).toEqual([{ type: 'text', text: 'answer' }])
  })

  test('native thinking keeps its signature unwrapped', () => {
    const body = encodeResponse(
      foreign({
        source: AM,
        content: [
          { type: 'thinking', text: 't', signature: 'EqQB', provenance: { dialect: AM, provider: 'claude' } },
        ],
      }),
    )
    expect(body.content).toEqual([{ type: 'thinking', thinking: 't', signature: 'EqQB' }])
  })

  test('stop reasons: the IR → wire table', () => {
    const table: Array<[StopReason, string]> = [
      ['end_turn', 'end_turn'],
      ['max_tokens', 'max_tokens'],
      ['stop_sequence', 'stop_sequence'],
      ['tool_use', 'tool_use'],
      ['pause_turn', 'pause_turn'],
      ['refusal', 'refusal'],
      ['context_window_exceeded', 'model_context_window_exceeded'],
      ['content_filter', 'refusal'],
      ['error', 'end_turn'],
      ['other', 'end_turn'],
    ]
    for (const [ir, out] of table) expect(encodeResponse(foreign({ stopReason: ir })).stop_reason).toBe(out)
    expect(encodeResponse(foreign({ stopReason: 'stop_sequence', stopSequence: '###' })).stop_sequence).toBe(
      '###',
    )
  })

  test('stop reasons: the wire → IR table', () => {
    const table: Array<[string, StopReason]> = [
      ['end_turn', 'end_turn'],
      ['max_tokens', 'max_tokens'],
      ['stop_sequence', 'stop_sequence'],
      ['tool_use', 'tool_use'],
      ['pause_turn', 'pause_turn'],
      ['refusal', 'refusal'],
      ['model_context_window_exceeded', 'context_window_exceeded'],
    ]
    const base = fixtureJson('response-text.json')
    for (const [raw, ir] of table) {
      const res = decodeResponse({ ...base, stop_reason: raw })
      expect([res.stopReason, res.rawStopReason]).toEqual([ir, undefined])
    }
  })

  test('end_turn with tool calls from another dialect becomes tool_use (Gemini reports STOP)', () => {
    const res = foreign({
      source: 'gemini',
      content: [{ type: 'tool_call', id: 'g1', name: 'f', arguments: '{}' }],
      stopReason: 'end_turn',
    })
    expect(encodeResponse(res).stop_reason).toBe('tool_use')
  })

  test('a response without usage still has the required usage object', () => {
    expect(encodeResponse(foreign({})).usage).toEqual({
      input_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 0,
    })
  })
})
