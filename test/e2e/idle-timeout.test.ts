/**
 * The idle timeout of a stream (`timeouts.idle_ms`): an upstream that goes silent mid-stream is
 * cut off, and the client gets what was sent so far and then its dialect's in-stream error event.
 * The timeout counts silence of the upstream only: neither a slow but steady upstream nor a slow
 * client may trip it. The overall deadline (`timeouts.stream_total_ms`) ends the same way a
 * stream that keep-alives keep from ever going silent.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { parseSSE } from '../../src/sse.ts'
import { type FakeServer, fakeAnthropic, fakeOpenAI, sseResponse } from '../helpers/fakes/index.ts'
import {
  anthropicEvent,
  type SilentDialect,
  silentUpstream,
  twoHalves,
} from '../helpers/fakes/silent-stream.ts'
import { type TestGateway, testGateway } from '../helpers/gateway.ts'
import { waitFor } from '../helpers/tmp.ts'
import { CLIENT_KEY } from './support.ts'

const IDLE_MS = 150
/**
 * What the usage record says of a stream that answered 200 and then timed out: the status of
 * the failure (a gateway timeout), like a timed-out non-stream call, not a generic 502.
 */
const STREAM_FAILED_STATUS = 504
/** How long a silent fake waits before it would send the rest of its stream after all. */
const SILENCE_MS = 1500

type Client = 'chat' | 'messages'
type UpDialect = SilentDialect

/** [path kind, client, upstream dialect] */
const CASES: Array<[string, Client, UpDialect]> = [
  ['passthrough', 'chat', 'openai-chat'],
  ['passthrough', 'messages', 'anthropic-messages'],
  ['translated', 'messages', 'openai-chat'],
  ['translated', 'chat', 'anthropic-messages'],
]

// ------------------------------------------------------------------------------------- upstream

function gatewayFor(
  up: FakeServer,
  dialect: UpDialect,
  timeouts: Record<string, number> = {},
): Promise<TestGateway> {
  return testGateway({
    timeouts: { idle_ms: IDLE_MS, ...timeouts },
    upstreams: [
      {
        name: 'up',
        dialect,
        base_url: dialect === 'openai-chat' ? `${up.url}/v1` : up.url,
        api_key: 'k',
      },
    ],
  })
}

// ------------------------------------------------------------------------------------- client

let seq = 0
const nextId = () => `idle-${process.pid}-${++seq}`

/** A streaming request in the client's dialect, by plain fetch (for the exact bytes). */
function rawRequest(client: Client, url: string, requestId: string): Promise<Response> {
  const messages = [{ role: 'user', content: 'hi' }]
  const [path, body] =
    client === 'chat'
      ? ['/v1/chat/completions', { model: 'up/m', stream: true, messages }]
      : ['/v1/messages', { model: 'up/m', stream: true, max_tokens: 64, messages }]
  return fetch(url + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-request-id': requestId,
      ...(client === 'chat'
        ? { authorization: `Bearer ${CLIENT_KEY}` }
        : { 'x-api-key': CLIENT_KEY, 'anthropic-version': '2023-06-01' }),
    },
    body: JSON.stringify(body),
  })
}

type Json = Record<string, unknown>

/** The text deltas of a client-dialect SSE stream, in order. */
function textOf(client: Client, events: { event?: string; data: string }[]): string {
  let text = ''
  for (const ev of events) {
    if (ev.data === '[DONE]') continue
    const data = JSON.parse(ev.data) as Json
    if (client === 'chat') {
      const choice = (data['choices'] as Json[] | undefined)?.[0]
      const content = (choice?.['delta'] as Json | undefined)?.['content']
      if (typeof content === 'string') text += content
    } else if (data['type'] === 'content_block_delta') {
      const delta = data['delta'] as Json
      if (delta['type'] === 'text_delta') text += String(delta['text'])
    }
  }
  return text
}

/** What a user of the official SDK sees: the text until the stream ended or threw, and what it threw. */
async function sdkStream(
  client: Client,
  url: string,
  requestId: string,
): Promise<{ text: string; error: unknown }> {
  let text = ''
  const opts = { headers: { 'x-request-id': requestId } }
  try {
    if (client === 'chat') {
      const sdk = new OpenAI({ baseURL: `${url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 })
      const stream = await sdk.chat.completions.create(
        { model: 'up/m', stream: true, messages: [{ role: 'user', content: 'hi' }] },
        opts,
      )
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    } else {
      const sdk = new Anthropic({ baseURL: url, apiKey: CLIENT_KEY, maxRetries: 0 })
      const stream = await sdk.messages.create(
        { model: 'up/m', stream: true, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
        opts,
      )
      for await (const ev of stream) {
        if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text
      }
    }
  } catch (error) {
    return { text, error }
  }
  return { text, error: undefined }
}

/** The usage record of one request, once the gateway wrote it. */
async function usageRow(gw: TestGateway, requestId: string) {
  return await waitFor(async () => {
    await gw.store.usage.flush()
    return (await gw.store.usage.recent(50)).find((r) => r.requestId === requestId)
  }, 1000)
}

const IDLE_MESSAGE = `upstream sent nothing for ${IDLE_MS} ms`

/** The last event is the dialect's in-stream timeout error, saying `message`. */
function expectTimeoutErrorEvent(
  client: Client,
  last: { event?: string; data: string },
  message = IDLE_MESSAGE,
): void {
  const data = JSON.parse(last.data) as Json
  const error = data['error'] as Json
  if (client === 'chat') {
    // OpenAI Chat has no event names: the error is a data chunk of its own, and no [DONE] follows.
    expect(last.event).toBeUndefined()
    expect(error).toMatchObject({ type: 'server_error', code: 'timeout' })
  } else {
    expect(last.event).toBe('error')
    expect(data['type']).toBe('error')
    expect(error['type']).toBe('timeout_error')
  }
  expect(String(error['message'])).toContain(message)
}

// ------------------------------------------------------------------------------------- tests

describe('idle timeout: an upstream that goes silent mid-stream', () => {
  test.each(CASES)(
    '%s (%s client, %s upstream): the chunks so far, then the error event, and the upstream is aborted',
    async (kind, client, upDialect) => {
      await using up = silentUpstream(upDialect, SILENCE_MS)
      await using gw = await gatewayFor(up, upDialect)

      // The exact bytes, by plain fetch.
      const rawId = nextId()
      const t0 = performance.now()
      const res = await rawRequest(client, gw.url, rawId)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/event-stream')
      const body = await res.text()
      const elapsed = performance.now() - t0
      // Cut after IDLE_MS of silence, long before the upstream would have gone on.
      expect(elapsed).toBeGreaterThanOrEqual(IDLE_MS)
      expect(elapsed).toBeLessThan(SILENCE_MS - 500)
      if (kind === 'passthrough') expect(body.startsWith(twoHalves(upDialect).head)).toBe(true)
      const events = parseSSE(body)
      expect(textOf(client, events)).toBe('Hello, wor')
      expectTimeoutErrorEvent(client, events[events.length - 1]!)
      expect(events.some((e) => e.data === '[DONE]' || e.event === 'message_stop')).toBe(false)
      expect(events.filter((e) => e.data.includes('"error"'))).toHaveLength(1)
      await waitFor(async () => up.requests[0]?.aborted, 1000)
      const row = await usageRow(gw, rawId)
      expect(row).toMatchObject({ provider: 'up', model: 'm', stream: true, status: STREAM_FAILED_STATUS })
      // Anthropic reports the input at the start: a stream cut off still records it.
      if (upDialect === 'anthropic-messages') expect(row.inputTokens).toBe(40)

      // The official SDK: the text so far, then it throws the gateway's error.
      const sdkId = nextId()
      const seen = await sdkStream(client, gw.url, sdkId)
      expect(seen.text).toBe('Hello, wor')
      if (client === 'chat') {
        expect(seen.error).toBeInstanceOf(OpenAI.APIError)
        expect((seen.error as InstanceType<typeof OpenAI.APIError>).code).toBe('timeout')
      } else {
        expect(seen.error).toBeInstanceOf(Anthropic.APIError)
        expect((seen.error as InstanceType<typeof Anthropic.APIError>).type).toBe('timeout_error')
      }
      expect((seen.error as Error).message).toContain(`upstream sent nothing for ${IDLE_MS} ms`)
      await waitFor(async () => up.requests[1]?.aborted, 1000)
      expect((await usageRow(gw, sdkId)).status).toBe(STREAM_FAILED_STATUS)

      const warned = gw.logs.filter((l) => l['msg'] === 'upstream stream failed mid-way')
      expect(warned).toHaveLength(2)
      expect(String(warned[0]?.['reason'])).toContain('upstream sent nothing')
    },
  )
})

describe('idle timeout: an upstream that answers and then sends nothing at all', () => {
  test.each(CASES)(
    '%s (%s client, %s upstream): the idle timer takes over from the first-byte timer once headers are in',
    async (_kind, client, upDialect) => {
      // The status and headers go out at once (an SSE comment), then nothing for SILENCE_MS.
      const reply = () => sseResponse(['never sent'], { commitHeaders: true, firstDelayMs: SILENCE_MS })
      await using up = upDialect === 'openai-chat' ? fakeOpenAI(reply) : fakeAnthropic(reply)
      await using gw = await gatewayFor(up, upDialect)
      const id = nextId()
      const t0 = performance.now()
      const res = await rawRequest(client, gw.url, id)
      expect(res.status).toBe(200)
      const events = parseSSE(await res.text())
      expect(performance.now() - t0).toBeLessThan(SILENCE_MS - 500)
      expect(events).toHaveLength(1)
      expectTimeoutErrorEvent(client, events[0]!)
      await waitFor(async () => up.requests[0]?.aborted, 1000)
      expect((await usageRow(gw, id)).status).toBe(STREAM_FAILED_STATUS)
    },
  )
})

describe('idle timeout counts silence, not total time', () => {
  test.each(CASES)(
    '%s (%s client, %s upstream): a slow upstream that never pauses longer than idle_ms completes',
    async (_kind, client, upDialect) => {
      // 10 deltas among the dialect's other frames, 60 ms apart: well over 4 × IDLE_MS in all.
      const text = 'steady as she goes, chunk by chunk, to the end'
      const reply = { text, chunkText: 5, delayMs: 60, usage: { input: 12, output: 10 } }
      await using up = upDialect === 'openai-chat' ? fakeOpenAI(reply) : fakeAnthropic(reply)
      await using gw = await gatewayFor(up, upDialect)
      const id = nextId()
      const t0 = performance.now()
      const seen = await sdkStream(client, gw.url, id)
      const elapsed = performance.now() - t0
      expect(seen.error).toBeUndefined()
      expect(seen.text).toBe(text)
      expect(elapsed).toBeGreaterThan(4 * IDLE_MS)
      expect(up.requests[0]?.aborted).toBe(false)
      expect(up.requests[0]?.finishedAt).toBeDefined()
      expect(await usageRow(gw, id)).toMatchObject({ status: 200, inputTokens: 12, outputTokens: 10 })
    },
  )
})

describe('idle timeout does not count time spent waiting on a slow client', () => {
  test.each([
    ['passthrough', 'chat', 'openai-chat'],
    ['translated', 'messages', 'openai-chat'],
  ] as Array<[string, Client, UpDialect]>)(
    '%s (%s client, %s upstream): a client that pauses longer than idle_ms still gets everything',
    async (_kind, client, upDialect) => {
      // More than the socket and fetch buffers between gateway and client hold, sent as fast as
      // it can go: while the client pauses, the gateway is held back by the client, not the upstream.
      const text = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat((16 * 1024 * 1024) / 36)
      await using up = fakeOpenAI({ text, chunkText: 64 * 1024 })
      await using gw = await gatewayFor(up, upDialect)
      const id = nextId()
      const res = await rawRequest(client, gw.url, id)
      expect(res.status).toBe(200)
      const reader = res.body!.getReader()
      const decoder = new TextDecoder()
      const first = await reader.read()
      let body = decoder.decode(first.value, { stream: true })
      await Bun.sleep(400)
      // The pause mattered: the gateway's stream was still open, held back by this client.
      await gw.store.usage.flush()
      expect((await gw.store.usage.recent(50)).find((r) => r.requestId === id)).toBeUndefined()
      for (;;) {
        const next = await reader.read()
        if (next.done) break
        body += decoder.decode(next.value, { stream: true })
      }
      body += decoder.decode()
      const events = parseSSE(body)
      expect(events.filter((e) => e.data.includes('"error"'))).toEqual([])
      expect(textOf(client, events) === text).toBe(true)
      const last = events[events.length - 1]!
      if (client === 'chat') expect(last.data).toBe('[DONE]')
      else expect(last.event).toBe('message_stop')
      expect(up.requests[0]?.aborted).toBe(false)
      expect((await usageRow(gw, id)).status).toBe(200)
    },
  )
})

describe('hardening: stream_total_ms ends a stream that keep-alives keep from going silent', () => {
  test.each(CASES)(
    '%s (%s client, %s upstream): the chunks so far, then the timeout error event, and the upstream is aborted',
    async (kind, client, upDialect) => {
      const TOTAL_MS = 600
      // The head, then the dialect's keep-alive every 40 ms for 40 s.
      const keepAlive = upDialect === 'openai-chat' ? ': keep-alive\n\n' : anthropicEvent('ping', {})
      const { head } = twoHalves(upDialect)
      const reply = () => sseResponse([head, ...Array<string>(1000).fill(keepAlive)], { delayMs: 40 })
      await using up = upDialect === 'openai-chat' ? fakeOpenAI(reply) : fakeAnthropic(reply)
      // An idle_ms far above the keep-alive cadence: only the overall deadline can end this stream.
      await using gw = await gatewayFor(up, upDialect, { idle_ms: 5000, stream_total_ms: TOTAL_MS })
      const id = nextId()
      const res = await rawRequest(client, gw.url, id)
      expect(res.status).toBe(200)
      const body = await res.text()
      if (kind === 'passthrough') expect(body.startsWith(head + keepAlive)).toBe(true)
      const events = parseSSE(body)
      expect(textOf(client, events)).toBe('Hello, wor')
      expectTimeoutErrorEvent(
        client,
        events[events.length - 1]!,
        `upstream stream did not end within ${TOTAL_MS} ms`,
      )
      expect(events.filter((e) => e.data.includes('"error"'))).toHaveLength(1)
      await waitFor(async () => up.requests[0]?.aborted, 1000)
      expect(await usageRow(gw, id)).toMatchObject({ stream: true, status: STREAM_FAILED_STATUS })
    },
  )
})
