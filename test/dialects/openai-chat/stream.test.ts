import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { unwrapSignature, wrapSignature } from '../../../src/dialects/common/provenance.ts'
import type { StreamEvent } from '../../../src/dialects/ir.ts'
import { decodeChunks, encodeEvents, fixtureNames, readBytes, reencode, split, sse } from './util.ts'

/** Fixtures recorded with `stream_options.include_usage` (their chunks carry `"usage":null`). */
const WITH_USAGE = new Set(['stream-text.sse', 'stream-thinking.sse'])

const HEAD = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":['
const chunk = (delta: string, finish: string | null = null) =>
  `${HEAD}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}`

describe('stream identity', () => {
  for (const name of fixtureNames('stream-', '.sse')) {
    test(`${name}: encodeStream(decodeStream(bytes)) is byte-equal`, async () => {
      const bytes = readBytes(name)
      expect(await reencode(bytes, { includeUsage: WITH_USAGE.has(name) })).toBe(
        new TextDecoder().decode(bytes),
      )
    })
  }
})

describe('stream splitting', () => {
  for (const name of fixtureNames('stream-', '.sse')) {
    test(`${name}: every byte offset gives the same IR events`, async () => {
      const bytes = readBytes(name)
      const whole = await decodeChunks([bytes])
      expect(whole.length).toBeGreaterThan(3)
      for (let i = 1; i < bytes.length; i++) expect(await decodeChunks(split(bytes, [i]))).toEqual(whole)
    })
  }

  test('random multi-way splits of every fixture give the same IR events', async () => {
    const fixtures = await Promise.all(
      fixtureNames('stream-', '.sse').map(async (n) => ({
        bytes: readBytes(n),
        whole: await decodeChunks([readBytes(n)]),
      })),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: fixtures.length - 1 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (k, raw) => {
          const f = fixtures[k]!
          const cuts = [...new Set(raw.map((c) => c % f.bytes.length))]
            .filter((c) => c > 0)
            .sort((a, b) => a - b)
          expect(await decodeChunks(split(f.bytes, cuts))).toEqual(f.whole)
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('decodeStream', () => {
  test('reads thinking, its signature, text and final usage', async () => {
    expect(await decodeChunks([readBytes('stream-thinking.sse')])).toEqual([
      {
        type: 'start',
        id: 'chatcmpl-msg_01XFDUDYJgAACzvnptvVoYEL',
        model: 'claude-sonnet-4-5',
        extra: { 'openai-chat': { created: 'absent', logprobs: 'absent' } },
      },
      { type: 'block_start', index: 0, block: { kind: 'thinking', provenance: { dialect: 'openai-chat' } } },
      { type: 'thinking_delta', index: 0, text: 'The user wants 17 × 23.' },
      { type: 'thinking_delta', index: 0, text: ' 340 + 51 = 391.' },
      {
        type: 'signature',
        index: 0,
        signature: 'EqQBCkYIBxgCKkDsig3f1x/aB==',
        provenance: { dialect: 'openai-chat' },
      },
      { type: 'block_stop', index: 0 },
      { type: 'block_start', index: 1, block: { kind: 'text' } },
      { type: 'text_delta', index: 1, text: '391' },
      { type: 'block_stop', index: 1 },
      {
        type: 'finish',
        stopReason: 'end_turn',
        usage: {
          inputTokens: 40,
          outputTokens: 120,
          cacheReadTokens: 1500,
          reasoningTokens: 100,
          extra: { 'openai-chat': { promptDetails: {}, completionDetails: {} } },
        },
      },
    ])
  })

  test('stamps opts.provenance on thinking blocks and signatures', async () => {
    const prov = { dialect: 'openai-chat' as const, provider: 'kimi' }
    const events = await decodeChunks([readBytes('stream-thinking.sse')], { provenance: prov })
    expect(events[1]).toEqual({
      type: 'block_start',
      index: 0,
      block: { kind: 'thinking', provenance: prov },
    })
    expect(events[4]).toEqual({
      type: 'signature',
      index: 0,
      signature: 'EqQBCkYIBxgCKkDsig3f1x/aB==',
      provenance: prov,
    })
  })

  test('reads text with multi-byte characters and the usage chunk after the finish chunk', async () => {
    const events = await decodeChunks([readBytes('stream-text.sse')])
    expect(events.map((e) => e.type)).toEqual([
      'start',
      'block_start',
      'text_delta',
      'text_delta',
      'text_delta',
      'block_stop',
      'finish',
    ])
    expect(events[0]).toEqual({
      type: 'start',
      id: 'chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2',
      model: 'gpt-4o-2024-08-06',
      created: 1738960610,
      extra: { 'openai-chat': { fields: { service_tier: 'default', system_fingerprint: 'fp_4691090a87' } } },
    })
    expect(
      events
        .filter((e) => e.type === 'text_delta')
        .map((e) => (e as { text: string }).text)
        .join(''),
    ).toBe('Hello, 世界 👋 — café.')
    expect(events[6]).toEqual({
      type: 'finish',
      stopReason: 'end_turn',
      usage: {
        inputTokens: 86,
        outputTokens: 300,
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
    })
  })

  test('regression: keeps tool-call argument order across interleaved indexes', async () => {
    const events = await decodeChunks([readBytes('stream-tools.sse')])
    expect(events.slice(1)).toEqual([
      { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 'call_a', name: 'get_weather' } },
      { type: 'tool_args_delta', index: 0, delta: '{"city":' },
      { type: 'block_start', index: 1, block: { kind: 'tool_call', id: 'call_b', name: 'get_time' } },
      { type: 'tool_args_delta', index: 0, delta: '"Paris"}' },
      { type: 'tool_args_delta', index: 1, delta: '{}' },
      { type: 'block_stop', index: 0 },
      { type: 'block_stop', index: 1 },
      { type: 'finish', stopReason: 'tool_use' },
    ])
  })

  test('reads OpenAI framing: role with the first tool call, refusal null, arguments in the first fragment', async () => {
    const events = await decodeChunks([
      sse([
        chunk(
          '{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\\"a\\""}}],"refusal":null}',
        ),
        chunk('{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}'),
        chunk('{}', 'tool_calls'),
        '[DONE]',
      ]),
    ])
    expect(events.slice(1)).toEqual([
      { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 'call_1', name: 'f' } },
      { type: 'tool_args_delta', index: 0, delta: '{"a"' },
      { type: 'tool_args_delta', index: 0, delta: ':1}' },
      { type: 'block_stop', index: 0 },
      { type: 'finish', stopReason: 'tool_use' },
    ])
  })

  test('gives text before tool calls its own block, and tool calls their own indexes after it', async () => {
    const events = await decodeChunks([
      sse([
        chunk('{"role":"assistant","content":"Let me "}'),
        chunk('{"content":"check."}'),
        chunk(
          '{"tool_calls":[{"index":0,"id":"c0","type":"function","function":{"name":"a","arguments":""}},{"index":1,"id":"c1","type":"function","function":{"name":"b","arguments":"{}"}}]}',
        ),
        chunk('{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}'),
        chunk('{}', 'tool_calls'),
        '[DONE]',
      ]),
    ])
    expect(events.slice(1)).toEqual([
      { type: 'block_start', index: 0, block: { kind: 'text' } },
      { type: 'text_delta', index: 0, text: 'Let me ' },
      { type: 'text_delta', index: 0, text: 'check.' },
      { type: 'block_stop', index: 0 },
      { type: 'block_start', index: 1, block: { kind: 'tool_call', id: 'c0', name: 'a' } },
      { type: 'block_start', index: 2, block: { kind: 'tool_call', id: 'c1', name: 'b' } },
      { type: 'tool_args_delta', index: 2, delta: '{}' },
      { type: 'tool_args_delta', index: 1, delta: '{}' },
      { type: 'block_stop', index: 1 },
      { type: 'block_stop', index: 2 },
      { type: 'finish', stopReason: 'tool_use' },
    ])
  })

  test('follows vendors that send tool fragments without an index', async () => {
    const events = await decodeChunks([
      sse([
        chunk(
          '{"tool_calls":[{"id":"g1","type":"function","function":{"name":"a","arguments":"{\\"x\\":"}}]}',
        ),
        chunk('{"tool_calls":[{"function":{"arguments":"1}"}}]}'),
        chunk('{"tool_calls":[{"id":"g2","type":"function","function":{"name":"b","arguments":"{}"}}]}'),
        chunk('{}', 'tool_calls'),
        '[DONE]',
      ]),
    ])
    expect(events.filter((e) => e.type === 'tool_args_delta')).toEqual([
      { type: 'tool_args_delta', index: 0, delta: '{"x":' },
      { type: 'tool_args_delta', index: 0, delta: '1}' },
      { type: 'tool_args_delta', index: 1, delta: '{}' },
    ])
  })

  test('mints an id for a tool call that arrives without one', async () => {
    const events = await decodeChunks([
      sse([
        chunk('{"tool_calls":[{"index":0,"function":{"name":"a","arguments":"{}"}}]}'),
        chunk('{}', 'tool_calls'),
        '[DONE]',
      ]),
    ])
    const start = events[1] as { block: { id: string } }
    expect(start.block.id).toMatch(/^call_[A-Za-z0-9]{24}$/)
  })

  test('regression: a streamed tool call that never gets argument text ends with "{}"', async () => {
    const events = await decodeChunks([
      sse([
        chunk(
          '{"tool_calls":[{"index":0,"id":"c0","type":"function","function":{"name":"now","arguments":""}}]}',
        ),
        chunk('{}', 'tool_calls'),
        '[DONE]',
      ]),
    ])
    expect(events.slice(1)).toEqual([
      { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 'c0', name: 'now' } },
      { type: 'tool_args_delta', index: 0, delta: '{}' },
      { type: 'block_stop', index: 0 },
      { type: 'finish', stopReason: 'tool_use' },
    ])
  })

  test('regression: usage:null and all-zero placeholders never replace the last real usage', async () => {
    const usage = (p: number, c: number) =>
      `{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":${p},"completion_tokens":${c},"total_tokens":${p + c}}}`
    const events = await decodeChunks([
      sse([
        `${HEAD.replace('"choices":[', '"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}],"usage":null}')}`,
        usage(0, 0),
        chunk('{}', 'stop'),
        usage(12, 3),
        usage(0, 0),
        `{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":null}`,
        '[DONE]',
      ]),
    ])
    expect(events.at(-1)).toEqual({
      type: 'finish',
      stopReason: 'end_turn',
      usage: { inputTokens: 12, outputTokens: 3 },
    })
  })

  test('an error mid-stream becomes an error event and nothing follows it', async () => {
    const events = await decodeChunks([readBytes('stream-error.sse')])
    expect(events.slice(1)).toEqual([
      { type: 'block_start', index: 0, block: { kind: 'text' } },
      { type: 'text_delta', index: 0, text: 'Partial an' },
      {
        type: 'error',
        error: {
          kind: 'api_error',
          message: 'The server had an error while processing your request. Sorry about that!',
        },
      },
    ])
    const after = await decodeChunks([
      sse([
        chunk('{"content":"a"}'),
        '{"error":{"message":"Rate limit","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}',
        chunk('{"content":"b"}'),
        '[DONE]',
      ]),
    ])
    expect(after.at(-1)).toEqual({
      type: 'error',
      error: { kind: 'rate_limit', message: 'Rate limit', code: 'rate_limit_exceeded' },
    })
    expect(after.filter((e) => e.type === 'text_delta')).toHaveLength(1)
  })

  test('regression: bytes that stop before any finish or [DONE] end with an error, not a silent finish', async () => {
    const events = await decodeChunks([sse([chunk('{"content":"trunc"}')])])
    expect(events.at(-1)).toEqual({
      type: 'error',
      error: { kind: 'api_error', message: 'upstream stream ended before a finish_reason or [DONE]' },
    })
  })

  test('a finish chunk without [DONE], or [DONE] without a finish chunk, still finishes', async () => {
    const noDone = await decodeChunks([sse([chunk('{"content":"a"}'), chunk('{}', 'length')])])
    expect(noDone.at(-1)).toEqual({ type: 'finish', stopReason: 'max_tokens' })
    const noFinish = await decodeChunks([sse([chunk('{"content":"a"}'), '[DONE]'])])
    expect(noFinish.at(-1)).toEqual({ type: 'finish', stopReason: 'end_turn' })
  })

  test('reads reasoning spelled `reasoning`, refusals as text, and ignores choices other than 0', async () => {
    const events = await decodeChunks([
      sse([
        chunk('{"reasoning":"hmm"}'),
        `${HEAD}{"index":1,"delta":{"content":"other choice"},"finish_reason":null}]}`,
        chunk('{"refusal":"No."}'),
        chunk('{}', 'content_filter'),
        '[DONE]',
      ]),
    ])
    expect(events.slice(1)).toEqual([
      { type: 'block_start', index: 0, block: { kind: 'thinking', provenance: { dialect: 'openai-chat' } } },
      { type: 'thinking_delta', index: 0, text: 'hmm' },
      { type: 'block_stop', index: 0 },
      { type: 'block_start', index: 1, block: { kind: 'text' } },
      { type: 'text_delta', index: 1, text: 'No.' },
      { type: 'block_stop', index: 1 },
      { type: 'finish', stopReason: 'content_filter' },
    ])
  })

  test('unwraps a gateway-wrapped signature and a Gemini thought signature on a tool call', async () => {
    const wrapped = wrapSignature('ErUB', { dialect: 'anthropic-messages', provider: 'claude' })
    const events = await decodeChunks([
      sse([
        chunk(`{"reasoning_signature":"${wrapped}"}`),
        chunk(
          '{"tool_calls":[{"index":0,"id":"c","type":"function","function":{"name":"f","arguments":"{}"},"extra_content":{"google":{"thought_signature":"CiQB"}}}]}',
        ),
        chunk('{}', 'tool_calls'),
        '[DONE]',
      ]),
    ])
    expect(events[2]).toEqual({
      type: 'signature',
      index: 0,
      signature: 'ErUB',
      provenance: { dialect: 'anthropic-messages', provider: 'claude' },
    })
    expect(events[4]).toEqual({
      type: 'block_start',
      index: 1,
      block: {
        kind: 'tool_call',
        id: 'c',
        name: 'f',
        thoughtSignature: 'CiQB',
        provenance: { dialect: 'openai-chat' },
      },
    })
  })
})

describe('encodeStream from another dialect', () => {
  /** An Anthropic-shaped event sequence: thinking, text, two tool calls with interleaved arguments. */
  const anthropicEvents: StreamEvent[] = [
    {
      type: 'start',
      id: 'msg_01',
      model: 'claude-sonnet-4-5',
      created: 1700000000,
      usage: { inputTokens: 10, outputTokens: 1 },
      extra: { 'anthropic-messages': { container: null } },
    },
    {
      type: 'block_start',
      index: 0,
      block: { kind: 'thinking', provenance: { dialect: 'anthropic-messages', provider: 'claude' } },
    },
    { type: 'thinking_delta', index: 0, text: 'Plan.' },
    { type: 'signature', index: 0, signature: 'ErUB' },
    { type: 'block_stop', index: 0 },
    { type: 'ping' },
    { type: 'block_start', index: 1, block: { kind: 'text' } },
    { type: 'text_delta', index: 1, text: 'Calling "tools".\n' },
    { type: 'block_stop', index: 1 },
    { type: 'block_start', index: 2, block: { kind: 'tool_call', id: 'toolu_A', name: 'read' } },
    { type: 'block_start', index: 3, block: { kind: 'tool_call', id: 'toolu_B', name: 'ls' } },
    { type: 'tool_args_delta', index: 2, delta: '{"p":' },
    { type: 'tool_args_delta', index: 3, delta: '{}' },
    { type: 'tool_args_delta', index: 2, delta: '"a"}' },
    { type: 'block_stop', index: 2 },
    { type: 'block_stop', index: 3 },
    {
      type: 'finish',
      stopReason: 'tool_use',
      rawStopReason: 'tool_use',
      usage: { inputTokens: 10, cacheReadTokens: 100, cacheWriteTokens: 5, outputTokens: 42 },
    },
  ]
  const head =
    '{"id":"msg_01","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5","choices":['

  test('writes the Chat framing, with tool indexes 0 and 1 for IR blocks 2 and 3', async () => {
    const out = await encodeEvents(anthropicEvents, { includeUsage: true })
    const sig = wrapSignature('ErUB', { dialect: 'anthropic-messages', provider: 'claude' })
    const c = (delta: string, finish = 'null') =>
      `data: ${head}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}],"usage":null}\n\n`
    expect(out).toBe(
      c('{"role":"assistant","content":""}') +
        c('{"reasoning_content":"Plan."}') +
        c(`{"reasoning_signature":"${sig}"}`) +
        c('{"content":"Calling \\"tools\\".\\n"}') +
        c(
          '{"tool_calls":[{"index":0,"id":"toolu_A","type":"function","function":{"name":"read","arguments":""}}]}',
        ) +
        c(
          '{"tool_calls":[{"index":1,"id":"toolu_B","type":"function","function":{"name":"ls","arguments":""}}]}',
        ) +
        c('{"tool_calls":[{"index":0,"function":{"arguments":"{\\"p\\":"}}]}') +
        c('{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]}') +
        c('{"tool_calls":[{"index":0,"function":{"arguments":"\\"a\\"}"}}]}') +
        c('{}', '"tool_calls"') +
        `data: ${head}],"usage":{"prompt_tokens":115,"completion_tokens":42,"total_tokens":157,"prompt_tokens_details":{"cached_tokens":100}}}\n\n` +
        'data: [DONE]\n\n',
    )
    expect(unwrapSignature(sig, 'openai-chat').provenance).toEqual({
      dialect: 'anthropic-messages',
      provider: 'claude',
    })
  })

  test('writes no usage chunk and no usage:null without includeUsage', async () => {
    const out = await encodeEvents(anthropicEvents)
    expect(out).not.toContain('"usage"')
    expect(
      out.endsWith(
        `data: ${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]}\n\ndata: [DONE]\n\n`,
      ),
    ).toBe(true)
  })

  test('every chunk parses and repeats id, object, created and model; opts.model wins', async () => {
    const out = await encodeEvents(anthropicEvents, { includeUsage: true, model: 'alias' })
    const chunks = out
      .split('\n\n')
      .filter((l) => l !== '' && l !== 'data: [DONE]')
      .map((l) => JSON.parse(l.slice(6)))
    expect(chunks).toHaveLength(11)
    for (const ch of chunks) {
      expect(ch.id).toBe('msg_01')
      expect(ch.object).toBe('chat.completion.chunk')
      expect(ch.created).toBe(1700000000)
      expect(ch.model).toBe('alias')
      expect(ch).not.toHaveProperty('container')
    }
  })

  test('an error event writes the Chat error envelope and ends without [DONE]', async () => {
    const out = await encodeEvents([
      { type: 'start', id: 'x', model: 'm', created: 1 },
      { type: 'block_start', index: 0, block: { kind: 'text' } },
      { type: 'text_delta', index: 0, text: 'a' },
      { type: 'error', error: { kind: 'overloaded', message: 'Overloaded', status: 529 } },
      { type: 'text_delta', index: 0, text: 'ignored' },
      { type: 'finish', stopReason: 'end_turn' },
    ])
    expect(out.split('\n\n').at(-2)).toBe(
      'data: {"error":{"message":"Overloaded","type":"server_error","param":null,"code":"server_is_overloaded"}}',
    )
    expect(out).not.toContain('[DONE]')
    expect(out).not.toContain('ignored')
  })

  test('writes a Gemini thought signature on a tool call as extra_content, wrapped', async () => {
    const out = await encodeEvents(
      [
        { type: 'start', id: 'g', model: 'gemini-3-pro', created: 2 },
        {
          type: 'block_start',
          index: 0,
          block: {
            kind: 'tool_call',
            id: 'call_g',
            name: 'f',
            thoughtSignature: 'CiQB',
            provenance: { dialect: 'gemini' },
          },
        },
        { type: 'tool_args_delta', index: 0, delta: '{}' },
        { type: 'block_start', index: 1, block: { kind: 'text' } },
        { type: 'signature', index: 1, signature: 'text-sig', provenance: { dialect: 'gemini' } },
        { type: 'encrypted_reasoning', index: 1, data: 'enc' },
        { type: 'finish', stopReason: 'tool_use' },
      ],
      {},
    )
    const sig = wrapSignature('CiQB', { dialect: 'gemini' })
    expect(out).toContain(`"extra_content":{"google":{"thought_signature":"${sig}"}}`)
    expect(out).not.toContain('text-sig')
    expect(out).not.toContain('enc')
  })

  test('regression: a tool call without argument deltas gets "{}" when it closes (or at finish)', async () => {
    const out = await encodeEvents([
      { type: 'start', id: 'e', model: 'm', created: 4 },
      { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 'a', name: 'now' } },
      { type: 'block_stop', index: 0 },
      { type: 'block_start', index: 1, block: { kind: 'tool_call', id: 'b', name: 'now' } },
      { type: 'finish', stopReason: 'tool_use' },
    ])
    const deltas = out
      .split('\n\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)).choices[0].delta)
    expect(deltas).toEqual([
      { role: 'assistant', content: '' },
      { tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'now', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{}' } }] },
      { tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'now', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
      {},
    ])
  })

  test('usage from a later usage event reaches the usage chunk', async () => {
    const out = await encodeEvents(
      [
        { type: 'start', id: 'u', model: 'm', created: 3 },
        { type: 'finish', stopReason: 'end_turn' },
        { type: 'usage', usage: { inputTokens: 1, outputTokens: 2, reasoningTokens: 1 } },
      ],
      { includeUsage: true },
    )
    expect(out).toContain(
      ',"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"completion_tokens_details":{"reasoning_tokens":1}}}',
    )
  })

  test('a stream of a foreign dialect without start still gets a head chunk', async () => {
    const out = await encodeEvents(
      [
        { type: 'text_delta', index: 0, text: 'x' },
        { type: 'finish', stopReason: 'end_turn' },
      ],
      { model: 'm' },
    )
    const first = JSON.parse(out.split('\n\n')[0]!.slice(6))
    expect(first.id).toMatch(/^chatcmpl-/)
    expect(first.choices[0].delta).toEqual({ role: 'assistant', content: '' })
  })
})
