/**
 * Fallback chains across providers and dialects: an Anthropic client whose Claude keys all answer
 * 429 is served by an OpenAI Chat upstream (as Copilot speaks it), the answer translated back to
 * Anthropic's format intact; every attempt leaves a usage row; a 400 never goes down the chain;
 * when every step fails the client gets the most useful error in its own envelope.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { twoClaudeKeys } from '../helpers/accounts-config.ts'
import { errorReply, fakeAnthropic, fakeOpenAI } from '../helpers/fakes/index.ts'
import type { Script } from '../helpers/fakes/script.ts'
import { testGateway } from '../helpers/gateway.ts'
import { CLIENT_KEY } from './support.ts'

const MODEL = 'claude-sonnet-4-6'
const WEATHER = { name: 'get_weather', arguments: { city: 'Oslo' } }
const CHAT_ANSWER = { text: 'sunny, says the fallback', toolCalls: [WEATHER] }

/** Two Claude keys behind `claude`, an OpenAI Chat upstream `chat`, and `extra` config on top. */
function gateway(claudeUrl: string, chatUrl: string, extra: Record<string, unknown>, claude = {}) {
  return testGateway({
    providers: {
      claude: twoClaudeKeys(claudeUrl, claude),
    },
    upstreams: [{ name: 'chat', dialect: 'openai-chat', base_url: `${chatUrl}/v1`, api_key: 'sk-chat' }],
    ...extra,
  })
}

const client = (url: string) => new Anthropic({ baseURL: url, apiKey: CLIENT_KEY, maxRetries: 0 })
const params = {
  model: MODEL,
  max_tokens: 64,
  messages: [{ role: 'user' as const, content: 'weather in Oslo?' }],
  tools: [
    {
      name: 'get_weather',
      description: 'Weather of a city',
      input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
    },
  ],
}

function expectIntact(m: Anthropic.Message) {
  expect(m.type).toBe('message')
  expect(m.content[0]).toMatchObject({ type: 'text', text: CHAT_ANSWER.text })
  expect(m.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } })
  expect(m.stop_reason).toBe('tool_use')
}

async function both(claude: Script, chat: Script) {
  return { claude: fakeAnthropic(claude), chat: fakeOpenAI(chat) }
}

describe('fallback chains', () => {
  test('Claude keys all 429: the configured chain serves from a Chat upstream, in Anthropic format', async () => {
    const up = await both(errorReply(429, { retryAfter: 20 }), CHAT_ANSWER)
    await using _c = up.claude
    await using _o = up.chat
    await using gw = await gateway(up.claude.url, up.chat.url, { fallbacks: { [MODEL]: ['chat/gpt-4.1'] } })

    expectIntact(await client(gw.url).messages.create(params))
    // streaming too: the chain is decided before the first byte, the stream is the fallback's
    const stream = client(gw.url).messages.stream(params)
    expectIntact(await stream.finalMessage())

    // the first request tried both keys, then the fallback; the second went straight to it
    expect(up.claude.requests.length).toBe(2)
    expect(up.chat.requests.length).toBe(2)
    expect(up.chat.requests[0]!.body).toMatchObject({ model: 'gpt-4.1' })
    await gw.store.usage.flush()
    const rows = (await gw.store.usage.recent(10, { failedOver: true })).reverse()
    expect(rows).toEqual([
      expect.objectContaining({
        provider: 'claude',
        account: 'a',
        attempt: 1,
        status: 429,
        failedOver: true,
      }),
      expect.objectContaining({
        provider: 'claude',
        account: 'b',
        attempt: 2,
        status: 429,
        failedOver: true,
      }),
      expect.objectContaining({ provider: 'chat', attempt: 3, status: 200 }),
      expect.objectContaining({ provider: 'chat', attempt: 1, status: 200 }),
    ])
    expect(gw.logs.some((l) => l['msg'] === 'every credential failed; falling back')).toBe(true)
  })

  test('providers.<id>.fallback: the same model on the other provider', async () => {
    const up = await both(errorReply(529), CHAT_ANSWER)
    await using _c = up.claude
    await using _o = up.chat
    await using gw = await gateway(up.claude.url, up.chat.url, {}, { fallback: 'chat' })
    expectIntact(await client(gw.url).messages.create(params))
    expect(up.chat.requests[0]!.body).toMatchObject({ model: MODEL })
  })

  test('a 400 stops the chain: no other key, no fallback, the error in Anthropic format', async () => {
    const up = await both(errorReply(400, { message: 'messages: bad shape' }), CHAT_ANSWER)
    await using _c = up.claude
    await using _o = up.chat
    await using gw = await gateway(up.claude.url, up.chat.url, { fallbacks: { [MODEL]: ['chat/gpt-4.1'] } })
    const err = await client(gw.url)
      .messages.create(params)
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(err).toBeInstanceOf(Anthropic.BadRequestError)
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: { message: expect.stringContaining('bad shape') },
    })
    expect(up.claude.requests.length).toBe(1)
    expect(up.chat.requests.length).toBe(0)
  })

  test('every step fails: the client gets the 429 with the soonest Retry-After, in its dialect', async () => {
    const up = await both(errorReply(429, { retryAfter: 40 }), errorReply(429, { retryAfter: 7 }))
    await using _c = up.claude
    await using _o = up.chat
    await using gw = await gateway(up.claude.url, up.chat.url, { fallbacks: { [MODEL]: ['chat/gpt-4.1'] } })
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': CLIENT_KEY,
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify(params),
    })
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('7')
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
    await gw.store.usage.flush()
    expect((await gw.store.usage.recent(10, { failedOver: true })).map((r) => r.attempt).sort()).toEqual([
      1, 2, 3,
    ])
  })
})
