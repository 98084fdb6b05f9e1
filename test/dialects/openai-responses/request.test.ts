import { describe, expect, test } from 'bun:test'
import { wrapSignature } from '../../../src/dialects/common/provenance.ts'
import { DialectError, type Message, type Request, type ThinkingPart } from '../../../src/dialects/ir.ts'
import { decodeRequest, encodeRequest } from '../../../src/dialects/openai-responses/index.ts'
import { fixtureJson } from './support.ts'

const NATIVE = { dialect: 'openai-responses' } as const
const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown

/** An IR request as another dialect's decoder would hand it over. */
function foreign(messages: Message[], extra: Partial<Request> = {}): Request {
  return {
    source: 'anthropic-messages',
    model: 'claude-sonnet-4-5',
    system: [],
    messages,
    stream: false,
    extra: {},
    ...extra,
  }
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

describe('same-dialect round trip is identity', () => {
  for (const name of ['request-codex.json', 'request-shapes.json', 'request-string-input.json']) {
    test(name, () => {
      const body = fixtureJson(name)
      expect(json(encodeRequest(decodeRequest(body)))).toEqual(body)
    })
  }
})

describe('round-trip hints', () => {
  test("a client's `$`-named and prototype-named fields are fields, and come back as sent", () => {
    const text =
      '{"model":"m","input":[{"type":"message","role":"user","content":"hi","$x":1,"constructor":2}],' +
      '"$top":3,"toString":4,"__proto__":{"a":1}}'
    const req = decodeRequest(JSON.parse(text))
    expect(JSON.stringify(encodeRequest(req))).toBe(
      '{"model":"m","input":[{"role":"user","content":"hi","type":"message","$x":1,"constructor":2}],' +
        '"$top":3,"toString":4,"__proto__":{"a":1}}',
    )
  })

  test('hints are read only under this dialect’s key', () => {
    const req = foreign([
      {
        role: 'user',
        content: [{ type: 'text', text: 'hi' }],
        extra: { 'openai-chat': { content: 'string' }, $input: 'string' },
      },
    ])
    req.extra = { 'openai-chat': { fields: { store: true } }, store: true }
    expect(encodeRequest(req)).toEqual({
      model: 'claude-sonnet-4-5',
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }],
    })
  })
})

describe('decodeRequest', () => {
  test('decodes a Codex CLI request into the exact IR', () => {
    const weatherParams = {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    }
    expect(decodeRequest(fixtureJson('request-codex.json'))).toEqual({
      source: 'openai-responses',
      model: 'gpt-5-codex',
      system: [{ type: 'text', text: 'You are Codex, a coding agent running in a terminal.' }],
      messages: [
        {
          role: 'system',
          content: [{ type: 'text', text: '<permissions>workspace-write</permissions>' }],
          extra: { 'openai-responses': { fields: { type: 'message' } } },
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather and the time in Paris? Here is a map.' },
            {
              type: 'image',
              source: {
                kind: 'base64',
                mediaType: 'image/png',
                data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
              },
              detail: 'auto',
            },
          ],
          extra: { 'openai-responses': { fields: { type: 'message' } } },
        },
        {
          role: 'assistant',
          content: [
            {
              type: 'thinking',
              text: '**Planning**\n\nNeed the weather and the time.',
              summary: true,
              encrypted: 'gAAAAABoqdKxENCRYPTED-reasoning-1==',
              provenance: NATIVE,
              extra: { 'openai-responses': { reasoning: { fields: { content: null } } } },
            },
            {
              type: 'text',
              text: 'Checking both.',
              extra: { 'openai-responses': { message: { fields: { type: 'message' } } } },
            },
            { type: 'tool_call', id: 'call_Wx1', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { type: 'tool_call', id: 'call_Tm2', name: 'get_time', arguments: '{"city":"Paris"}' },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'call_Wx1',
              name: 'get_weather',
              content: [{ type: 'text', text: '18°C, sunny' }],
            },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'call_Tm2',
              name: 'get_time',
              content: [{ type: 'text', text: '14:02' }],
            },
          ],
        },
        {
          role: 'user',
          content: [{ type: 'text', text: 'Thanks! Anything else?' }],
          extra: { 'openai-responses': { fields: { type: 'message' } } },
        },
      ],
      tools: [
        {
          kind: 'function',
          name: 'get_weather',
          description: 'Current weather for a city.',
          parameters: weatherParams,
          strict: false,
        },
        {
          kind: 'function',
          name: 'get_time',
          description: 'Local time for a city.',
          parameters: weatherParams,
          strict: false,
        },
      ],
      toolChoice: { type: 'auto' },
      parallelToolCalls: true,
      reasoning: { effort: 'medium', summary: 'auto', includeThoughts: true },
      stream: true,
      extra: {
        'openai-responses': {
          fields: {
            store: false,
            include: ['reasoning.encrypted_content'],
            prompt_cache_key: '0199a3b2-6c1d-7e40-9d6e-2f7c1a4b5e60',
            text: { verbosity: 'medium' },
          },
        },
      },
    })
  })

  test('decodes every content shape, keeping what the IR lacks in extra', () => {
    const req = decodeRequest(fixtureJson('request-shapes.json'))
    const [
      system,
      user1,
      assistant1,
      user2,
      turn,
      webSearch,
      call,
      result,
      custom,
      customOut,
      ref,
      empty,
      dev,
    ] = req.messages
    expect(system).toEqual({
      role: 'system',
      content: [{ type: 'text', text: 'Answer in French.' }],
      extra: { 'openai-responses': { role: 'system', content: 'string' } },
    })
    expect(user1).toEqual({
      role: 'user',
      content: [{ type: 'text', text: 'Bonjour' }],
      extra: { 'openai-responses': { content: 'string' } },
    })
    expect(assistant1).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Salut !', extra: { 'openai-responses': { message: { content: 'string' } } } },
      ],
    })
    expect(user2?.content).toEqual([
      { type: 'text', text: 'Describe these.' },
      { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.png' }, detail: 'high' },
      {
        type: 'image',
        source: { kind: 'file_id', fileId: 'file-abc123' },
        extra: { 'openai-responses': { fields: { detail: 'original' } } },
      },
      {
        type: 'file',
        source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0xLjQK' },
        filename: 'report.pdf',
      },
      { type: 'file', source: { kind: 'url', url: 'https://example.com/notes.txt' } },
      {
        type: 'file',
        source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0xLjcK' },
        filename: 'raw.pdf',
        extra: { 'openai-responses': { fileData: 'raw' } },
      },
      { type: 'audio', data: 'UklGRiQAAABXQVZF', format: 'wav' },
    ])
    expect(user2?.extra).toEqual({
      'openai-responses': { fields: { type: 'message', id: 'msg_u1', status: 'completed' } },
    })
    expect(turn).toEqual({
      role: 'assistant',
      content: [
        {
          type: 'thinking',
          text: 'First.',
          summary: true,
          itemId: 'rs_stored1',
          provenance: NATIVE,
          extra: { 'openai-responses': { reasoning: {} } },
        },
        { type: 'thinking', text: 'Second.', summary: true, itemId: 'rs_stored1', provenance: NATIVE },
        {
          type: 'text',
          text: 'See [1].',
          citations: [
            {
              type: 'url_citation',
              start_index: 4,
              end_index: 7,
              url: 'https://example.com',
              title: 'Example',
            },
          ],
          extra: {
            'openai-responses': {
              message: {
                fields: { type: 'message', id: 'msg_a1', status: 'completed', phase: 'final_answer' },
              },
            },
          },
        },
        { type: 'text', text: "I can't describe faces.", extra: { 'openai-responses': { refusal: true } } },
      ],
    })
    // Items the IR does not model stay in place, verbatim.
    expect(webSearch).toEqual({
      role: 'assistant',
      content: [],
      extra: {
        'openai-responses': {
          item: {
            type: 'web_search_call',
            id: 'ws_1',
            status: 'completed',
            action: { type: 'search', query: 'cats' },
          },
        },
      },
    })
    expect(call?.content).toEqual([
      {
        type: 'tool_call',
        id: 'call_1',
        name: 'lookup',
        arguments: '{}',
        itemId: 'fc_1',
        extra: { 'openai-responses': { fields: { status: 'completed' } } },
      },
    ])
    expect(result?.content).toEqual([
      {
        type: 'tool_result',
        toolCallId: 'call_1',
        name: 'lookup',
        content: [
          { type: 'text', text: 'Found:' },
          {
            type: 'image',
            source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQSkZJRg==' },
            detail: 'low',
          },
        ],
        extra: { 'openai-responses': { output: 'array' } },
      },
    ])
    expect(custom).toEqual({
      role: 'assistant',
      content: [],
      extra: {
        'openai-responses': {
          item: {
            type: 'custom_tool_call',
            id: 'ctc_1',
            call_id: 'call_2',
            name: 'apply_patch',
            input: '*** Begin Patch',
          },
        },
      },
    })
    expect(customOut?.role).toBe('user')
    expect(ref).toEqual({
      role: 'user',
      content: [],
      extra: { 'openai-responses': { item: { type: 'item_reference', id: 'msg_old' } } },
    })
    expect(empty?.content).toEqual([])
    expect(dev).toEqual({
      role: 'system',
      content: [{ type: 'text', text: 'Keep it short.' }],
      extra: { 'openai-responses': { fields: { type: 'message' } } },
    })
    expect(req.tools).toEqual([
      {
        kind: 'function',
        name: 'lookup',
        description: 'Look something up.',
        parameters: { type: 'object', properties: {} },
        strict: true,
      },
      {
        kind: 'web_search',
        config: { type: 'web_search', search_context_size: 'low' },
        dialect: 'openai-responses',
      },
      {
        kind: 'server',
        dialect: 'openai-responses',
        raw: { type: 'file_search', vector_store_ids: ['vs_1'] },
      },
      {
        kind: 'function',
        name: 'noop',
        parameters: {},
        extra: { 'openai-responses': { parameters: 'absent' } },
      },
    ])
    expect(req.toolChoice).toEqual({ type: 'tool', name: 'lookup' })
    expect(req.responseFormat).toEqual({
      type: 'json_schema',
      name: 'answer',
      schema: {
        type: 'object',
        properties: { text: { type: 'string' } },
        required: ['text'],
        additionalProperties: false,
      },
      strict: true,
    })
    expect(req.reasoning).toEqual({ effort: 'max', summary: 'detailed', includeThoughts: true })
    expect(req).toMatchObject({
      maxOutputTokens: 2048,
      temperature: 0.7,
      topP: 0.9,
      user: 'user-42',
      stream: false,
    })
    expect(req.metadata).toEqual({ session: 'abc' })
    expect(req.extra).toEqual({
      'openai-responses': {
        fields: {
          text: { verbosity: 'low' },
          reasoning: { generate_summary: null },
          stream: false,
          store: true,
          previous_response_id: null,
          service_tier: 'flex',
          truncation: 'auto',
          safety_identifier: 'hash-1',
        },
      },
    })
  })

  test('a string input is one user message', () => {
    const req = decodeRequest(fixtureJson('request-string-input.json'))
    expect(req.system).toEqual([{ type: 'text', text: 'Be funny.' }])
    expect(req.messages).toEqual([
      {
        role: 'user',
        content: [{ type: 'text', text: 'Tell me a joke.' }],
        extra: { 'openai-responses': { input: 'string' } },
      },
    ])
  })

  test('encrypted content the gateway wrapped for another dialect comes back as that dialect’s signature', () => {
    const claude = { dialect: 'anthropic-messages', provider: 'claude', model: 'claude-sonnet-4-5' } as const
    const req = decodeRequest({
      model: 'm',
      input: [
        {
          type: 'reasoning',
          summary: [{ type: 'summary_text', text: 'hm' }],
          encrypted_content: wrapSignature('EqQBsig', claude),
        },
        { type: 'reasoning', summary: [], encrypted_content: wrapSignature('redacted:EmwKdata', claude) },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] },
      ],
    })
    const [a, b] = req.messages[0]!.content as ThinkingPart[]
    expect(a).toMatchObject({ text: 'hm', signature: 'EqQBsig', provenance: claude })
    expect(a?.encrypted).toBeUndefined()
    expect(b).toMatchObject({ text: '', redacted: 'EmwKdata', provenance: claude })
  })

  test('empty function arguments become {}', () => {
    const req = decodeRequest({
      model: 'm',
      input: [{ type: 'function_call', call_id: 'call_1', name: 'now', arguments: '' }],
    })
    expect(req.messages[0]?.content[0]).toMatchObject({ type: 'tool_call', arguments: '{}' })
  })

  test('malformed bodies throw DialectError naming the field', () => {
    expect(thrown(() => decodeRequest('nope')).info.kind).toBe('invalid_request')
    expect(thrown(() => decodeRequest({ input: 'hi' })).info.param).toBe('model')
    expect(thrown(() => decodeRequest({ model: 'm', input: 42 })).info.param).toBe('input')
    expect(thrown(() => decodeRequest({ model: 'm', input: ['x'] })).info.param).toBe('input.0')
    expect(
      thrown(() => decodeRequest({ model: 'm', input: [{ role: 'robot', content: 'x' }] })).info.param,
    ).toBe('input.0.role')
    expect(thrown(() => decodeRequest({ model: 'm', input: [{ role: 'user' }] })).info.param).toBe(
      'input.0.content',
    )
    expect(
      thrown(() =>
        decodeRequest({ model: 'm', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }),
      ).info.param,
    ).toBe('input.0.call_id')
    expect(
      thrown(() =>
        decodeRequest({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_video' }] }] }),
      ).info.param,
    ).toBe('input.0.content.0.type')
    expect(
      thrown(() =>
        decodeRequest({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_image' }] }] }),
      ).info.param,
    ).toBe('input.0.content.0.image_url')
    expect(thrown(() => decodeRequest({ model: 'm', tools: [{ name: 'f' }] })).info.param).toBe('tools.0')
    expect(thrown(() => decodeRequest({ model: 'm', input: [{ type: 'reasoning' }] })).info.param).toBe(
      'input.0.summary',
    )
  })
})

describe('encodeRequest from another dialect', () => {
  test('encodes an Anthropic-shaped conversation into the exact Responses body', () => {
    const ir = foreign(
      [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in Paris?', cacheControl: { type: 'ephemeral' } },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQ' } },
            { type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            {
              type: 'thinking',
              text: 'User wants weather.',
              signature: 'EqQBCgIYAhIM',
              provenance: { dialect: 'anthropic-messages' },
            },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_call', id: 'toolu_01A', name: 'get_weather', arguments: '{"city":"Paris"}' },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'toolu_01A',
              content: [
                { type: 'text', text: '18°C' },
                { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBOR' } },
              ],
            },
            { type: 'text', text: 'And tomorrow?' },
          ],
        },
      ],
      {
        system: [
          { type: 'text', text: 'You are terse.', cacheControl: { type: 'ephemeral' } },
          { type: 'text', text: 'Use tools.' },
        ],
        tools: [
          {
            kind: 'function',
            name: 'get_weather',
            description: 'Weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        ],
        toolChoice: { type: 'required' },
        maxOutputTokens: 4096,
        reasoning: { mode: 'on', budgetTokens: 10000 },
        user: 'u1',
        stream: true,
        extra: { anthropic_beta: ['interleaved-thinking-2025-05-14'], $item: 'never' },
      },
    )
    expect(encodeRequest(ir, { model: 'gpt-5' })).toEqual({
      model: 'gpt-5',
      instructions: 'You are terse.\n\nUse tools.',
      input: [
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'Weather in Paris?' },
            { type: 'input_image', image_url: 'data:image/jpeg;base64,/9j/4AAQ' },
            { type: 'input_image', image_url: 'https://example.com/a.png' },
          ],
        },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', call_id: 'toolu_01A', name: 'get_weather', arguments: '{"city":"Paris"}' },
        {
          type: 'function_call_output',
          call_id: 'toolu_01A',
          output: [
            { type: 'input_text', text: '18°C' },
            { type: 'input_image', image_url: 'data:image/png;base64,iVBOR' },
          ],
        },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'And tomorrow?' }] },
      ],
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
          strict: false,
        },
      ],
      tool_choice: 'required',
      reasoning: { effort: 'high' },
      max_output_tokens: 4096,
      user: 'u1',
      stream: true,
    })
  })

  test('system messages in the list become developer messages; files, audio and text-only tool results', () => {
    const body = encodeRequest(
      foreign([
        { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
        {
          role: 'user',
          content: [
            {
              type: 'file',
              source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBER' },
              filename: 'a.pdf',
            },
            { type: 'file', source: { kind: 'file_id', fileId: 'file-1' } },
            { type: 'audio', data: 'UklG', format: 'wav' },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'call_9',
              content: [
                { type: 'text', text: 'line 1' },
                { type: 'text', text: 'line 2' },
              ],
            },
          ],
        },
      ]),
    )
    expect(body.input).toEqual([
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Be brief.' }] },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBER' },
          { type: 'input_file', file_id: 'file-1' },
          { type: 'input_audio', input_audio: { data: 'UklG', format: 'wav' } },
        ],
      },
      { type: 'function_call_output', call_id: 'call_9', output: 'line 1\nline 2' },
    ])
  })

  test('empty messages of another dialect are skipped; a client’s own come back', () => {
    const empty = foreign([
      { role: 'user', content: [] },
      { role: 'assistant', content: [] },
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    ])
    expect(encodeRequest(empty).input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
    ])
    const own = { model: 'm', input: [{ role: 'user', content: [] }] }
    expect(encodeRequest(decodeRequest(own))).toEqual(own)
  })

  test('structured output, tool choice by name and web search settings', () => {
    const body = encodeRequest(
      foreign([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], {
        responseFormat: { type: 'json_schema', schema: { type: 'object' }, strict: true },
        toolChoice: { type: 'tool', name: 'f' },
        parallelToolCalls: false,
        temperature: 0.2,
        topP: 0.5,
        metadata: { trace: 't1' },
        tools: [
          {
            kind: 'web_search',
            config: { max_uses: 3, allowed_domains: ['example.com'] },
            dialect: 'anthropic-messages',
          },
        ],
      }),
    )
    expect(body).toMatchObject({
      text: { format: { type: 'json_schema', name: 'response', schema: { type: 'object' }, strict: true } },
      tool_choice: { type: 'function', name: 'f' },
      parallel_tool_calls: false,
      temperature: 0.2,
      top_p: 0.5,
      metadata: { trace: 't1' },
      tools: [{ type: 'web_search', filters: { allowed_domains: ['example.com'] } }],
    })
    expect(encodeRequest(foreign([], { responseFormat: { type: 'json_object' } })).text).toEqual({
      format: { type: 'json_object' },
    })
  })

  test('never puts a call_/toolu_ id into function_call.id (400 "Expected an ID that begins with \'fc\'")', () => {
    const body = encodeRequest(
      foreign([
        {
          role: 'assistant',
          content: [
            { type: 'tool_call', id: 'call_abc', itemId: 'call_abc', name: 'a', arguments: '{}' },
            { type: 'tool_call', id: 'toolu_01', name: 'b', arguments: '' },
            { type: 'tool_call', id: 'call_x', itemId: 'fc_keep', name: 'c', arguments: '{"k":1}' },
          ],
        },
      ]),
    )
    expect(body.input).toEqual([
      { type: 'function_call', call_id: 'call_abc', name: 'a', arguments: '{}' },
      { type: 'function_call', call_id: 'toolu_01', name: 'b', arguments: '{}' },
      { type: 'function_call', id: 'fc_keep', call_id: 'call_x', name: 'c', arguments: '{"k":1}' },
    ])
  })

  test('sets strict:false on foreign function tools (Responses may enforce strict when omitted)', () => {
    const body = encodeRequest(
      foreign([], { tools: [{ kind: 'function', name: 'f', parameters: { type: 'object' } }] }),
    )
    expect(body.tools).toEqual([
      { type: 'function', name: 'f', parameters: { type: 'object' }, strict: false },
    ])
  })

  test('a server tool of another dialect has no equivalent and throws', () => {
    const e = thrown(() =>
      encodeRequest(
        foreign([], {
          tools: [
            {
              kind: 'server',
              dialect: 'anthropic-messages',
              raw: { type: 'code_execution_20250522', name: 'x' },
            },
          ],
        }),
      ),
    )
    expect(e.info.param).toBe('tools.0')
  })

  test('what changes the answer (n > 1, stop) throws; sampling hints the API lacks are dropped', () => {
    const base = foreign([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }])
    expect(thrown(() => encodeRequest({ ...base, n: 2 })).info.param).toBe('n')
    expect(thrown(() => encodeRequest({ ...base, stop: ['END'] })).info.param).toBe('stop')
    // Gemini CLI sends topK on every request: refusing it would lock that client out.
    const body = encodeRequest({ ...base, topK: 40, presencePenalty: 0.5, frequencyPenalty: 0.5, seed: 7 })
    for (const k of ['top_k', 'presence_penalty', 'frequency_penalty', 'seed'])
      expect(body).not.toHaveProperty(k)
    expect(() => encodeRequest({ ...base, n: 1, stop: [] })).not.toThrow()
  })

  test('parts a role cannot carry throw with their path', () => {
    expect(
      thrown(() =>
        encodeRequest(
          foreign([{ role: 'user', content: [{ type: 'tool_call', id: 'c', name: 'f', arguments: '{}' }] }]),
        ),
      ).info.param,
    ).toBe('messages.0.content.0')
    expect(
      thrown(() =>
        encodeRequest(
          foreign([
            {
              role: 'assistant',
              content: [{ type: 'image', source: { kind: 'url', url: 'https://x/y.png' } }],
            },
          ]),
        ),
      ).info.param,
    ).toBe('messages.0.content.0')
  })
})

describe('thinking in request history', () => {
  const turn = (...content: Message['content']): Request =>
    foreign([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      { role: 'assistant', content: [...content, { type: 'text', text: 'a' }] },
    ])
  const assistantItems = (body: Record<string, unknown>) => (body.input as unknown[]).slice(1)

  test('replays reasoning only with native encrypted_content (Codex store:false)', () => {
    const body = encodeRequest(
      turn(
        { type: 'thinking', text: 'Summary A', summary: true, encrypted: 'gAAAA-A', provenance: NATIVE },
        { type: 'thinking', text: 'plain', provenance: NATIVE },
        {
          type: 'thinking',
          text: 'Claude thought',
          signature: 'EqQB',
          provenance: { dialect: 'anthropic-messages' },
        },
        { type: 'thinking', text: '', redacted: 'EmwK', provenance: { dialect: 'anthropic-messages' } },
        { type: 'thinking', text: 'no provenance', encrypted: 'gAAAA-X' },
      ),
      { provider: 'codex' },
    )
    expect(assistantItems(body)).toEqual([
      {
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: 'Summary A' }],
        encrypted_content: 'gAAAA-A',
      },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a' }] },
    ])
  })

  test('an rs_ id and summary parts sharing it form one item; the id is sent only with the rs_ prefix', () => {
    const body = encodeRequest(
      turn(
        { type: 'thinking', text: 'One.', summary: true, itemId: 'rs_1', provenance: NATIVE },
        {
          type: 'thinking',
          text: 'Two.',
          summary: true,
          itemId: 'rs_1',
          encrypted: 'gAAAA-1',
          provenance: NATIVE,
        },
        { type: 'thinking', text: 'Other.', itemId: 'item_9', encrypted: 'gAAAA-2', provenance: NATIVE },
      ),
    )
    expect(assistantItems(body).slice(0, 2)).toEqual([
      {
        type: 'reasoning',
        id: 'rs_1',
        summary: [
          { type: 'summary_text', text: 'One.' },
          { type: 'summary_text', text: 'Two.' },
        ],
        encrypted_content: 'gAAAA-1',
      },
      {
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: 'Other.' }],
        encrypted_content: 'gAAAA-2',
      },
    ])
  })

  test('a Responses signature that came back through another dialect is replayed as encrypted_content', () => {
    const body = encodeRequest(
      turn({
        type: 'thinking',
        text: 'S',
        signature: 'gAAAA-sig',
        provenance: { dialect: 'openai-responses', provider: 'codex' },
      }),
      { provider: 'codex' },
    )
    expect(assistantItems(body)[0]).toEqual({
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'S' }],
      encrypted_content: 'gAAAA-sig',
    })
  })

  test('encrypted content of another provider is dropped (it would not validate there)', () => {
    const body = encodeRequest(
      turn({
        type: 'thinking',
        text: 'S',
        encrypted: 'gAAAA',
        provenance: { dialect: 'openai-responses', provider: 'copilot' },
      }),
      { provider: 'codex' },
    )
    expect(assistantItems(body)).toHaveLength(1)
  })

  test("summary text without encrypted content is dropped, or kept as text with foreignThinking: 'text'", () => {
    const ir = turn(
      { type: 'thinking', text: 'Only a summary', summary: true, itemId: 'rs_9', provenance: NATIVE },
      {
        type: 'thinking',
        text: 'Claude thought',
        signature: 'EqQB',
        provenance: { dialect: 'anthropic-messages' },
      },
    )
    expect(assistantItems(encodeRequest(ir))).toEqual([
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a' }] },
    ])
    expect(assistantItems(encodeRequest(ir, { foreignThinking: 'text' }))).toEqual([
      {
        type: 'message',
        role: 'assistant',
        content: [
          { type: 'output_text', text: 'Only a summary' },
          { type: 'output_text', text: 'Claude thought' },
          { type: 'output_text', text: 'a' },
        ],
      },
    ])
  })
})

describe('reasoning mapping', () => {
  const cases: [string, Request['reasoning'], Record<string, unknown> | undefined][] = [
    ['off → none', { mode: 'off' }, { effort: 'none' }],
    ['effort passes', { effort: 'low' }, { effort: 'low' }],
    ['max clamps to xhigh', { effort: 'max' }, { effort: 'xhigh' }],
    ['budget → level', { mode: 'on', budgetTokens: 1024 }, { effort: 'low' }],
    ['big budget → xhigh', { budgetTokens: 100000 }, { effort: 'xhigh' }],
    ['auto → model default', { mode: 'auto' }, undefined],
    [
      'includeThoughts asks for a summary',
      { effort: 'high', includeThoughts: true },
      { effort: 'high', summary: 'auto' },
    ],
    ['explicit summary', { effort: 'medium', summary: 'concise' }, { effort: 'medium', summary: 'concise' }],
    ['no summary when off', { mode: 'off', includeThoughts: true }, { effort: 'none' }],
  ]
  for (const [name, reasoning, expected] of cases) {
    test(name, () => {
      const body = encodeRequest(foreign([], reasoning ? { reasoning } : {}))
      expect(body.reasoning).toEqual(expected)
    })
  }

  test("a Responses client's own level is kept as sent", () => {
    const body = encodeRequest(decodeRequest({ model: 'm', input: 'hi', reasoning: { effort: 'max' } }))
    expect(body.reasoning).toEqual({ effort: 'max' })
  })

  test('a modelled value the gateway changed wins over the extra that rode along', () => {
    const req = decodeRequest(fixtureJson('request-shapes.json'))
    req.reasoning = { effort: 'low' }
    req.stream = true
    req.model = 'gpt-5-mini'
    const body = encodeRequest(req)
    expect(body.reasoning).toEqual({ effort: 'low', generate_summary: null })
    expect(body.stream).toBe(true)
    expect(body.model).toBe('gpt-5-mini')
  })
})
