/**
 * Fixtures for the 16-pair dialect matrix (`matrix.test.ts`): one object per dialect, each telling
 * the same story in its own wire format, so the matrix can compare any two of them.
 *
 * The story (request): a system prompt, a user turn with text, a base64 image and (optionally) an
 * image URL, two function tools, and a finished parallel tool round trip in the history — the
 * assistant thought (in the dialect's own signed form), said a few words, called `get_weather` for
 * Paris and for Tokyo at once, and the results came back, Tokyo's first wherever the dialect has
 * call ids (Gemini has none: its answers pair by name and position) — plus sampling, max tokens and
 * a `high` reasoning setting (budget 24576 where the dialect speaks budgets: the table value of
 * `high`).
 *
 * Responses and streams reuse a dialect's recorded fixture when it already carries text, signed
 * thinking, two tool calls and cache + reasoning usage; the others are built here.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { DialectName } from '../../src/dialects/ir.ts'

type Json = Record<string, unknown>

const FIXTURES = join(import.meta.dir, '..', 'fixtures')

function recorded(dialect: DialectName, name: string): string {
  return readFileSync(join(FIXTURES, dialect, name), 'utf8')
}

// ---------------------------------------------------------------------------------------------
// The story, dialect-neutral

export const SYSTEM = 'You are a terse weather assistant.'
export const USER_TEXT = 'What is the weather in Paris and in Tokyo?'
/** A 1×1 PNG. */
export const IMAGE = {
  mediaType: 'image/png',
  data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
} as const
const DATA_URL = `data:${IMAGE.mediaType};base64,${IMAGE.data}`
/** An http(s) image: every dialect but Gemini takes it. */
export const IMAGE_URL = 'https://example.com/maps/paris.png'
/** The Gemini client's URL image: a Files API URI, which every dialect can carry. */
export const GEMINI_FILE_URI = 'https://generativelanguage.googleapis.com/v1beta/files/paris-map'
export const THINKING = 'Two lookups: the weather in Paris and in Tokyo.'
export const ASSISTANT_TEXT = 'Checking both.'
export const MAX_TOKENS = 30000
export const TEMPERATURE = 0.7
export const TOP_P = 0.95
/** The table budget of `high` (common/reasoning.ts), so levels and budgets map back exactly. */
export const BUDGET = 24576

export const TOOLS = [
  {
    name: 'get_weather',
    description: 'Current weather for a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
  {
    name: 'get_time',
    description: 'Local time for a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
] as const

/** Two parallel calls of one function: only ids (or, for Gemini, positions) tell the answers apart. */
export const CALLS = [
  { name: 'get_weather', args: { city: 'Paris' }, result: 'Paris: 18°C and sunny' },
  { name: 'get_weather', args: { city: 'Tokyo' }, result: 'Tokyo: 12°C and rain' },
] as const
/** The order the results come back in, for dialects with call ids. */
const ANSWERED = [1, 0] as const

/** Where each dialect's requests go in the matrix (`encodeRequest` options). */
export const TARGETS: Record<DialectName, { provider: string; model: string }> = {
  'openai-chat': { provider: 'openai', model: 'gpt-4o' },
  'openai-responses': { provider: 'codex', model: 'gpt-5' },
  'anthropic-messages': { provider: 'claude', model: 'claude-sonnet-4-5' },
  gemini: { provider: 'gemini', model: 'gemini-2.5-pro' },
}

export interface RequestOptions {
  /** Include the URL image (default true). */
  urlImage?: boolean
  /** Include the assistant turn and tool results (default true). */
  history?: boolean
}

export interface DialectFixtures {
  /** A client request carrying the whole story. */
  request(opts?: RequestOptions): Json
  /** An upstream answer: text, signed thinking, two (or more) tool calls, cache + reasoning usage. */
  response(): Json
  /** The same as an upstream SSE stream, byte-canonical for this dialect's encoder. */
  stream(): string
  /** An upstream stream that fails after some text. */
  streamError(): string
  /** A client request whose history replays `answer` (this dialect's response) with a result per call. */
  replay(answer: Json): Json
}

const opt = (opts: RequestOptions | undefined) => ({
  urlImage: opts?.urlImage ?? true,
  history: opts?.history ?? true,
})

// ---------------------------------------------------------------------------------------------
// OpenAI Chat

const CHAT_IDS = ['call_w1', 'call_t2']
const CHAT_HEAD =
  '{"id":"chatcmpl-mx1","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4o"'
const chatChunk = (delta: string, finish = 'null') =>
  `data: ${CHAT_HEAD},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}],"usage":null}\n\n`
const chatArgs = (k: number, args: string) =>
  chatChunk(`{"tool_calls":[{"index":${k},"function":{"arguments":${JSON.stringify(args)}}}]}`)

const openaiChat: DialectFixtures = {
  request(opts) {
    const o = opt(opts)
    return {
      model: TARGETS['openai-chat'].model,
      messages: [
        { role: 'system', content: SYSTEM },
        {
          role: 'user',
          content: [
            { type: 'text', text: USER_TEXT },
            { type: 'image_url', image_url: { url: DATA_URL } },
            ...(o.urlImage ? [{ type: 'image_url', image_url: { url: IMAGE_URL } }] : []),
          ],
        },
        ...(o.history
          ? [
              {
                role: 'assistant',
                content: ASSISTANT_TEXT,
                reasoning_content: THINKING,
                reasoning_signature: 'chat-reasoning-signature-1',
                tool_calls: CALLS.map((c, i) => ({
                  id: CHAT_IDS[i],
                  type: 'function',
                  function: { name: c.name, arguments: JSON.stringify(c.args) },
                })),
              },
              ...ANSWERED.map((i) => ({ role: 'tool', tool_call_id: CHAT_IDS[i], content: CALLS[i].result })),
            ]
          : []),
      ],
      tools: TOOLS.map((t) => ({ type: 'function', function: { ...t } })),
      temperature: TEMPERATURE,
      top_p: TOP_P,
      max_completion_tokens: MAX_TOKENS,
      reasoning_effort: 'high',
    }
  },
  response() {
    return {
      id: 'chatcmpl-mx1',
      object: 'chat.completion',
      created: 1735689600,
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: ASSISTANT_TEXT,
            reasoning_content: THINKING,
            reasoning_signature: 'chat-reasoning-signature-1',
            tool_calls: CALLS.map((c, i) => ({
              id: CHAT_IDS[i],
              type: 'function',
              function: { name: c.name, arguments: JSON.stringify(c.args) },
            })),
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 2100,
        completion_tokens: 300,
        total_tokens: 2400,
        prompt_tokens_details: { cached_tokens: 1800 },
        completion_tokens_details: { reasoning_tokens: 120 },
      },
    }
  },
  /** Interleaved argument fragments of two parallel calls, routed by `index`. */
  stream() {
    return [
      chatChunk('{"role":"assistant","content":""}'),
      chatChunk('{"reasoning_content":"Two lookups: the weather in Paris"}'),
      chatChunk('{"reasoning_content":" and in Tokyo."}'),
      chatChunk('{"reasoning_signature":"chat-reasoning-signature-1"}'),
      chatChunk('{"content":"Checking "}'),
      chatChunk('{"content":"both."}'),
      chatChunk(
        '{"tool_calls":[{"index":0,"id":"call_w1","type":"function","function":{"name":"get_weather","arguments":""}}]}',
      ),
      chatChunk(
        '{"tool_calls":[{"index":1,"id":"call_t2","type":"function","function":{"name":"get_time","arguments":""}}]}',
      ),
      chatArgs(0, '{"city":'),
      chatArgs(1, '{"city":"To'),
      chatArgs(0, '"Paris"}'),
      chatArgs(1, 'kyo"}'),
      chatChunk('{}', '"tool_calls"'),
      `data: ${CHAT_HEAD},"choices":[],"usage":{"prompt_tokens":2100,"completion_tokens":300,"total_tokens":2400,"prompt_tokens_details":{"cached_tokens":1800},"completion_tokens_details":{"reasoning_tokens":120}}}\n\n`,
      'data: [DONE]\n\n',
    ].join('')
  },
  streamError: () => recorded('openai-chat', 'stream-error.sse'),
  replay(answer) {
    const message = (answer.choices as Json[])[0]!.message as Json
    const calls = (message.tool_calls as Json[] | undefined) ?? []
    return {
      model: TARGETS['openai-chat'].model,
      messages: [
        { role: 'user', content: USER_TEXT },
        message,
        ...calls.map((c) => ({ role: 'tool', tool_call_id: c.id, content: 'ok' })),
      ],
    }
  },
}

// ---------------------------------------------------------------------------------------------
// OpenAI Responses

const openaiResponses: DialectFixtures = {
  request(opts) {
    const o = opt(opts)
    return {
      model: TARGETS['openai-responses'].model,
      instructions: SYSTEM,
      input: [
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: USER_TEXT },
            { type: 'input_image', image_url: DATA_URL },
            ...(o.urlImage ? [{ type: 'input_image', image_url: IMAGE_URL }] : []),
          ],
        },
        ...(o.history
          ? [
              // Two summaries, as Codex writes them: the encrypted_content covers both.
              {
                type: 'reasoning',
                id: 'rs_mx1',
                summary: [
                  { type: 'summary_text', text: 'Two lookups:' },
                  { type: 'summary_text', text: 'the weather in Paris and in Tokyo.' },
                ],
                encrypted_content: 'gAAAAABmx-encrypted-reasoning-1',
              },
              {
                type: 'message',
                role: 'assistant',
                content: [{ type: 'output_text', text: ASSISTANT_TEXT }],
              },
              ...CALLS.map((c, i) => ({
                type: 'function_call',
                id: `fc_${CHAT_IDS[i]}`,
                call_id: CHAT_IDS[i],
                name: c.name,
                arguments: JSON.stringify(c.args),
              })),
              ...ANSWERED.map((i) => ({
                type: 'function_call_output',
                call_id: CHAT_IDS[i],
                output: CALLS[i].result,
              })),
            ]
          : []),
      ],
      tools: TOOLS.map((t) => ({ type: 'function', ...t, strict: false })),
      reasoning: { effort: 'high', summary: 'auto' },
      max_output_tokens: MAX_TOKENS,
      temperature: TEMPERATURE,
      top_p: TOP_P,
      include: ['reasoning.encrypted_content'],
      store: false,
    }
  },
  /** Recorded: a reasoning item (two summaries + encrypted_content), text, two function calls. */
  response: () => JSON.parse(recorded('openai-responses', 'response-tool-calls.json')) as Json,
  /** Recorded: the same answer streamed (Responses streams items one after another). */
  stream: () => recorded('openai-responses', 'tool-calls.sse'),
  streamError: () => recorded('openai-responses', 'error-mid-stream.sse'),
  replay(answer) {
    const output = answer.output as Json[]
    return {
      model: TARGETS['openai-responses'].model,
      input: [
        { role: 'user', content: USER_TEXT },
        ...output,
        ...output
          .filter((i) => i.type === 'function_call')
          .map((i) => ({ type: 'function_call_output', call_id: i.call_id, output: 'ok' })),
      ],
    }
  },
}

// ---------------------------------------------------------------------------------------------
// Anthropic Messages

const TOOLU_IDS = ['toolu_01W1', 'toolu_01T2']

const anthropicMessages: DialectFixtures = {
  request(opts) {
    const o = opt(opts)
    return {
      model: TARGETS['anthropic-messages'].model,
      max_tokens: MAX_TOKENS,
      system: SYSTEM,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: USER_TEXT },
            { type: 'image', source: { type: 'base64', media_type: IMAGE.mediaType, data: IMAGE.data } },
            ...(o.urlImage ? [{ type: 'image', source: { type: 'url', url: IMAGE_URL } }] : []),
          ],
        },
        ...(o.history
          ? [
              {
                role: 'assistant',
                content: [
                  { type: 'thinking', thinking: THINKING, signature: 'EqQBanthropic-signature-1==' },
                  { type: 'text', text: ASSISTANT_TEXT },
                  ...CALLS.map((c, i) => ({
                    type: 'tool_use',
                    id: TOOLU_IDS[i],
                    name: c.name,
                    input: c.args,
                  })),
                ],
              },
              {
                role: 'user',
                content: ANSWERED.map((i) => ({
                  type: 'tool_result',
                  tool_use_id: TOOLU_IDS[i],
                  content: CALLS[i].result,
                })),
              },
            ]
          : []),
      ],
      tools: TOOLS.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })),
      // Thinking on: the API takes no temperature (it must be 1) and top_p only ≥ 0.95.
      thinking: { type: 'enabled', budget_tokens: BUDGET },
      top_p: TOP_P,
    }
  },
  /** Recorded: thinking + redacted_thinking, text, three tool_use blocks, cache reads/writes. */
  response: () => JSON.parse(recorded('anthropic-messages', 'response-tool-use.json')) as Json,
  /** Recorded: signed thinking, redacted thinking, text, two tool calls, cache usage. */
  stream: () => recorded('anthropic-messages', 'stream-parallel-tools.sse'),
  streamError: () => recorded('anthropic-messages', 'stream-error.sse'),
  replay(answer) {
    const content = answer.content as Json[]
    return {
      model: TARGETS['anthropic-messages'].model,
      max_tokens: MAX_TOKENS,
      messages: [
        { role: 'user', content: USER_TEXT },
        { role: 'assistant', content },
        {
          role: 'user',
          content: content
            .filter((b) => b.type === 'tool_use')
            .map((b) => ({ type: 'tool_result', tool_use_id: b.id, content: 'ok' })),
        },
      ],
    }
  },
}

// ---------------------------------------------------------------------------------------------
// Gemini

const GEMINI_TAIL = ',"modelVersion":"gemini-2.5-pro","responseId":"mx-gemini-1"}\r\n\r\n'
const geminiUsage = (candidates: number, thoughts: number) =>
  `{"promptTokenCount":2100,${candidates > 0 ? `"candidatesTokenCount":${candidates},` : ''}"totalTokenCount":${2100 + candidates + thoughts},"cachedContentTokenCount":1800,"thoughtsTokenCount":${thoughts}}`
const geminiChunk = (parts: string, usage: string, finish = '') =>
  `data: {"candidates":[{"content":{"parts":[${parts}],"role":"model"}${finish}}],"usageMetadata":${usage}${GEMINI_TAIL}`

const gemini: DialectFixtures = {
  request(opts) {
    const o = opt(opts)
    return {
      systemInstruction: { parts: [{ text: SYSTEM }] },
      contents: [
        {
          role: 'user',
          parts: [
            { text: USER_TEXT },
            { inlineData: { mimeType: IMAGE.mediaType, data: IMAGE.data } },
            ...(o.urlImage ? [{ fileData: { mimeType: IMAGE.mediaType, fileUri: GEMINI_FILE_URI } }] : []),
          ],
        },
        ...(o.history
          ? [
              {
                role: 'model',
                parts: [
                  { text: THINKING, thought: true, thoughtSignature: 'CiQBgemini-thought-signature' },
                  { text: ASSISTANT_TEXT },
                  {
                    functionCall: { name: CALLS[0].name, args: CALLS[0].args },
                    thoughtSignature: 'CtgBgemini-call-signature',
                  },
                  { functionCall: { name: CALLS[1].name, args: CALLS[1].args } },
                ],
              },
              {
                role: 'user',
                parts: CALLS.map((c) => ({
                  functionResponse: { name: c.name, response: { result: c.result } },
                })),
              },
            ]
          : []),
      ],
      tools: [
        {
          functionDeclarations: TOOLS.map((t) => ({
            name: t.name,
            description: t.description,
            parametersJsonSchema: t.parameters,
          })),
        },
      ],
      generationConfig: {
        temperature: TEMPERATURE,
        topP: TOP_P,
        maxOutputTokens: MAX_TOKENS,
        thinkingConfig: { thinkingBudget: BUDGET, includeThoughts: true },
      },
    }
  },
  response() {
    return {
      candidates: [
        {
          content: {
            parts: [
              { text: THINKING, thought: true, thoughtSignature: 'CiQBgemini-thought-signature' },
              { text: ASSISTANT_TEXT },
              {
                functionCall: { name: CALLS[0].name, args: CALLS[0].args },
                thoughtSignature: 'CtgBgemini-call-signature',
              },
              { functionCall: { name: CALLS[1].name, args: CALLS[1].args } },
            ],
            role: 'model',
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: 2100,
        candidatesTokenCount: 180,
        totalTokenCount: 2400,
        cachedContentTokenCount: 1800,
        thoughtsTokenCount: 120,
      },
      modelVersion: 'gemini-2.5-pro',
      responseId: 'mx-gemini-1',
    }
  },
  /** Gemini sends each functionCall whole, the parallel ones in one chunk; usage is a running total. */
  stream() {
    return [
      geminiChunk('{"text":"Two lookups: the weather in Paris","thought":true}', geminiUsage(0, 60)),
      geminiChunk(
        '{"text":" and in Tokyo.","thought":true,"thoughtSignature":"CiQBgemini-thought-signature"}',
        geminiUsage(0, 120),
      ),
      geminiChunk('{"text":"Checking "}', geminiUsage(2, 120)),
      geminiChunk('{"text":"both."}', geminiUsage(3, 120)),
      geminiChunk(
        '{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"CtgBgemini-call-signature"},{"functionCall":{"name":"get_time","args":{"city":"Tokyo"}}}',
        geminiUsage(180, 120),
        ',"finishReason":"STOP"',
      ),
    ].join('')
  },
  streamError: () => recorded('gemini', 'stream-error.sse'),
  replay(answer) {
    const content = (answer.candidates as Json[])[0]!.content as Json
    const parts = content.parts as Json[]
    return {
      contents: [
        { role: 'user', parts: [{ text: USER_TEXT }] },
        content,
        {
          role: 'user',
          parts: parts
            .filter((p) => p.functionCall !== undefined)
            .map((p) => ({
              functionResponse: { name: (p.functionCall as Json).name, response: { result: 'ok' } },
            })),
        },
      ],
    }
  },
}

export const fixtures: Record<DialectName, DialectFixtures> = {
  'openai-chat': openaiChat,
  'openai-responses': openaiResponses,
  'anthropic-messages': anthropicMessages,
  gemini,
}
