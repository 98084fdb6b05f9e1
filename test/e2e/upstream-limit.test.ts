/**
 * byokey's own limit on upstream calls (`server.max_upstream_requests`). Bun's fetch opens at
 * most 256 connections at once and queues the rest where nobody sees them, with the call's
 * first-byte timer already running: 243 of 500 streams once got 504 from a healthy upstream. Now
 * calls beyond the limit wait in byokey's queue, which does not count as upstream time, is left
 * when the client goes away, has its own deadline (503 overloaded), follows a reloaded limit, and
 * shows its counts in `/readyz`.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import {
  connectionReset,
  errorReply,
  type FakeServer,
  fakeOpenAI,
  sseFrame,
  startFake,
} from '../helpers/fakes/index.ts'
import { type TestGateway, testGateway } from '../helpers/gateway.ts'
import { httpText, portOf, rawRequest } from '../helpers/raw-http.ts'
import { waitFor } from '../helpers/tmp.ts'

// ------------------------------------------------------------------------------------- upstream

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  sseFrame({
    id: 'chatcmpl-held',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  })
const HEAD = chunk({ role: 'assistant', content: 'held ' })
const TAIL = chunk({ content: 'then done' }) + chunk({}, 'stop') + 'data: [DONE]\n\n'
const encoder = new TextEncoder()

interface HeldUpstream extends FakeServer {
  /** Streams open now, and the most that were open at once. */
  readonly open: number
  readonly peak: number
  /** Lets every held stream, and every later one, finish. */
  release(): void
}

/**
 * An OpenAI Chat upstream whose streams answer at once (status, headers and a first chunk, so
 * the first-byte timer is satisfied) and then hold until `release()`; once released, new
 * streams run straight through.
 */
function heldUpstream(): HeldUpstream {
  let open = 0
  let peak = 0
  let release = () => {}
  const released = new Promise<void>((r) => {
    release = r
  })
  const fake = startFake(() => {
    open++
    peak = Math.max(peak, open)
    let counted = true
    const close = () => {
      if (counted) open--
      counted = false
    }
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(encoder.encode(HEAD))
      },
      async pull(c) {
        await released
        if (!counted) return
        c.enqueue(encoder.encode(TAIL))
        c.close()
        close()
      },
      cancel: close,
    })
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
  })
  return Object.defineProperties(fake, {
    open: { get: () => open },
    peak: { get: () => peak },
    release: { value: () => release() },
  }) as HeldUpstream
}

function gatewayFor(up: FakeServer, extra: Record<string, unknown> = {}): Promise<TestGateway> {
  const { server, timeouts, ...rest } = extra as {
    server?: Record<string, unknown>
    timeouts?: Record<string, unknown>
  }
  return testGateway({
    ...rest,
    server,
    timeouts: { idle_ms: 30_000, ...timeouts },
    upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${up.url}/v1`, api_key: 'k' }],
  })
}

// ------------------------------------------------------------------------------------- client

const CHAT_BODY = JSON.stringify({ model: 'up/m', stream: true, messages: [{ role: 'user', content: 'hi' }] })

/** A streaming Chat request on its own connection (not through this process's fetch pool). */
function rawChat(gw: TestGateway, requestId: string) {
  const headers = {
    host: new URL(gw.url).host,
    connection: 'close',
    'content-type': 'application/json',
    'x-request-id': requestId,
  }
  return rawRequest(portOf(gw.url), httpText('POST', '/v1/chat/completions', headers, CHAT_BODY), 20_000)
}

/** The same by fetch, abortable. */
function fetchChat(gw: TestGateway, requestId: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: CHAT_BODY,
    ...(signal ? { signal } : {}),
  })
}

interface UpstreamCounts {
  in_flight: number
  queued: number
  limit: number
}

async function readyz(gw: TestGateway): Promise<UpstreamCounts> {
  const body = (await (await fetch(`${gw.url}/readyz`)).json()) as { upstream: UpstreamCounts }
  return body.upstream
}

/** Polls `/readyz` until its upstream counts are `want` (each poll is a request that reads the live config). */
async function countsBecome(gw: TestGateway, want: Partial<UpstreamCounts>): Promise<UpstreamCounts> {
  let seen: UpstreamCounts | undefined
  try {
    return await waitFor(async () => {
      seen = await readyz(gw)
      return Object.entries(want).every(([k, v]) => seen?.[k as keyof UpstreamCounts] === v)
        ? seen
        : undefined
    }, 10_000)
  } catch {
    throw new Error(`upstream counts stayed ${JSON.stringify(seen)}, wanted ${JSON.stringify(want)}`)
  }
}

async function usageRow(gw: TestGateway, requestId: string) {
  return await waitFor(async () => {
    await gw.store.usage.flush()
    return (await gw.store.usage.recent(500)).find((r) => r.requestId === requestId)
  }, 2000)
}

let seq = 0
const nextId = () => `limit-${process.pid}-${++seq}`

// Each test holds requests open and polls the gateway; on a loaded 2-core machine the 5 s default
// was seen to run out before the counts settled.
setDefaultTimeout(15_000)

// ------------------------------------------------------------------------------------- tests

describe('hardening #4: upstream calls are capped by byokey, not silently by the runtime', () => {
  test('300 concurrent streams on a limit of 100: none gets 504 for waiting locally', async () => {
    const FIRST_BYTE_MS = 1000
    const N = 300
    const LIMIT = 100
    await using up = heldUpstream()
    await using gw = await gatewayFor(up, {
      server: { max_upstream_requests: LIMIT },
      timeouts: { first_byte_ms: FIRST_BYTE_MS },
    })
    const ids = Array.from({ length: N }, nextId)
    const answers = Promise.all(ids.map((id) => rawChat(gw, id)))
    // The upstream holds every stream it got; the rest wait (in byokey now, in the runtime before).
    await waitFor(async () => up.open >= LIMIT, 5000)
    // Long enough for a first-byte timer running during that wait to fire.
    await Bun.sleep(2 * FIRST_BYTE_MS)
    up.release()
    const got = await answers
    const failed = got.filter((r) => r.status !== 200 || !r.body.endsWith('data: [DONE]\n\n'))
    expect(failed.map((r) => `${r.status} ${r.body.slice(-200)}`)).toEqual([])
    expect(up.requests).toHaveLength(N)
    expect(up.peak).toBe(LIMIT)
    const rows = await Promise.all(ids.map((id) => usageRow(gw, id)))
    expect(rows.filter((r) => r.status !== 200)).toEqual([])
    expect(gw.gateway.upstream.inFlight).toBe(0)
    expect(gw.gateway.upstream.queued).toBe(0)
  }, 20_000)

  test('the wait for a slot does not count against first_byte_ms', async () => {
    const FIRST_BYTE_MS = 200
    await using up = heldUpstream()
    await using gw = await gatewayFor(up, {
      server: { max_upstream_requests: 1 },
      timeouts: { first_byte_ms: FIRST_BYTE_MS },
    })
    const first = rawChat(gw, nextId())
    await waitFor(async () => up.open === 1)
    const queuedId = nextId()
    const queued = rawChat(gw, queuedId)
    await countsBecome(gw, { in_flight: 1, queued: 1 })
    await Bun.sleep(3 * FIRST_BYTE_MS)
    expect(up.requests).toHaveLength(1)
    up.release()
    const [a, b] = await Promise.all([first, queued])
    expect(a.status).toBe(200)
    expect(b.status).toBe(200)
    expect(b.body).toBe(HEAD + TAIL)
    expect((await usageRow(gw, queuedId)).status).toBe(200)
  })

  test('in-flight and queued counts are visible while requests are held, and return to zero', async () => {
    await using up = heldUpstream()
    await using gw = await gatewayFor(up, { server: { max_upstream_requests: 2 } })
    const answers = Promise.all([1, 2, 3].map(() => rawChat(gw, nextId())))
    // if this test fails, its held requests end when the gateway closes: not another test's failure
    answers.catch(() => {})
    try {
      expect(await countsBecome(gw, { in_flight: 2, queued: 1 })).toEqual({
        in_flight: 2,
        queued: 1,
        limit: 2,
      })
      // the same counts for whatever reads them in-process (a metrics endpoint later)
      expect(gw.gateway.upstream.inFlight).toBe(2)
      expect(gw.gateway.upstream.queued).toBe(1)
      // a call holds its slot from just before it is sent: it reaches the upstream a moment later
      await waitFor(async () => up.open === 2)
    } finally {
      // held streams would keep the gateway from closing after a failed expectation
      up.release()
    }
    expect((await answers).map((r) => r.status)).toEqual([200, 200, 200])
    expect(up.peak).toBe(2)
    await countsBecome(gw, { in_flight: 0, queued: 0 })
  })

  test('a queued request whose client leaves is dropped from the queue and never sent', async () => {
    await using up = heldUpstream()
    await using gw = await gatewayFor(up, { server: { max_upstream_requests: 1 } })
    const first = rawChat(gw, nextId())
    await waitFor(async () => up.open === 1)
    const ac = new AbortController()
    const leaverId = nextId()
    const leaver = fetchChat(gw, leaverId, ac.signal).catch((e: unknown) => e)
    await countsBecome(gw, { queued: 1 })
    ac.abort()
    await leaver
    await countsBecome(gw, { in_flight: 1, queued: 0 })
    expect((await usageRow(gw, leaverId)).status).toBe(499)
    up.release()
    expect((await first).status).toBe(200)
    expect(up.requests).toHaveLength(1)
    await countsBecome(gw, { in_flight: 0, queued: 0 })
  })

  test('a wait past server.upstream_queue_ms is a 503 overloaded with Retry-After, in the endpoint dialect', async () => {
    await using up = heldUpstream()
    await using gw = await gatewayFor(up, { server: { max_upstream_requests: 1, upstream_queue_ms: 100 } })
    const first = rawChat(gw, nextId())
    await waitFor(async () => up.open === 1)
    const post = (path: string, body: unknown, requestId: string) =>
      fetch(gw.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify(body),
      })
    const messages = [{ role: 'user', content: 'hi' }]
    const chatId = nextId()
    const chat = await post('/v1/chat/completions', { model: 'up/m', stream: true, messages }, chatId)
    expect(chat.status).toBe(503)
    expect(chat.headers.get('retry-after')).toBe('1')
    const chatErr = ((await chat.json()) as { error: Record<string, unknown> }).error
    expect(chatErr['code']).toBe('upstream_queue_timeout')
    expect(String(chatErr['message'])).toContain('max_upstream_requests')
    const anthropic = await post('/v1/messages', { model: 'up/m', max_tokens: 8, messages }, nextId())
    expect(anthropic.status).toBe(503)
    expect(anthropic.headers.get('retry-after')).toBe('1')
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } })
    const gemini = await post(
      '/v1beta/models/up/m:streamGenerateContent?alt=sse',
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
      nextId(),
    )
    expect(gemini.status).toBe(503)
    expect(await gemini.json()).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE' } })
    expect((await usageRow(gw, chatId)).status).toBe(503)
    expect(up.requests).toHaveLength(1)
    up.release()
    expect((await first).status).toBe(200)
  })

  test('every slot is given back, however the call ends', async () => {
    // by turns: a slow stream, an upstream error, a reset mid-stream, a non-stream answer
    const slow = { text: 'one two three four five six', chunkText: 3, delayMs: 15 }
    await using up = fakeOpenAI((rec) => {
      const n = up.requests.indexOf(rec) % 4
      return n === 0 ? slow : n === 1 ? errorReply(500) : n === 2 ? connectionReset(2, slow) : { text: 'ok' }
    })
    await using gw = await gatewayFor(up, { server: { max_upstream_requests: 8 } })
    const calls = Array.from({ length: 64 }, async (_, i) => {
      // some clients leave before the answer, some mid-stream, some read it all
      const ac = new AbortController()
      const leaveAfter = i % 3 === 0 ? (i % 7) * 5 : undefined
      if (leaveAfter !== undefined) setTimeout(() => ac.abort(), leaveAfter)
      const body = JSON.stringify({
        model: 'up/m',
        stream: i % 5 !== 0,
        messages: [{ role: 'user', content: 'hi' }],
      })
      try {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: ac.signal,
        })
        await res.text()
      } catch {
        // the client left
      }
    })
    await Promise.all(calls)
    await countsBecome(gw, { in_flight: 0, queued: 0 })
  })

  test('a reloaded limit takes effect: a raised limit lets the queued call go at once', async () => {
    await using up = heldUpstream()
    const config = (limit: number) => ({
      server: { max_upstream_requests: limit },
      timeouts: { idle_ms: 30_000 },
      upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${up.url}/v1`, api_key: 'k' }],
    })
    await using gw = await testGateway(config(1))
    const answers = Promise.all([rawChat(gw, nextId()), rawChat(gw, nextId())])
    await countsBecome(gw, { in_flight: 1, queued: 1, limit: 1 })
    gw.rewrite(config(2))
    await countsBecome(gw, { in_flight: 2, queued: 0, limit: 2 })
    await waitFor(async () => up.open === 2)
    up.release()
    expect((await answers).map((r) => r.status)).toEqual([200, 200])
  })

  // The runtime's limit as this test process started: without BUN_CONFIG_MAX_HTTP_REQUESTS, 256.
  test.skipIf(process.env['BUN_CONFIG_MAX_HTTP_REQUESTS'] !== undefined)(
    'a limit above what the runtime allows is clamped to it and logged',
    async () => {
      await using up = heldUpstream()
      await using gw = await gatewayFor(up, { server: { max_upstream_requests: 1000 } })
      // 256 connections, of which 16 stay free for token refreshes and counts
      expect((await readyz(gw)).limit).toBe(240)
      const warned = gw.logs.find((l) => String(l['msg']).includes('BUN_CONFIG_MAX_HTTP_REQUESTS=1016'))
      expect(warned).toMatchObject({ configured: 1000, capacity: 240, runtimeLimit: 256 })
    },
  )
})
