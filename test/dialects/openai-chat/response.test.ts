import { describe, expect, test } from 'bun:test'
import { unwrapSignature } from '../../../src/dialects/common/provenance.ts'
import { DialectError, type Response, type StopReason } from '../../../src/dialects/ir.ts'
import { decodeRequest, decodeResponse, encodeResponse } from '../../../src/dialects/openai-chat/index.ts'
import type { Hints } from '../../../src/dialects/openai-chat/types.ts'
import { fixtureNames, json, readJson } from './util.ts'

/** A response as the Anthropic decoder would hand it over. */
function anthropic(more: Partial<Response>): Response {
  return {
    source: 'anthropic-messages',
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    model: 'claude-sonnet-4-5',
    created: 1735689600,
    content: [],
    stopReason: 'end_turn',
    ...more,
  }
}

describe('response identity', () => {
  for (const name of fixtureNames('response-', '.json')) {
    test(`${name}: encodeResponse(decodeResponse(x)) deep-equals x`, () => {
      const body = readJson(name)
      expect(json(encodeResponse(json(decodeResponse(json(body)))))).toEqual(body)
    })
  }
})

describe('decodeResponse', () => {
  test('maps usage: input excludes the cached share, reasoning is part of output', () => {
    const res = decodeResponse(readJson('response-text.json'))
    expect(res).toEqual({
      source: 'openai-chat',
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      model: 'gpt-4.1-2025-04-14',
      created: 1741569952,
      content: [{ type: 'text', text: 'Hello! How can I assist you today?' }],
      stopReason: 'end_turn',
      usage: {
        inputTokens: 86,
        outputTokens: 310,
        cacheReadTokens: 1920,
        reasoningTokens: 256,
        extra: {
          'openai-chat': {
            promptDetails: { audio_tokens: 0 },
            completionDetails: {
              audio_tokens: 0,
              accepted_prediction_tokens: 0,
              rejected_prediction_tokens: 0,
            },
          },
        },
      },
      extra: {
        'openai-chat': {
          fields: { service_tier: 'default', system_fingerprint: 'fp_3f58d112f7' },
          message: { content: 'string', fields: { refusal: null, annotations: [] } },
          choice: { logprobs: null },
        },
      },
    })
  })

  test('reads parallel tool calls with content null and no text part', () => {
    const res = decodeResponse(readJson('response-tools.json'))
    expect(res.content).toEqual([
      { type: 'tool_call', id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'tool_call', id: 'call_b', name: 'get_time', arguments: '{}' },
    ])
    expect(res.stopReason).toBe('tool_use')
    expect(res.usage).toEqual({ inputTokens: 82, outputTokens: 41 })
  })

  test('stamps thinking with the upstream provenance when given, else openai-chat', () => {
    const body = readJson('response-thinking.json')
    const thinking = {
      type: 'thinking' as const,
      text: '17 * 23: 17 * 20 = 340, plus 51 is 391.',
      signature: 'EqQBCkYIBxgCKkDsig3f1x/aB==',
    }
    expect(decodeResponse(json(body)).content[0]).toEqual({
      ...thinking,
      provenance: { dialect: 'openai-chat' },
    })
    const prov = { dialect: 'openai-chat' as const, provider: 'kimi', model: 'kimi-k2' }
    expect(decodeResponse(json(body), { provenance: prov }).content[0]).toEqual({
      ...thinking,
      provenance: prov,
    })
    const res = decodeResponse(json(body))
    expect(res.stopReason).toBe('max_tokens')
    expect(res.usage).toEqual({
      inputTokens: 40,
      outputTokens: 120,
      reasoningTokens: 100,
      extra: { 'openai-chat': { completionDetails: {} } },
    })
  })

  test('reads a refusal as text and content_filter', () => {
    const res = decodeResponse(readJson('response-refusal.json'))
    expect(res.content).toEqual([
      { type: 'text', text: "I can't help with that.", extra: { 'openai-chat': { refusal: true } } },
    ])
    expect(res.stopReason).toBe('content_filter')
  })

  test('decodes choice 0 of an n > 1 response and keeps the rest for Chat', () => {
    const res = decodeResponse(readJson('response-n2.json'))
    expect(res.content).toEqual([{ type: 'text', text: 'Heads.' }])
    expect((res.extra?.['openai-chat'] as Hints | undefined)?.choices).toEqual([
      { index: 1, message: { role: 'assistant', content: 'Tails.' }, logprobs: null, finish_reason: 'stop' },
    ])
    // another dialect's encoder sees only choice 0
    expect(encodeResponse({ ...res, source: 'gemini' }).choices).toHaveLength(1)
  })

  test('maps finish reasons, keeping the raw value only when the IR folds it', () => {
    const finish = (f: string) => {
      const r = decodeResponse({
        id: 'x',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'a' }, finish_reason: f }],
      })
      return [r.stopReason, r.rawStopReason]
    }
    expect(finish('stop')).toEqual(['end_turn', undefined])
    expect(finish('length')).toEqual(['max_tokens', undefined])
    expect(finish('tool_calls')).toEqual(['tool_use', undefined])
    expect(finish('content_filter')).toEqual(['content_filter', undefined])
    expect(finish('function_call')).toEqual(['tool_use', 'function_call'])
    expect(finish('insufficient_system_resource')).toEqual(['other', 'insufficient_system_resource'])
  })

  test('an error body given as a response throws DialectError with its kind', () => {
    const err = (() => {
      try {
        decodeResponse({
          error: {
            message: 'Rate limit reached',
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
        })
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(DialectError)
    expect((err as DialectError).info).toEqual({ kind: 'rate_limit', message: 'Rate limit reached' })
    expect(() => decodeResponse({ id: 'x' })).toThrow(DialectError)
    expect(() => decodeResponse('nope')).toThrow(DialectError)
  })
})

describe('encodeResponse from another dialect', () => {
  test('writes thinking, text and tool calls with usage prompt = input + cache read + cache write', () => {
    const out = encodeResponse(
      anthropic({
        content: [
          {
            type: 'thinking',
            text: 'Need the weather.',
            signature: 'ErUBCkYIAxgC',
            provenance: { dialect: 'anthropic-messages', provider: 'claude', model: 'claude-sonnet-4-5' },
          },
          { type: 'text', text: 'Let me check. ' },
          { type: 'tool_call', id: 'toolu_01A', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'tool_call', id: 'toolu_01B', name: 'get_time', arguments: '' },
        ],
        stopReason: 'tool_use',
        usage: {
          inputTokens: 10,
          cacheReadTokens: 2000,
          cacheWriteTokens: 500,
          outputTokens: 80,
          extra: { service_tier: 'standard' },
        },
        extra: { container: null },
      }),
    )
    const message = (out.choices as { message: Record<string, unknown> }[])[0]?.message
    const sig = message?.reasoning_signature as string
    expect(out).toEqual({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      created: 1735689600,
      model: 'claude-sonnet-4-5',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Let me check. ',
            reasoning_content: 'Need the weather.',
            reasoning_signature: sig,
            tool_calls: [
              {
                id: 'toolu_01A',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
              { id: 'toolu_01B', type: 'function', function: { name: 'get_time', arguments: '{}' } },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 2510,
        completion_tokens: 80,
        total_tokens: 2590,
        prompt_tokens_details: { cached_tokens: 2000 },
      },
    })
    // the Anthropic signature is wrapped so it can be recognised when the client sends it back
    expect(unwrapSignature(sig, 'openai-chat')).toEqual({
      signature: 'ErUBCkYIAxgC',
      provenance: { dialect: 'anthropic-messages', provider: 'claude', model: 'claude-sonnet-4-5' },
    })
  })

  test('regression: a wrapped signature sent back by the client regains its Anthropic provenance', () => {
    const out = encodeResponse(
      anthropic({
        content: [
          { type: 'thinking', text: 't', signature: 'ErUB', provenance: { dialect: 'anthropic-messages' } },
          { type: 'text', text: 'ok' },
        ],
      }),
    )
    const message = (out.choices as { message: Record<string, unknown> }[])[0]?.message
    const req = decodeRequest({ model: 'm', messages: [{ role: 'user', content: 'q' }, message] })
    expect(req.messages[1]?.content[0]).toEqual({
      type: 'thinking',
      text: 't',
      signature: 'ErUB',
      provenance: { dialect: 'anthropic-messages' },
    })
  })

  test('stamps opts.provenance on signatures that carry none', () => {
    const out = encodeResponse(anthropic({ content: [{ type: 'thinking', text: 't', signature: 'S' }] }), {
      provenance: { dialect: 'gemini', provider: 'antigravity' },
      model: 'shown-model',
    })
    const message = (out.choices as { message: Record<string, unknown> }[])[0]?.message
    expect(out.model).toBe('shown-model')
    expect(unwrapSignature(message?.reasoning_signature as string, 'openai-chat').provenance).toEqual({
      dialect: 'gemini',
      provider: 'antigravity',
    })
    expect(message?.content).toBe('')
  })

  test('omits tool_calls when there are none, and shows only the text of redacted or encrypted thinking', () => {
    const out = encodeResponse(
      anthropic({
        content: [
          { type: 'thinking', text: '', redacted: 'EmwKAhgB', provenance: { dialect: 'anthropic-messages' } },
          {
            type: 'thinking',
            text: 'Summary.',
            encrypted: 'gAAAA',
            summary: true,
            provenance: { dialect: 'openai-responses' },
          },
          { type: 'text', text: 'Hi' },
        ],
      }),
    )
    expect((out.choices as unknown[])[0]).toEqual({
      index: 0,
      message: { role: 'assistant', content: 'Hi', reasoning_content: 'Summary.' },
      logprobs: null,
      finish_reason: 'stop',
    })
  })

  test('maps every IR stop reason to a Chat finish_reason', () => {
    const table: Record<StopReason, string> = {
      end_turn: 'stop',
      stop_sequence: 'stop',
      pause_turn: 'stop',
      max_tokens: 'length',
      context_window_exceeded: 'length',
      tool_use: 'tool_calls',
      content_filter: 'content_filter',
      refusal: 'content_filter',
      error: 'stop',
      other: 'stop',
    }
    for (const [stop, finish] of Object.entries(table)) {
      const out = encodeResponse(
        anthropic({ stopReason: stop as StopReason, rawStopReason: 'model_context_window_exceeded' }),
      )
      expect([stop, (out.choices as { finish_reason: string }[])[0]?.finish_reason]).toEqual([stop, finish])
    }
  })

  test('writes reasoning tokens and a Gemini thought signature on a tool call', () => {
    const out = encodeResponse({
      source: 'gemini',
      id: 'resp-1',
      model: 'gemini-3-pro',
      created: 1,
      content: [
        {
          type: 'tool_call',
          id: 'call_x',
          name: 'f',
          arguments: '{}',
          thoughtSignature: 'CiQB',
          provenance: { dialect: 'gemini' },
        },
      ],
      stopReason: 'tool_use',
      usage: { inputTokens: 5, outputTokens: 30, reasoningTokens: 20 },
    })
    const choice = (
      out.choices as {
        message: { tool_calls: { extra_content: { google: { thought_signature: string } } }[] }
      }[]
    )[0]
    const sig = choice?.message.tool_calls[0]?.extra_content.google.thought_signature as string
    expect(unwrapSignature(sig, 'openai-chat')).toEqual({
      signature: 'CiQB',
      provenance: { dialect: 'gemini' },
    })
    expect(out.usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: 30,
      total_tokens: 35,
      completion_tokens_details: { reasoning_tokens: 20 },
    })
  })
})
