import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { wrapSignature } from '../../../src/dialects/common/provenance.ts'
import {
  DialectError,
  type Message,
  type Part,
  type Request,
  type ThinkingPart,
  type Tool,
} from '../../../src/dialects/ir.ts'
import { decodeRequest, encodeRequest } from '../../../src/dialects/openai-chat/index.ts'
import { fixtureNames, json, readJson } from './util.ts'

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='

/** The DialectError a call throws (fails the test when it throws nothing or something else). */
function dialectError(fn: () => unknown): DialectError {
  try {
    fn()
  } catch (e) {
    if (e instanceof DialectError) return e
    throw e
  }
  throw new Error('expected a DialectError')
}

/** A minimal request as another dialect's decoder would hand it over. */
function foreign(messages: Message[], more: Partial<Request> = {}): Request {
  return {
    source: 'anthropic-messages',
    model: 'claude-sonnet-4-5',
    system: [],
    messages,
    stream: false,
    extra: {},
    ...more,
  }
}

describe('request identity', () => {
  for (const name of fixtureNames('request-', '.json')) {
    test(`${name}: encodeRequest(decodeRequest(x)) deep-equals x`, () => {
      const body = readJson(name)
      expect(json(encodeRequest(json(decodeRequest(json(body)))))).toEqual(body)
    })
  }
})

describe('decodeRequest', () => {
  test('keeps system and developer messages in place, with their content shapes', () => {
    const ir = decodeRequest(readJson('request-text.json'))
    expect(ir).toEqual({
      source: 'openai-chat',
      model: 'gpt-4o',
      system: [],
      messages: [
        {
          role: 'system',
          content: [{ type: 'text', text: 'You are a helpful assistant.' }],
          extra: { 'openai-chat': { content: 'string' } },
        },
        {
          role: 'user',
          content: [{ type: 'text', text: 'Hello!' }],
          extra: { 'openai-chat': { content: 'string' } },
        },
        {
          role: 'assistant',
          content: [{ type: 'text', text: 'Hi! How can I help?' }],
          extra: { 'openai-chat': { content: 'string', fields: { refusal: null } } },
        },
        {
          role: 'system',
          content: [{ type: 'text', text: 'The user prefers short answers.' }],
          extra: { 'openai-chat': { content: 'string' } },
        },
        {
          role: 'system',
          content: [{ type: 'text', text: 'Answer in French.' }],
          extra: { 'openai-chat': { role: 'developer' } },
        },
        { role: 'user', content: [{ type: 'text', text: 'What is 2+2?' }], name: 'alice' },
      ],
      stream: false,
      temperature: 0.2,
      topP: 0.9,
      maxOutputTokens: 256,
      stop: ['\n\n'],
      presencePenalty: 0.1,
      frequencyPenalty: 0.3,
      seed: 42,
      user: 'user-123',
      metadata: { session: 'abc' },
      extra: {
        'openai-chat': {
          maxField: 'max_tokens',
          stop: 'string',
          stream: false,
          fields: {
            logprobs: true,
            top_logprobs: 2,
            store: false,
            service_tier: 'auto',
            prompt_cache_key: 'cache-1',
          },
        },
      },
    })
  })

  test('reads tools, tool calls and tool results (names looked up for Gemini)', () => {
    const ir = decodeRequest(readJson('request-tools.json'))
    expect(ir.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool_call', id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'tool_call', id: 'call_def', name: 'get_time', arguments: '{}' },
      ],
      extra: { 'openai-chat': { content: 'null' } },
    })
    expect(ir.messages[2]).toEqual({
      role: 'tool',
      content: [
        {
          type: 'tool_result',
          toolCallId: 'call_abc',
          name: 'get_weather',
          content: [{ type: 'text', text: '18°C' }],
          extra: { 'openai-chat': { content: 'string' } },
        },
      ],
    })
    expect(ir.messages[3]?.content).toEqual([
      {
        type: 'tool_result',
        toolCallId: 'call_def',
        name: 'get_time',
        content: [{ type: 'text', text: '14:02' }],
      },
    ])
    expect(ir.tools).toEqual([
      {
        kind: 'function',
        name: 'get_weather',
        description: 'Current weather for a city',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
          additionalProperties: false,
        },
        strict: true,
      },
      {
        kind: 'function',
        name: 'get_time',
        parameters: { type: 'object', properties: {} },
        extra: { 'openai-chat': { parameters: 'absent' } },
      },
      { kind: 'web_search', config: { search_context_size: 'low' }, dialect: 'openai-chat' },
    ])
    expect(ir.toolChoice).toEqual({ type: 'tool', name: 'get_weather' })
    expect(ir.parallelToolCalls).toBe(true)
    expect(ir.maxOutputTokens).toBe(1024)
    expect(ir.extra).toEqual({})
  })

  test('reads reasoning_content and reasoning_signature as a thinking part stamped openai-chat', () => {
    const ir = decodeRequest(readJson('request-thinking.json'))
    expect(ir.messages[1]?.content).toEqual([
      {
        type: 'thinking',
        text: '17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391. Let me verify with the tool.',
        signature: 'EqQBCkYIBxgCKkDsig3f1x/aB==',
        provenance: { dialect: 'openai-chat' },
      },
      { type: 'tool_call', id: 'call_mul', name: 'multiply', arguments: '{"a":17,"b":23}' },
    ])
    // content "" beside tool calls is no text part (Anthropic rejects empty text blocks)
    expect(ir.messages[1]?.extra).toEqual({ 'openai-chat': { content: 'string' } })
    expect(ir.messages[3]?.content).toEqual([
      { type: 'thinking', text: 'The tool agrees.', provenance: { dialect: 'openai-chat' } },
      { type: 'text', text: '391' },
    ])
    expect(ir.reasoning).toEqual({ effort: 'high' })
    expect(ir.stream).toBe(true)
    expect(ir.includeUsage).toBe(true)
  })

  test('restores the provenance of a signature the gateway wrapped for this client', () => {
    const sig = wrapSignature('ErUBCkYIAxgC', {
      dialect: 'anthropic-messages',
      provider: 'claude',
      model: 'claude-opus-4',
    })
    const ir = decodeRequest({
      model: 'm',
      messages: [{ role: 'assistant', content: 'x', reasoning_content: 'think', reasoning_signature: sig }],
    })
    expect(ir.messages[0]?.content[0]).toEqual({
      type: 'thinking',
      text: 'think',
      signature: 'ErUBCkYIAxgC',
      provenance: { dialect: 'anthropic-messages', provider: 'claude', model: 'claude-opus-4' },
    })
  })

  test('reads images, files and audio into media sources', () => {
    const ir = decodeRequest(readJson('request-image.json'))
    expect(ir.messages[0]?.content).toEqual([
      { type: 'text', text: 'Compare these.', cacheControl: { type: 'ephemeral' } },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG }, detail: 'high' },
      { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } },
      {
        type: 'file',
        source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0xLjQK' },
        filename: 'report.pdf',
      },
      { type: 'file', source: { kind: 'file_id', fileId: 'file-abc123' } },
      { type: 'audio', data: 'UklGRiQAAABXQVZF', format: 'wav' },
    ])
    expect(ir.responseFormat).toEqual({
      type: 'json_schema',
      name: 'comparison',
      description: 'A comparison',
      schema: {
        type: 'object',
        properties: { same: { type: 'boolean' } },
        required: ['same'],
        additionalProperties: false,
      },
      strict: true,
    })
    expect(ir.n).toBe(2)
  })

  test('reads reasoning_effort none as reasoning off, and keeps explicit nulls for the round trip', () => {
    const ir = decodeRequest(readJson('request-misc.json'))
    expect(ir.reasoning).toEqual({ mode: 'off', effort: 'none' })
    expect(ir.maxOutputTokens).toBeUndefined()
    expect(ir.temperature).toBeUndefined()
    expect(ir.extra).toMatchObject({ 'openai-chat': { fields: { max_tokens: null } } })
    expect(ir.stop).toEqual(['END', 'STOP'])
    expect(ir.responseFormat).toEqual({ type: 'json_object' })
    expect(ir.toolChoice).toEqual({ type: 'required' })
    expect(ir.tools).toEqual([])
    expect(ir.includeUsage).toBe(false)
    // refusals (part and field) read as text so other dialects see them
    expect(ir.messages[2]?.content).toEqual([
      { type: 'text', text: "I can't help with that.", extra: { 'openai-chat': { part: 'refusal' } } },
    ])
    expect(ir.messages[3]?.content).toEqual([
      { type: 'text', text: 'No.', extra: { 'openai-chat': { refusal: true } } },
    ])
  })

  test('keeps unusual wire spellings verbatim: data URLs with parameters, bare base64 files, unknown details', () => {
    const body = {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'image_url',
              image_url: { url: 'data:image/png;name=a.png;base64,AAAA', detail: 'original' },
            },
            { type: 'file', file: { filename: 'a.pdf', file_data: 'JVBERi0x' } },
          ],
        },
      ],
    }
    const ir = decodeRequest(json(body))
    expect(ir.messages[0]?.content[0]).toMatchObject({
      type: 'image',
      source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' },
    })
    expect(ir.messages[0]?.content[1]).toMatchObject({
      type: 'file',
      source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0x' },
    })
    expect(json(encodeRequest(ir))).toEqual(body)
  })

  test('empty tool-call arguments become "{}", never a missing field', () => {
    const ir = decodeRequest({
      model: 'm',
      messages: [
        {
          role: 'assistant',
          tool_calls: [
            { id: 'a', type: 'function', function: { name: 'f', arguments: '' } },
            { id: 'b', type: 'function', function: { name: 'g' } },
          ],
        },
      ],
    })
    expect(ir.messages[0]?.content.map((p) => (p as { arguments: string }).arguments)).toEqual(['{}', '{}'])
    const out = encodeRequest(ir) as { messages: { tool_calls: { function: { arguments: string } }[] }[] }
    expect(out.messages[0]?.tool_calls.map((t) => t.function.arguments)).toEqual(['{}', '{}'])
  })

  test('malformed bodies throw DialectError naming the field', () => {
    const cases: [unknown, string | undefined][] = [
      [[], undefined],
      [{ messages: [] }, 'model'],
      [{ model: 'm', messages: 'hi' }, 'messages'],
      [{ model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role'],
      [{ model: 'm', messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'messages.0.role'],
      [
        {
          model: 'm',
          messages: [
            { role: 'user', content: 'a' },
            { role: 'tool', content: 'x' },
          ],
        },
        'messages.1.tool_call_id',
      ],
      [
        { model: 'm', messages: [{ role: 'user', content: [{ type: 'video', video: {} }] }] },
        'messages.0.content.0.type',
      ],
      [
        { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
        'messages.0.content.0.image_url.url',
      ],
      [{ model: 'm', messages: [{ role: 'user', content: 5 }] }, 'messages.0.content'],
      [
        {
          model: 'm',
          messages: [
            { role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
          ],
        },
        'messages.0.content',
      ],
      [
        {
          model: 'm',
          messages: [
            {
              role: 'assistant',
              tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: {} } }],
            },
          ],
        },
        'messages.0.tool_calls.0.function.arguments',
      ],
      [{ model: 'm', messages: [], stop: 5 }, 'stop'],
      [{ model: 'm', messages: [], max_tokens: '5' }, 'max_tokens'],
      [{ model: 'm', messages: [], tool_choice: 'sometimes' }, 'tool_choice'],
      [{ model: 'm', messages: [], tools: [{ type: 'function', function: {} }] }, 'tools.0.function.name'],
    ]
    for (const [body, param] of cases) {
      const err = dialectError(() => decodeRequest(body))
      expect(err.info.param).toBe(param)
      expect(err.info.kind).toBe('invalid_request')
    }
  })
})

describe('encodeRequest from another dialect', () => {
  test('puts the top-level system prompt first, as one system message', () => {
    const out = encodeRequest(
      foreign([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], {
        system: [
          { type: 'text', text: 'You are Claude Code.', cacheControl: { type: 'ephemeral' } },
          { type: 'text', text: 'Be brief.' },
        ],
      }),
    )
    expect(out.messages).toEqual([
      {
        role: 'system',
        content: [
          { type: 'text', text: 'You are Claude Code.' },
          { type: 'text', text: 'Be brief.' },
        ],
      },
      { role: 'user', content: 'hi' },
    ])
    expect(encodeRequest(foreign([], { system: [{ type: 'text', text: 'One.' }] })).messages).toEqual([
      { role: 'system', content: 'One.' },
    ])
  })

  test('splits an Anthropic user turn of tool results into tool messages, then a user message', () => {
    const out = encodeRequest(
      foreign([
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_call', id: 'toolu_1', name: 'read', arguments: '{"path":"a.png"}' },
            { type: 'tool_call', id: 'toolu_2', name: 'ls', arguments: '' },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'toolu_1',
              content: [
                { type: 'text', text: 'Here is the image:' },
                { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG } },
              ],
            },
            {
              type: 'tool_result',
              toolCallId: 'toolu_2',
              isError: true,
              content: [
                { type: 'text', text: 'a.png' },
                { type: 'text', text: 'b.png' },
              ],
            },
            { type: 'text', text: 'What do you see?' },
          ],
        },
      ]),
    )
    expect(out.messages).toEqual([
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'read', arguments: '{"path":"a.png"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'ls', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'Here is the image:' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'a.png\nb.png' },
      // Chat tool messages cannot carry images: they follow the run of tool messages
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          { type: 'text', text: 'What do you see?' },
        ],
      },
    ])
  })

  test('regression: tool-result images wait for the end of the tool-message run', () => {
    const out = encodeRequest(
      foreign([
        {
          role: 'assistant',
          content: [
            { type: 'tool_call', id: 'a', name: 'shot', arguments: '{}' },
            { type: 'tool_call', id: 'b', name: 'shot', arguments: '{}' },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'a',
              content: [{ type: 'image', source: { kind: 'url', url: 'https://x/a.png' } }],
            },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'b',
              content: [
                {
                  type: 'file',
                  source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' },
                  filename: 'b.pdf',
                },
              ],
            },
          ],
        },
        { role: 'assistant', content: [{ type: 'text', text: 'Seen.' }] },
      ]),
    )
    expect((out.messages as { role: string }[]).map((m) => m.role)).toEqual([
      'assistant',
      'tool',
      'tool',
      'user',
      'assistant',
    ])
    expect((out.messages as unknown[])[3]).toEqual({
      role: 'user',
      content: [
        { type: 'image_url', image_url: { url: 'https://x/a.png' } },
        { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE', filename: 'b.pdf' } },
      ],
    })
    expect((out.messages as unknown[])[1]).toEqual({ role: 'tool', tool_call_id: 'a', content: '' })
  })

  test('assistant turns: texts joined, null content beside tool calls only, empty content otherwise', () => {
    const out = encodeRequest(
      foreign([
        { role: 'assistant', content: [{ type: 'tool_call', id: 't', name: 'f', arguments: '{}' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
        { role: 'assistant', content: [] },
      ]),
    )
    expect(out.messages).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'assistant', content: 'ab' },
      { role: 'assistant', content: '' },
    ])
  })

  describe('thinking', () => {
    const anthropic: ThinkingPart = {
      type: 'thinking',
      text: 'I should call the tool.',
      signature: 'ErUBCkYIAxgC',
      provenance: { dialect: 'anthropic-messages', provider: 'claude' },
    }
    const native: ThinkingPart = {
      type: 'thinking',
      text: 'Native reasoning.',
      signature: 'sig-chat',
      provenance: { dialect: 'openai-chat', provider: 'byokey-upstream' },
    }
    const plain: ThinkingPart = { type: 'thinking', text: 'Plain reasoning (Kimi wants it back).' }
    const turn = (t: ThinkingPart): Request =>
      foreign([
        { role: 'assistant', content: [t, { type: 'tool_call', id: 'c', name: 'f', arguments: '{}' }] },
      ])
    const first = (body: Record<string, unknown>) => (body.messages as Record<string, unknown>[])[0]

    test('drops thinking with a foreign signature by default', () => {
      expect(first(encodeRequest(turn(anthropic)))).toEqual({
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
      })
    })

    test('turns foreign thinking into plain text with foreignThinking: text', () => {
      expect(first(encodeRequest(turn(anthropic), { foreignThinking: 'text' }))?.content).toBe(
        'I should call the tool.',
      )
    })

    test('keeps plain reasoning text without opaque fields as reasoning_content', () => {
      expect(first(encodeRequest(turn(plain)))?.reasoning_content).toBe(
        'Plain reasoning (Kimi wants it back).',
      )
    })

    test('keeps native thinking with its signature, unless the provider differs', () => {
      const m = first(encodeRequest(turn(native), { provider: 'byokey-upstream' }))
      expect(m?.reasoning_content).toBe('Native reasoning.')
      expect(m?.reasoning_signature).toBe('sig-chat')
      const other = first(encodeRequest(turn(native), { provider: 'deepseek' }))
      expect(other?.reasoning_content).toBeUndefined()
      expect(other?.reasoning_signature).toBeUndefined()
    })

    test('drops redacted thinking that carries no text', () => {
      const redacted: ThinkingPart = {
        type: 'thinking',
        text: '',
        redacted: 'EmwKAhgB',
        provenance: { dialect: 'anthropic-messages' },
      }
      expect(first(encodeRequest(turn(redacted), { foreignThinking: 'text' }))?.content).toBeNull()
    })

    test('sends a Gemini thought signature on a tool call only where it is native', () => {
      const call: Part = {
        type: 'tool_call',
        id: 'c',
        name: 'f',
        arguments: '{}',
        thoughtSignature: 'CiQB',
        provenance: { dialect: 'openai-chat', provider: 'gemini-compat' },
      }
      const req = foreign([{ role: 'assistant', content: [call] }])
      const calls = (b: Record<string, unknown>) => first(b)?.tool_calls
      expect(calls(encodeRequest(req))).toEqual([
        {
          id: 'c',
          type: 'function',
          function: { name: 'f', arguments: '{}' },
          extra_content: { google: { thought_signature: 'CiQB' } },
        },
      ])
      const gemini: Part = { ...call, provenance: { dialect: 'gemini' } }
      expect(calls(encodeRequest(foreign([{ role: 'assistant', content: [gemini] }])))).toEqual([
        { id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } },
      ])
    })
  })

  test('maps reasoning levels and budgets with clampEffort', () => {
    const effort = (reasoning: Request['reasoning']) =>
      encodeRequest(foreign([], { reasoning })).reasoning_effort
    expect(effort({ effort: 'low' })).toBe('low')
    expect(effort({ effort: 'max' })).toBe('xhigh')
    expect(effort({ mode: 'on', budgetTokens: 31999 })).toBe('xhigh')
    expect(effort({ mode: 'on', budgetTokens: 4000 })).toBe('medium')
    expect(effort({ mode: 'on', budgetTokens: 1024 })).toBe('low')
    expect(effort({ mode: 'off' })).toBe('none')
    expect(effort({ mode: 'auto' })).toBeUndefined()
    expect(effort(undefined)).toBeUndefined()
  })

  test('maps sampling, limits, stop, tools, tool choice and response format', () => {
    const tools: Tool[] = [
      {
        kind: 'function',
        name: 'f',
        description: 'd',
        parameters: { type: 'object' },
        cacheControl: { type: 'ephemeral' },
      },
      { kind: 'web_search', config: { max_uses: 5 }, dialect: 'anthropic-messages' },
    ]
    const out = encodeRequest(
      foreign([{ role: 'user', content: [{ type: 'text', text: 'q' }] }], {
        stream: true,
        maxOutputTokens: 2000,
        temperature: 1,
        topP: 0.5,
        topK: 40,
        stop: ['X'],
        tools,
        toolChoice: { type: 'tool', name: 'f' },
        parallelToolCalls: false,
        responseFormat: { type: 'json_schema', schema: { type: 'object' } },
        user: 'u1',
        metadata: { user_id: 'u1' },
        extra: { anthropic_only: true },
      }),
      { model: 'gpt-5' },
    )
    expect(out).toEqual({
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'q' }],
      stream: true,
      // a foreign client's dialect reports usage, so the upstream is asked for it
      stream_options: { include_usage: true },
      max_completion_tokens: 2000,
      temperature: 1,
      top_p: 0.5,
      top_k: 40,
      stop: ['X'],
      user: 'u1',
      metadata: { user_id: 'u1' },
      tools: [
        { type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' } } },
      ],
      web_search_options: {},
      tool_choice: { type: 'function', function: { name: 'f' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object' } } },
    })
  })

  test('throws DialectError for what Chat cannot express', () => {
    const cases: [Request, string][] = [
      [
        foreign([], {
          tools: [
            {
              kind: 'server',
              dialect: 'anthropic-messages',
              raw: { type: 'code_execution_20250825', name: 'x' },
            },
          ],
        }),
        'tools.0',
      ],
      [
        foreign([
          { role: 'user', content: [{ type: 'image', source: { kind: 'file_id', fileId: 'file_1' } }] },
        ]),
        'messages.0.content.0.source',
      ],
      [
        foreign([
          { role: 'user', content: [{ type: 'file', source: { kind: 'url', url: 'https://x/a.pdf' } }] },
        ]),
        'messages.0.content.0.source',
      ],
      [
        foreign([
          {
            role: 'assistant',
            content: [{ type: 'image', source: { kind: 'url', url: 'https://x/a.png' } }],
          },
        ]),
        'messages.0.content.0',
      ],
      [
        foreign([{ role: 'system', content: [{ type: 'audio', data: 'AA', format: 'wav' }] }]),
        'messages.0.content.0',
      ],
      [
        foreign([{ role: 'user', content: [{ type: 'tool_call', id: 'a', name: 'f', arguments: '{}' }] }]),
        'messages.0.content.0',
      ],
    ]
    for (const [req, param] of cases) expect(dialectError(() => encodeRequest(req)).info.param).toBe(param)
  })

  test('a server tool decoded from Chat goes back to Chat as it came', () => {
    const body = {
      model: 'm',
      messages: [],
      tools: [{ type: 'custom', custom: { name: 'grammar', format: { type: 'text' } } }],
    }
    expect(json(encodeRequest(decodeRequest(json(body))))).toEqual(body)
  })
})

// ---------------------------------------------------------------------------------------------
// Property: IR requests restricted to what Chat carries survive encode → decode.

const text = fc.string({ minLength: 1, maxLength: 20 })
const textPart = text.map((t): Part => ({ type: 'text', text: t }))
const imagePart = fc.oneof(
  fc.constantFrom('image/png', 'image/jpeg').map(
    (mediaType): Part => ({
      type: 'image',
      source: { kind: 'base64', mediaType, data: PNG },
    }),
  ),
  fc.webUrl().map((url): Part => ({ type: 'image', source: { kind: 'url', url }, detail: 'low' })),
)
const args = fc
  .dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 })
  .map((o) => JSON.stringify(o))
const id = fc.stringMatching(/^call_[A-Za-z0-9]{4,10}$/)
const toolCall = fc
  .record({ id, name: fc.stringMatching(/^[a-z_]{1,12}$/), arguments: args })
  .map((c): Part => ({ type: 'tool_call', ...c }))

const message: fc.Arbitrary<Message> = fc.oneof(
  fc.array(textPart, { minLength: 1, maxLength: 3 }).map((content): Message => ({ role: 'system', content })),
  fc
    .tuple(textPart, fc.array(fc.oneof(textPart, imagePart), { maxLength: 3 }))
    .map(([first, rest]): Message => ({ role: 'user', content: [first, ...rest] })),
  fc
    .record({
      think: fc.option(text, { nil: undefined }),
      say: fc.option(text, { nil: undefined }),
      calls: fc.array(toolCall, { maxLength: 3 }),
    })
    .filter((a) => a.say !== undefined || a.calls.length > 0)
    .map(
      (a): Message => ({
        role: 'assistant',
        content: [
          ...(a.think === undefined ? [] : [{ type: 'thinking' as const, text: a.think }]),
          ...(a.say === undefined ? [] : [{ type: 'text' as const, text: a.say }]),
          ...a.calls,
        ],
      }),
    ),
  fc.tuple(id, text).map(
    ([toolCallId, t]): Message => ({
      role: 'tool',
      content: [{ type: 'tool_result', toolCallId, content: [{ type: 'text', text: t }] }],
    }),
  ),
)

const irRequest: fc.Arbitrary<Request> = fc
  .record(
    {
      model: fc.string({ minLength: 1, maxLength: 10 }),
      messages: fc.array(message, { maxLength: 6 }),
      stream: fc.boolean(),
      maxOutputTokens: fc.integer({ min: 1, max: 100000 }),
      temperature: fc.double({ min: 0, max: 2, noNaN: true }),
      topP: fc.double({ min: 0, max: 1, noNaN: true }),
      seed: fc.integer(),
      n: fc.integer({ min: 1, max: 4 }),
      stop: fc.array(text, { minLength: 1, maxLength: 4 }),
      user: text,
      tools: fc.array(
        fc.record({
          kind: fc.constant('function' as const),
          name: fc.stringMatching(/^[a-z_]{1,12}$/),
          parameters: fc.constant({ type: 'object' }),
        }),
        // OpenAI rejects `tools: []`, so a foreign empty list is not sent (see the identity test for Chat's own)
        { minLength: 1, maxLength: 3 },
      ),
      toolChoice: fc.constantFrom(
        { type: 'auto' as const },
        { type: 'none' as const },
        { type: 'required' as const },
        { type: 'tool' as const, name: 'f' },
      ),
      reasoning: fc.constantFrom(
        { effort: 'low' as const },
        { effort: 'xhigh' as const },
        { mode: 'off' as const, effort: 'none' as const },
      ),
      responseFormat: fc.constantFrom(
        { type: 'json_object' as const },
        { type: 'json_schema' as const, name: 'r', schema: { type: 'object' }, strict: true },
      ),
    },
    { requiredKeys: ['model', 'messages', 'stream'] },
  )
  .map((r): Request => ({ source: 'gemini', system: [], extra: {}, ...r }))

/** What a Chat decode adds that the IR author did not write: bookkeeping, provenance, looked-up result names. */
function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip)
  if (typeof v !== 'object' || v === null) return v
  const out: Record<string, unknown> = {}
  const result = (v as { type?: unknown }).type === 'tool_result'
  for (const [k, x] of Object.entries(v)) {
    if (k === 'extra' || k === 'provenance' || k === 'includeUsage' || (result && k === 'name')) continue
    out[k] = strip(x)
  }
  return out
}

describe('request property', () => {
  test('decodeRequest(encodeRequest(ir)) keeps every field Chat carries', () => {
    fc.assert(
      fc.property(irRequest, (ir) => {
        const back = decodeRequest(json(encodeRequest(ir)))
        expect(strip(back)).toEqual(strip({ ...ir, source: 'openai-chat' }))
      }),
      { numRuns: 300 },
    )
  })
})
