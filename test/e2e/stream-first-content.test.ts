/**
 * A stream that fails before its first content event is retried like a request that failed before
 * the first byte: an Anthropic key whose stream opens with an in-stream `overloaded_error` (after
 * `message_start`) or ends before any content, and a second key that serves. The client sees only
 * the second key's answer; both attempts leave a usage row. Once content went out, a later error
 * stays an in-stream error and no other key is asked.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { twoClaudeKeys } from '../helpers/accounts-config.ts'
import { connectionReset, fakeAnthropic, inStreamError } from '../helpers/fakes/index.ts'
import type { Script } from '../helpers/fakes/script.ts'
import { testGateway } from '../helpers/gateway.ts'
import { CLIENT_KEY } from './support.ts'

const MODEL = 'claude-sonnet-4-6'
const ANSWER = 'served by key b'

function gateway(url: string, extra: Record<string, unknown> = {}) {
  return testGateway({
    ...extra,
    providers: {
      claude: twoClaudeKeys(url),
    },
  })
}

async function chatStream(url: string): Promise<string> {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 })
  const stream = await client.chat.completions.create({
    model: MODEL,
    stream: true,
    messages: [{ role: 'user', content: 'hi' }],
  })
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
  return text
}

/** A chat stream by plain fetch: 200, the error in the stream, and nothing of another key's answer. */
async function expectInStreamError(url: string, message: string): Promise<void> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
    body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  })
  expect(res.status).toBe(200)
  const body = await res.text()
  expect(body).toContain(message)
  expect(body).not.toContain(ANSWER)
}

describe('a stream that fails before its first content event', () => {
  test.each([
    [
      'opens with an overloaded error event',
      inStreamError(1, { type: 'overloaded_error', message: 'Overloaded' }),
      529,
    ],
    ['ends before any content', connectionReset(1), 502],
  ] as const)('key A %s: key B serves, the client sees only its answer', async (_what, first, status) => {
    const script: Script = [first, { text: ANSWER, chunkText: 5 }]
    await using up = fakeAnthropic(script)
    await using gw = await gateway(up.url)

    expect(await chatStream(gw.url)).toBe(ANSWER)
    expect(up.requests.length).toBe(2)
    expect(up.requests.map((r) => r.headers['x-api-key'])).toEqual(['sk-key-a', 'sk-key-b'])
    await gw.store.usage.flush()
    expect((await gw.store.usage.recent(10, { failedOver: true })).reverse()).toEqual([
      expect.objectContaining({ account: 'a', attempt: 1, status, failedOver: true }),
      expect.objectContaining({ account: 'b', attempt: 2, status: 200 }),
    ])
    expect(
      gw.logs.some((l) => l['msg']?.toString().startsWith('upstream stream failed before its first content')),
    ).toBe(true)
  })

  test("a same-dialect stream too: an Anthropic client gets only key B's message", async () => {
    const script: Script = [
      inStreamError(1, { type: 'overloaded_error', message: 'Overloaded' }),
      { text: ANSWER, chunkText: 5 },
    ]
    await using up = fakeAnthropic(script)
    await using gw = await gateway(up.url)
    const client = new Anthropic({ baseURL: gw.url, apiKey: CLIENT_KEY, maxRetries: 0 })
    const message = await client.messages
      .stream({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage()
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: ANSWER })])
    expect(up.requests.length).toBe(2)
    await gw.store.usage.flush()
    expect((await gw.store.usage.recent(10, { failedOver: true })).reverse()).toEqual([
      expect.objectContaining({ account: 'a', attempt: 1, status: 529, failedOver: true }),
      expect.objectContaining({ account: 'b', attempt: 2, status: 200 }),
    ])
  })

  test('after content went out a later error is not retried: it stays in the stream', async () => {
    const script: Script = [
      inStreamError(3, { type: 'overloaded_error', message: 'Overloaded late' }),
      { text: ANSWER },
    ]
    await using up = fakeAnthropic(script)
    await using gw = await gateway(up.url)
    await expectInStreamError(gw.url, 'Overloaded late')
    expect(up.requests.length).toBe(1)
  })

  test('past timeouts.first_content_ms the stream is committed: a later error is not retried', async () => {
    // message_start, then a silence longer than the bound, then the error
    const late = inStreamError(1, {
      type: 'overloaded_error',
      message: 'Overloaded after the hold',
      delayMs: 400,
    })
    await using up = fakeAnthropic([late, { text: ANSWER }])
    await using gw = await gateway(up.url, { timeouts: { first_content_ms: 50 } })
    await expectInStreamError(gw.url, 'Overloaded after the hold')
    expect(up.requests.length).toBe(1)
  })
})
