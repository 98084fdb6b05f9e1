/**
 * Keep-alives while an upstream thinks (`streaming.keepalive_seconds`): an upstream that goes
 * silent mid-stream for longer than the interval; the client gets its dialect's own keep-alive
 * (an SSE comment, Anthropic's `ping` event) between whole events, then the full answer. A
 * same-dialect stream keeps every upstream byte in order: keep-alives only go in between events.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { parseSSE } from '../../src/sse.ts'
import { fakeOpenAI, sseResponse } from '../helpers/fakes/index.ts'
import { type SilentDialect, silentUpstream, twoHalves } from '../helpers/fakes/silent-stream.ts'
import { type TestGateway, testGateway } from '../helpers/gateway.ts'

/** The keep-alive interval in the tests, and the upstream's silence: several intervals long. */
const KEEPALIVE_S = 0.05
const SILENCE_MS = 500
const COMMENT = ': keep-alive\n\n'
const PING = 'event: ping\ndata: {"type":"ping"}\n\n'

function gatewayFor(
  url: string,
  dialect: SilentDialect,
  keepaliveSeconds = KEEPALIVE_S,
): Promise<TestGateway> {
  return testGateway({
    streaming: { keepalive_seconds: keepaliveSeconds },
    upstreams: [
      { name: 'up', dialect, base_url: dialect === 'openai-chat' ? `${url}/v1` : url, api_key: 'k' },
    ],
  })
}

type Client = 'chat' | 'messages' | 'responses' | 'gemini'

const messages = [{ role: 'user', content: 'hi' }]
const REQUESTS: Record<
  Client,
  { path: string; body: Record<string, unknown>; headers?: Record<string, string> }
> = {
  chat: { path: '/v1/chat/completions', body: { model: 'up/m', stream: true, messages } },
  messages: {
    path: '/v1/messages',
    body: { model: 'up/m', stream: true, max_tokens: 64, messages },
    headers: { 'anthropic-version': '2023-06-01' },
  },
  responses: { path: '/v1/responses', body: { model: 'up/m', stream: true, input: 'hi' } },
  gemini: {
    path: '/v1beta/models/up/m:streamGenerateContent?alt=sse',
    body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
  },
}

/** The exact bytes a client of `client` gets, by plain fetch. */
async function rawStream(gw: TestGateway, client: Client): Promise<string> {
  const { path, body, headers } = REQUESTS[client]
  const res = await fetch(gw.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  expect(res.status).toBe(200)
  return await res.text()
}

/** How often `part` occurs in `text`. */
const count = (text: string, part: string) => text.split(part).length - 1

describe('stream keep-alives while the upstream is silent', () => {
  test.each([
    ['openai-chat', COMMENT],
    ['anthropic-messages', PING],
  ] as const)(
    'passthrough %s: every upstream byte in order, keep-alives only between its events',
    async (dialect, keepAlive) => {
      await using up = silentUpstream(dialect, SILENCE_MS)
      await using gw = await gatewayFor(up.url, dialect)
      const body = await rawStream(gw, dialect === 'openai-chat' ? 'chat' : 'messages')
      const { head, tail } = twoHalves(dialect)
      expect(body.startsWith(head)).toBe(true)
      expect(body.endsWith(tail)).toBe(true)
      const between = body.slice(head.length, body.length - tail.length)
      expect(between.length).toBeGreaterThan(0)
      expect(between).toBe(keepAlive.repeat(count(between, keepAlive)))
    },
  )

  test.each([
    ['messages', 'openai-chat', PING],
    ['chat', 'anthropic-messages', COMMENT],
    ['responses', 'openai-chat', COMMENT],
    ['gemini', 'openai-chat', COMMENT],
  ] as const)(
    'translated: a %s client of a %s upstream gets its own keep-alive, then the whole answer',
    async (client, dialect, keepAlive) => {
      await using up = silentUpstream(dialect, SILENCE_MS)
      await using gw = await gatewayFor(up.url, dialect)
      const body = await rawStream(gw, client)
      expect(count(body, keepAlive)).toBeGreaterThan(0)
      // the other dialect's keep-alive never reaches this client
      expect(body).not.toContain(keepAlive === PING ? COMMENT : PING)
      const events = parseSSE(body)
      const data = events.map((e) => e.data).join('\n')
      expect(data).toContain('Hello')
      expect(data).toContain('ld')
      const ends = {
        chat: '[DONE]',
        messages: 'message_stop',
        responses: 'response.completed',
        gemini: 'STOP',
      }
      expect(data).toContain(ends[client])
    },
  )

  test('an upstream silent inside an event: nothing is put into it', async () => {
    const { head, tail } = twoHalves('openai-chat')
    const cut = head.length - 10
    await using up = fakeOpenAI(() =>
      sseResponse([head.slice(0, cut), head.slice(cut) + tail], { delayMs: SILENCE_MS }),
    )
    await using gw = await gatewayFor(up.url, 'openai-chat')
    expect(await rawStream(gw, 'chat')).toBe(head + tail)
  })

  test('keepalive_seconds: 0 turns them off', async () => {
    await using up = silentUpstream('openai-chat', SILENCE_MS)
    await using gw = await gatewayFor(up.url, 'openai-chat', 0)
    const { head, tail } = twoHalves('openai-chat')
    expect(await rawStream(gw, 'chat')).toBe(head + tail)
  })

  test.each(['openai-chat', 'anthropic-messages'] as const)(
    'the real SDKs read past them (%s upstream): the whole text, no error',
    async (dialect) => {
      await using up = silentUpstream(dialect, SILENCE_MS)
      await using gw = await gatewayFor(up.url, dialect)
      const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 })
      let chatText = ''
      const chat = await openai.chat.completions.create({
        model: 'up/m',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      })
      for await (const chunk of chat) chatText += chunk.choices[0]?.delta.content ?? ''
      expect(chatText).toBe('Hello, world')

      const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 })
      let messagesText = ''
      const stream = await anthropic.messages.create({
        model: 'up/m',
        stream: true,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      })
      for await (const ev of stream) {
        if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') messagesText += ev.delta.text
      }
      expect(messagesText).toBe('Hello, world')
    },
  )
})
