/**
 * Shared pieces of the end-to-end tests: one driver per inbound dialect (the real `openai` and
 * `@anthropic-ai/sdk` clients, plain `fetch` for Gemini) that sends a conversation and reports
 * what its user sees, and readers of what an upstream fake received, in the upstream's dialect.
 */
import { expect } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import type { DialectName } from '../../src/dialects/ir.ts'
import { SSEParser } from '../../src/sse.ts'
import {
  type AnthropicFake,
  type FakeAnthropicOptions,
  fakeAnthropic,
  fakeGemini,
  fakeOpenAI,
  type GeminiFake,
  type OpenAIFake,
  type Script,
} from '../helpers/fakes/index.ts'
import { type TestGateway, testGateway } from '../helpers/gateway.ts'

/** The key the clients present to the gateway; no upstream may ever see it. */
export const CLIENT_KEY = 'sk-client-key-that-must-not-leak'

export type InboundName = 'chat' | 'responses' | 'messages' | 'gemini'

export const INBOUND_DIALECT: Record<InboundName, DialectName> = {
  chat: 'openai-chat',
  responses: 'openai-responses',
  messages: 'anthropic-messages',
  gemini: 'gemini',
}

// ------------------------------------------------------------------------------------- errors

/**
 * The message of an error body in the envelope of `dialect`, checking the envelope's shape on the
 * way: OpenAI `{error:{message,type,param,code}}`, Anthropic `{type:"error",error:{type,message}}`,
 * Gemini `{error:{code,message,status}}` with `code` equal to the HTTP status.
 */
export function envelopeMessage(dialect: DialectName, body: unknown, status: number): string {
  const b = body as Record<string, Record<string, unknown>>
  expect(typeof b['error']?.['message']).toBe('string')
  if (dialect === 'anthropic-messages') {
    expect(b['type'] as unknown).toBe('error')
    expect(typeof b['error']?.['type']).toBe('string')
  } else if (dialect === 'gemini') {
    expect(b['error']?.['code']).toBe(status)
    expect(typeof b['error']?.['status']).toBe('string')
  } else {
    expect(typeof b['error']?.['type']).toBe('string')
    expect(b['error']).toHaveProperty('param')
    expect(b['error']).toHaveProperty('code')
  }
  return String(b['error']?.['message'])
}

// ------------------------------------------------------------------------------------- gateway

/** The `upstreams:` entry that speaks each dialect in `gatewayWithEveryUpstream`: `up-<short>/<model>` routes there. */
export const UPSTREAM_OF: Record<DialectName, string> = {
  'openai-chat': 'up-chat',
  'openai-responses': 'up-responses',
  'anthropic-messages': 'up-anthropic',
  gemini: 'up-gemini',
}

export interface EveryUpstream extends AsyncDisposable {
  gw: TestGateway
  openai: OpenAIFake
  anthropic: AnthropicFake
  gemini: GeminiFake
}

/**
 * A gateway with one fake upstream per dialect, each reachable as an `upstreams:` entry
 * (`UPSTREAM_OF`) and through the built-in providers (`claude`, `codex`, `gemini`) it stands for.
 * `config` is merged over that config.
 */
export async function gatewayWithEveryUpstream(
  script: Script = { text: 'ok' },
  opts: { config?: Record<string, unknown>; anthropic?: FakeAnthropicOptions } = {},
): Promise<EveryUpstream> {
  const openai = fakeOpenAI(script)
  const anthropic = fakeAnthropic(script, opts.anthropic)
  const gemini = fakeGemini(script)
  const gw = await testGateway({
    providers: {
      claude: { api_key: 'k-claude', base_url: anthropic.url },
      codex: { api_key: 'k-codex', base_url: `${openai.url}/v1` },
      gemini: { api_key: 'k-gemini', base_url: gemini.url },
    },
    upstreams: [
      { name: 'up-chat', dialect: 'openai-chat', base_url: `${openai.url}/v1`, api_key: 'k-up-chat' },
      {
        name: 'up-responses',
        dialect: 'openai-responses',
        base_url: `${openai.url}/v1`,
        api_key: 'k-up-responses',
      },
      {
        name: 'up-anthropic',
        dialect: 'anthropic-messages',
        base_url: anthropic.url,
        api_key: 'k-up-anthropic',
      },
      { name: 'up-gemini', dialect: 'gemini', base_url: gemini.url, api_key: 'k-up-gemini' },
    ],
    ...opts.config,
  })
  return {
    gw,
    openai,
    anthropic,
    gemini,
    async [Symbol.asyncDispose]() {
      await gw[Symbol.asyncDispose]()
      await Promise.all([openai.stop(), anthropic.stop(), gemini.stop()])
    },
  }
}

/** One inference endpoint: where it is, its error envelope, and a minimal valid body for a model. */
export interface Endpoint {
  name: string
  dialect: DialectName
  /** The path for `model` (Gemini puts the model in the path). */
  path(model: string): string
  /** A minimal valid body for `model`. */
  body(model: string): Record<string, unknown>
  /** A token-count route: the generation body without `max_tokens` and `stream`. */
  counting?: true
}

const chatBody = (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] })
const messagesBody = (model: string) => ({
  model,
  max_tokens: 16,
  messages: [{ role: 'user', content: 'hi' }],
})
const geminiBody = () => ({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] })

/** Every POST route byokey serves, each with its own envelope. */
export const ENDPOINTS: readonly Endpoint[] = [
  { name: 'chat completions', dialect: 'openai-chat', path: () => '/v1/chat/completions', body: chatBody },
  {
    name: 'responses',
    dialect: 'openai-responses',
    path: () => '/v1/responses',
    body: (model) => ({ model, input: 'hi' }),
  },
  { name: 'messages', dialect: 'anthropic-messages', path: () => '/v1/messages', body: messagesBody },
  {
    name: 'messages count_tokens',
    dialect: 'anthropic-messages',
    path: () => '/v1/messages/count_tokens',
    body: (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] }),
    counting: true,
  },
  {
    name: 'gemini generateContent',
    dialect: 'gemini',
    path: (m) => `/v1beta/models/${m}:generateContent`,
    body: geminiBody,
  },
  {
    name: 'gemini streamGenerateContent',
    dialect: 'gemini',
    path: (m) => `/v1beta/models/${m}:streamGenerateContent?alt=sse`,
    body: geminiBody,
  },
  {
    name: 'gemini countTokens',
    dialect: 'gemini',
    path: (m) => `/v1beta/models/${m}:countTokens`,
    body: geminiBody,
    counting: true,
  },
  {
    name: 'gemini v1 generateContent',
    dialect: 'gemini',
    path: (m) => `/v1/models/${m}:generateContent`,
    body: geminiBody,
  },
]

/** A POST of `body` (sent as is when a string) with a JSON content type. */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

// ------------------------------------------------------------------------------------- usage

/** Token counts in the IR convention: input excludes cache reads/writes, output includes reasoning. */
export interface Tokens {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  reasoning: number
}

/**
 * What a gateway should count when a fake renders the neutral script usage `u` in `dialect`:
 * OpenAI and Gemini fold cache writes into the prompt and report only cached reads, and
 * Anthropic does not report reasoning tokens.
 */
export function tokensVia(dialect: DialectName, u: Tokens): Tokens {
  if (dialect === 'anthropic-messages') return { ...u, reasoning: 0 }
  return { ...u, input: u.input + u.cacheWrite, cacheWrite: 0 }
}

/** The usage object a client of `inbound` should read, field by field in its own names. */
export function clientUsageFor(inbound: InboundName, t: Tokens): Record<string, number> {
  const prompt = t.input + t.cacheRead + t.cacheWrite
  switch (inbound) {
    case 'chat':
      return {
        prompt_tokens: prompt,
        completion_tokens: t.output,
        total_tokens: prompt + t.output,
        cached_tokens: t.cacheRead,
        reasoning_tokens: t.reasoning,
      }
    case 'responses':
      return {
        input_tokens: prompt,
        output_tokens: t.output,
        total_tokens: prompt + t.output,
        cached_tokens: t.cacheRead,
        reasoning_tokens: t.reasoning,
      }
    case 'messages':
      return {
        input_tokens: t.input,
        output_tokens: t.output,
        cache_read_input_tokens: t.cacheRead,
        cache_creation_input_tokens: t.cacheWrite,
      }
    case 'gemini':
      return {
        promptTokenCount: prompt,
        candidatesTokenCount: t.output - t.reasoning,
        thoughtsTokenCount: t.reasoning,
        cachedContentTokenCount: t.cacheRead,
        totalTokenCount: prompt + t.output,
      }
  }
}

type Json = Record<string, unknown>
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {})
const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : [])
const num = (v: unknown): number => (typeof v === 'number' ? v : 0)

/** The same fields as `clientUsageFor`, read from what the client got (absent counts as 0). */
export function readClientUsage(inbound: InboundName, usage: unknown): Record<string, number> {
  const u = obj(usage)
  switch (inbound) {
    case 'chat':
      return {
        prompt_tokens: num(u['prompt_tokens']),
        completion_tokens: num(u['completion_tokens']),
        total_tokens: num(u['total_tokens']),
        cached_tokens: num(obj(u['prompt_tokens_details'])['cached_tokens']),
        reasoning_tokens: num(obj(u['completion_tokens_details'])['reasoning_tokens']),
      }
    case 'responses':
      return {
        input_tokens: num(u['input_tokens']),
        output_tokens: num(u['output_tokens']),
        total_tokens: num(u['total_tokens']),
        cached_tokens: num(obj(u['input_tokens_details'])['cached_tokens']),
        reasoning_tokens: num(obj(u['output_tokens_details'])['reasoning_tokens']),
      }
    case 'messages':
      return {
        input_tokens: num(u['input_tokens']),
        output_tokens: num(u['output_tokens']),
        cache_read_input_tokens: num(u['cache_read_input_tokens']),
        cache_creation_input_tokens: num(u['cache_creation_input_tokens']),
      }
    case 'gemini':
      return {
        promptTokenCount: num(u['promptTokenCount']),
        candidatesTokenCount: num(u['candidatesTokenCount']),
        thoughtsTokenCount: num(u['thoughtsTokenCount']),
        cachedContentTokenCount: num(u['cachedContentTokenCount']),
        totalTokenCount: num(u['totalTokenCount']),
      }
  }
}

// ------------------------------------------------------------------------------------- tools

export interface ToolSpec {
  name: string
  description: string
  parameters: Json
  /** The arguments the upstream calls it with. */
  args: Json
  /** What the client's tool returns. */
  result: Json
}

export const TOOLS: readonly ToolSpec[] = [
  {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city'],
    },
    args: { city: 'Paris', unit: 'c' },
    result: { temp: 21, sky: 'clear' },
  },
  {
    name: 'get_time',
    description: 'Local time in a time zone',
    parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] },
    args: { tz: 'Europe/Paris', format: { hours: 24, seconds: false } },
    result: { time: '14:05' },
  },
]

// ------------------------------------------------------------------------------------- clients

export interface SeenCall {
  /** Empty when the client's dialect carries no id (Gemini from a foreign upstream). */
  id: string
  name: string
  args: unknown
}

export interface SeenThinking {
  text: string
  signature: string
}

/** One answer as the client's user sees it. */
export interface Turn {
  text: string
  /** Text deltas in arrival order (streams only). */
  deltas: string[]
  /** `performance.now()` when the first text delta arrived (streams only). */
  firstDeltaAt?: number
  usage: unknown
  calls: SeenCall[]
  thinking: SeenThinking[]
  /** The assistant turn in the client's own shape, to send back as history. */
  history: unknown
}

export interface Conversation {
  prompt: string
  tools?: boolean
  /** The client's previous answer and the results of its tool calls (by tool name). */
  prior?: { turn: Turn; results?: boolean; followUp?: string }
  /** Ask for reasoning, each client its own way. */
  thinking?: boolean
}

export interface Send {
  url: string
  model: string
  stream: boolean
  requestId: string
  /** Chat streams: leave out `stream_options.include_usage`. */
  noUsage?: boolean
}

export type Driver = (conv: Conversation, send: Send) => Promise<Turn>

const resultOf = (name: string): Json => {
  const t = TOOLS.find((x) => x.name === name)
  if (!t) throw new Error(`no tool ${name}`)
  return t.result
}

function parseArgs(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return { unparsable: s }
  }
}

const openai = (url: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 })

// ---- OpenAI Chat Completions

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam

function chatMessages(conv: Conversation): ChatMessage[] {
  const out: ChatMessage[] = [{ role: 'user', content: conv.prompt }]
  if (!conv.prior) return out
  out.push(conv.prior.turn.history as ChatMessage)
  if (conv.prior.results) {
    for (const c of conv.prior.turn.calls) {
      out.push({ role: 'tool', tool_call_id: c.id, content: JSON.stringify(resultOf(c.name)) })
    }
  }
  if (conv.prior.followUp) out.push({ role: 'user', content: conv.prior.followUp })
  return out
}

const chatTools = (): OpenAI.Chat.Completions.ChatCompletionTool[] =>
  TOOLS.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }))

export const chatDriver: Driver = async (conv, send) => {
  const client = openai(send.url)
  const base = {
    model: send.model,
    messages: chatMessages(conv),
    ...(conv.tools ? { tools: chatTools() } : {}),
    ...(conv.thinking ? { reasoning_effort: 'low' as const } : {}),
  }
  const headers = { headers: { 'x-request-id': send.requestId } }
  if (!send.stream) {
    const res = await client.chat.completions.create(base, headers)
    const msg = res.choices[0]!.message
    const calls = (msg.tool_calls ?? []).map((c) => {
      if (c.type !== 'function') throw new Error(`unexpected tool call type ${c.type}`)
      return { id: c.id, name: c.function.name, args: parseArgs(c.function.arguments) }
    })
    const reasoning = msg as { reasoning_content?: string; reasoning_signature?: string }
    return {
      text: msg.content ?? '',
      deltas: [],
      usage: res.usage,
      calls,
      thinking:
        reasoning.reasoning_content === undefined
          ? []
          : [{ text: reasoning.reasoning_content, signature: reasoning.reasoning_signature ?? '' }],
      // What most programs do: push the message back as it came.
      history: msg,
    }
  }
  const stream = await client.chat.completions.create(
    { ...base, stream: true, ...(send.noUsage ? {} : { stream_options: { include_usage: true } }) },
    headers,
  )
  const deltas: string[] = []
  let firstDeltaAt: number | undefined
  let usage: unknown
  const acc: { id: string; name: string; args: string; extra?: unknown }[] = []
  const reasoning = { text: '', signature: '' }
  for await (const chunk of stream) {
    // Older clients read choices[0] of every chunk: a usage-only chunk is for those who asked.
    if (send.noUsage && (chunk.choices.length === 0 || chunk.usage)) {
      throw new Error(`usage chunk sent to a client that did not ask for it: ${JSON.stringify(chunk)}`)
    }
    if (chunk.usage) {
      if (chunk.choices.length !== 0) throw new Error('chat usage chunk must have no choices')
      usage = chunk.usage
    }
    const delta = chunk.choices[0]?.delta
    if (!delta) continue
    if (delta.content) {
      firstDeltaAt ??= performance.now()
      deltas.push(delta.content)
    }
    const r = delta as { reasoning_content?: string; reasoning_signature?: string }
    if (r.reasoning_content) reasoning.text += r.reasoning_content
    if (r.reasoning_signature) reasoning.signature = r.reasoning_signature
    for (const tc of delta.tool_calls ?? []) {
      acc[tc.index] ??= { id: '', name: '', args: '' }
      const slot = acc[tc.index]!
      if (tc.id) slot.id = tc.id
      if (tc.function?.name) slot.name += tc.function.name
      if (tc.function?.arguments) slot.args += tc.function.arguments
      // Vendor fields on a call (Gemini's `extra_content.google.thought_signature`) go back with it.
      const extra = (tc as { extra_content?: unknown }).extra_content
      if (extra !== undefined) slot.extra = extra
    }
  }
  const text = deltas.join('')
  return {
    text,
    deltas,
    ...(firstDeltaAt === undefined ? {} : { firstDeltaAt }),
    usage,
    calls: acc.map((c) => ({ id: c.id, name: c.name, args: parseArgs(c.args) })),
    thinking: reasoning.text === '' && reasoning.signature === '' ? [] : [reasoning],
    history: {
      role: 'assistant',
      content: text === '' ? null : text,
      ...(reasoning.text === '' ? {} : { reasoning_content: reasoning.text }),
      ...(reasoning.signature === '' ? {} : { reasoning_signature: reasoning.signature }),
      ...(acc.length > 0
        ? {
            tool_calls: acc.map((c) => ({
              id: c.id,
              type: 'function',
              function: { name: c.name, arguments: c.args },
              ...(c.extra === undefined ? {} : { extra_content: c.extra }),
            })),
          }
        : {}),
    },
  }
}

// ---- OpenAI Responses

type ResponseInput = OpenAI.Responses.ResponseInputItem

function responsesInput(conv: Conversation): ResponseInput[] {
  const out: ResponseInput[] = [{ role: 'user', content: conv.prompt }]
  if (!conv.prior) return out
  // What SDK users do: the previous output items, as they came, then the tool outputs.
  out.push(...(conv.prior.turn.history as ResponseInput[]))
  if (conv.prior.results) {
    for (const c of conv.prior.turn.calls) {
      out.push({ type: 'function_call_output', call_id: c.id, output: JSON.stringify(resultOf(c.name)) })
    }
  }
  if (conv.prior.followUp) out.push({ role: 'user', content: conv.prior.followUp })
  return out
}

function responsesTurn(res: OpenAI.Responses.Response, deltas: string[], firstDeltaAt?: number): Turn {
  const calls: SeenCall[] = []
  const thinking: SeenThinking[] = []
  let text = ''
  for (const item of res.output) {
    if (item.type === 'function_call')
      calls.push({ id: item.call_id, name: item.name, args: parseArgs(item.arguments) })
    if (item.type === 'message') {
      for (const c of item.content) if (c.type === 'output_text') text += c.text
    }
    if (item.type === 'reasoning') {
      thinking.push({
        text: item.summary.map((s) => s.text).join(''),
        signature: item.encrypted_content ?? '',
      })
    }
  }
  return {
    text,
    deltas,
    ...(firstDeltaAt === undefined ? {} : { firstDeltaAt }),
    usage: res.usage,
    calls,
    thinking,
    history: res.output,
  }
}

export const responsesDriver: Driver = async (conv, send) => {
  const client = openai(send.url)
  const base = {
    model: send.model,
    input: responsesInput(conv),
    ...(conv.tools
      ? {
          tools: TOOLS.map((t) => ({
            type: 'function' as const,
            name: t.name,
            description: t.description,
            parameters: t.parameters,
            strict: false,
          })),
        }
      : {}),
    ...(conv.thinking ? { reasoning: { effort: 'low' as const, summary: 'auto' as const } } : {}),
  }
  const headers = { headers: { 'x-request-id': send.requestId } }
  if (!send.stream) return responsesTurn(await client.responses.create(base, headers), [])
  const stream = await client.responses.create({ ...base, stream: true }, headers)
  const deltas: string[] = []
  let firstDeltaAt: number | undefined
  let done: OpenAI.Responses.Response | undefined
  for await (const ev of stream) {
    if (ev.type === 'response.output_text.delta') {
      firstDeltaAt ??= performance.now()
      deltas.push(ev.delta)
    }
    if (ev.type === 'response.completed') done = ev.response
  }
  if (!done) throw new Error('the Responses stream ended without response.completed')
  return responsesTurn(done, deltas, firstDeltaAt)
}

// ---- Anthropic Messages

type AnthropicMessage = Anthropic.MessageParam

function anthropicMessages(conv: Conversation): AnthropicMessage[] {
  const out: AnthropicMessage[] = [{ role: 'user', content: conv.prompt }]
  if (!conv.prior) return out
  out.push({ role: 'assistant', content: conv.prior.turn.history as Anthropic.ContentBlockParam[] })
  const next: Anthropic.ContentBlockParam[] = []
  if (conv.prior.results) {
    for (const c of conv.prior.turn.calls) {
      next.push({ type: 'tool_result', tool_use_id: c.id, content: JSON.stringify(resultOf(c.name)) })
    }
  }
  if (conv.prior.followUp) next.push({ type: 'text', text: conv.prior.followUp })
  out.push({ role: 'user', content: next })
  return out
}

function anthropicTurn(msg: Anthropic.Message, deltas: string[], firstDeltaAt?: number): Turn {
  const calls: SeenCall[] = []
  const thinking: SeenThinking[] = []
  let text = ''
  for (const b of msg.content) {
    if (b.type === 'text') text += b.text
    if (b.type === 'tool_use') calls.push({ id: b.id, name: b.name, args: b.input })
    if (b.type === 'thinking') thinking.push({ text: b.thinking, signature: b.signature })
  }
  return {
    text,
    deltas,
    ...(firstDeltaAt === undefined ? {} : { firstDeltaAt }),
    usage: msg.usage,
    calls,
    thinking,
    history: msg.content,
  }
}

export const messagesDriver: Driver = async (conv, send) => {
  const client = new Anthropic({ baseURL: send.url, apiKey: CLIENT_KEY, maxRetries: 0 })
  const params: Anthropic.MessageCreateParamsNonStreaming = {
    model: send.model,
    max_tokens: 2048,
    messages: anthropicMessages(conv),
    ...(conv.tools
      ? {
          tools: TOOLS.map((t) => ({
            name: t.name,
            description: t.description,
            input_schema: t.parameters as Anthropic.Tool.InputSchema,
          })),
        }
      : {}),
    ...(conv.thinking ? { thinking: { type: 'enabled' as const, budget_tokens: 1024 } } : {}),
  }
  const headers = { headers: { 'x-request-id': send.requestId } }
  if (!send.stream) return anthropicTurn(await client.messages.create(params, headers), [])
  const stream = client.messages.stream(params, headers)
  const deltas: string[] = []
  let firstDeltaAt: number | undefined
  stream.on('text', (delta) => {
    firstDeltaAt ??= performance.now()
    deltas.push(delta)
  })
  return anthropicTurn(await stream.finalMessage(), deltas, firstDeltaAt)
}

// ---- Gemini (plain fetch)

type Part = Json

function geminiContents(conv: Conversation): Json[] {
  const out: Json[] = [{ role: 'user', parts: [{ text: conv.prompt }] }]
  if (!conv.prior) return out
  out.push({ role: 'model', parts: conv.prior.turn.history as Part[] })
  const next: Part[] = []
  if (conv.prior.results) {
    for (const c of conv.prior.turn.calls) {
      next.push({ functionResponse: { name: c.name, response: resultOf(c.name) } })
    }
  }
  if (conv.prior.followUp) next.push({ text: conv.prior.followUp })
  out.push({ role: 'user', parts: next })
  return out
}

/** What a Gemini client makes of its answer's parts (all chunks' parts, in order, for a stream). */
function geminiTurn(parts: Part[], usage: unknown, deltas: string[], firstDeltaAt?: number): Turn {
  const calls: SeenCall[] = []
  const thinking: SeenThinking[] = []
  let text = ''
  for (const p of parts) {
    const fc = obj(p['functionCall'])
    if (p['functionCall']) {
      calls.push({ id: String(fc['id'] ?? ''), name: String(fc['name']), args: fc['args'] ?? {} })
    } else if (p['thought'] === true) {
      thinking.push({ text: String(p['text'] ?? ''), signature: String(p['thoughtSignature'] ?? '') })
    } else if (typeof p['text'] === 'string') text += p['text']
  }
  return {
    text,
    deltas,
    ...(firstDeltaAt === undefined ? {} : { firstDeltaAt }),
    usage,
    calls,
    thinking,
    history: parts,
  }
}

export const geminiDriver: Driver = async (conv, send) => {
  const body = {
    contents: geminiContents(conv),
    ...(conv.tools
      ? {
          tools: [
            {
              functionDeclarations: TOOLS.map((t) => ({
                name: t.name,
                description: t.description,
                parameters: t.parameters,
              })),
            },
          ],
        }
      : {}),
    ...(conv.thinking ? { generationConfig: { thinkingConfig: { includeThoughts: true } } } : {}),
  }
  const method = send.stream ? 'streamGenerateContent?alt=sse' : 'generateContent'
  const res = await fetch(`${send.url}/v1beta/models/${send.model}:${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-goog-api-key': CLIENT_KEY,
      'x-request-id': send.requestId,
    },
    body: JSON.stringify(body),
  })
  if (res.status !== 200) throw new Error(`gemini ${res.status}: ${await res.text()}`)
  if (!send.stream) {
    const json = obj(await res.json())
    const cand = arr(json['candidates'])[0] ?? {}
    return geminiTurn(arr(obj(cand['content'])['parts']), json['usageMetadata'], [])
  }
  expect(res.headers.get('content-type')).toContain('text/event-stream')
  const parts: Part[] = []
  const deltas: string[] = []
  let usage: unknown
  let firstDeltaAt: number | undefined
  const parser = new SSEParser()
  const decoder = new TextDecoder()
  const onEvents = (events: { data: string }[]) => {
    for (const ev of events) {
      const chunk = obj(JSON.parse(ev.data))
      if (chunk['error']) throw new Error(`gemini stream error: ${ev.data}`)
      if (chunk['usageMetadata']) usage = chunk['usageMetadata']
      for (const cand of arr(chunk['candidates'])) {
        for (const p of arr(obj(cand['content'])['parts'])) {
          parts.push(p)
          if (typeof p['text'] === 'string' && p['text'] !== '' && p['thought'] !== true) {
            firstDeltaAt ??= performance.now()
            deltas.push(p['text'])
          }
        }
      }
    }
  }
  for await (const bytes of res.body!) onEvents(parser.push(decoder.decode(bytes, { stream: true })))
  onEvents(parser.end(parser.push(decoder.decode())))
  return geminiTurn(parts, usage, deltas, firstDeltaAt)
}

export const DRIVERS: Record<InboundName, Driver> = {
  chat: chatDriver,
  responses: responsesDriver,
  messages: messagesDriver,
  gemini: geminiDriver,
}

// ------------------------------------------------------------------------------------- upstream side

export interface UpstreamCall {
  id?: string
  name: string
  args: unknown
}

export interface UpstreamResult {
  /** The call id it answers (absent on Gemini's public API). */
  id?: string
  name?: string
  value: unknown
}

/** The tool calls and tool results of a request body as an upstream of `dialect` received it. */
export interface Exchange {
  tools: string[]
  calls: UpstreamCall[]
  results: UpstreamResult[]
}

function parseValue(v: unknown): unknown {
  if (typeof v !== 'string') return v
  try {
    return JSON.parse(v)
  } catch {
    return v
  }
}

function textOf(content: unknown): unknown {
  if (typeof content === 'string') return parseValue(content)
  const texts = arr(content)
    .filter((p) => typeof p['text'] === 'string')
    .map((p) => p['text'] as string)
  return parseValue(texts.join(''))
}

export function exchangeOf(dialect: DialectName, body: unknown): Exchange {
  const b = obj(body)
  const out: Exchange = { tools: [], calls: [], results: [] }
  switch (dialect) {
    case 'openai-chat':
      out.tools = arr(b['tools']).map((t) => String(obj(t['function'])['name']))
      for (const m of arr(b['messages'])) {
        for (const c of arr(m['tool_calls'])) {
          const f = obj(c['function'])
          out.calls.push({ id: String(c['id']), name: String(f['name']), args: parseValue(f['arguments']) })
        }
        if (m['role'] === 'tool')
          out.results.push({ id: String(m['tool_call_id']), value: textOf(m['content']) })
      }
      break
    case 'openai-responses':
      out.tools = arr(b['tools']).map((t) => String(t['name']))
      for (const it of arr(b['input'])) {
        if (it['type'] === 'function_call') {
          out.calls.push({
            id: String(it['call_id']),
            name: String(it['name']),
            args: parseValue(it['arguments']),
          })
        }
        if (it['type'] === 'function_call_output')
          out.results.push({ id: String(it['call_id']), value: textOf(it['output']) })
      }
      break
    case 'anthropic-messages':
      out.tools = arr(b['tools']).map((t) => String(t['name']))
      for (const m of arr(b['messages'])) {
        for (const blk of arr(m['content'])) {
          if (blk['type'] === 'tool_use')
            out.calls.push({ id: String(blk['id']), name: String(blk['name']), args: blk['input'] })
          if (blk['type'] === 'tool_result')
            out.results.push({ id: String(blk['tool_use_id']), value: textOf(blk['content']) })
        }
      }
      break
    case 'gemini':
      out.tools = arr(b['tools']).flatMap((t) => arr(t['functionDeclarations']).map((d) => String(d['name'])))
      for (const c of arr(b['contents'])) {
        for (const p of arr(c['parts'])) {
          const fc = obj(p['functionCall'])
          if (p['functionCall']) {
            out.calls.push({
              ...(typeof fc['id'] === 'string' ? { id: fc['id'] } : {}),
              name: String(fc['name']),
              args: fc['args'] ?? {},
            })
          }
          const fr = obj(p['functionResponse'])
          if (p['functionResponse']) {
            const response = obj(fr['response'])
            const keys = Object.keys(response)
            out.results.push({
              ...(typeof fr['id'] === 'string' ? { id: fr['id'] } : {}),
              name: String(fr['name']),
              value: keys.length === 1 && keys[0] === 'result' ? parseValue(response['result']) : response,
            })
          }
        }
      }
      break
  }
  return out
}

/** The header a dialect's API takes its key in, and the value that carries `key`. */
export function authOf(dialect: DialectName, key: string): [string, string] {
  if (dialect === 'anthropic-messages') return ['x-api-key', key]
  if (dialect === 'gemini') return ['x-goog-api-key', key]
  return ['authorization', `Bearer ${key}`]
}

// ------------------------------------------------------------------------------------- raw requests

/** One plain request (no SDK) in the client's dialect for `model`, asking for a stream or not. */
export function requestIn(
  inbound: DialectName,
  url: string,
  model: string,
  stream: boolean,
): Promise<Response> {
  const headers = { 'content-type': 'application/json', authorization: 'Bearer client-key' }
  const post = (path: string, body: unknown) =>
    fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) })
  switch (inbound) {
    case 'openai-chat':
      return post('/v1/chat/completions', { model, stream, messages: [{ role: 'user', content: 'hi' }] })
    case 'openai-responses':
      return post('/v1/responses', { model, stream, input: 'hi' })
    case 'anthropic-messages':
      return post('/v1/messages', {
        model,
        stream,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      })
    case 'gemini':
      return post(`/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`, {
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      })
  }
}
