import { describe, expect, test } from 'bun:test'
import { wrapSignature } from '../../../src/dialects/common/provenance.ts'
import { gemini } from '../../../src/dialects/gemini/index.ts'
import { SKIP_SIGNATURE } from '../../../src/dialects/gemini/reasoning.ts'
import { isGemini3 } from '../../../src/dialects/gemini/request.ts'
import { DialectError, type Message, type ReasoningRequest, type Request } from '../../../src/dialects/ir.ts'
import { fixtureJson, plain } from './helpers.ts'

const REQUESTS = [
  'request-text.json',
  'request-tools.json',
  'request-thinking.json',
  'request-image.json',
  'request-extras.json',
]

function decode(body: unknown, model = 'gemini-2.5-pro') {
  return gemini.decodeRequest(body, { model })
}

/** The DialectError a call throws (fails the test when it throws nothing or something else). */
function errorOf(fn: () => unknown): DialectError {
  try {
    fn()
  } catch (e) {
    if (e instanceof DialectError) return e
    throw e
  }
  throw new Error('expected a DialectError')
}

/** An IR request the way another dialect's decoder hands it over. */
function foreign(over: Partial<Request>): Request {
  return {
    source: 'openai-chat',
    model: 'gemini-2.5-pro',
    system: [],
    messages: [],
    stream: false,
    extra: {},
    ...over,
  }
}

describe('gemini request identity', () => {
  for (const name of REQUESTS) {
    test(`${name}: encode(decode(x)) deep-equals x`, () => {
      const body = fixtureJson(name)
      expect(plain(gemini.encodeRequest(decode(body)))).toEqual(body)
    })
  }

  test('identity holds for a Gemini 3 target too: a real turn with one signed call of several is left alone', () => {
    const body = fixtureJson('request-tools.json')
    const out = gemini.encodeRequest(decode(body, 'gemini-3-pro-preview'))
    expect(plain(out)).toEqual(body)
  })
})

describe('gemini request decode', () => {
  test('model and stream come from the URL context; models/ prefix is stripped', () => {
    const req = gemini.decodeRequest(fixtureJson('request-text.json'), {
      model: 'models/gemini-2.5-flash',
      stream: true,
    })
    expect(req.model).toBe('gemini-2.5-flash')
    expect(req.stream).toBe(true)
    expect(req.source).toBe('gemini')
  })

  test('text request: system, sampling and candidateCount ↔ n', () => {
    const req = decode(fixtureJson('request-text.json'))
    expect(req.system).toEqual([
      { type: 'text', text: 'You are terse.' },
      { type: 'text', text: 'Answer in English.' },
    ])
    expect(req.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hello, who are you?' }] }])
    expect({
      temperature: req.temperature,
      topP: req.topP,
      topK: req.topK,
      n: req.n,
      maxOutputTokens: req.maxOutputTokens,
      stop: req.stop,
      seed: req.seed,
      presencePenalty: req.presencePenalty,
      frequencyPenalty: req.frequencyPenalty,
    }).toEqual({
      temperature: 0.7,
      topP: 0.95,
      topK: 40,
      n: 2,
      maxOutputTokens: 1024,
      stop: ['END'],
      seed: 7,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
    })
  })

  test('tool round trip: minted ids in order, results paired by name and order, tool role, signatures with provenance', () => {
    const req = decode(fixtureJson('request-tools.json'))
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Tokyo, and the time?' }] },
      {
        role: 'assistant',
        content: [
          {
            type: 'thinking',
            text: "I'll check both cities at once.",
            summary: true,
            provenance: { dialect: 'gemini' },
          },
          {
            type: 'tool_call',
            id: 'gemini_call_0',
            name: 'get_weather',
            arguments: '{"city":"Paris","unit":"celsius"}',
            thoughtSignature: 'EjQKMgFyyNp8kXk1pWzR1F4t0a6Zs3p2mJ8Cq0vY',
            provenance: { dialect: 'gemini' },
          },
          {
            type: 'tool_call',
            id: 'gemini_call_1',
            name: 'get_weather',
            arguments: '{"city":"東京","unit":"celsius"}',
          },
          { type: 'tool_call', id: 'gemini_call_2', name: 'get_time', arguments: '{}' },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool_result',
            toolCallId: 'gemini_call_0',
            name: 'get_weather',
            content: [{ type: 'text', text: '18°C, clear' }],
          },
          {
            type: 'tool_result',
            toolCallId: 'gemini_call_1',
            name: 'get_weather',
            content: [{ type: 'text', text: '{"temp":24,"sky":"rain"}' }],
          },
          {
            type: 'tool_result',
            toolCallId: 'gemini_call_2',
            name: 'get_time',
            content: [{ type: 'text', text: 'clock unavailable' }],
            isError: true,
          },
        ],
      },
      {
        role: 'assistant',
        content: [
          {
            type: 'text',
            text: 'Paris: 18°C and clear. Tokyo: 24°C with rain.',
            thoughtSignature: 'CiQBcsjafBq0Pxl0',
            provenance: { dialect: 'gemini' },
          },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Thanks!' }] },
    ]
    expect(req.messages).toEqual(messages)
    expect(req.tools).toEqual([
      {
        kind: 'function',
        name: 'get_weather',
        description: 'Current weather for a city.',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
          required: ['city'],
          additionalProperties: false,
        },
      },
      {
        kind: 'function',
        name: 'get_time',
        description: 'The current UTC time.',
        parameters: { type: 'object', properties: {} },
        extra: { gemini: { schemaField: 'none' } },
      },
      { kind: 'web_search', config: {}, dialect: 'gemini' },
      { kind: 'server', dialect: 'gemini', raw: { codeExecution: {} } },
      { kind: 'server', dialect: 'gemini', raw: { urlContext: {} } },
    ])
    expect(req.toolChoice).toEqual({ type: 'auto' })
    expect(req.reasoning).toEqual({ mode: 'auto', includeThoughts: true })
  })

  test('Gemini-sent ids are kept and pair results by id; a late answer pairs with its own call', () => {
    const req = decode({
      contents: [
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'f', args: {}, id: 'a1' } },
            { functionCall: { name: 'f', args: {}, id: 'a2' } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'f', id: 'a2', response: { result: 'two' } } },
            { functionResponse: { name: 'f', response: { result: 'one' } } },
          ],
        },
      ],
    })
    const ids = req.messages.flatMap((m) =>
      m.content.map((p) => (p.type === 'tool_call' ? p.id : p.type === 'tool_result' ? p.toolCallId : '')),
    )
    expect(ids).toEqual(['a1', 'a2', 'a2', 'a1'])
  })

  test('images, files and multimodal function results', () => {
    const req = decode(fixtureJson('request-image.json'))
    expect(req.messages[0]!.content.slice(1)).toEqual([
      {
        type: 'image',
        source: {
          kind: 'base64',
          mediaType: 'image/png',
          data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
        },
      },
      {
        type: 'file',
        source: { kind: 'url', url: 'gs://byokey-test/report.pdf', mediaType: 'application/pdf' },
      },
      {
        type: 'file',
        source: { kind: 'url', url: 'https://www.youtube.com/watch?v=9hE5-98ZeCg' },
        extra: { gemini: { fields: { videoMetadata: { startOffset: '10s', endOffset: '20s' } } } },
      },
    ])
    const result = req.messages[2]!.content[0]
    expect(result).toEqual({
      type: 'tool_result',
      toolCallId: 'gemini_call_0',
      name: 'screenshot',
      content: [
        { type: 'text', text: 'captured' },
        {
          type: 'image',
          source: {
            kind: 'base64',
            mediaType: 'image/jpeg',
            data: '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQ==',
          },
        },
      ],
    })
    expect(req.messages[2]!.role).toBe('user') // mixed turn: results and user content
  })

  test('snake_case proto-JSON decodes like camelCase and comes back camelCase', () => {
    const req = decode(fixtureJson('request-snake.json'))
    expect(req.system).toEqual([{ type: 'text', text: 'Sys' }])
    expect(req.messages[0]!.content[1]).toEqual({
      type: 'image',
      source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' },
    })
    expect(req.messages[1]!.content[0]).toMatchObject({
      type: 'tool_call',
      name: 'f',
      arguments: '{"a_b":1}',
      thoughtSignature: 'c2ln',
    })
    expect(req.toolChoice).toEqual({ type: 'tool', name: 'f' })
    expect(req.maxOutputTokens).toBe(256)
    expect(req.topP).toBe(0.5)
    expect(req.reasoning).toEqual({ mode: 'off' })
    expect(req.tools?.[0]).toMatchObject({
      kind: 'function',
      name: 'f',
      parameters: { properties: { a_b: { type: 'integer' } } },
    })
    const out = plain(gemini.encodeRequest(req))
    expect(Object.keys(out).sort()).toEqual(
      ['contents', 'generationConfig', 'safetySettings', 'systemInstruction', 'toolConfig', 'tools'].sort(),
    )
    expect(out.generationConfig).toEqual({
      maxOutputTokens: 256,
      topP: 0.5,
      thinkingConfig: { thinkingBudget: 0 },
    })
    expect((out.contents as Array<{ parts: unknown[] }>)[0]!.parts[1]).toEqual({
      inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' },
    })
  })

  test('OpenAPI parameters and responseSchema decode as JSON Schema (lower-case types) and come back as sent', () => {
    const req = decode(fixtureJson('request-extras.json'))
    expect(req.tools?.[0]).toMatchObject({
      kind: 'function',
      name: 'lookup',
      parameters: {
        type: 'object',
        properties: { word: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
      },
    })
    expect(req.responseFormat).toEqual({
      type: 'json_schema',
      schema: { type: 'object', properties: { label: { type: 'string', enum: ['a', 'b'] } } },
    })
    expect(req.toolChoice).toEqual({ type: 'auto' }) // VALIDATED: the model decides
    expect(req.reasoning).toEqual({ effort: 'high', mode: 'on', includeThoughts: false })
    const kept = (req.extra.gemini as { fields: Record<string, unknown> }).fields
    expect(kept.safetySettings).toEqual([{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }])
    expect(kept.cachedContent).toBe('cachedContents/abc123')
    // code execution parts are kept for Gemini but invisible to other dialects
    expect(req.messages[1]!.content.map((p) => p.type)).toEqual(['text', 'text'])
  })

  test('thinking levels and budgets', () => {
    const cases: Array<[Record<string, unknown>, ReasoningRequest]> = [
      [{ thinkingBudget: -1 }, { mode: 'auto' }],
      [{ thinkingBudget: 0 }, { mode: 'off' }],
      [
        { thinkingBudget: 2048, includeThoughts: true },
        { mode: 'on', budgetTokens: 2048, includeThoughts: true },
      ],
      [{ thinkingLevel: 'low' }, { mode: 'on', effort: 'low' }],
      [{ thinkingLevel: 'MINIMAL' }, { mode: 'on', effort: 'minimal' }],
      [{ thinkingLevel: 'THINKING_LEVEL_UNSPECIFIED' }, {}],
    ]
    for (const [tc, reasoning] of cases) {
      const body = { contents: [], generationConfig: { thinkingConfig: tc } }
      const req = decode(body)
      expect(req.reasoning).toEqual(reasoning)
      expect(plain(gemini.encodeRequest(req))).toEqual(body)
    }
  })

  test('json_object, text and enum output formats', () => {
    expect(
      decode({ contents: [], generationConfig: { responseMimeType: 'application/json' } }).responseFormat,
    ).toEqual({
      type: 'json_object',
    })
    expect(
      decode({ contents: [], generationConfig: { responseMimeType: 'text/plain' } }).responseFormat,
    ).toEqual({
      type: 'text',
    })
    const enumBody = {
      contents: [],
      generationConfig: { responseMimeType: 'text/x.enum', responseSchema: { type: 'STRING', enum: ['a'] } },
    }
    const req = decode(enumBody)
    expect(req.responseFormat).toBeUndefined()
    expect(plain(gemini.encodeRequest(req))).toEqual(enumBody)
  })

  test('tool choice modes', () => {
    const choice = (fcc: Record<string, unknown>) =>
      decode({ contents: [], toolConfig: { functionCallingConfig: fcc } }).toolChoice
    expect(choice({ mode: 'AUTO' })).toEqual({ type: 'auto' })
    expect(choice({ mode: 'NONE' })).toEqual({ type: 'none' })
    expect(choice({ mode: 'ANY' })).toEqual({ type: 'required' })
    expect(choice({ mode: 'ANY', allowedFunctionNames: ['f'] })).toEqual({ type: 'tool', name: 'f' })
    expect(choice({ mode: 'ANY', allowedFunctionNames: ['f', 'g'] })).toEqual({ type: 'required' })
    const body = {
      contents: [],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f', 'g'] } },
    }
    expect(plain(gemini.encodeRequest(decode(body)))).toEqual(body)
  })

  test('malformed bodies throw DialectError naming the field', () => {
    expect(errorOf(() => gemini.decodeRequest({ contents: [] })).info.param).toBe('model')
    expect(errorOf(() => decode('hello')).info.param).toBe('body')
    expect(errorOf(() => decode({})).info.param).toBe('contents')
    expect(errorOf(() => decode({ contents: {} })).info.param).toBe('contents')
    expect(errorOf(() => decode({ contents: [{ role: 'assistant', parts: [] }] })).info.param).toBe(
      'contents.0.role',
    )
    expect(errorOf(() => decode({ contents: [{ role: 'user' }] })).info.param).toBe('contents.0.parts')
    expect(errorOf(() => decode({ contents: [{ parts: [{ text: 1 }] }] })).info.param).toBe(
      'contents.0.parts.0.text',
    )
    expect(errorOf(() => decode({ contents: [{ parts: ['x'] }] })).info.param).toBe('contents.0.parts.0')
    expect(
      errorOf(() => decode({ contents: [{ parts: [{ inlineData: { mimeType: 'image/png' } }] }] })).info
        .param,
    ).toBe('contents.0.parts.0.inlineData.data')
    expect(
      errorOf(() => decode({ contents: [{ parts: [{ functionCall: { args: {} } }] }] })).info.param,
    ).toBe('contents.0.parts.0.functionCall.name')
    expect(errorOf(() => decode({ contents: [], generationConfig: { temperature: 'hot' } })).info.param).toBe(
      'generationConfig.temperature',
    )
    expect(
      errorOf(() => decode({ contents: [], systemInstruction: { parts: [{ inlineData: {} }] } })).info.param,
    ).toBe('systemInstruction.parts.0')
    expect(
      errorOf(() => decode({ contents: [], tools: [{ functionDeclarations: [{ description: 'x' }] }] })).info
        .param,
    ).toBe('tools.0.functionDeclarations.0.name')
  })
})

describe('gemini request encode (from another dialect)', () => {
  const chatLike = foreign({
    system: [{ type: 'text', text: 'Be terse.' }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather?' },
          { type: 'image', source: { kind: 'url', url: 'data:image/png;base64,AAAA' }, detail: 'high' },
        ],
      },
      { role: 'system', content: [{ type: 'text', text: 'Mid-list rule.' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: '' },
          {
            type: 'thinking',
            text: 'hidden',
            signature: 'sigA',
            provenance: { dialect: 'anthropic-messages' },
          },
          { type: 'tool_call', id: 'call_a', name: 'get_weather', arguments: '{"city": "Paris"}' },
          { type: 'tool_call', id: 'call_b', name: 'get_time', arguments: '' },
        ],
      },
      {
        role: 'tool',
        content: [
          { type: 'tool_result', toolCallId: 'call_a', content: [{ type: 'text', text: '{"temp":18}' }] },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool_result',
            toolCallId: 'call_b',
            content: [
              { type: 'text', text: 'noon' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'BBBB' } },
            ],
          },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
    ],
    tools: [
      {
        kind: 'function',
        name: 'get_weather',
        description: 'Weather.',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, $defs: { x: { const: 1 } } },
        strict: true,
      },
      { kind: 'function', name: 'get_time', parameters: { type: 'object' } },
      { kind: 'web_search', config: { search_context_size: 'low' }, dialect: 'openai-chat' },
    ],
    toolChoice: { type: 'tool', name: 'get_weather' },
    parallelToolCalls: false,
    temperature: 0.2,
    maxOutputTokens: 500,
    stop: ['x'],
    n: 1,
    responseFormat: { type: 'json_schema', name: 'w', schema: { type: 'object' }, strict: true },
    reasoning: { effort: 'medium' },
    extra: { some_openai_field: 1, $marker: true },
  })

  test('an OpenAI Chat conversation becomes the exact Gemini body', () => {
    expect(plain(gemini.encodeRequest(chatLike))).toEqual({
      contents: [
        {
          role: 'user',
          parts: [{ text: 'Weather?' }, { inlineData: { mimeType: 'image/png', data: 'AAAA' } }],
        },
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
            { functionCall: { name: 'get_time', args: {} } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_weather', response: { temp: 18 } } },
            { functionResponse: { name: 'get_time', response: { result: 'noon' } } },
            { inlineData: { mimeType: 'image/png', data: 'BBBB' } },
            { text: 'And tomorrow?' },
          ],
        },
      ],
      systemInstruction: { parts: [{ text: 'Be terse.' }, { text: 'Mid-list rule.' }] },
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Weather.',
              parametersJsonSchema: {
                type: 'object',
                properties: { city: { type: 'string' } },
                $defs: { x: { const: 1 } },
              },
            },
            { name: 'get_time', parametersJsonSchema: { type: 'object' } },
          ],
        },
        { googleSearch: {} },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
      generationConfig: {
        temperature: 0.2,
        candidateCount: 1,
        maxOutputTokens: 500,
        stopSequences: ['x'],
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object' },
        thinkingConfig: { thinkingBudget: 8192, includeThoughts: true },
      },
    })
  })

  test('Gemini 3 target: thinkingLevel, and unsigned translated calls get the documented sentinel', () => {
    const out = plain(gemini.encodeRequest(chatLike, { model: 'gemini-3-pro-preview' }))
    const model = (out.contents as Array<{ role: string; parts: Array<Record<string, unknown>> }>)[1]!
    expect(model.parts.map((p) => p.thoughtSignature)).toEqual([SKIP_SIGNATURE, SKIP_SIGNATURE])
    expect((out.generationConfig as Record<string, unknown>).thinkingConfig).toEqual({
      thinkingLevel: 'MEDIUM',
      includeThoughts: true,
    })
    // not for other models
    const flash = plain(gemini.encodeRequest(chatLike, { model: 'gemini-2.5-flash' }))
    const parts = (flash.contents as Array<{ parts: Array<Record<string, unknown>> }>)[1]!.parts
    expect(parts.some((p) => 'thoughtSignature' in p)).toBe(false)
  })

  test("Gemini 3 behind a provider's catalogue prefix is Gemini 3 too", () => {
    const out = plain(gemini.encodeRequest(chatLike, { model: 'ag-gemini-3-pro-high' }))
    const model = (out.contents as Array<{ role: string; parts: Array<Record<string, unknown>> }>)[1]!
    expect(model.parts.map((p) => p.thoughtSignature)).toEqual([SKIP_SIGNATURE, SKIP_SIGNATURE])
    expect(isGemini3('models/gemini-3-flash')).toBe(true)
    expect(isGemini3('ag-gemini-2.5-pro')).toBe(false)
    expect(isGemini3('my-gemini-2-3')).toBe(false)
  })

  test('foreignThinking text keeps the reasoning as plain text', () => {
    const out = plain(gemini.encodeRequest(chatLike, { foreignThinking: 'text' }))
    const model = (out.contents as Array<{ parts: unknown[] }>)[1]!
    expect(model.parts[0]).toEqual({ text: 'hidden' })
  })

  test('thoughtSignature is sent only where it is native (dialect and provider)', () => {
    const signed = () =>
      foreign({
        messages: [
          {
            role: 'assistant',
            content: [
              {
                type: 'thinking',
                text: 'plan',
                signature: 'TS',
                provenance: { dialect: 'gemini', provider: 'antigravity' },
              },
              {
                type: 'tool_call',
                id: 'c',
                name: 'f',
                arguments: '{}',
                thoughtSignature: 'CS',
                provenance: { dialect: 'gemini', provider: 'antigravity' },
              },
              {
                type: 'text',
                text: 'ok',
                thoughtSignature: 'XS',
                provenance: { dialect: 'gemini', provider: 'antigravity' },
              },
            ],
          },
        ],
      })
    const parts = (provider: string | undefined) =>
      (
        plain(gemini.encodeRequest(signed(), provider ? { provider } : {})).contents as Array<{
          parts: unknown[]
        }>
      )[0]!.parts
    expect(parts('antigravity')).toEqual([
      { text: 'plan', thought: true, thoughtSignature: 'TS' },
      { functionCall: { name: 'f', args: {} }, thoughtSignature: 'CS' },
      { text: 'ok', thoughtSignature: 'XS' },
    ])
    expect(parts(undefined)).toEqual(parts('antigravity'))
    expect(parts('gemini')).toEqual([{ functionCall: { name: 'f', args: {} } }, { text: 'ok' }])
  })

  test('a signature the gateway wrapped for a Gemini client comes back unwrapped and native', () => {
    const wrapped = wrapSignature('REAL', { dialect: 'gemini', provider: 'gemini-cli' })
    const req = decode({
      contents: [
        { role: 'model', parts: [{ functionCall: { name: 'f', args: {} }, thoughtSignature: wrapped }] },
      ],
    })
    expect(req.messages[0]!.content[0]).toMatchObject({
      thoughtSignature: 'REAL',
      provenance: { dialect: 'gemini', provider: 'gemini-cli' },
    })
    const out = plain(gemini.encodeRequest(req, { provider: 'gemini-cli' }))
    expect((out.contents as Array<{ parts: unknown[] }>)[0]!.parts[0]).toEqual({
      functionCall: { name: 'f', args: {} },
      thoughtSignature: 'REAL',
    })
  })

  test('reasoning mapping table', () => {
    const cases: Array<[ReasoningRequest, string, Record<string, unknown> | undefined]> = [
      [{ mode: 'off' }, 'gemini-2.5-pro', { thinkingBudget: 0 }],
      [{ mode: 'off' }, 'gemini-3-pro-preview', { thinkingBudget: 0 }],
      [{ effort: 'none' }, 'gemini-2.5-pro', { thinkingBudget: 0 }],
      [{ mode: 'on', budgetTokens: 4000 }, 'gemini-2.5-pro', { thinkingBudget: 4000, includeThoughts: true }],
      [
        { mode: 'on', budgetTokens: 4000 },
        'gemini-3-pro-preview',
        { thinkingBudget: 4000, includeThoughts: true },
      ],
      [{ effort: 'low' }, 'gemini-2.5-flash', { thinkingBudget: 1024, includeThoughts: true }],
      [{ effort: 'low' }, 'gemini-3-flash-preview', { thinkingLevel: 'LOW', includeThoughts: true }],
      [{ effort: 'xhigh' }, 'gemini-3-pro-preview', { thinkingLevel: 'HIGH', includeThoughts: true }],
      [{ effort: 'max' }, 'gemini-2.5-pro', { thinkingBudget: 128000, includeThoughts: true }],
      [{ mode: 'auto' }, 'gemini-2.5-pro', { thinkingBudget: -1, includeThoughts: true }],
      [{ mode: 'auto' }, 'gemini-3-pro-preview', { includeThoughts: true }],
      [{ effort: 'high', summary: 'none' }, 'gemini-2.5-pro', { thinkingBudget: 24576 }],
      [
        { mode: 'on', budgetTokens: 100, includeThoughts: false },
        'gemini-2.5-pro',
        { thinkingBudget: 100, includeThoughts: false },
      ],
    ]
    for (const [reasoning, model, expected] of cases) {
      const out = plain(gemini.encodeRequest(foreign({ reasoning }), { model })) as {
        generationConfig?: { thinkingConfig?: unknown }
      }
      expect([reasoning, model, out.generationConfig?.thinkingConfig]).toEqual([reasoning, model, expected])
    }
    expect(plain(gemini.encodeRequest(foreign({}))).generationConfig).toBeUndefined()
  })

  test('tool choice and response formats from other dialects', () => {
    const fcc = (toolChoice: Request['toolChoice']) =>
      (plain(gemini.encodeRequest(foreign(toolChoice ? { toolChoice } : {}))) as { toolConfig?: unknown })
        .toolConfig
    expect(fcc({ type: 'auto' })).toEqual({ functionCallingConfig: { mode: 'AUTO' } })
    expect(fcc({ type: 'none' })).toEqual({ functionCallingConfig: { mode: 'NONE' } })
    expect(fcc({ type: 'required' })).toEqual({ functionCallingConfig: { mode: 'ANY' } })
    expect(fcc(undefined)).toBeUndefined()
    const fmt = (responseFormat: Request['responseFormat']) =>
      (
        plain(gemini.encodeRequest(foreign(responseFormat ? { responseFormat } : {}))) as {
          generationConfig?: unknown
        }
      ).generationConfig
    expect(fmt({ type: 'json_object' })).toEqual({ responseMimeType: 'application/json' })
    expect(fmt({ type: 'text' })).toEqual({ responseMimeType: 'text/plain' })
  })

  test('n > 1 is allowed (candidateCount)', () => {
    expect(plain(gemini.encodeRequest(foreign({ n: 3 }))).generationConfig).toEqual({ candidateCount: 3 })
  })

  test('Anthropic-style tool results inside a user message, with isError and a name from history', () => {
    const out = plain(
      gemini.encodeRequest(
        foreign({
          source: 'anthropic-messages',
          messages: [
            {
              role: 'assistant',
              content: [{ type: 'tool_call', id: 'toolu_1', name: 'run', arguments: '{"cmd":"ls"}' }],
            },
            {
              role: 'user',
              content: [
                {
                  type: 'tool_result',
                  toolCallId: 'toolu_1',
                  content: [{ type: 'text', text: 'permission denied' }],
                  isError: true,
                },
                { type: 'text', text: 'Try sudo.' },
              ],
            },
          ],
        }),
      ),
    )
    expect(out.contents).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'run', args: { cmd: 'ls' } } }] },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'run', response: { error: 'permission denied' } } },
          { text: 'Try sudo.' },
        ],
      },
    ])
  })

  test('inexpressible requests throw DialectError naming the field', () => {
    const img = (url: string) =>
      foreign({ messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url } }] }] })
    const e = errorOf(() => gemini.encodeRequest(img('https://example.com/cat.png')))
    expect(e.info.param).toBe('messages.0.content.0.source.url')
    expect(e.message).toContain('https://example.com/cat.png')
    const fileId = foreign({
      messages: [
        { role: 'user', content: [{ type: 'file', source: { kind: 'file_id', fileId: 'file-abc' } }] },
      ],
    })
    expect(errorOf(() => gemini.encodeRequest(fileId)).info.param).toBe('messages.0.content.0.source.fileId')
    const toolImg = foreign({
      messages: [
        { role: 'assistant', content: [{ type: 'tool_call', id: 'c', name: 'f', arguments: '{}' }] },
        {
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'c',
              content: [{ type: 'image', source: { kind: 'url', url: 'http://x/y.png' } }],
            },
          ],
        },
      ],
    })
    expect(errorOf(() => gemini.encodeRequest(toolImg)).info.param).toBe(
      'messages.1.content.0.content.0.source.url',
    )
    const orphan = foreign({
      messages: [{ role: 'tool', content: [{ type: 'tool_result', toolCallId: 'nope', content: [] }] }],
    })
    expect(errorOf(() => gemini.encodeRequest(orphan)).info.param).toBe('messages.0.content.0.toolCallId')
    const server = foreign({
      tools: [{ kind: 'server', dialect: 'anthropic-messages', raw: { type: 'bash_20250124' } }],
    })
    expect(errorOf(() => gemini.encodeRequest(server)).info.param).toBe('tools.0')
    const sysImage = foreign({
      messages: [
        {
          role: 'system',
          content: [{ type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'A' } }],
        },
      ],
    })
    expect(errorOf(() => gemini.encodeRequest(sysImage)).info.param).toBe('messages.0.content.0')
  })

  test('gs://, Files API and YouTube URLs go out as fileData', () => {
    const out = plain(
      gemini.encodeRequest(
        foreign({
          messages: [
            {
              role: 'user',
              content: [
                { type: 'file', source: { kind: 'url', url: 'gs://b/doc.pdf' } },
                {
                  type: 'image',
                  source: {
                    kind: 'url',
                    url: 'https://generativelanguage.googleapis.com/v1beta/files/abc',
                    mediaType: 'image/jpeg',
                  },
                },
                {
                  type: 'file',
                  source: { kind: 'url', url: 'https://youtu.be/xyz', mediaType: 'video/mp4' },
                },
                { type: 'audio', data: 'UklG', format: 'wav' },
              ],
            },
          ],
        }),
      ),
    )
    expect((out.contents as Array<{ parts: unknown[] }>)[0]!.parts).toEqual([
      { fileData: { mimeType: 'application/pdf', fileUri: 'gs://b/doc.pdf' } },
      {
        fileData: {
          mimeType: 'image/jpeg',
          fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc',
        },
      },
      { fileData: { mimeType: 'video/mp4', fileUri: 'https://youtu.be/xyz' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklG' } },
    ])
  })

  test('regression: empty assistant turns and empty text parts are not sent (Gemini rejects empty text)', () => {
    const out = plain(
      gemini.encodeRequest(
        foreign({
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'hi' }] },
            { role: 'assistant', content: [{ type: 'text', text: '' }] },
            {
              role: 'assistant',
              content: [{ type: 'thinking', text: 'foreign', provenance: { dialect: 'openai-responses' } }],
            },
            { role: 'user', content: [{ type: 'text', text: 'again' }] },
          ],
        }),
      ),
    )
    expect(out.contents).toEqual([{ role: 'user', parts: [{ text: 'hi' }, { text: 'again' }] }])
  })

  test('regression: minted and foreign tool-call ids are never sent to Gemini; Gemini ids are', () => {
    const fromGemini = decode({
      contents: [
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'f', args: {}, id: 'g-1' } },
            { functionCall: { name: 'f', args: {} } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'f', id: 'g-1', response: {} } },
            { functionResponse: { name: 'f', response: {} } },
          ],
        },
      ],
    })
    const out = plain(gemini.encodeRequest(fromGemini)) as {
      contents: Array<{ parts: Array<Record<string, Record<string, unknown>>> }>
    }
    expect(out.contents[0]!.parts[0]!.functionCall!.id).toBe('g-1')
    expect(out.contents[0]!.parts[1]!.functionCall!.id).toBeUndefined()
    expect(out.contents[1]!.parts[0]!.functionResponse!.id).toBe('g-1')
    expect(out.contents[1]!.parts[1]!.functionResponse!.id).toBeUndefined()
    // the same IR handed over as another dialect's: no ids at all
    const asForeign = plain(gemini.encodeRequest({ ...fromGemini, source: 'openai-chat' }))
    expect(JSON.stringify(asForeign)).not.toContain('"id"')
  })

  test('regression: consecutive tool messages go into one user turn (one answer per call of the step)', () => {
    const out = plain(
      gemini.encodeRequest(
        foreign({
          messages: [
            {
              role: 'assistant',
              content: [
                { type: 'tool_call', id: '1', name: 'a', arguments: '{}' },
                { type: 'tool_call', id: '2', name: 'b', arguments: '{}' },
              ],
            },
            {
              role: 'tool',
              content: [{ type: 'tool_result', toolCallId: '1', content: [{ type: 'text', text: 'x' }] }],
            },
            {
              role: 'tool',
              content: [{ type: 'tool_result', toolCallId: '2', content: [{ type: 'text', text: 'y' }] }],
            },
          ],
        }),
      ),
    ) as { contents: Array<{ role: string; parts: unknown[] }> }
    expect(out.contents).toHaveLength(2)
    expect(out.contents[1]!.parts).toEqual([
      { functionResponse: { name: 'a', response: { result: 'x' } } },
      { functionResponse: { name: 'b', response: { result: 'y' } } },
    ])
  })

  test('a trailing model turn is kept as it is', () => {
    const out = plain(
      gemini.encodeRequest(
        foreign({
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'Say hi' }] },
            { role: 'assistant', content: [{ type: 'text', text: 'Hi' }] },
          ],
        }),
      ),
    ) as { contents: Array<{ role: string }> }
    expect(out.contents.at(-1)!.role).toBe('model')
  })
})
