import { describe, expect, test } from 'bun:test'
import {
  anthropicMessages,
  decodeRequest,
  encodeRequest,
} from '../../../src/dialects/anthropic-messages/index.ts'
import { encodeCountTokensRequest } from '../../../src/dialects/anthropic-messages/request.ts'
import { wrapSignature } from '../../../src/dialects/common/provenance.ts'
import { DialectError, type Message, type Request } from '../../../src/dialects/ir.ts'
import { fixtureJson, wire } from './helpers.ts'

const AM = 'anthropic-messages'

/** A request as another dialect's decoder would hand it over. */
function foreign(over: Partial<Request>): Request {
  return {
    source: 'openai-chat',
    model: 'claude-sonnet-4-5',
    system: [],
    messages: [],
    stream: false,
    extra: {},
    ...over,
  }
}

function user(text: string): Message {
  return { role: 'user', content: [{ type: 'text', text }] }
}

function thrown(fn: () => unknown): DialectError {
  try {
    fn()
  } catch (e) {
    if (e instanceof DialectError) return e
    throw e
  }
  throw new Error('expected a DialectError')
}

describe('anthropic-messages request: same-dialect identity', () => {
  for (const name of [
    'request-basic.json',
    'request-claude-code.json',
    'request-structured.json',
    'request-sampling.json',
    'request-server-tools.json',
  ]) {
    test(`encodeRequest(decodeRequest(x)) deep-equals x: ${name}`, () => {
      const body = fixtureJson(name)
      expect(wire(encodeRequest(decodeRequest(body)))).toEqual(body)
    })
  }

  test('a count_tokens body (no max_tokens) decodes, and encodeCountTokensRequest gives it back', () => {
    const body = fixtureJson('request-count-tokens.json')
    const ir = decodeRequest(body)
    expect(ir.maxOutputTokens).toBeUndefined()
    expect(wire(encodeCountTokensRequest(ir))).toEqual(body)
    // The Messages endpoint needs max_tokens, above the thinking budget.
    expect(encodeRequest(ir).max_tokens).toBe(32000)
  })

  test('the exported dialect object is wired to these codecs', () => {
    const body = fixtureJson('request-basic.json')
    expect(anthropicMessages.name).toBe(AM)
    expect(wire(anthropicMessages.encodeRequest(anthropicMessages.decodeRequest(body)))).toEqual(body)
  })
})

describe('anthropic-messages request: decode to the exact IR', () => {
  test('basic body', () => {
    expect(decodeRequest(fixtureJson('request-basic.json'))).toEqual({
      source: AM,
      model: 'claude-sonnet-4-5',
      system: [{ type: 'text', text: 'You are terse.' }],
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'Hello, Claude' }],
          extra: { [AM]: { form: 'string' } },
        },
      ],
      maxOutputTokens: 1024,
      temperature: 0.2,
      stream: true,
      extra: { [AM]: { form: 'string' } },
    })
  })

  test('Claude Code body: thinking, images, documents, parallel tool calls and results, tools', () => {
    const body = fixtureJson('request-claude-code.json')
    const ir = decodeRequest(body)
    const msgs = body.messages as Array<{ content: Array<Record<string, unknown>> }>
    const c0 = msgs[0]!.content
    const c1 = msgs[1]!.content
    const png = (c0[1]!.source as { data: string }).data
    const jpeg = (
      (msgs[2]!.content[1]!.content as Array<Record<string, unknown>>)[1]!.source as { data: string }
    ).data
    expect(ir).toEqual({
      source: AM,
      model: 'claude-opus-4-5-20251101',
      system: [
        { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude." },
        { type: 'text', text: 'Work in /repo. Be careful with git.', cacheControl: { type: 'ephemeral' } },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these files, and what is the weather in Paris and Tokyo?' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: png } },
            { type: 'image', source: { kind: 'url', url: 'https://example.com/chart.png' } },
            {
              type: 'file',
              source: {
                kind: 'base64',
                mediaType: 'application/pdf',
                data: 'JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoK',
              },
              title: 'report.pdf',
              extra: { [AM]: { fields: { citations: { enabled: true } } } },
            },
            {
              type: 'file',
              source: {
                kind: 'base64',
                mediaType: 'text/plain',
                data: Buffer.from('Quarterly notes: revenue up 4% — café sales ☕ doubled.').toString(
                  'base64',
                ),
              },
              extra: { [AM]: { fields: { context: 'internal memo' } } },
            },
          ],
        },
        {
          role: 'assistant',
          content: [
            {
              type: 'thinking',
              text: 'The user wants two cities. I will call the tool twice in parallel.',
              signature: c1[0]!.signature as string,
              provenance: { dialect: AM },
            },
            { type: 'thinking', text: '', redacted: c1[1]!.data as string, provenance: { dialect: AM } },
            { type: 'text', text: 'Let me read the weather for both cities.' },
            {
              type: 'tool_call',
              id: 'toolu_01A09q90qw90lq917835lq9',
              name: 'get_weather',
              arguments: '{"city":"Paris","unit":"celsius"}',
            },
            {
              type: 'tool_call',
              id: 'toolu_01B8Cz7tyhZ3kzKMrXtnE9sT',
              name: 'get_weather',
              arguments: '{"city":"Tokyo","unit":"celsius"}',
            },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'toolu_01A09q90qw90lq917835lq9',
              content: [{ type: 'text', text: '18°C, light rain' }],
              extra: { [AM]: { form: 'string' } },
            },
            {
              type: 'tool_result',
              toolCallId: 'toolu_01B8Cz7tyhZ3kzKMrXtnE9sT',
              content: [
                { type: 'text', text: '23°C, clear; radar attached' },
                { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: jpeg } },
              ],
              isError: false,
              cacheControl: { type: 'ephemeral', ttl: '1h' },
            },
          ],
        },
      ],
      tools: [
        {
          kind: 'function',
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters: (body.tools as Array<Record<string, unknown>>)[0]!.input_schema as Record<
            string,
            unknown
          >,
          cacheControl: { type: 'ephemeral' },
        },
        {
          kind: 'web_search',
          config: { type: 'web_search_20250305', max_uses: 3, allowed_domains: ['weather.com'] },
          dialect: AM,
        },
        { kind: 'server', dialect: AM, raw: { type: 'bash_20250124', name: 'bash' } },
      ],
      toolChoice: { type: 'auto' },
      parallelToolCalls: true,
      maxOutputTokens: 32000,
      reasoning: { mode: 'on', budgetTokens: 10000 },
      user: '{"device_id":"d1","account_uuid":"a1","session_id":"s1"}',
      stream: true,
      extra: {
        [AM]: {
          fields: {
            context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
            service_tier: 'auto',
          },
        },
      },
    })
  })

  test('structured output, adaptive thinking and effort', () => {
    const ir = decodeRequest(fixtureJson('request-structured.json'))
    expect(ir.reasoning).toEqual({ mode: 'auto', effort: 'high' })
    expect(ir.responseFormat).toEqual({
      type: 'json_schema',
      schema: {
        type: 'object',
        properties: { name: { type: 'string' }, email: { type: 'string' }, plan: { type: 'string' } },
        required: ['name', 'email', 'plan'],
        additionalProperties: false,
      },
    })
    expect(ir.toolChoice).toEqual({ type: 'none' })
    expect(ir.stop).toEqual(['\n\nHuman:', 'END'])
    expect(ir.stream).toBe(false)
  })

  test('mid-list system messages of an Anthropic client stay messages', () => {
    const ir = decodeRequest(fixtureJson('request-sampling.json'))
    expect(ir.messages.map((m) => m.role)).toEqual(['user', 'system', 'assistant', 'user'])
    expect(ir.toolChoice).toEqual({ type: 'required' })
    expect(ir.parallelToolCalls).toBe(false)
    expect(ir.reasoning).toEqual({ effort: 'low' })
    expect(ir.topK).toBe(40)
  })

  test('server tool blocks ride in extra-bearing empty text parts', () => {
    const body = fixtureJson('request-server-tools.json')
    const ir = decodeRequest(body)
    const assistant = ir.messages[1]!
    expect(assistant.content[0]).toEqual({
      type: 'text',
      text: '',
      extra: { [AM]: { block: (body.messages as Array<{ content: unknown[] }>)[1]!.content[0] } },
    })
    expect(assistant.content[2]).toMatchObject({ type: 'text', text: 'The latest release is Bun 1.4.4.' })
    expect((assistant.content[2] as { citations: unknown[] }).citations).toHaveLength(1)
  })
})

describe('anthropic-messages request: malformed bodies name the field', () => {
  const ok = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }
  const cases: Array<[string, unknown, string | undefined]> = [
    ['not an object', 'hello', undefined],
    ['no model', { ...ok, model: undefined }, 'model'],
    ['messages not an array', { ...ok, messages: {} }, 'messages'],
    ['bad role', { ...ok, messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role'],
    ['bad content', { ...ok, messages: [{ role: 'user', content: 3 }] }, 'messages.0.content'],
    [
      'text not a string',
      { ...ok, messages: [{ role: 'user', content: [{ type: 'text', text: 1 }] }] },
      'messages.0.content.0.text',
    ],
    [
      'tool_use input not an object',
      {
        ...ok,
        messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'n', input: '{}' }] }],
      },
      'messages.0.content.0.input',
    ],
    ['max_tokens 0', { ...ok, max_tokens: 0 }, 'max_tokens'],
    [
      'budget not an integer',
      { ...ok, thinking: { type: 'enabled', budget_tokens: '2k' } },
      'thinking.budget_tokens',
    ],
    ['tool_choice type', { ...ok, tool_choice: { type: 'sometimes' } }, 'tool_choice.type'],
    ['tool without schema', { ...ok, tools: [{ name: 'x' }] }, 'tools.0.input_schema'],
    ['system block not text', { ...ok, system: [{ type: 'image', source: {} }] }, 'system.0'],
    ['temperature a string', { ...ok, temperature: 'hot' }, 'temperature'],
    ['stop_sequences not strings', { ...ok, stop_sequences: [1] }, 'stop_sequences'],
    [
      'format without schema',
      { ...ok, output_config: { format: { type: 'json_schema' } } },
      'output_config.format',
    ],
  ]
  for (const [name, body, param] of cases) {
    test(name, () => {
      const e = thrown(() => decodeRequest(body))
      expect(e.info.param).toBe(param)
      expect(e.info.kind).toBe('invalid_request')
    })
  }
})

describe('anthropic-messages request: encoding another dialect’s request', () => {
  test('an OpenAI-style conversation becomes a valid Messages body', () => {
    const ir = foreign({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are helpful.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in Paris and Tokyo?' },
            { type: 'image', source: { kind: 'url', url: 'https://x.test/a.png' }, detail: 'high' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: '' },
            { type: 'tool_call', id: 'call_abc.1', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { type: 'tool_call', id: 'call_def', name: 'get_weather', arguments: '' },
          ],
        },
        {
          role: 'tool',
          content: [
            { type: 'tool_result', toolCallId: 'call_abc.1', content: [{ type: 'text', text: '18C' }] },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'call_def',
              content: [
                { type: 'text', text: '23C' },
                { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } },
              ],
            },
          ],
        },
        { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
        user('Summarise.'),
      ],
      tools: [
        {
          kind: 'function',
          name: 'get_weather',
          description: 'Weather',
          parameters: { properties: { city: { type: 'string' } } },
        },
        { kind: 'web_search', config: { search_context_size: 'low' }, dialect: 'openai-responses' },
      ],
      toolChoice: { type: 'auto' },
      parallelToolCalls: false,
      temperature: 0.5,
      stop: ['END'],
      user: 'u-1',
      metadata: { trace: 'x' },
      stream: true,
      includeUsage: true,
      n: 1,
      seed: 7,
      presencePenalty: 0,
      extra: { logit_bias: { '50256': -100 }, $marker: true },
    })
    expect(wire(encodeRequest(ir))).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 32000,
      system: [
        { type: 'text', text: 'You are helpful.' },
        { type: 'text', text: 'Be brief.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in Paris and Tokyo?' },
            { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_abc_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_def', name: 'get_weather', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_abc_1', content: '18C' },
            {
              type: 'tool_result',
              tool_use_id: 'call_def',
              content: [
                { type: 'text', text: '23C' },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
              ],
            },
            { type: 'text', text: 'Summarise.' },
          ],
        },
      ],
      metadata: { user_id: 'u-1' },
      stop_sequences: ['END'],
      stream: true,
      temperature: 0.5,
      tools: [
        {
          name: 'get_weather',
          description: 'Weather',
          input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        },
        { type: 'web_search_20250305', name: 'web_search' },
      ],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    })
  })

  test('puts tool results first in the user turn right after the tool_use turn', () => {
    const body = encodeRequest(
      foreign({
        messages: [
          user('go'),
          { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: '{}' }] },
          user('(the user typed while the tool ran)'),
          {
            role: 'tool',
            content: [{ type: 'tool_result', toolCallId: 'c1', content: [{ type: 'text', text: 'ok' }] }],
          },
        ],
      }),
    )
    expect(wire(body.messages)).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'f', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'c1', content: 'ok' },
          { type: 'text', text: '(the user typed while the tool ran)' },
        ],
      },
    ])
  })

  test('merges consecutive tool messages into one user message', () => {
    const body = encodeRequest(
      foreign({
        messages: [
          user('go'),
          {
            role: 'assistant',
            content: [
              { type: 'tool_call', id: 'a', name: 'f', arguments: '{}' },
              { type: 'tool_call', id: 'b', name: 'f', arguments: '{}' },
            ],
          },
          {
            role: 'tool',
            content: [{ type: 'tool_result', toolCallId: 'a', content: [{ type: 'text', text: '1' }] }],
          },
          {
            role: 'tool',
            content: [{ type: 'tool_result', toolCallId: 'b', content: [{ type: 'text', text: '2' }] }],
          },
        ],
      }),
    )
    const msgs = body.messages as Array<{ role: string; content: unknown[] }>
    expect(msgs.map((m) => m.role)).toEqual(['user', 'assistant', 'user'])
    expect(msgs[2]!.content).toEqual([
      { type: 'tool_result', tool_use_id: 'a', content: '1' },
      { type: 'tool_result', tool_use_id: 'b', content: '2' },
    ])
  })

  test('never sends empty or whitespace text blocks, nor cache_control on them', () => {
    const body = encodeRequest(
      foreign({
        system: [{ type: 'text', text: '  ', cacheControl: { type: 'ephemeral' } }],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: '', cacheControl: { type: 'ephemeral' } },
              { type: 'text', text: '\n\t ' },
              { type: 'text', text: 'real question', cacheControl: { type: 'ephemeral', ttl: '1h' } },
            ],
          },
        ],
      }),
    )
    expect(body.system).toBeUndefined()
    expect(wire(body.messages)).toEqual([
      {
        role: 'user',
        content: [{ type: 'text', text: 'real question', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      },
    ])
  })

  test('drops empty assistant messages and merges the turns around them', () => {
    const body = encodeRequest(
      foreign({
        messages: [user('one'), { role: 'assistant', content: [{ type: 'text', text: '' }] }, user('two')],
      }),
    )
    expect(wire(body.messages)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      },
    ])
  })

  test('sanitises tool ids the same way on tool_use and tool_result (empty ids too)', () => {
    const body = encodeRequest(
      foreign({
        messages: [
          user('go'),
          {
            role: 'assistant',
            content: [
              { type: 'tool_call', id: 'functions.get:0', name: 'f', arguments: '{}' },
              { type: 'tool_call', id: '', name: 'g', arguments: '{}' },
            ],
          },
          {
            role: 'tool',
            content: [
              { type: 'tool_result', toolCallId: 'functions.get:0', content: [{ type: 'text', text: 'a' }] },
              { type: 'tool_result', toolCallId: '', content: [{ type: 'text', text: 'b' }] },
            ],
          },
        ],
      }),
    )
    const msgs = body.messages as Array<{ content: Array<Record<string, string>> }>
    const uses = msgs[1]!.content
    const results = msgs[2]!.content
    expect(uses[0]!.id).toBe('functions_get_0')
    expect(results[0]!.tool_use_id).toBe('functions_get_0')
    expect(uses[1]!.id).toMatch(/^toolu_[A-Za-z0-9]+$/)
    expect(results[1]!.tool_use_id).toBe(uses[1]!.id as string)
    for (const b of [...uses, ...results]) expect(b.id ?? b.tool_use_id).toMatch(/^[a-zA-Z0-9_-]+$/)
  })

  test('tool_use.input is the parsed arguments; invalid or non-object arguments become {}', () => {
    const args = ['{"a":[1,{"b":null}]}', 'not json', '[1,2]', '"str"', '', '  ']
    const body = encodeRequest(
      foreign({
        messages: [
          user('go'),
          {
            role: 'assistant',
            content: args.map((a, i) => ({
              type: 'tool_call' as const,
              id: `c${i}`,
              name: 'f',
              arguments: a,
            })),
          },
        ],
      }),
    )
    const inputs = (body.messages as Array<{ content: Array<{ input: unknown }> }>)[1]!.content.map(
      (b) => b.input,
    )
    expect(inputs).toEqual([{ a: [1, { b: null }] }, {}, {}, {}, {}, {}])
  })

  test('max_tokens defaults to 32000; maxOutputTokens is kept', () => {
    expect(encodeRequest(foreign({ messages: [user('x')] })).max_tokens).toBe(32000)
    expect(encodeRequest(foreign({ messages: [user('x')], maxOutputTokens: 77 })).max_tokens).toBe(77)
  })

  test('n > 1 throws a DialectError naming n', () => {
    const e = thrown(() => encodeRequest(foreign({ messages: [user('x')], n: 2 })))
    expect(e.info.param).toBe('n')
  })

  test('penalties are sampling hints Anthropic lacks: dropped, not refused', () => {
    const body = encodeRequest(foreign({ messages: [user('x')], presencePenalty: 0.5, frequencyPenalty: -1 }))
    expect(body).not.toHaveProperty('presence_penalty')
    expect(body).not.toHaveProperty('frequency_penalty')
  })

  test('what Anthropic cannot express throws a DialectError naming the field', () => {
    const cases: Array<[Partial<Request>, string]> = [
      [{ responseFormat: { type: 'json_object' } }, 'responseFormat'],
      [{ tools: [{ kind: 'server', dialect: 'openai-responses', raw: { type: 'file_search' } }] }, 'tools.0'],
      [{ tools: [{ kind: 'function', name: 'f', parameters: { type: 'array' } }] }, 'tools.0.parameters'],
      [
        { messages: [{ role: 'user', content: [{ type: 'audio', data: 'AAAA', format: 'wav' }] }] },
        'messages.0.content.0',
      ],
      [
        {
          messages: [
            user('x'),
            {
              role: 'assistant',
              content: [{ type: 'image', source: { kind: 'url', url: 'https://x.test/a.png' } }],
            },
          ],
        },
        'messages.1.content.0',
      ],
      [
        {
          messages: [
            { role: 'user', content: [{ type: 'image', source: { kind: 'file_id', fileId: 'file-abc' } }] },
          ],
        },
        'messages.0.content.0',
      ],
      [
        {
          messages: [
            {
              role: 'user',
              content: [
                { type: 'file', source: { kind: 'base64', mediaType: 'application/msword', data: 'AAAA' } },
              ],
            },
          ],
        },
        'messages.0.content.0',
      ],
      [
        { messages: [{ role: 'system', content: [{ type: 'image', source: { kind: 'url', url: 'u' } }] }] },
        'messages.0.content.0',
      ],
    ]
    for (const [over, param] of cases) {
      const e = thrown(() => encodeRequest(foreign({ messages: [user('x')], ...over })))
      expect(e.info.param).toBe(param)
    }
  })

  test('seed, zero penalties, image detail and include_usage are dropped without error', () => {
    const body = encodeRequest(
      foreign({
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { kind: 'url', url: 'https://x.test/i.png' }, detail: 'low' }],
          },
        ],
        seed: 1,
        presencePenalty: 0,
        frequencyPenalty: 0,
        includeUsage: true,
      }),
    )
    expect(wire(body)).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 32000,
      messages: [
        { role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://x.test/i.png' } }] },
      ],
    })
  })

  test('files: PDF base64 and URL, plain text as a text source, images as image blocks, filename as title', () => {
    const body = encodeRequest(
      foreign({
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'file',
                source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' },
                filename: 'a.pdf',
              },
              { type: 'file', source: { kind: 'url', url: 'https://x.test/b.pdf' }, title: 'B' },
              {
                type: 'file',
                source: {
                  kind: 'base64',
                  mediaType: 'text/plain',
                  data: Buffer.from('héllo').toString('base64'),
                },
              },
              { type: 'file', source: { kind: 'base64', mediaType: 'image/webp', data: 'UklG' } },
            ],
          },
        ],
      }),
    )
    expect(wire((body.messages as Array<{ content: unknown }>)[0]!.content)).toEqual([
      {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' },
        title: 'a.pdf',
      },
      { type: 'document', source: { type: 'url', url: 'https://x.test/b.pdf' }, title: 'B' },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'héllo' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/webp', data: 'UklG' } },
    ])
  })

  test('tool_choice: required → any, tool → tool, none → none; parallel false → disable_parallel_tool_use', () => {
    const tools = [{ kind: 'function' as const, name: 'f', parameters: { type: 'object' } }]
    const tc = (over: Partial<Request>) =>
      encodeRequest(foreign({ messages: [user('x')], tools, ...over })).tool_choice
    expect(tc({ toolChoice: { type: 'required' } })).toEqual({ type: 'any' })
    expect(tc({ toolChoice: { type: 'tool', name: 'f' }, parallelToolCalls: false })).toEqual({
      type: 'tool',
      name: 'f',
      disable_parallel_tool_use: true,
    })
    expect(tc({ toolChoice: { type: 'none' }, parallelToolCalls: false })).toEqual({ type: 'none' })
    expect(tc({ parallelToolCalls: false })).toEqual({ type: 'auto', disable_parallel_tool_use: true })
    expect(tc({})).toBeUndefined()
  })

  test('json_schema response format goes to output_config.format', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }
    const body = encodeRequest(
      foreign({
        messages: [user('x')],
        responseFormat: { type: 'json_schema', name: 'out', strict: true, schema },
      }),
    )
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } })
    expect(body.output_format).toBeUndefined()
  })

  test('the beta output_format field comes back to a client that used it', () => {
    const body = {
      model: 'm',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
      output_format: { type: 'json_schema', schema: { type: 'object' } },
    }
    expect(wire(encodeRequest(decodeRequest(body)))).toEqual(body)
  })

  test('a final assistant prefill loses its trailing whitespace', () => {
    const body = encodeRequest(
      foreign({
        messages: [user('x'), { role: 'assistant', content: [{ type: 'text', text: 'Sure: \n' }] }],
      }),
    )
    expect(wire(body.messages)).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'x' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Sure:' }] },
    ])
  })
})

describe('anthropic-messages request: reasoning', () => {
  const think = (
    reasoning: Request['reasoning'],
    over: Partial<Request> = {},
    source: Request['source'] = 'openai-chat',
  ) => {
    const b = encodeRequest({ ...foreign({ messages: [user('x')], reasoning, ...over }), source })
    return {
      thinking: b.thinking,
      effort: (b.output_config as { effort?: string } | undefined)?.effort,
      max: b.max_tokens,
    }
  }

  test('the level/budget table', () => {
    expect(think({ effort: 'high' })).toEqual({
      thinking: { type: 'enabled', budget_tokens: 24576 },
      effort: undefined,
      max: 32000,
    })
    expect(think({ effort: 'minimal' }).thinking).toEqual({ type: 'enabled', budget_tokens: 1024 })
    expect(think({ effort: 'medium' }).thinking).toEqual({ type: 'enabled', budget_tokens: 8192 })
    expect(think({ effort: 'max' })).toEqual({
      thinking: { type: 'enabled', budget_tokens: 128000 },
      effort: undefined,
      max: 140800,
    })
    expect(think({ budgetTokens: 500 }).thinking).toEqual({ type: 'enabled', budget_tokens: 1024 })
    expect(think({ mode: 'on' }).thinking).toEqual({ type: 'enabled', budget_tokens: 8192 })
    expect(think({ effort: 'none' }).thinking).toEqual({ type: 'disabled' })
    expect(think({ mode: 'off', effort: 'high' })).toEqual({
      thinking: { type: 'disabled' },
      effort: undefined,
      max: 32000,
    })
    expect(think({ budgetTokens: 0 }).thinking).toEqual({ type: 'disabled' })
    expect(think({ mode: 'auto', effort: 'minimal' })).toEqual({
      thinking: { type: 'adaptive' },
      effort: 'low',
      max: 32000,
    })
    expect(think({ mode: 'auto' })).toEqual({ thinking: { type: 'adaptive' }, effort: undefined, max: 32000 })
    expect(think({ summary: 'auto' })).toEqual({ thinking: undefined, effort: undefined, max: 32000 })
  })

  test('an effort of this dialect without thinking stays an effort', () => {
    expect(think({ effort: 'high' }, {}, AM)).toEqual({ thinking: undefined, effort: 'high', max: 32000 })
    expect(think({ mode: 'on', budgetTokens: 4000, effort: 'max' }, { maxOutputTokens: 16000 }, AM)).toEqual({
      thinking: { type: 'enabled', budget_tokens: 4000 },
      effort: 'max',
      max: 16000,
    })
  })

  test('max_tokens is raised above the thinking budget', () => {
    expect(think({ effort: 'medium' }, { maxOutputTokens: 4000 }).max).toBe(8192 + 1024)
    expect(think({ budgetTokens: 50000 }, { maxOutputTokens: 20000 }).max).toBe(55000)
  })

  test('with thinking on, temperature and top_k are dropped and top_p kept only at ≥ 0.95', () => {
    const b = encodeRequest(
      foreign({ messages: [user('x')], reasoning: { effort: 'low' }, temperature: 0.3, topK: 5, topP: 0.5 }),
    )
    expect(b.temperature).toBeUndefined()
    expect(b.top_k).toBeUndefined()
    expect(b.top_p).toBeUndefined()
    const c = encodeRequest(foreign({ messages: [user('x')], reasoning: { mode: 'auto' }, topP: 0.97 }))
    expect(c.top_p).toBe(0.97)
    const d = encodeRequest(
      foreign({ messages: [user('x')], reasoning: { mode: 'off' }, temperature: 0.3, topK: 5 }),
    )
    expect([d.temperature, d.top_k]).toEqual([0.3, 5])
  })

  test('a forced tool_choice drops thinking (the API refuses the pair)', () => {
    const b = encodeRequest(
      foreign({
        messages: [user('x')],
        reasoning: { effort: 'high' },
        temperature: 0.2,
        tools: [{ kind: 'function', name: 'f', parameters: { type: 'object' } }],
        toolChoice: { type: 'tool', name: 'f' },
      }),
    )
    expect(b.thinking).toBeUndefined()
    expect(b.tool_choice).toEqual({ type: 'tool', name: 'f' })
    expect(b.temperature).toBe(0.2)
    expect(b.max_tokens).toBe(32000)
  })

  test('drops thinking when foreign history has a tool_use turn without a leading thinking block', () => {
    const messages: Message[] = [
      user('x'),
      { role: 'assistant', content: [{ type: 'tool_call', id: 'c', name: 'f', arguments: '{}' }] },
      {
        role: 'tool',
        content: [{ type: 'tool_result', toolCallId: 'c', content: [{ type: 'text', text: 'r' }] }],
      },
    ]
    expect(encodeRequest(foreign({ messages, reasoning: { effort: 'high' } })).thinking).toBeUndefined()
    const signed: Message[] = [
      messages[0]!,
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 't', signature: 'sig', provenance: { dialect: AM } },
          { type: 'tool_call', id: 'c', name: 'f', arguments: '{}' },
        ],
      },
      messages[2]!,
    ]
    expect(encodeRequest(foreign({ messages: signed, reasoning: { effort: 'high' } })).thinking).toEqual({
      type: 'enabled',
      budget_tokens: 24576,
    })
  })
})

describe('anthropic-messages request: thinking history and signatures', () => {
  const history = (parts: Message['content']): Message[] => [
    user('q'),
    { role: 'assistant', content: parts },
    user('next'),
  ]
  const assistantOf = (b: Record<string, unknown>) => (b.messages as Array<{ content: unknown }>)[1]?.content

  test('keeps native signed thinking and redacted thinking byte-exact', () => {
    const parts: Message['content'] = [
      {
        type: 'thinking',
        text: 'hmm',
        signature: 'EqQBCgIYAhIM+/==',
        provenance: { dialect: AM, provider: 'claude' },
      },
      { type: 'thinking', text: '', redacted: 'EmwKAhgBEgy3', provenance: { dialect: AM } },
      { type: 'text', text: 'answer' },
    ]
    expect(assistantOf(encodeRequest(foreign({ messages: history(parts) }), { provider: 'claude' }))).toEqual(
      [
        { type: 'thinking', thinking: 'hmm', signature: 'EqQBCgIYAhIM+/==' },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3' },
        { type: 'text', text: 'answer' },
      ],
    )
  })

  test('never forwards foreign, unattributed or unsigned thinking (Invalid signature in thinking block)', () => {
    const parts: Message['content'] = [
      { type: 'thinking', text: 'gemini thought', signature: 'gem-sig', provenance: { dialect: 'gemini' } },
      { type: 'thinking', text: 'no provenance', signature: 'sig' },
      { type: 'thinking', text: 'unsigned', provenance: { dialect: AM } },
      { type: 'thinking', text: 'empty signature', signature: '', provenance: { dialect: AM } },
      { type: 'thinking', text: '', redacted: 'data', provenance: { dialect: 'gemini' } },
      {
        type: 'thinking',
        text: 'other account',
        signature: 's',
        provenance: { dialect: AM, provider: 'bedrock' },
      },
      { type: 'text', text: 'answer' },
    ]
    expect(assistantOf(encodeRequest(foreign({ messages: history(parts) }), { provider: 'claude' }))).toEqual(
      [{ type: 'text', text: 'answer' }],
    )
  })

  test("foreignThinking 'text' keeps foreign thinking as plain text", () => {
    const parts: Message['content'] = [
      { type: 'thinking', text: 'reasoning text', provenance: { dialect: 'openai-chat' } },
      { type: 'thinking', text: '', redacted: 'x', provenance: { dialect: 'gemini' } },
      { type: 'text', text: 'answer' },
    ]
    expect(
      assistantOf(encodeRequest(foreign({ messages: history(parts) }), { foreignThinking: 'text' })),
    ).toEqual([
      { type: 'text', text: 'reasoning text' },
      { type: 'text', text: 'answer' },
    ])
  })

  test('a signature the gateway wrapped for this client comes back with its provenance, and is dropped', () => {
    const wrapped = wrapSignature('gemini-thought-sig', { dialect: 'gemini', provider: 'antigravity' })
    const body = {
      model: 'm',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'q' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'from gemini', signature: wrapped },
            { type: 'text', text: 'a' },
          ],
        },
        { role: 'user', content: 'next' },
      ],
    }
    const ir = decodeRequest(body)
    expect(ir.messages[1]!.content[0]).toEqual({
      type: 'thinking',
      text: 'from gemini',
      signature: 'gemini-thought-sig',
      provenance: { dialect: 'gemini', provider: 'antigravity' },
    })
    expect(assistantOf(encodeRequest(ir))).toEqual([{ type: 'text', text: 'a' }])
  })

  test('a wrapped Responses reasoning value lands in encrypted', () => {
    const wrapped = wrapSignature('gAAAAABencrypted', { dialect: 'openai-responses', provider: 'codex' })
    const ir = decodeRequest({
      model: 'm',
      max_tokens: 5,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'summary', signature: wrapped }] },
      ],
    })
    expect(ir.messages[1]!.content[0]).toEqual({
      type: 'thinking',
      text: 'summary',
      encrypted: 'gAAAAABencrypted',
      provenance: { dialect: 'openai-responses', provider: 'codex' },
    })
  })

  test('the wrapped empty placeholder of unsigned foreign thinking decodes to no signature (not "")', () => {
    for (const dialect of ['gemini', 'openai-chat', 'openai-responses'] as const) {
      const prov = { dialect, provider: 'p', model: 'm' }
      const ir = decodeRequest({
        model: 'm',
        max_tokens: 5,
        messages: [
          { role: 'user', content: 'q' },
          {
            role: 'assistant',
            content: [{ type: 'thinking', thinking: 'plain', signature: wrapSignature('', prov) }],
          },
        ],
      })
      expect(ir.messages[1]!.content[0]).toEqual({ type: 'thinking', text: 'plain', provenance: prov })
    }
  })
})
