/**
 * What the e2e tests of the OpenAI-Chat subscriptions (Qwen, Kimi, iFlow) share: an upstream that
 * answers only requests carrying the vendor's headers and a token it accepts (a tool call first,
 * the answer once the tool's output is in the conversation), and the real OpenAI and Anthropic
 * SDKs driving text, a stream and a tool round trip through the gateway.
 */
import { expect } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { validate } from '../../src/config/load.ts'
import type { Config } from '../../src/config/schema.ts'
import type { Account } from '../../src/store/types.ts'
import { errorReply, fakeOpenAI, type OpenAIFake, type Recorded } from './fakes/index.ts'
import { type FakeOAuth, type FakeOAuthOptions, startFakeOAuth } from './fakes/oauth.ts'
import { type TestGateway, testGateway } from './gateway.ts'

export const WEATHER = 'It is 72F and sunny in Paris.'

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
}

/** A clock the device flow's waits move at once, so a login does not wait out the poll interval. */
export function fastClock(): { now: () => number; sleep: (ms: number) => Promise<void> } {
  let t = Date.now()
  return {
    now: () => t,
    sleep: async (ms) => {
      t += ms
    },
  }
}

export const bearer = (rec: Recorded) => (rec.headers['authorization'] ?? '').replace(/^Bearer /, '')

/**
 * A vendor's chat API: `problem(rec)` names what is wrong with a request's headers (a 400 that
 * says so; a test asserting on the answer then fails with the reason), `accepts` decides whether
 * its token is good (401 otherwise).
 */
export function chatUpstream(opts: {
  problem: (rec: Recorded) => string | undefined
  accepts: (rec: Recorded) => boolean
}): OpenAIFake {
  return fakeOpenAI((rec) => {
    const problem = opts.problem(rec)
    if (problem) return errorReply(400, { message: problem })
    if (!opts.accepts(rec)) return errorReply(401, { message: 'invalid access token' })
    const body = JSON.stringify(rec.body)
    if (body.includes('72F and sunny'))
      return { text: WEATHER, chunkText: 6, usage: { input: 20, output: 9 } }
    if (body.includes('Weather in Paris?'))
      return { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }
    return { text: 'hello there', chunkText: 3, usage: { input: 8, output: 2 } }
  })
}

/** The header names (lower case) missing from a request, as a message; undefined when all are there. */
export function missingHeaders(rec: Recorded, names: readonly string[]): string | undefined {
  const missing = names.filter((n) => !rec.headers[n])
  return missing.length > 0 ? `missing headers: ${missing.join(', ')}` : undefined
}

/** Text, a stream and a tool round trip with the real OpenAI SDK (Chat Completions). */
export async function openaiRoundTrips(gwUrl: string, model: string): Promise<void> {
  const client = new OpenAI({ baseURL: `${gwUrl}/v1`, apiKey: 'any', maxRetries: 0 })
  const text = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
  expect(text.choices[0]?.message.content).toBe('hello there')
  const stream = await client.chat.completions.create({
    model,
    stream: true,
    messages: [{ role: 'user', content: 'hi' }],
  })
  let streamed = ''
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? ''
  expect(streamed).toBe('hello there')

  const tools = [{ type: 'function' as const, function: weatherTool }]
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
  const first = await client.chat.completions.stream({ model, messages, tools }).finalChatCompletion()
  const call = first.choices[0]?.message.tool_calls?.[0]
  expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' })
  messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: '72F and sunny' })
  const second = await client.chat.completions.stream({ model, messages, tools }).finalChatCompletion()
  expect(second.choices[0]?.message.content).toBe(WEATHER)
}

/** Text, a stream and a tool round trip with the real Anthropic SDK (Messages, translated to Chat). */
export async function anthropicRoundTrips(gwUrl: string, model: string): Promise<void> {
  const client = new Anthropic({ baseURL: gwUrl, apiKey: 'any', maxRetries: 0 })
  const text = await client.messages.create({
    model,
    max_tokens: 64,
    messages: [{ role: 'user', content: 'hi' }],
  })
  expect(text.content[0]).toMatchObject({ type: 'text', text: 'hello there' })
  const streamed = await client.messages
    .stream({ model, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
    .finalMessage()
  expect(streamed.content[0]).toMatchObject({ type: 'text', text: 'hello there' })

  const tools = [
    { name: weatherTool.name, description: weatherTool.description, input_schema: weatherTool.parameters },
  ]
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
  const first = await client.messages.stream({ model, max_tokens: 256, tools, messages }).finalMessage()
  const use = first.content.find((b) => b.type === 'tool_use')
  expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })
  messages.push({ role: 'assistant', content: first.content })
  messages.push({
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: use?.type === 'tool_use' ? use.id : '', content: '72F and sunny' },
    ],
  })
  const second = await client.messages.stream({ model, max_tokens: 256, tools, messages }).finalMessage()
  expect(second.content[0]).toMatchObject({ type: 'text', text: WEATHER })
}

/** 50 requests at once, all answered; returns their texts. */
export async function fiftyAtOnce(gwUrl: string, model: string): Promise<string[]> {
  const client = new OpenAI({ baseURL: `${gwUrl}/v1`, apiKey: 'any', maxRetries: 0 })
  const results = await Promise.all(
    Array.from({ length: 50 }, () =>
      client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }),
    ),
  )
  return results.map((r) => r.choices[0]?.message.content ?? '')
}

/** A request on a revoked login: 401 in each client's dialect, naming the command that fixes it. */
export async function expectNeedsLogin(gwUrl: string, model: string, provider: string): Promise<void> {
  const openai = new OpenAI({ baseURL: `${gwUrl}/v1`, apiKey: 'any', maxRetries: 0 })
  const err = await openai.chat.completions
    .create({ model, messages: [{ role: 'user', content: 'hi' }] })
    .catch((e: unknown) => e)
  expect(err).toBeInstanceOf(OpenAI.APIError)
  expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(401)
  expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain(`byokey login ${provider}`)
  const res = await fetch(`${gwUrl}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
  })
  expect(res.status).toBe(401)
  const body = (await res.json()) as { type: string; error: { type: string; message: string } }
  expect(body.type).toBe('error')
  expect(body.error.type).toBe('authentication_error')
  expect(body.error.message).toContain(`byokey login ${provider}`)
}

/** A vendor's OAuth server and chat API, and a gateway whose config points at both. */
export interface ChatRig {
  oauth: FakeOAuth
  up: OpenAIFake
  gw: TestGateway
  /** The gateway's config as a login reads it. */
  config: Config
  [Symbol.asyncDispose](): Promise<void>
}

export async function chatRig(opts: {
  problem: (rec: Recorded) => string | undefined
  /** Whether the upstream takes a request's token; default: an access token the OAuth fake issued. */
  accepts?: (oauth: FakeOAuth, rec: Recorded) => boolean
  oauth?: (upUrl: string) => FakeOAuthOptions
  providers: (oauth: FakeOAuth, upUrl: string) => Record<string, unknown>
}): Promise<ChatRig> {
  const accepts = opts.accepts ?? ((o: FakeOAuth, rec: Recorded) => o.isValidAccess(bearer(rec)))
  // the upstream asks the OAuth fake about tokens only when called, after both exist
  const ref: { oauth?: FakeOAuth } = {}
  const up = chatUpstream({ problem: opts.problem, accepts: (rec) => accepts(ref.oauth!, rec) })
  const oauth = startFakeOAuth(opts.oauth?.(up.url) ?? {})
  ref.oauth = oauth
  const providers = opts.providers(oauth, up.url)
  const gw = await testGateway({ providers })
  return {
    oauth,
    up,
    gw,
    config: validate({ providers }, 't').config,
    async [Symbol.asyncDispose]() {
      await gw[Symbol.asyncDispose]()
      await up.stop()
      await oauth.stop()
    },
  }
}

/** A stored login whose access token has expired, as the gateway finds it an hour later. */
export function seedExpired(
  rig: ChatRig,
  provider: string,
  accountId: string,
  token: Record<string, unknown>,
) {
  rig.gw.store.accounts.upsert({ provider, accountId, kind: 'oauth', token, expiresAt: Date.now() - 1000 })
}

/** 50 requests at once on an expired login: one refresh, all answered with the new token. */
export async function expectOneRefresh(
  rig: ChatRig,
  model: string,
  provider: string,
  accountId: string,
): Promise<Account> {
  const texts = await fiftyAtOnce(rig.gw.url, model)
  expect(texts.every((t) => t === 'hello there')).toBe(true)
  expect(rig.oauth.counters.refreshes).toBe(1)
  const acc = rig.gw.store.accounts.get(provider, accountId)!
  expect(acc.expiresAt).toBeGreaterThan(Date.now())
  expect(rig.up.requests).toHaveLength(50)
  expect(rig.up.requests.every((r) => bearer(r) === acc.token['access_token'])).toBe(true)
  return acc
}

/** A revoked login: 401s naming the command, the upstream never called, the account marked. */
export async function expectRevoked(rig: ChatRig, model: string, provider: string, accountId: string) {
  await expectNeedsLogin(rig.gw.url, model, provider)
  expect(rig.up.requests).toHaveLength(0)
  expect(rig.gw.store.accounts.get(provider, accountId)!.state).toBe('needs_login')
}
