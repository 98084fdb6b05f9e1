/**
 * Upstream failures as each client sees them: the right status, the envelope of the client's own
 * dialect, Retry-After forwarded, and failures after the first byte as in-stream error events.
 */
import { describe, expect, test } from 'bun:test'
import type { DialectName } from '../../src/dialects/ir.ts'
import { parseSSE } from '../../src/sse.ts'
import {
  connectionReset,
  errorReply,
  fakeAnthropic,
  fakeGemini,
  fakeOpenAI,
  type Reply,
} from '../helpers/fakes/index.ts'
import { testGateway } from '../helpers/gateway.ts'
import { envelopeMessage, requestIn } from './support.ts'

type Inbound = DialectName

const INBOUND: Inbound[] = ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini']

/** [upstream status, status the client must see, Retry-After seconds] */
const STATUS_CASES: Array<[number, number, number | undefined]> = [
  [400, 400, undefined],
  [401, 401, undefined],
  [403, 403, undefined],
  [404, 404, undefined],
  [429, 429, 17],
  [500, 502, undefined],
  [503, 503, undefined],
]

describe.each(INBOUND)('%s client', (inbound) => {
  test.each(STATUS_CASES)(
    'upstream %i → client %i in its own dialect',
    async (upStatus, clientStatus, retry) => {
      await using up = fakeAnthropic(
        errorReply(upStatus, {
          message: `upstream says ${upStatus}`,
          ...(retry ? { retryAfter: retry } : {}),
        }),
      )
      await using gw = await testGateway({
        upstreams: [{ name: 'up', dialect: 'anthropic-messages', base_url: up.url, api_key: 'k' }],
      })
      for (const stream of [false, true]) {
        const res = await requestIn(inbound, gw.url, 'up/m', stream)
        expect(res.status).toBe(clientStatus)
        expect(res.headers.get('content-type')).toContain('application/json')
        const message = envelopeMessage(inbound, await res.json(), clientStatus)
        expect(message).toContain(`upstream says ${upStatus}`)
        if (retry) expect(res.headers.get('retry-after')).toBe(String(retry))
      }
      await gw.store.usage.flush()
      const rows = await gw.store.usage.recent(10)
      expect(rows.map((r) => r.status)).toEqual([clientStatus, clientStatus])
    },
  )

  test('a Gemini RetryInfo delay becomes Retry-After', async () => {
    await using up = fakeGemini(errorReply(429, { message: 'quota', retryAfter: 34 }))
    await using gw = await testGateway({
      upstreams: [{ name: 'g', dialect: 'gemini', base_url: up.url, api_key: 'k' }],
    })
    const res = await requestIn(inbound, gw.url, 'g/m', false)
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('34')
  })

  test('an upstream that does not answer in time → 504', async () => {
    await using up = fakeOpenAI({ text: 'late', headersDelayMs: 2000 })
    await using gw = await testGateway({
      timeouts: { first_byte_ms: 150, response_ms: 150 },
      upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${up.url}/v1`, api_key: 'k' }],
    })
    for (const stream of [false, true]) {
      const t0 = performance.now()
      const res = await requestIn(inbound, gw.url, 'up/m', stream)
      expect(res.status).toBe(504)
      expect(envelopeMessage(inbound, await res.json(), 504)).toContain('did not')
      expect(performance.now() - t0).toBeLessThan(1500)
    }
    await Bun.sleep(20)
    expect(up.requests.every((r) => r.aborted)).toBe(true)
  })

  test('an upstream that answers 200 with a page that is not JSON → 502 (a captive portal, a misrouted proxy)', async () => {
    const portal = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => new Response('<html><body>Sign in to the hotel Wi-Fi</body></html>', { status: 200 }),
    })
    try {
      await using gw = await testGateway({
        upstreams: [
          { name: 'up', dialect: 'openai-chat', base_url: `${portal.url.origin}/v1`, api_key: 'k' },
        ],
      })
      const res = await requestIn(inbound, gw.url, 'up/m', false)
      expect(res.status).toBe(502)
      expect(envelopeMessage(inbound, await res.json(), 502)).toContain('not JSON')
      // broken only inside, even when passed through unchanged
      portal.reload({ fetch: () => new Response('{"choices": [oops], "usage": {"prompt_tokens": 1}}') })
      const half = await requestIn(inbound, gw.url, 'up/m', false)
      expect(half.status).toBe(502)
    } finally {
      portal.stop(true)
    }
  })

  test('an unreachable upstream → 502 naming the failure', async () => {
    const closed = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
    const dead = closed.url.origin
    closed.stop(true)
    await using gw = await testGateway({
      upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${dead}/v1`, api_key: 'k' }],
    })
    const res = await requestIn(inbound, gw.url, 'up/m', false)
    expect(res.status).toBe(502)
    expect(envelopeMessage(inbound, await res.json(), 502)).toContain('Upstream unreachable')
  })

  test('a connection reset after the first byte becomes an in-stream error event', async () => {
    const partial: Reply = { text: 'partial answer that never ends', chunkText: 4 }
    for (const [dialect, make] of [
      ['openai-chat', () => fakeOpenAI(connectionReset(3, partial))],
      ['anthropic-messages', () => fakeAnthropic(connectionReset(4, partial))],
    ] as const) {
      await using up = make()
      await using gw = await testGateway({
        upstreams: [
          {
            name: 'up',
            dialect,
            base_url: dialect === 'openai-chat' ? `${up.url}/v1` : up.url,
            api_key: 'k',
          },
        ],
      })
      const res = await requestIn(inbound, gw.url, 'up/m', true)
      expect(res.status).toBe(200)
      const events = parseSSE(await res.text())
      const last = events[events.length - 1]!
      const data = JSON.parse(last.data) as Record<string, unknown>
      switch (inbound) {
        case 'openai-chat':
          expect(data['error']).toBeDefined()
          expect(events.some((e) => e.data === '[DONE]')).toBe(false)
          break
        case 'openai-responses':
          expect(['response.failed', 'error']).toContain(String(data['type']))
          break
        case 'anthropic-messages':
          expect(last.event).toBe('error')
          expect((data['error'] as Record<string, unknown>)['type']).toBe('api_error')
          break
        case 'gemini':
          expect(data['error']).toBeDefined()
          break
      }
      expect(JSON.stringify(data)).toContain('broke off')
      await gw.store.usage.flush()
      expect((await gw.store.usage.recent(1))[0]?.status).toBe(502)
    }
  })
})

test('an unknown model is a 404 in the client dialect that says how to find valid ones', async () => {
  await using gw = await testGateway()
  for (const inbound of INBOUND) {
    const res = await requestIn(inbound, gw.url, 'no-such-model', false)
    expect(res.status).toBe(404)
    const message = envelopeMessage(inbound, await res.json(), 404)
    expect(message).toContain("'no-such-model'")
    expect(message).toContain('/v1/models')
  }
})

test('a known model without credentials is a 401 naming the config key and the login command', async () => {
  await using gw = await testGateway()
  const res = await requestIn('anthropic-messages', gw.url, 'claude-sonnet-4-5', false)
  expect(res.status).toBe(401)
  const message = envelopeMessage('anthropic-messages', await res.json(), 401)
  expect(message).toContain('providers.claude.api_key')
  expect(message).toContain('byokey login claude')
})

test('with several keys, a 429 on one is retried on the next before the client sees anything', async () => {
  await using up = fakeOpenAI([
    errorReply(429, { message: 'slow down', retryAfter: 5 }),
    { text: 'second key worked' },
  ])
  await using gw = await testGateway({
    providers: {
      codex: {
        base_url: `${up.url}/v1`,
        routing: 'priority',
        api_keys: [
          { api_key: 'key-one', label: 'one' },
          { api_key: 'key-two', label: 'two' },
        ],
      },
    },
  })
  const res = await requestIn('openai-chat', gw.url, 'gpt-5', false)
  expect(res.status).toBe(200)
  const body = (await res.json()) as { choices: Array<{ message: { content: string } }> }
  expect(body.choices[0]?.message.content).toBe('second key worked')
  expect(up.requests.map((r) => r.headers['authorization'])).toEqual(['Bearer key-one', 'Bearer key-two'])
  await gw.store.usage.flush()
  // the attempt that failed over leaves no row of its own
  expect(await gw.store.usage.recent(10)).toEqual([
    expect.objectContaining({ provider: 'codex', account: 'two', status: 200 }),
  ])
})

test('a key stored with add-api-key is used for requests, after the config keys', async () => {
  await using up = fakeAnthropic({ text: 'hello from a stored key' })
  await using gw = await testGateway({ providers: { claude: { base_url: up.url } } })
  gw.store.accounts.upsert({
    provider: 'claude',
    accountId: 'work',
    kind: 'api_key',
    token: { api_key: 'sk-stored-1' },
  })
  const res = await requestIn('anthropic-messages', gw.url, 'claude-sonnet-4-6', false)
  expect(res.status).toBe(200)
  expect(up.requests[0]?.headers['x-api-key']).toBe('sk-stored-1')
  await gw.store.usage.flush()
  expect((await gw.store.usage.recent(1))[0]).toMatchObject({
    provider: 'claude',
    account: 'work',
    status: 200,
  })
  expect(gw.logText()).not.toContain('sk-stored-1')
})
