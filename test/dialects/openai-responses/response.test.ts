import { describe, expect, test } from 'bun:test'
import { wrapSignature } from '../../../src/dialects/common/provenance.ts'
import { hintsOf } from '../../../src/dialects/common/round-trip.ts'
import type { Response, StopReason } from '../../../src/dialects/ir.ts'
import {
  decodeRequest,
  decodeResponse,
  encodeResponse,
} from '../../../src/dialects/openai-responses/index.ts'
import type { Hints } from '../../../src/dialects/openai-responses/types.ts'
import { fixtureJson, maskIds } from './support.ts'

const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>
const masked = (v: unknown) => JSON.parse(maskIds(JSON.stringify(v))) as Record<string, unknown>

describe('same-dialect round trip is identity', () => {
  for (const name of [
    'response-tool-calls.json',
    'response-text.json',
    'response-incomplete.json',
    'response-failed.json',
    'response-web-search.json',
  ]) {
    test(name, () => {
      const body = fixtureJson(name)
      expect(json(encodeResponse(decodeResponse(body)))).toEqual(body)
    })
  }
})

describe('decodeResponse', () => {
  test('reasoning, text and parallel calls into the exact IR', () => {
    const codex = { dialect: 'openai-responses', provider: 'codex', model: 'gpt-5' } as const
    const body = fixtureJson('response-tool-calls.json')
    expect(decodeResponse(body, { provenance: codex })).toEqual({
      source: 'openai-responses',
      id: 'resp_68a1c0ffee',
      model: 'gpt-5-2025-08-07',
      created: 1741476542,
      content: [
        {
          type: 'thinking',
          text: '**Checking tools**\n\nThe user wants weather and time.',
          summary: true,
          itemId: 'rs_68a1c0ffee02',
          provenance: codex,
          extra: { 'openai-responses': { reasoning: {} } },
        },
        {
          type: 'thinking',
          text: 'Call both in parallel.',
          summary: true,
          itemId: 'rs_68a1c0ffee02',
          provenance: codex,
          encrypted: 'gAAAAABoqdKx3f9Zr0WJ-encrypted-reasoning-blob_1w==',
        },
        {
          type: 'text',
          text: 'Let me check both.',
          extra: {
            'openai-responses': {
              message: {
                fields: { id: 'msg_68a1c0ffee03', type: 'message', status: 'completed', role: 'assistant' },
              },
              fields: { annotations: [], logprobs: [] },
            },
          },
        },
        {
          type: 'tool_call',
          id: 'call_Wx1',
          name: 'get_weather',
          arguments: '{"city":"Paris"}',
          itemId: 'fc_68a1c0ffee04',
          extra: { 'openai-responses': { fields: { status: 'completed' } } },
        },
        {
          type: 'tool_call',
          id: 'call_Tm2',
          name: 'get_time',
          arguments: '{"city":"Paris"}',
          itemId: 'fc_68a1c0ffee05',
          extra: { 'openai-responses': { fields: { status: 'completed' } } },
        },
      ],
      stopReason: 'tool_use',
      rawStopReason: 'completed',
      // input_tokens includes the cached ones; the IR's does not.
      usage: { inputTokens: 176, outputTokens: 180, cacheReadTokens: 1024, reasoningTokens: 128 },
      extra: {
        'openai-responses': {
          fields: {
            background: false,
            instructions: 'You are a helpful assistant.',
            max_output_tokens: null,
            parallel_tool_calls: true,
            previous_response_id: null,
            reasoning: { effort: 'medium', summary: 'auto' },
            store: false,
            temperature: 1,
            text: { format: { type: 'text' }, verbosity: 'medium' },
            tool_choice: 'auto',
            tools: (body.tools as unknown[]).slice(),
            top_p: 1,
            truncation: 'disabled',
            user: null,
            metadata: {},
          },
        },
      },
    })
  })

  test('annotations become citations; cache writes are counted apart', () => {
    const text = decodeResponse(fixtureJson('response-text.json'))
    expect(text.content[0]).toMatchObject({
      type: 'text',
      text: 'Paris is the capital of France [1].',
      citations: [{ type: 'url_citation', url: 'https://en.wikipedia.org/wiki/Paris' }],
    })
    expect(text.stopReason).toBe('end_turn')
    const ws = decodeResponse(fixtureJson('response-web-search.json'))
    expect(ws.usage).toEqual({
      inputTokens: 500,
      outputTokens: 20,
      cacheReadTokens: 2000,
      cacheWriteTokens: 500,
      reasoningTokens: 0,
    })
    // The web_search_call item stays where it was, for this dialect only.
    expect(hintsOf<Hints>(ws.extra, 'openai-responses')?.outputItems).toEqual([
      {
        index: 0,
        item: {
          id: 'ws_01',
          type: 'web_search_call',
          status: 'completed',
          action: { type: 'search', query: 'bun 1.4 release' },
        },
      },
    ])
    expect(ws.content).toHaveLength(1)
  })

  test('incomplete and failed responses', () => {
    const inc = decodeResponse(fixtureJson('response-incomplete.json'))
    expect(inc.stopReason).toBe('max_tokens')
    expect(inc.rawStopReason).toBe('max_output_tokens')
    expect(inc.content).toEqual([
      {
        type: 'thinking',
        text: '',
        summary: true,
        itemId: 'rs_inc01',
        provenance: { dialect: 'openai-responses' },
        extra: { 'openai-responses': { reasoning: {} } },
      },
    ])
    const failed = decodeResponse(fixtureJson('response-failed.json'))
    expect(failed.stopReason).toBe('error')
    expect(hintsOf<Hints>(failed.extra, 'openai-responses')?.fields?.error).toEqual({
      code: 'server_error',
      message: 'The server had an error while processing your request.',
    })
  })
})

describe('encodeResponse from another dialect', () => {
  const claude = { dialect: 'anthropic-messages', provider: 'claude', model: 'claude-sonnet-4-5' } as const
  const res: Response = {
    source: 'anthropic-messages',
    id: 'msg_01XF',
    model: 'claude-sonnet-4-5',
    created: 1750000000,
    content: [
      { type: 'thinking', text: 'Let me think.', signature: 'EqQBsig', provenance: claude },
      { type: 'thinking', text: '', redacted: 'EmwKdata', provenance: claude },
      { type: 'text', text: 'Checking.', citations: [{ type: 'char_location', cited_text: 'x' }] },
      { type: 'tool_call', id: 'toolu_01A', name: 'get_weather', arguments: '' },
    ],
    stopReason: 'tool_use',
    rawStopReason: 'tool_use',
    usage: { inputTokens: 100, outputTokens: 50, cacheReadTokens: 20, cacheWriteTokens: 30 },
    extra: { type: 'message', role: 'assistant' },
  }

  test('encodes the exact response object, ids minted with the right prefixes', () => {
    expect(masked(encodeResponse(res))).toEqual({
      id: 'resp_msg_01XF',
      object: 'response',
      created_at: 1750000000,
      status: 'completed',
      error: null,
      incomplete_details: null,
      model: 'claude-sonnet-4-5',
      output: [
        {
          id: 'rs_*',
          type: 'reasoning',
          summary: [{ type: 'summary_text', text: 'Let me think.' }],
          encrypted_content: wrapSignature('EqQBsig', claude),
        },
        {
          id: 'rs_*',
          type: 'reasoning',
          summary: [],
          encrypted_content: wrapSignature('redacted:EmwKdata', claude),
        },
        {
          id: 'msg_*',
          type: 'message',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'Checking.', annotations: [] }],
        },
        {
          id: 'fc_*',
          type: 'function_call',
          status: 'completed',
          call_id: 'toolu_01A',
          name: 'get_weather',
          arguments: '{}',
        },
      ],
      usage: {
        input_tokens: 150,
        input_tokens_details: { cached_tokens: 20, cache_write_tokens: 30 },
        output_tokens: 50,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 200,
      },
    })
  })

  test('signature of another dialect survives a Responses client round trip (wrapped in encrypted_content)', () => {
    const out = encodeResponse(res).output as Record<string, unknown>[]
    // The client replays the output as input on its next turn.
    const req = decodeRequest({ model: 'm', input: [...out, { role: 'user', content: 'go on' }] })
    const parts = req.messages[0]!.content
    expect(parts[0]).toMatchObject({
      type: 'thinking',
      text: 'Let me think.',
      signature: 'EqQBsig',
      provenance: claude,
    })
    expect(parts[1]).toMatchObject({ type: 'thinking', redacted: 'EmwKdata', provenance: claude })
  })

  test('a signature without provenance of its own takes the provenance option', () => {
    const gemini = { dialect: 'gemini', provider: 'gemini-cli' } as const
    const out = encodeResponse(
      { ...res, content: [{ type: 'thinking', text: 't', signature: 'CiQB' }], stopReason: 'end_turn' },
      { provenance: gemini, model: 'alias-model' },
    )
    expect(out.model).toBe('alias-model')
    expect((out.output as Record<string, unknown>[])[0]?.encrypted_content).toBe(
      wrapSignature('CiQB', gemini),
    )
  })

  test('images cannot be response output and throw', () => {
    expect(() =>
      encodeResponse({
        ...res,
        content: [{ type: 'image', source: { kind: 'url', url: 'https://x/y.png' } }],
      }),
    ).toThrow()
  })

  const stops: [StopReason, string, Record<string, unknown> | null][] = [
    ['end_turn', 'completed', null],
    ['stop_sequence', 'completed', null],
    ['tool_use', 'completed', null],
    ['pause_turn', 'completed', null],
    ['max_tokens', 'incomplete', { reason: 'max_output_tokens' }],
    ['context_window_exceeded', 'incomplete', { reason: 'max_output_tokens' }],
    ['content_filter', 'incomplete', { reason: 'content_filter' }],
    ['refusal', 'incomplete', { reason: 'content_filter' }],
    ['other', 'completed', null],
  ]
  for (const [stopReason, status, details] of stops) {
    test(`stop reason ${stopReason} → ${status}`, () => {
      const out = encodeResponse({ ...res, stopReason, rawStopReason: 'weird' })
      expect(out.status).toBe(status)
      expect(out.incomplete_details).toEqual(details)
      expect(out.error).toBeNull()
    })
  }

  test('stop reason error → failed with an error object', () => {
    const out = encodeResponse({ ...res, stopReason: 'error' })
    expect(out.status).toBe('failed')
    expect(out.error).toMatchObject({ code: 'server_error' })
  })

  test('no usage → usage null', () => {
    const { usage: _, ...rest } = res
    expect(encodeResponse(rest).usage).toBeNull()
  })
})

describe('stop reasons decoded', () => {
  const cases: [Record<string, unknown>, StopReason, string | undefined][] = [
    [{ status: 'completed', output: [] }, 'end_turn', 'completed'],
    [
      { status: 'completed', output: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' }] },
      'tool_use',
      'completed',
    ],
    [
      { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [] },
      'max_tokens',
      'max_output_tokens',
    ],
    [
      { status: 'incomplete', incomplete_details: { reason: 'content_filter' }, output: [] },
      'content_filter',
      'content_filter',
    ],
    [{ status: 'failed', output: [] }, 'error', 'failed'],
    [{ status: 'cancelled', output: [] }, 'other', 'cancelled'],
  ]
  for (const [body, stop, raw] of cases) {
    test(`${String(body.status)} → ${stop}`, () => {
      const res = decodeResponse({ id: 'resp_1', model: 'm', ...body })
      expect(res.stopReason).toBe(stop)
      expect(res.rawStopReason).toBe(raw)
      // …and back to the same status.
      expect(encodeResponse(res).status).toBe(body.status)
    })
  }
})
