/**
 * Tests of the fake upstreams themselves (test/helpers/fakes): exact wire output read with plain
 * fetch and a line-by-line SSE reader, validations, abort detection, connection resets — and the
 * official OpenAI and Anthropic SDKs parsing every fake's output.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import {
  connectionReset,
  countTokens,
  errorReply,
  fakeAnthropic,
  fakeGemini,
  fakeOpenAI,
  hangHeaders,
  inStreamError,
  jsonResponse,
  type Recorded,
  type Reply,
  resetMidStream,
  SKIP_SIGNATURE,
  sseFrame,
  sseResponse,
  startFake,
} from './helpers/fakes/index.ts'
import { waitFor } from './helpers/tmp.ts'

// ---------------------------------------------------------------- test utilities

interface Frame {
  event?: string
  data: string
  /** The frame's lines as sent. */
  lines: string[]
}

/**
 * Line-by-line SSE reader (docs/protocols/sse.md): `\n` or `\r\n`, comments skipped, `data:` lines joined
 * with `\n`.
 */
function parseSse(text: string): Frame[] {
  const frames: Frame[] = []
  let cur: Frame = { data: '', lines: [] }
  let data: string[] = []
  for (const line of text.split(/\r\n|\n/)) {
    if (line === '') {
      if (data.length > 0) {
        cur.data = data.join('\n')
        frames.push(cur)
      }
      cur = { data: '', lines: [] }
      data = []
      continue
    }
    cur.lines.push(line)
    if (line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') cur.event = value
    if (field === 'data') data.push(value)
  }
  return frames
}

type Obj = Record<string, unknown>

function obj(v: unknown): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`not an object: ${JSON.stringify(v)}`)
  return v as Obj
}

function arr(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new Error(`not an array: ${JSON.stringify(v)}`)
  return v
}

/** Follows a path of keys / indexes through parsed JSON. */
function dig(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v
  for (const k of path) {
    if (typeof k === 'number') cur = arr(cur)[k]
    else cur = obj(cur)[k]
  }
  return cur
}

const data = (f: Frame): Obj => obj(JSON.parse(f.data))

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** Starts a streamed request, reads `frames` chunks, aborts, and checks the fake noticed within 100 ms. */
async function expectAbortNoticed(
  requests: Recorded[],
  url: string,
  init: RequestInit,
  chunksBeforeAbort = 2,
): Promise<void> {
  const ac = new AbortController()
  const res = await fetch(url, { ...init, signal: ac.signal })
  expect(res.status).toBe(200)
  const reader = res.body!.getReader()
  for (let i = 0; i < chunksBeforeAbort; i++) {
    const { done } = await reader.read()
    expect(done).toBe(false)
  }
  const rec = requests.at(-1)!
  expect(rec.aborted).toBe(false)
  const t = performance.now()
  ac.abort()
  await waitFor(() => rec.aborted, 500, 2)
  expect(rec.abortedAt! - t).toBeLessThan(100)
  expect(rec.finishedAt).toBeUndefined()
}

/** Reads a body to the end and returns the error it failed with (or `null`). */
async function readError(res: Response): Promise<{ text: string; error: unknown }> {
  const reader = res.body!.getReader()
  const dec = new TextDecoder()
  let text = ''
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return { text, error: null }
      text += dec.decode(value, { stream: true })
    }
  } catch (error) {
    return { text, error }
  }
}

const ANTHROPIC_HEADERS = { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' }
const OPENAI_HEADERS = { authorization: 'Bearer sk-test' }
const USER_HI = [{ role: 'user', content: 'hi' }]

const FULL_REPLY: Reply = {
  thinking: { text: 'The user wants weather.', signature: 'EqQBsig' },
  text: 'Let me check.',
  toolCalls: [
    { id: 'toolu_01A', name: 'get_weather', arguments: { city: 'Paris' } },
    { id: 'toolu_01B', name: 'get_time', arguments: { tz: 'Europe/Paris', precise: true } },
  ],
  usage: { input: 100, output: 40, cacheRead: 50, cacheWrite: 10, reasoning: 12 },
  chunkText: 5,
}

// ---------------------------------------------------------------- base server

describe('startFake and the stream helpers', () => {
  test('records method, path, query, lower-cased headers and the body (JSON, text, empty)', async () => {
    await using up = startFake(() => jsonResponse({ ok: true }, 201, { 'x-extra': '1' }))
    const res = await post(`${up.url}/v1/x?a=1&b=two`, { hello: 'world' }, { 'X-Custom-Header': 'Yes' })
    expect(res.status).toBe(201)
    expect(res.headers.get('x-extra')).toBe('1')
    expect(await res.json()).toEqual({ ok: true })
    await post(`${up.url}/raw`, 'not json {')
    await fetch(`${up.url}/get`)
    expect(up.requests).toHaveLength(3)
    const [a, b, c] = up.requests
    expect(a).toMatchObject({
      method: 'POST',
      path: '/v1/x',
      query: { a: '1', b: 'two' },
      body: { hello: 'world' },
      aborted: false,
      reset: false,
    })
    expect(a?.headers['x-custom-header']).toBe('Yes')
    expect(a?.headers['content-type']).toBe('application/json')
    expect(typeof a?.receivedAt).toBe('number')
    expect(b?.body).toBe('not json {')
    expect(c).toMatchObject({ method: 'GET', path: '/get', body: null, rawBody: '' })
    expect(up.last()).toBe(c!)
    expect(up.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  test('sseResponse sends one frame per pull with the delays, ends cleanly, marks finishedAt', async () => {
    await using up = startFake(() =>
      sseResponse([sseFrame({ n: 1 }), sseFrame({ n: 2 }, 'named'), 'data: [DONE]\n\n'], {
        delayMs: 40,
        headers: { 'x-h': 'v' },
        status: 202,
      }),
    )
    const t = performance.now()
    const res = await fetch(up.url)
    expect(res.status).toBe(202)
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    expect(res.headers.get('x-h')).toBe('v')
    const reader = res.body!.getReader()
    const dec = new TextDecoder()
    const chunks: string[] = []
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(dec.decode(value))
    }
    expect(chunks).toEqual(['data: {"n":1}\n\n', 'event: named\ndata: {"n":2}\n\n', 'data: [DONE]\n\n'])
    expect(performance.now() - t).toBeGreaterThanOrEqual(75)
    await waitFor(() => up.last().finishedAt !== undefined)
    expect(up.last().aborted).toBe(false)
  })

  test('aborting the client mid-stream sets aborted within 100 ms (signal and stream cancel)', async () => {
    await using up = startFake(() =>
      sseResponse(
        Array.from({ length: 50 }, (_, i) => sseFrame({ i })),
        { delayMs: 20 },
      ),
    )
    await expectAbortNoticed(up.requests, up.url, {})
  })

  test('hangHeaders holds the answer back; a client that gives up is noticed at once', async () => {
    await using up = startFake((req) => hangHeaders(2000, jsonResponse({ late: true }), req.signal))
    const ac = new AbortController()
    const pending = fetch(up.url, { signal: ac.signal })
    await waitFor(() => up.requests.length === 1)
    await Bun.sleep(80)
    const t = performance.now()
    ac.abort()
    await expect(pending).rejects.toThrow()
    await waitFor(() => up.last().aborted, 500, 2)
    expect(up.last().abortedAt! - t).toBeLessThan(100)

    await using quick = startFake(() => hangHeaders(120, () => jsonResponse({ late: true })))
    const t2 = performance.now()
    const res = await fetch(quick.url)
    expect(performance.now() - t2).toBeGreaterThanOrEqual(110)
    expect(await res.json()).toEqual({ late: true })
  })

  test('resetMidStream: the client gets the frames, then a network error (ECONNRESET)', async () => {
    await using up = startFake(() =>
      resetMidStream([sseFrame({ n: 1 }), sseFrame({ n: 2 }), sseFrame({ n: 3 })], {
        afterFrames: 2,
        delayMs: 10,
      }),
    )
    const res = await fetch(up.url)
    expect(res.status).toBe(200)
    const { text, error } = await readError(res)
    expect(text).toBe('data: {"n":1}\n\ndata: {"n":2}\n\n')
    expect(error).toBeInstanceOf(Error)
    expect((error as { code?: string }).code).toBe('ECONNRESET')
    await waitFor(() => up.last().reset)
    expect(up.last().aborted).toBe(false)
    expect(up.last().finishedAt).toBeUndefined()
    // The server keeps serving after a reset.
    expect((await fetch(up.url)).status).toBe(200)
  })

  test('firstDelayMs holds back the headers (Bun commits on the first chunk) unless commitHeaders', async () => {
    await using up = startFake((req) =>
      sseResponse([sseFrame({ ok: 1 })], {
        firstDelayMs: 200,
        commitHeaders: new URL(req.url).searchParams.has('commit'),
      }),
    )
    let t = performance.now()
    let res = await fetch(up.url)
    expect(performance.now() - t).toBeGreaterThanOrEqual(180)
    expect(await res.text()).toBe('data: {"ok":1}\n\n')
    t = performance.now()
    res = await fetch(`${up.url}/?commit`)
    expect(performance.now() - t).toBeLessThan(150)
    expect(parseSse(await res.text()).map((f) => f.data)).toEqual(['{"ok":1}'])
  })

  test('a throwing handler answers 599 with the message', async () => {
    await using up = startFake(() => {
      throw new Error('boom')
    })
    const res = await fetch(up.url)
    expect(res.status).toBe(599)
    expect(await res.text()).toContain('boom')
  })
})

// ---------------------------------------------------------------- Anthropic

describe('fakeAnthropic', () => {
  const messages = (url: string, body: Obj, headers: Record<string, string> = ANTHROPIC_HEADERS) =>
    post(`${url}/v1/messages`, body, headers)

  // docs/protocols/anthropic-messages.md, "Response"
  test('JSON answer: content blocks, stop_reason, usage with cache split out', async () => {
    await using up = fakeAnthropic(FULL_REPLY)
    const res = await messages(up.url, { model: 'claude-test-1', max_tokens: 100, messages: USER_HI })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('request-id')).toMatch(/^req_fake_/)
    expect(await res.json()).toEqual({
      id: 'msg_fake_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-test-1',
      content: [
        { type: 'thinking', thinking: 'The user wants weather.', signature: 'EqQBsig' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: { tz: 'Europe/Paris', precise: true } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 100,
        cache_creation_input_tokens: 10,
        cache_read_input_tokens: 50,
        output_tokens: 40,
        cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 0 },
        service_tier: 'standard',
      },
    })
    expect(up.calls).toBe(1)
  })

  // docs/protocols/anthropic-messages.md, "Streaming"
  test('SSE answer: exact event sequence, deltas, signature, split tool JSON, cumulative usage', async () => {
    await using up = fakeAnthropic(FULL_REPLY)
    const res = await messages(up.url, {
      model: 'claude-test-1',
      max_tokens: 100,
      stream: true,
      messages: USER_HI,
    })
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const frames = parseSse(await res.text())
    for (const f of frames) {
      expect(f.lines[0]).toBe(`event: ${f.event}`)
      expect(data(f)['type']).toBe(f.event)
    }
    const names = frames.map((f) => f.event)
    expect(names).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta', // thinking: "The u" "ser w" "ants " "weath" "er."
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta', // signature
      'content_block_stop',
      'content_block_start',
      'content_block_delta', // "Let m" "e che" "ck."
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta', // "" + 3 pieces
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    const d = frames.map(data)
    expect(d[0]).toEqual({
      type: 'message_start',
      message: {
        id: 'msg_fake_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-test-1',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 100,
          cache_creation_input_tokens: 10,
          cache_read_input_tokens: 50,
          output_tokens: 1,
        },
      },
    })
    expect(d[1]).toEqual({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'thinking', thinking: '' },
    })
    const thinking = d.slice(3, 8).map((x) => dig(x, 'delta', 'thinking'))
    expect(thinking).toEqual(['The u', 'ser w', 'ants ', 'weath', 'er.'])
    expect(d[8]).toEqual({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'signature_delta', signature: 'EqQBsig' },
    })
    expect(d[10]).toEqual({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'text', text: '' },
    })
    expect(d.slice(11, 14).map((x) => dig(x, 'delta', 'text'))).toEqual(['Let m', 'e che', 'ck.'])
    expect(d[15]).toEqual({
      type: 'content_block_start',
      index: 2,
      content_block: { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: {} },
    })
    const pieces = d.slice(16, 20).map((x) => dig(x, 'delta', 'partial_json'))
    expect(pieces[0]).toBe('')
    expect(pieces.slice(1).every((p) => typeof p === 'string' && p.length > 0)).toBe(true)
    expect(JSON.parse(pieces.join(''))).toEqual({ city: 'Paris' })
    expect(
      d.slice(16, 20).every((x) => x['index'] === 2 && dig(x, 'delta', 'type') === 'input_json_delta'),
    ).toBe(true)
    const pieces2 = d.slice(22, 26).map((x) => dig(x, 'delta', 'partial_json'))
    expect(JSON.parse(pieces2.join(''))).toEqual({ tz: 'Europe/Paris', precise: true })
    expect(d[27]).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 40 },
    })
    expect(d[28]).toEqual({ type: 'message_stop' })
  })

  test('defaults: ids, stop_reason from the script, usage from the request size, stop_sequence value', async () => {
    await using up = fakeAnthropic([
      { text: 'a' },
      { text: 'b', stop: 'stop_sequence' },
      { text: 'c', stop: 'max_tokens' },
    ])
    const body = { model: 'claude-x', max_tokens: 5, messages: USER_HI, stop_sequences: ['END'] }
    const a = obj(await (await messages(up.url, body)).json())
    expect(a).toMatchObject({ id: 'msg_fake_1', stop_reason: 'end_turn', stop_sequence: null })
    expect(dig(a, 'usage', 'input_tokens')).toBe(countTokens({ messages: USER_HI }))
    expect(dig(a, 'usage', 'output_tokens')).toBe(1)
    expect(obj(await (await messages(up.url, body)).json())).toMatchObject({
      id: 'msg_fake_2',
      stop_reason: 'stop_sequence',
      stop_sequence: 'END',
    })
    const c = parseSse(await (await messages(up.url, { ...body, stream: true })).text()).map(data)
    expect(c.at(-2)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'max_tokens', stop_sequence: null },
      usage: { output_tokens: 1 },
    })
    await using full = fakeAnthropic(
      { text: 'x', usage: { input: 3, output: 4, cacheRead: 5 } },
      { fullDeltaUsage: true },
    )
    const f = parseSse(await (await messages(full.url, { ...body, stream: true })).text()).map(data)
    expect(f.at(-2)?.['usage']).toEqual({
      input_tokens: 3,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 5,
      output_tokens: 4,
    })
  })

  test('errorReply renders the Anthropic envelope, retry-after on 429, default types by status', async () => {
    await using up = fakeAnthropic([
      errorReply(429, { message: 'Number of requests has exceeded your rate limit', retryAfter: 7 }),
      errorReply(529, { message: 'Overloaded' }),
      errorReply(401, { message: 'OAuth access token has expired. Re-authenticate to continue.' }),
    ])
    const body = { model: 'claude-x', max_tokens: 5, messages: USER_HI }
    const r1 = await messages(up.url, body)
    expect(r1.status).toBe(429)
    expect(r1.headers.get('retry-after')).toBe('7')
    const e1 = obj(await r1.json())
    expect(e1).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' },
    })
    expect(e1['request_id']).toMatch(/^req_fake_/)
    const r2 = await messages(up.url, body)
    expect(r2.status).toBe(529)
    expect(obj(await r2.json())['error']).toEqual({ type: 'overloaded_error', message: 'Overloaded' })
    const r3 = await messages(up.url, body)
    expect(r3.status).toBe(401)
    expect(dig(await r3.json(), 'error', 'type')).toBe('authentication_error')
  })

  test('inStreamError: HTTP 200, N frames, then event: error and the end (no message_stop)', async () => {
    await using up = fakeAnthropic(
      inStreamError(3, {
        type: 'overloaded_error',
        message: 'Overloaded',
        reply: { text: 'abcdefgh', chunkText: 2 },
      }),
    )
    const res = await messages(up.url, { model: 'claude-x', max_tokens: 5, stream: true, messages: USER_HI })
    expect(res.status).toBe(200)
    const frames = parseSse(await res.text())
    expect(frames.map((f) => f.event)).toEqual(['message_start', 'content_block_start', 'ping', 'error'])
    expect(data(frames[3]!)).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    })
    // Non-streaming requests get the same failure as an HTTP error.
    const json = await messages(up.url, { model: 'claude-x', max_tokens: 5, messages: USER_HI })
    expect(json.status).toBe(529)
  })

  test('connectionReset: stream cut after N frames; JSON cut halfway', async () => {
    await using up = fakeAnthropic(connectionReset(2, { text: 'hello' }))
    const s = await readError(
      await messages(up.url, { model: 'claude-x', max_tokens: 5, stream: true, messages: USER_HI }),
    )
    expect(parseSse(s.text).map((f) => f.event)).toEqual(['message_start', 'content_block_start'])
    expect((s.error as { code?: string }).code).toBe('ECONNRESET')
    const j = await readError(await messages(up.url, { model: 'claude-x', max_tokens: 5, messages: USER_HI }))
    expect(j.error).toBeInstanceOf(Error)
    expect(j.text.startsWith('{"id":"msg_fake_2"')).toBe(true)
    expect(up.last().reset).toBe(true)
  })

  test('validates auth, anthropic-version and the body like the real API', async () => {
    await using up = fakeAnthropic({ text: 'ok' }, { key: 'sk-good', requireOAuthBeta: true })
    const ok = { model: 'claude-x', max_tokens: 5, messages: USER_HI }
    const v = { 'anthropic-version': '2023-06-01' }
    const cases: Array<[Record<string, string>, unknown, number, string, string]> = [
      [v, ok, 401, 'authentication_error', 'x-api-key header is required'],
      [{ ...v, 'x-api-key': 'sk-bad' }, ok, 401, 'authentication_error', 'invalid x-api-key'],
      [
        { ...v, 'x-api-key': 'sk-good', authorization: 'Bearer sk-good' },
        ok,
        401,
        'authentication_error',
        'both',
      ],
      [
        { ...v, authorization: 'Bearer sk-good' },
        ok,
        401,
        'authentication_error',
        'OAuth authentication is currently not supported.',
      ],
      [
        { ...v, authorization: 'Bearer nope', 'anthropic-beta': 'oauth-2025-04-20' },
        ok,
        401,
        'authentication_error',
        'Invalid bearer token',
      ],
      [{ 'x-api-key': 'sk-good' }, ok, 400, 'invalid_request_error', 'anthropic-version: header is required'],
    ]
    const good = { ...v, 'x-api-key': 'sk-good' }
    const body = (m: unknown, extra: Obj = {}) => ({
      model: 'claude-x',
      max_tokens: 5,
      messages: m,
      ...extra,
    })
    const toolTurn = [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'w', input: {} }] },
    ]
    cases.push(
      [
        good,
        { model: 'claude-x', messages: USER_HI },
        400,
        'invalid_request_error',
        'max_tokens: Field required',
      ],
      [good, { max_tokens: 5, messages: USER_HI }, 400, 'invalid_request_error', 'model: Field required'],
      [good, { model: 'claude-x', max_tokens: 5 }, 400, 'invalid_request_error', 'messages: Field required'],
      [
        good,
        body([{ role: 'user', content: [{ type: 'text', text: '' }] }]),
        400,
        'invalid_request_error',
        'messages: text content blocks must be non-empty',
      ],
      [
        good,
        body([{ role: 'user', content: [{ type: 'text', text: '  ' }] }]),
        400,
        'invalid_request_error',
        'messages: text content blocks must contain non-whitespace text',
      ],
      [
        good,
        body(USER_HI, { system: [{ type: 'text', text: '' }] }),
        400,
        'invalid_request_error',
        'system: text content blocks must be non-empty',
      ],
      [
        good,
        body([{ role: 'user', content: '' }]),
        400,
        'invalid_request_error',
        'messages.0: all messages must have non-empty content',
      ],
      [
        good,
        body([...toolTurn, { role: 'user', content: 'no result' }]),
        400,
        'invalid_request_error',
        'messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
      ],
      [
        good,
        body(toolTurn),
        400,
        'invalid_request_error',
        '`tool_use` ids were found without `tool_result` blocks',
      ],
      [
        good,
        body([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'x' }] }]),
        400,
        'invalid_request_error',
        'messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9.',
      ],
      [
        good,
        body([
          { role: 'user', content: 'q' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'call.1', name: 'w', input: {} }] },
        ]),
        400,
        'invalid_request_error',
        "messages.1.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'",
      ],
      [
        good,
        body([
          { role: 'user', content: 'q' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'hm' },
              { type: 'text', text: 'a' },
            ],
          },
          { role: 'user', content: 'more' },
        ]),
        400,
        'invalid_request_error',
        'messages.1.content.0.thinking.signature: Field required',
      ],
      [good, 'not json', 400, 'invalid_request_error', 'invalid JSON'],
    )
    for (const [headers, b, status, type, message] of cases) {
      const res = await messages(up.url, b as Obj, headers)
      const e = obj(await res.json())
      expect({ status: res.status, type: dig(e, 'error', 'type') }).toEqual({ status, type })
      expect(String(dig(e, 'error', 'message'))).toContain(message)
      expect(e['type']).toBe('error')
    }
    expect(up.calls).toBe(0)
    // A well-formed tool round trip, OAuth with the beta flag, and ?beta=true all pass.
    const roundTrip = body([
      ...toolTurn,
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' }] },
    ])
    const res = await post(`${up.url}/v1/messages?beta=true`, roundTrip, {
      ...v,
      authorization: 'Bearer sk-good',
      'anthropic-beta': 'claude-code-20250219,oauth-2025-04-20',
    })
    expect(res.status).toBe(200)
    expect(up.last().query).toEqual({ beta: 'true' })
    expect(up.last().headers['anthropic-beta']).toContain('oauth-2025-04-20')
    expect(up.calls).toBe(1)
  })

  test('strictSignatures: only signatures this fake issued are accepted back', async () => {
    await using up = fakeAnthropic({ thinking: { text: 'think' }, text: 'a' }, { strictSignatures: true })
    const first = obj(
      await (await messages(up.url, { model: 'claude-x', max_tokens: 5, messages: USER_HI })).json(),
    )
    const sig = dig(first, 'content', 0, 'signature')
    expect(typeof sig).toBe('string')
    expect(up.signatures.has(String(sig))).toBe(true)
    const history = (signature: unknown) => [
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'think', signature },
          { type: 'text', text: 'a' },
        ],
      },
      { role: 'user', content: 'again' },
    ]
    expect(
      (await messages(up.url, { model: 'claude-x', max_tokens: 5, messages: history(sig) })).status,
    ).toBe(200)
    const forged = await messages(up.url, { model: 'claude-x', max_tokens: 5, messages: history('forged') })
    expect(forged.status).toBe(400)
    expect(dig(await forged.json(), 'error', 'message')).toBe(
      'messages.1.content.0: Invalid `signature` in `thinking` block',
    )
  })

  test('count_tokens, models, unknown routes, script functions see the request', async () => {
    await using up = fakeAnthropic(
      (rec) => ({ text: `you said ${String(dig(rec.body, 'messages', 0, 'content'))}` }),
      {
        models: [{ id: 'claude-a', display_name: 'A' }],
        headers: { 'anthropic-ratelimit-unified-status': 'allowed' },
      },
    )
    const countBody = { model: 'claude-x', messages: USER_HI, system: 'be brief' }
    const count = await post(`${up.url}/v1/messages/count_tokens`, countBody, ANTHROPIC_HEADERS)
    const expected = countTokens({ system: 'be brief', messages: USER_HI, tools: undefined })
    expect(await count.json()).toEqual({ input_tokens: expected })
    expect(up.tokenCounts).toEqual([expected])
    const models = await fetch(`${up.url}/v1/models`, { headers: ANTHROPIC_HEADERS })
    expect(models.headers.get('anthropic-ratelimit-unified-status')).toBe('allowed')
    expect(await models.json()).toEqual({
      data: [{ type: 'model', id: 'claude-a', display_name: 'A', created_at: '2025-01-01T00:00:00Z' }],
      has_more: false,
      first_id: 'claude-a',
      last_id: 'claude-a',
    })
    const missing = await post(`${up.url}/v1/complete`, {}, ANTHROPIC_HEADERS)
    expect(missing.status).toBe(404)
    expect(dig(await missing.json(), 'error', 'type')).toBe('not_found_error')
    const res = await messages(up.url, { model: 'claude-x', max_tokens: 5, messages: USER_HI })
    expect(dig(await res.json(), 'content', 0, 'text')).toBe('you said hi')
  })

  test('a client abort mid-stream is noticed within 100 ms', async () => {
    await using up = fakeAnthropic({ text: 'x'.repeat(100), chunkText: 1, delayMs: 20 })
    await expectAbortNoticed(up.requests, `${up.url}/v1/messages`, {
      method: 'POST',
      headers: ANTHROPIC_HEADERS,
      body: JSON.stringify({ model: 'claude-x', max_tokens: 5, stream: true, messages: USER_HI }),
    })
  })

  describe('with the official @anthropic-ai/sdk', () => {
    const client = (url: string, extra: ConstructorParameters<typeof Anthropic>[0] = {}) =>
      new Anthropic({ baseURL: url, apiKey: 'sk-ant-test', maxRetries: 0, ...extra })

    test('messages.create parses the JSON answer', async () => {
      await using up = fakeAnthropic(FULL_REPLY)
      const msg = await client(up.url).messages.create({
        model: 'claude-test-1',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'weather?' }],
      })
      expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use', 'tool_use'])
      expect(msg.stop_reason).toBe('tool_use')
      expect(msg.usage).toMatchObject({ input_tokens: 100, output_tokens: 40, cache_read_input_tokens: 50 })
      expect(up.last().headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      // This SDK version sends the API key as a Bearer token; older ones used x-api-key. The fake accepts both.
      const h = up.last().headers
      expect(h['x-api-key'] ?? h['authorization']).toMatch(/^(Bearer )?sk-ant-test$/)
    })

    test('messages.stream().finalMessage() assembles thinking, signature, text, tool inputs and usage', async () => {
      await using up = fakeAnthropic(FULL_REPLY)
      const stream = client(up.url).messages.stream({
        model: 'claude-test-1',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'weather?' }],
      })
      const texts: string[] = []
      stream.on('text', (t) => texts.push(t))
      const msg = await stream.finalMessage()
      expect(texts).toEqual(['Let m', 'e che', 'ck.'])
      expect<unknown>(msg.content).toEqual([
        { type: 'thinking', thinking: 'The user wants weather.', signature: 'EqQBsig' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: { tz: 'Europe/Paris', precise: true } },
      ])
      expect(msg.stop_reason).toBe('tool_use')
      expect(msg.usage).toMatchObject({
        input_tokens: 100,
        output_tokens: 40,
        cache_read_input_tokens: 50,
        cache_creation_input_tokens: 10,
      })
    })

    test('OAuth (authToken) with the beta header, count_tokens and models.list', async () => {
      await using up = fakeAnthropic({ text: 'hi there' }, { requireOAuthBeta: true })
      const c = new Anthropic({
        baseURL: up.url,
        authToken: 'sk-ant-oat01-x',
        maxRetries: 0,
        defaultHeaders: { 'anthropic-beta': 'oauth-2025-04-20' },
      })
      const msg = await c.messages.create({
        model: 'claude-x',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'a' }],
      })
      expect<unknown>(msg.content).toEqual([{ type: 'text', text: 'hi there' }])
      expect(up.last().headers['authorization']).toBe('Bearer sk-ant-oat01-x')
      expect(up.last().headers['x-api-key']).toBeUndefined()
      const counted = await c.messages.countTokens({
        model: 'claude-x',
        messages: [{ role: 'user', content: 'a' }],
      })
      expect(counted.input_tokens).toBe(up.tokenCounts[0]!)
      const ids: string[] = []
      for await (const m of c.models.list()) ids.push(m.id)
      expect(ids).toEqual(['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805'])
      const noBeta = new Anthropic({ baseURL: up.url, authToken: 'sk-ant-oat01-x', maxRetries: 0 })
      const err = await noBeta.messages
        .create({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'a' }] })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(Anthropic.AuthenticationError)
    })

    test('HTTP errors become typed SDK errors; in-stream errors reject the stream', async () => {
      await using up = fakeAnthropic([
        errorReply(429, { message: 'slow down', retryAfter: 3 }),
        inStreamError(4, { type: 'overloaded_error', message: 'Overloaded' }),
      ])
      const c = client(up.url)
      const err = await c.messages
        .create({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'a' }] })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(Anthropic.RateLimitError)
      const rl = err as InstanceType<typeof Anthropic.RateLimitError>
      expect(rl.status).toBe(429)
      expect(rl.headers?.get('retry-after')).toBe('3')
      expect(rl.message).toContain('slow down')
      const streamErr = await c.messages
        .stream({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'a' }] })
        .finalMessage()
        .catch((e: unknown) => e)
      expect(streamErr).toBeInstanceOf(Anthropic.APIError)
      expect(String((streamErr as Error).message)).toContain('Overloaded')
    })

    test('a connection reset mid-stream rejects the SDK stream', async () => {
      await using up = fakeAnthropic(connectionReset(3, { text: 'abcdef', chunkText: 1 }))
      const err = await client(up.url)
        .messages.stream({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'a' }] })
        .finalMessage()
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(Error)
    })
  })
})

// ---------------------------------------------------------------- OpenAI Chat Completions

describe('fakeOpenAI: chat completions', () => {
  const chat = (url: string, body: unknown, headers: Record<string, string> = OPENAI_HEADERS) =>
    post(`${url}/v1/chat/completions`, body, headers)

  // docs/protocols/openai-chat.md, "Response"
  test('JSON answer: message, tool_calls with string arguments, usage including cache', async () => {
    await using up = fakeOpenAI(FULL_REPLY)
    const res = await chat(up.url, { model: 'gpt-4o', messages: USER_HI })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-request-id')).toMatch(/^req_fake_/)
    expect(await res.json()).toEqual({
      id: 'chatcmpl-fake-1',
      object: 'chat.completion',
      created: 1735689600,
      model: 'gpt-4o',
      system_fingerprint: 'fp_fake',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Let me check.',
            refusal: null,
            reasoning_content: 'The user wants weather.',
            tool_calls: [
              {
                id: 'toolu_01A',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
              {
                id: 'toolu_01B',
                type: 'function',
                function: { name: 'get_time', arguments: '{"tz":"Europe/Paris","precise":true}' },
              },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 160,
        completion_tokens: 40,
        total_tokens: 200,
        prompt_tokens_details: { cached_tokens: 50, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 12,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
      service_tier: 'default',
    })
  })

  // docs/protocols/openai-chat.md, "Streaming"
  test('SSE: role chunk, reasoning, content, interleaved tool fragments, finish, usage chunk, [DONE]', async () => {
    await using up = fakeOpenAI({
      ...FULL_REPLY,
      toolCalls: FULL_REPLY.toolCalls?.map(({ id: _id, ...c }) => c),
    })
    const res = await chat(up.url, {
      model: 'gpt-4o',
      messages: USER_HI,
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const frames = parseSse(await res.text())
    expect(
      frames.every((f) => f.event === undefined && f.lines.length === 1 && f.lines[0]!.startsWith('data: ')),
    ).toBe(true)
    expect(frames.at(-1)?.data).toBe('[DONE]')
    const chunks = frames.slice(0, -1).map(data)
    for (const c of chunks) {
      expect(c).toMatchObject({ id: 'chatcmpl-fake-1', object: 'chat.completion.chunk', model: 'gpt-4o' })
      expect('usage' in c).toBe(true)
    }
    const deltas = chunks.slice(0, -1).map((c) => obj(dig(c, 'choices', 0, 'delta')))
    expect(chunks.slice(0, -1).every((c) => c['usage'] === null)).toBe(true)
    expect(deltas[0]).toEqual({ role: 'assistant', content: '' })
    expect(deltas.filter((d) => 'reasoning_content' in d).map((d) => d['reasoning_content'])).toEqual([
      'The u',
      'ser w',
      'ants ',
      'weath',
      'er.',
    ])
    expect(deltas.filter((d) => 'content' in d).map((d) => d['content'])).toEqual([
      '',
      'Let m',
      'e che',
      'ck.',
    ])
    const fragments = deltas.filter((d) => 'tool_calls' in d).map((d) => obj(arr(d['tool_calls'])[0]))
    expect(fragments.map((f) => f['index'])).toEqual([0, 1, 0, 1, 0, 1, 0, 1])
    expect(fragments[0]).toEqual({
      index: 0,
      id: 'call_fake_1_0',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    })
    expect(fragments[1]).toEqual({
      index: 1,
      id: 'call_fake_1_1',
      type: 'function',
      function: { name: 'get_time', arguments: '' },
    })
    for (const f of fragments.slice(2)) expect(Object.keys(f).sort()).toEqual(['function', 'index'])
    const args = (i: number) =>
      fragments
        .filter((f) => f['index'] === i)
        .map((f) => dig(f, 'function', 'arguments'))
        .join('')
    expect(JSON.parse(args(0))).toEqual({ city: 'Paris' })
    expect(JSON.parse(args(1))).toEqual({ tz: 'Europe/Paris', precise: true })
    const finish = chunks.at(-2)!
    expect(dig(finish, 'choices', 0)).toEqual({
      index: 0,
      delta: {},
      logprobs: null,
      finish_reason: 'tool_calls',
    })
    const usage = chunks.at(-1)!
    expect(usage['choices']).toEqual([])
    expect(usage['usage']).toMatchObject({ prompt_tokens: 160, completion_tokens: 40, total_tokens: 200 })
  })

  test('without include_usage: no usage field and no usage chunk', async () => {
    await using up = fakeOpenAI({ text: 'hey', stop: 'max_tokens' })
    const frames = parseSse(
      await (await chat(up.url, { model: 'gpt-4o', messages: USER_HI, stream: true })).text(),
    )
    expect(frames.map((f) => f.data).at(-1)).toBe('[DONE]')
    const chunks = frames.slice(0, -1).map(data)
    expect(chunks).toHaveLength(3)
    expect(chunks.every((c) => !('usage' in c) && arr(c['choices']).length === 1)).toBe(true)
    expect(dig(chunks[2], 'choices', 0, 'finish_reason')).toBe('length')
  })

  test('in-stream error: data: {"error":…} then close, no [DONE]; JSON requests get an HTTP error', async () => {
    await using up = fakeOpenAI(
      inStreamError(2, { type: 'server_error', message: 'The server had an error' }),
    )
    const frames = parseSse(
      await (await chat(up.url, { model: 'gpt-4o', messages: USER_HI, stream: true })).text(),
    )
    expect(frames).toHaveLength(3)
    expect(data(frames[2]!)).toEqual({
      error: { message: 'The server had an error', type: 'server_error', param: null, code: null },
    })
    const json = await chat(up.url, { model: 'gpt-4o', messages: USER_HI })
    expect(json.status).toBe(500)
  })

  test('errorReply: OpenAI envelope with default type/code by status, retry-after', async () => {
    await using up = fakeOpenAI([
      errorReply(429, { message: 'Rate limit reached', retryAfter: 2 }),
      errorReply(429, { message: 'quota', type: 'insufficient_quota' }),
      errorReply(404, { message: 'The model `x` does not exist' }),
      errorReply(503, { message: 'The engine is currently overloaded' }),
    ])
    const r1 = await chat(up.url, { model: 'gpt-4o', messages: USER_HI })
    expect(r1.status).toBe(429)
    expect(r1.headers.get('retry-after')).toBe('2')
    expect(await r1.json()).toEqual({
      error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    })
    expect(
      dig(await (await chat(up.url, { model: 'gpt-4o', messages: USER_HI })).json(), 'error', 'code'),
    ).toBe('insufficient_quota')
    expect(dig(await (await chat(up.url, { model: 'gpt-4o', messages: USER_HI })).json(), 'error')).toEqual({
      message: 'The model `x` does not exist',
      type: 'invalid_request_error',
      param: null,
      code: 'model_not_found',
    })
    const r4 = await chat(up.url, { model: 'gpt-4o', messages: USER_HI })
    expect(r4.status).toBe(503)
    expect(dig(await r4.json(), 'error', 'type')).toBe('server_error')
  })

  test('validates Bearer auth and the request like the real API', async () => {
    await using up = fakeOpenAI({ text: 'ok' }, { key: 'sk-test', rejectMaxTokens: true })
    const cases: Array<[Record<string, string>, unknown, number, string | null, string]> = [
      [{}, { model: 'gpt-4o', messages: USER_HI }, 401, null, 'Missing bearer'],
      [
        { authorization: 'Bearer sk-wrong-key-123' },
        { model: 'gpt-4o', messages: USER_HI },
        401,
        'invalid_api_key',
        'Incorrect API key provided',
      ],
      [OPENAI_HEADERS, { messages: USER_HI }, 400, null, 'you must provide a model parameter'],
      [
        OPENAI_HEADERS,
        { model: 'gpt-4o' },
        400,
        'missing_required_parameter',
        "Missing required parameter: 'messages'.",
      ],
      [
        OPENAI_HEADERS,
        { model: 'gpt-4o', messages: [] },
        400,
        'empty_array',
        "Invalid 'messages': empty array.",
      ],
      [
        OPENAI_HEADERS,
        { model: 'gpt-4o', messages: USER_HI, stream_options: { include_usage: true } },
        400,
        null,
        "'stream_options' parameter is only allowed",
      ],
      [
        OPENAI_HEADERS,
        { model: 'gpt-4o', messages: USER_HI, max_tokens: 5 },
        400,
        'unsupported_parameter',
        "Use 'max_completion_tokens' instead.",
      ],
      [
        OPENAI_HEADERS,
        { model: 'gpt-4o', messages: [{ role: 'tool', tool_call_id: 'call_1', content: 'x' }] },
        400,
        null,
        "messages with role 'tool' must be a response to a preceeding message with 'tool_calls'",
      ],
      [
        OPENAI_HEADERS,
        {
          model: 'gpt-4o',
          messages: [
            ...USER_HI,
            {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
            },
            { role: 'user', content: 'next' },
          ],
        },
        400,
        null,
        'The following tool_call_ids did not have response messages: call_1',
      ],
      [OPENAI_HEADERS, '{oops', 400, null, 'We could not parse the JSON body of your request.'],
    ]
    for (const [headers, body, status, code, message] of cases) {
      const res = await chat(up.url, body, headers)
      const e = obj(await res.json())
      expect({ status: res.status, code: dig(e, 'error', 'code') }).toEqual({ status, code })
      expect(String(dig(e, 'error', 'message'))).toContain(message)
      expect(dig(e, 'error', 'type')).toBe('invalid_request_error')
    }
    expect(up.calls).toBe(0)
    const okRes = await chat(up.url, {
      model: 'gpt-4o',
      messages: [
        ...USER_HI,
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '1' },
      ],
    })
    expect(okRes.status).toBe(200)
    const models = await fetch(`${up.url}/v1/models`, { headers: OPENAI_HEADERS })
    expect(await models.json()).toEqual({
      object: 'list',
      data: [
        { id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' },
        { id: 'gpt-5', object: 'model', created: 1754425777, owned_by: 'system' },
      ],
    })
    const missing = await post(`${up.url}/v1/embeddings`, {}, OPENAI_HEADERS)
    expect(missing.status).toBe(404)
    expect(dig(await missing.json(), 'error', 'message')).toBe('Invalid URL (POST /v1/embeddings)')
  })

  test('a client abort mid-stream is noticed within 100 ms', async () => {
    await using up = fakeOpenAI({ text: 'y'.repeat(100), chunkText: 1, delayMs: 20 })
    await expectAbortNoticed(up.requests, `${up.url}/v1/chat/completions`, {
      method: 'POST',
      headers: OPENAI_HEADERS,
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: USER_HI }),
    })
  })

  describe('with the official openai SDK', () => {
    const client = (url: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0 })

    test('chat.completions.create (JSON) yields text, tool calls and usage', async () => {
      await using up = fakeOpenAI(FULL_REPLY)
      const c = await client(up.url).chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
      })
      const choice = c.choices[0]!
      expect(choice.message.content).toBe('Let me check.')
      expect(choice.finish_reason).toBe('tool_calls')
      const calls = choice.message.tool_calls ?? []
      expect(
        calls.map((t) => (t.type === 'function' ? [t.id, t.function.name, t.function.arguments] : [])),
      ).toEqual([
        ['toolu_01A', 'get_weather', '{"city":"Paris"}'],
        ['toolu_01B', 'get_time', '{"tz":"Europe/Paris","precise":true}'],
      ])
      expect(c.usage).toMatchObject({ prompt_tokens: 160, completion_tokens: 40 })
      expect(up.last().headers['authorization']).toBe('Bearer sk-test')
    })

    test('create({stream:true}) iterates the chunks; .stream().finalChatCompletion() merges parallel tool calls', async () => {
      await using up = fakeOpenAI(FULL_REPLY)
      const stream = await client(up.url).chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      let text = ''
      let usage: OpenAI.CompletionUsage | null | undefined
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? ''
        if (chunk.usage) usage = chunk.usage
      }
      expect(text).toBe('Let me check.')
      expect(usage).toMatchObject({ prompt_tokens: 160, completion_tokens: 40, total_tokens: 200 })

      const helper = client(up.url).chat.completions.stream({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        stream_options: { include_usage: true },
      })
      const final = await helper.finalChatCompletion()
      const msg = final.choices[0]!.message
      expect(msg.content).toBe('Let me check.')
      expect(
        (msg.tool_calls ?? []).map((t) =>
          t.type === 'function' ? [t.id, t.function.name, t.function.arguments] : [],
        ),
      ).toEqual([
        ['toolu_01A', 'get_weather', '{"city":"Paris"}'],
        ['toolu_01B', 'get_time', '{"tz":"Europe/Paris","precise":true}'],
      ])
      expect(final.choices[0]!.finish_reason).toBe('tool_calls')
      expect(final.usage).toMatchObject({ prompt_tokens: 160, completion_tokens: 40 })
    })

    test('HTTP and in-stream errors surface as SDK errors', async () => {
      await using up = fakeOpenAI([
        errorReply(429, { message: 'Rate limit reached', retryAfter: 1 }),
        inStreamError(2, { type: 'server_error', message: 'boom in stream' }),
        errorReply(401, { message: 'Incorrect API key provided' }),
      ])
      const c = client(up.url)
      const e1 = await c.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a' }] })
        .catch((e: unknown) => e)
      expect(e1).toBeInstanceOf(OpenAI.RateLimitError)
      expect((e1 as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded')
      const e2 = await (async () => {
        const s = await c.chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'a' }],
          stream: true,
        })
        for await (const _ of s) {
          // drain
        }
      })().catch((e: unknown) => e)
      expect(e2).toBeInstanceOf(OpenAI.APIError)
      expect((e2 as Error).message).toContain('boom in stream')
      const e3 = await c.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a' }] })
        .catch((e: unknown) => e)
      expect(e3).toBeInstanceOf(OpenAI.AuthenticationError)
    })
  })
})

// ---------------------------------------------------------------- OpenAI Responses + Codex

describe('fakeOpenAI: responses and the Codex backend', () => {
  const responses = (url: string, body: unknown, headers: Record<string, string> = OPENAI_HEADERS) =>
    post(`${url}/v1/responses`, body, headers)
  const RESP_REPLY: Reply = {
    ...FULL_REPLY,
    toolCalls: FULL_REPLY.toolCalls?.map((c, i) => ({ ...c, id: `call_${i}` })),
  }

  // docs/protocols/openai-responses.md, "Response"
  test('JSON answer: reasoning, message and function_call items, usage', async () => {
    await using up = fakeOpenAI(RESP_REPLY)
    const res = await responses(up.url, {
      model: 'gpt-5',
      input: 'hi',
      include: ['reasoning.encrypted_content'],
      reasoning: { effort: 'low', summary: 'auto' },
    })
    const body = obj(await res.json())
    expect(body).toMatchObject({
      id: 'resp_fake_1',
      object: 'response',
      status: 'completed',
      model: 'gpt-5',
      error: null,
      incomplete_details: null,
      reasoning: { effort: 'low', summary: 'auto' },
      store: true,
      usage: {
        input_tokens: 160,
        input_tokens_details: { cached_tokens: 50 },
        output_tokens: 40,
        output_tokens_details: { reasoning_tokens: 12 },
        total_tokens: 200,
      },
    })
    expect(body['output']).toEqual([
      {
        id: 'rs_fake_1',
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: 'The user wants weather.' }],
        encrypted_content: 'EqQBsig',
      },
      {
        id: 'msg_fake_1',
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Let me check.', annotations: [], logprobs: [] }],
      },
      {
        id: 'fc_fake_1_0',
        type: 'function_call',
        status: 'completed',
        arguments: '{"city":"Paris"}',
        call_id: 'call_0',
        name: 'get_weather',
      },
      {
        id: 'fc_fake_1_1',
        type: 'function_call',
        status: 'completed',
        arguments: '{"tz":"Europe/Paris","precise":true}',
        call_id: 'call_1',
        name: 'get_time',
      },
    ])
  })

  // docs/protocols/openai-responses.md, "Streaming"
  test('SSE: full event sequence, sequence_number 0..n-1, event name = data.type', async () => {
    await using up = fakeOpenAI(RESP_REPLY)
    const res = await responses(up.url, { model: 'gpt-5', input: 'hi', stream: true })
    const frames = parseSse(await res.text())
    const d = frames.map(data)
    frames.forEach((f, i) => {
      expect(f.event).toBe(String(d[i]?.['type']))
      expect(d[i]?.['sequence_number']).toBe(i)
    })
    const n = (t: string, k: number) => Array.from({ length: k }, () => t)
    expect(frames.map((f) => f.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      ...n('response.reasoning_summary_text.delta', 5),
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      ...n('response.output_text.delta', 3),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.output_item.added',
      ...n('response.function_call_arguments.delta', 6),
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ])
    expect(dig(d[0], 'response')).toMatchObject({
      id: 'resp_fake_1',
      status: 'in_progress',
      output: [],
      usage: null,
    })
    expect(d[2]).toEqual({
      type: 'response.output_item.added',
      sequence_number: 2,
      output_index: 0,
      item: { id: 'rs_fake_1', type: 'reasoning', summary: [] },
    })
    const fcAdded = d.filter((x) => x['type'] === 'response.output_item.added').slice(2)
    expect(fcAdded.map((x) => x['item'])).toEqual([
      {
        id: 'fc_fake_1_0',
        type: 'function_call',
        status: 'in_progress',
        arguments: '',
        call_id: 'call_0',
        name: 'get_weather',
      },
      {
        id: 'fc_fake_1_1',
        type: 'function_call',
        status: 'in_progress',
        arguments: '',
        call_id: 'call_1',
        name: 'get_time',
      },
    ])
    const argDeltas = d.filter((x) => x['type'] === 'response.function_call_arguments.delta')
    expect(argDeltas.map((x) => x['item_id'])).toEqual([
      'fc_fake_1_0',
      'fc_fake_1_1',
      'fc_fake_1_0',
      'fc_fake_1_1',
      'fc_fake_1_0',
      'fc_fake_1_1',
    ])
    const joined = (id: string) =>
      argDeltas
        .filter((x) => x['item_id'] === id)
        .map((x) => x['delta'])
        .join('')
    expect(JSON.parse(joined('fc_fake_1_0'))).toEqual({ city: 'Paris' })
    expect(JSON.parse(joined('fc_fake_1_1'))).toEqual({ tz: 'Europe/Paris', precise: true })
    expect(
      d
        .filter((x) => x['type'] === 'response.output_text.delta')
        .map((x) => [x['item_id'], x['output_index'], x['delta']]),
    ).toEqual([
      ['msg_fake_1', 1, 'Let m'],
      ['msg_fake_1', 1, 'e che'],
      ['msg_fake_1', 1, 'ck.'],
    ])
    const completed = obj(d.at(-1)?.['response'])
    expect(completed['status']).toBe('completed')
    expect(arr(completed['output'])).toHaveLength(4)
    expect(dig(completed, 'usage', 'total_tokens')).toBe(200)
    // Without include, reasoning items carry no encrypted_content.
    expect('encrypted_content' in obj(dig(completed, 'output', 0))).toBe(false)
  })

  test('max_tokens ends with response.incomplete; in-stream failures as response.failed or error', async () => {
    await using up = fakeOpenAI([
      { text: 'cut', stop: 'max_tokens' },
      inStreamError(3, { type: 'server_error', message: 'upstream broke' }),
      inStreamError(2, { type: 'rate_limit_exceeded', message: 'slow', responsesEvent: 'error' }),
    ])
    const body = { model: 'gpt-5', input: 'hi', stream: true }
    const a = parseSse(await (await responses(up.url, body)).text()).map(data)
    expect(a.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    })
    const b = parseSse(await (await responses(up.url, body)).text())
    expect(b.map((f) => f.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.failed',
    ])
    expect(data(b[3]!)).toMatchObject({
      sequence_number: 3,
      response: { status: 'failed', error: { code: 'server_error', message: 'upstream broke' } },
    })
    const c = parseSse(await (await responses(up.url, body)).text())
    expect(data(c.at(-1)!)).toEqual({
      type: 'error',
      sequence_number: 2,
      code: 'rate_limit_exceeded',
      message: 'slow',
      param: null,
    })
  })

  test('validates input item ids and call pairing', async () => {
    await using up = fakeOpenAI({ text: 'ok' })
    const res = await responses(up.url, {
      model: 'gpt-5',
      input: [
        { role: 'user', content: 'hi' },
        { type: 'function_call', id: 'call_abc', call_id: 'call_abc', name: 'f', arguments: '{}' },
      ],
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: {
        message: "Invalid 'input[1].id': 'call_abc'. Expected an ID that begins with 'fc'.",
        type: 'invalid_request_error',
        param: 'input[1].id',
        code: 'invalid_value',
      },
    })
    const orphan = await responses(up.url, {
      model: 'gpt-5',
      input: [{ type: 'function_call_output', call_id: 'call_zz', output: 'x' }],
    })
    expect(dig(await orphan.json(), 'error', 'message')).toBe(
      'No tool call found for function call output with call_id call_zz.',
    )
    const unstored = await responses(up.url, {
      model: 'gpt-5',
      store: false,
      input: [{ type: 'reasoning', id: 'rs_1', summary: [] }],
    })
    expect(unstored.status).toBe(404)
    expect(String(dig(await unstored.json(), 'error', 'message'))).toContain(
      'Items are not persisted when `store` is set to false',
    )
    const good = await responses(up.url, {
      model: 'gpt-5',
      input: [
        { type: 'function_call', id: 'fc_1', call_id: 'call_abc', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_abc', output: '1' },
      ],
    })
    expect(good.status).toBe(200)
    expect(up.calls).toBe(1)
  })

  test('codexBackend: stream/store/instructions rules, {"detail"} errors, headers recorded, 429 usage limit', async () => {
    await using up = fakeOpenAI(
      [
        { text: 'codex says hi' },
        errorReply(429, { message: 'The usage limit has been reached', retryAfter: 120 }),
      ],
      {
        codexBackend: true,
        validInstructions: (s) => !s.includes('forbidden'),
        headers: { 'x-codex-primary-used-percent': '42' },
      },
    )
    const url = `${up.url}/backend-api/codex/responses`
    const base = {
      model: 'gpt-5',
      instructions: 'be codex',
      input: [{ role: 'user', content: 'hi' }],
      stream: true,
      store: false,
    }
    const cases: Array<[Obj, string]> = [
      [{ ...base, stream: false }, 'Stream must be set to true'],
      [{ ...base, store: true }, 'Store must be set to false'],
      [{ ...base, instructions: undefined }, 'Instructions are required'],
      [{ ...base, instructions: 'forbidden words' }, 'Instructions are not valid'],
    ]
    for (const [body, detail] of cases) {
      const res = await post(url, body, OPENAI_HEADERS)
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual({ detail })
    }
    const res = await post(url, base, {
      ...OPENAI_HEADERS,
      'chatgpt-account-id': 'acct_1',
      originator: 'codex_cli_rs',
      session_id: 'sess-1',
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-codex-primary-used-percent')).toBe('42')
    const events = parseSse(await res.text()).map(data)
    expect(events.at(-1)).toMatchObject({
      type: 'response.completed',
      response: { store: false, status: 'completed' },
    })
    expect(up.last().headers).toMatchObject({
      'chatgpt-account-id': 'acct_1',
      originator: 'codex_cli_rs',
      session_id: 'sess-1',
    })
    const limited = await post(url, base, OPENAI_HEADERS)
    expect(limited.status).toBe(429)
    expect(obj(await limited.json())['error']).toMatchObject({
      type: 'usage_limit_reached',
      message: 'The usage limit has been reached',
      plan_type: 'plus',
      resets_in_seconds: 120,
    })
    expect((await post(`${up.url}/v1/responses`, { model: 'gpt-5', input: 'x' }, {})).status).toBe(401)
  })

  test('a client abort mid-stream is noticed within 100 ms', async () => {
    await using up = fakeOpenAI({ text: 'z'.repeat(100), chunkText: 1, delayMs: 20 })
    await expectAbortNoticed(up.requests, `${up.url}/v1/responses`, {
      method: 'POST',
      headers: OPENAI_HEADERS,
      body: JSON.stringify({ model: 'gpt-5', stream: true, input: 'hi' }),
    })
  })

  describe('with the official openai SDK', () => {
    test('responses.create (JSON) gives output_text, function calls and usage', async () => {
      await using up = fakeOpenAI(RESP_REPLY)
      const c = new OpenAI({ baseURL: `${up.url}/v1`, apiKey: 'sk-test', maxRetries: 0 })
      const r = await c.responses.create({ model: 'gpt-5', input: 'hi' })
      expect(r.output_text).toBe('Let me check.')
      expect(
        r.output.filter((o) => o.type === 'function_call').map((o) => [o.call_id, o.name, o.arguments]),
      ).toEqual([
        ['call_0', 'get_weather', '{"city":"Paris"}'],
        ['call_1', 'get_time', '{"tz":"Europe/Paris","precise":true}'],
      ])
      expect(r.usage).toMatchObject({ input_tokens: 160, output_tokens: 40 })
    })

    test('responses.stream().finalResponse() and create({stream:true}) parse every event', async () => {
      await using up = fakeOpenAI(RESP_REPLY)
      const c = new OpenAI({ baseURL: `${up.url}/v1`, apiKey: 'sk-test', maxRetries: 0 })
      const stream = c.responses.stream({
        model: 'gpt-5',
        input: 'hi',
        include: ['reasoning.encrypted_content'],
        reasoning: { summary: 'auto' },
      })
      const deltas: string[] = []
      stream.on('response.output_text.delta', (e) => deltas.push(e.delta))
      const final = await stream.finalResponse()
      expect(deltas).toEqual(['Let m', 'e che', 'ck.'])
      expect(final.output_text).toBe('Let me check.')
      const reasoning = final.output.find((o) => o.type === 'reasoning')
      expect(
        reasoning?.type === 'reasoning' ? [reasoning.summary[0]?.text, reasoning.encrypted_content] : [],
      ).toEqual(['The user wants weather.', 'EqQBsig'])
      expect(final.output.filter((o) => o.type === 'function_call').map((o) => o.arguments)).toEqual([
        '{"city":"Paris"}',
        '{"tz":"Europe/Paris","precise":true}',
      ])
      expect(final.usage?.output_tokens_details.reasoning_tokens).toBe(12)

      const types: string[] = []
      for await (const e of await c.responses.create({ model: 'gpt-5', input: 'hi', stream: true }))
        types.push(e.type)
      expect(types[0]).toBe('response.created')
      expect(types.at(-1)).toBe('response.completed')
    })

    test('the SDK against the Codex path; failures surface', async () => {
      await using up = fakeOpenAI(
        [
          { text: 'from codex', chunkText: 3 },
          inStreamError(3, { type: 'server_error', message: 'codex failed' }),
          inStreamError(2, { type: 'server_error', message: 'bare error', responsesEvent: 'error' }),
        ],
        { codexBackend: true },
      )
      const c = new OpenAI({
        baseURL: `${up.url}/backend-api/codex`,
        apiKey: 'chatgpt-access-token',
        maxRetries: 0,
        defaultHeaders: { 'chatgpt-account-id': 'acct_9', originator: 'codex_cli_rs' },
      })
      const params = { model: 'gpt-5', instructions: 'x', input: 'hi', store: false } as const
      const final = await c.responses.stream(params).finalResponse()
      expect(final.output_text).toBe('from codex')
      expect(up.last().path).toBe('/backend-api/codex/responses')
      expect(up.last().headers['chatgpt-account-id']).toBe('acct_9')
      const failed = await c.responses.stream(params).finalResponse()
      expect(failed.status).toBe('failed')
      expect(failed.error).toEqual({ code: 'server_error', message: 'codex failed' })
      const err = await c.responses
        .stream(params)
        .finalResponse()
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(OpenAI.APIError)
      expect((err as Error).message).toContain('bare error')
    })
  })
})

// ---------------------------------------------------------------- Gemini

describe('fakeGemini', () => {
  const GEMINI_HEADERS = { 'x-goog-api-key': 'AIza-test' }
  const CONTENTS = [{ role: 'user', parts: [{ text: 'weather?' }] }]
  const GEMINI_REPLY: Reply = {
    thinking: { text: 'Planning the call', signature: 'CtgBsig' },
    text: 'Checking now.',
    toolCalls: [
      { name: 'get_weather', arguments: { city: 'Paris' } },
      { name: 'get_time', arguments: {} },
    ],
    usage: { input: 30, output: 50, cacheRead: 10, reasoning: 20 },
    chunkText: 9,
  }
  const gen = (
    url: string,
    method: string,
    body: unknown,
    headers: Record<string, string> = GEMINI_HEADERS,
  ) => post(`${url}/v1beta/models/gemini-2.5-pro:${method}`, body, headers)

  // docs/protocols/gemini.md, "Response"
  test('generateContent: parts with thought, signature on the first call, usage with thoughts split out', async () => {
    await using up = fakeGemini(GEMINI_REPLY)
    const res = await gen(up.url, 'generateContent', { contents: CONTENTS })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'Planning the call', thought: true },
              { text: 'Checking now.' },
              { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'CtgBsig' },
              { functionCall: { name: 'get_time', args: {} } },
            ],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: 40,
        candidatesTokenCount: 30,
        totalTokenCount: 90,
        cachedContentTokenCount: 10,
        thoughtsTokenCount: 20,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 40 }],
      },
      modelVersion: 'gemini-2.5-pro',
      responseId: 'fake-response-1',
    })
  })

  test('streamGenerateContent?alt=sse: CRLF frames, only new parts, usage on every chunk, finishReason last', async () => {
    await using up = fakeGemini(GEMINI_REPLY)
    const res = await post(
      `${up.url}/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse`,
      { contents: CONTENTS },
      GEMINI_HEADERS,
    )
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const text = await res.text()
    expect(text.endsWith('\r\n\r\n')).toBe(true)
    expect(text.replaceAll('\r\n', '').includes('\n')).toBe(false)
    const frames = parseSse(text)
    expect(frames.every((f) => f.event === undefined)).toBe(true)
    const chunks = frames.map(data)
    const parts = chunks.map((c) => dig(c, 'candidates', 0, 'content', 'parts'))
    expect(parts).toEqual([
      [{ text: 'Planning ', thought: true }],
      [{ text: 'the call', thought: true }],
      [{ text: 'Checking ' }],
      [{ text: 'now.' }],
      [
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'CtgBsig' },
        { functionCall: { name: 'get_time', args: {} } },
      ],
    ])
    for (const c of chunks.slice(0, -1)) {
      expect('finishReason' in obj(dig(c, 'candidates', 0))).toBe(false)
      expect(dig(c, 'usageMetadata', 'promptTokenCount')).toBe(40)
    }
    expect(dig(chunks.at(-1), 'candidates', 0, 'finishReason')).toBe('STOP')
    expect(dig(chunks.at(-1), 'usageMetadata')).toMatchObject({
      promptTokenCount: 40,
      candidatesTokenCount: 30,
      thoughtsTokenCount: 20,
      totalTokenCount: 90,
    })
  })

  test('without alt=sse the stream is one JSON array; text-only replies carry the signature on the last text', async () => {
    await using up = fakeGemini({
      thinking: { text: 't', signature: 'S1' },
      text: 'abcdef',
      chunkText: 3,
      stop: 'max_tokens',
    })
    const res = await gen(up.url, 'streamGenerateContent', { contents: CONTENTS })
    expect(res.headers.get('content-type')).toContain('application/json')
    const list = arr(await res.json())
    expect(list.map((c) => dig(c, 'candidates', 0, 'content', 'parts'))).toEqual([
      [{ text: 't', thought: true }],
      [{ text: 'abc' }],
      [{ text: 'def', thoughtSignature: 'S1' }],
    ])
    expect(dig(list.at(-1), 'candidates', 0, 'finishReason')).toBe('MAX_TOKENS')
  })

  test('auth by header, ?key= or Bearer; 401 UNAUTHENTICATED; countTokens; models', async () => {
    await using up = fakeGemini({ text: 'ok' }, { key: 'AIza-test' })
    expect((await gen(up.url, 'generateContent', { contents: CONTENTS })).status).toBe(200)
    expect(
      (
        await post(`${up.url}/v1beta/models/gemini-2.5-pro:generateContent?key=AIza-test`, {
          contents: CONTENTS,
        })
      ).status,
    ).toBe(200)
    expect(
      (await gen(up.url, 'generateContent', { contents: CONTENTS }, { authorization: 'Bearer AIza-test' }))
        .status,
    ).toBe(200)
    const none = await gen(up.url, 'generateContent', { contents: CONTENTS }, {})
    expect(none.status).toBe(401)
    expect(obj(await none.json())['error']).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' })
    const wrong = await gen(up.url, 'generateContent', { contents: CONTENTS }, { 'x-goog-api-key': 'nope' })
    expect(obj(await wrong.json())['error']).toEqual({
      code: 401,
      message: 'API key not valid. Please pass a valid API key.',
      status: 'UNAUTHENTICATED',
    })
    const count = await gen(up.url, 'countTokens', { contents: CONTENTS })
    expect(obj(await count.json())['totalTokens']).toBe(countTokens({ contents: CONTENTS }))
    expect(up.tokenCounts).toEqual([countTokens({ contents: CONTENTS })])
    const models = obj(await (await fetch(`${up.url}/v1beta/models`, { headers: GEMINI_HEADERS })).json())
    expect(dig(models, 'models', 0)).toEqual({
      name: 'models/gemini-2.5-pro',
      displayName: 'Gemini 2.5 Pro',
      inputTokenLimit: 1048576,
      outputTokenLimit: 65536,
      supportedGenerationMethods: ['generateContent', 'countTokens'],
    })
  })

  test('errors: Google envelope with RetryInfo; in-stream error chunk; request validation', async () => {
    await using up = fakeGemini([
      errorReply(429, { message: 'Resource has been exhausted (e.g. check quota).', retryAfter: 34 }),
      errorReply(503, { message: 'The model is overloaded. Please try again later.' }),
      inStreamError(1, { type: 'INTERNAL', message: 'An internal error has occurred.' }),
    ])
    const r1 = await gen(up.url, 'generateContent', { contents: CONTENTS })
    expect(r1.status).toBe(429)
    expect(await r1.json()).toEqual({
      error: {
        code: 429,
        message: 'Resource has been exhausted (e.g. check quota).',
        status: 'RESOURCE_EXHAUSTED',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34s' },
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'RATE_LIMIT_EXCEEDED',
            domain: 'generativelanguage.googleapis.com',
            metadata: { quotaResetDelay: '34s' },
          },
        ],
      },
    })
    const r2 = await gen(up.url, 'generateContent', { contents: CONTENTS })
    expect(r2.status).toBe(503)
    expect(dig(await r2.json(), 'error', 'status')).toBe('UNAVAILABLE')
    const r3 = await post(
      `${up.url}/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse`,
      { contents: CONTENTS },
      GEMINI_HEADERS,
    )
    const frames = parseSse(await r3.text())
    expect(frames).toHaveLength(2)
    expect(data(frames[1]!)).toEqual({
      error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' },
    })
    const bad: Array<[unknown, string]> = [
      [{}, 'contents is not specified'],
      [
        { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] },
        'Please use a valid role: user, model.',
      ],
      [{ contents: [{ role: 'user', parts: [] }] }, 'contents.parts must not be empty'],
    ]
    for (const [body, message] of bad) {
      const res = await gen(up.url, 'generateContent', body)
      expect(res.status).toBe(400)
      const e = obj(obj(await res.json())['error'])
      expect(e['status']).toBe('INVALID_ARGUMENT')
      expect(String(e['message'])).toContain(message)
    }
    expect(up.calls).toBe(3)
  })

  test('requireThoughtSignatures: current-turn function calls need a thoughtSignature (or the skip sentinel)', async () => {
    await using up = fakeGemini({ text: 'ok' }, { requireThoughtSignatures: true })
    const history = (sig?: string) => [
      { role: 'user', parts: [{ text: 'old question' }] },
      { role: 'model', parts: [{ functionCall: { name: 'old', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'old', response: { r: 1 } } }] },
      { role: 'user', parts: [{ text: 'weather?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: {} }, ...(sig ? { thoughtSignature: sig } : {}) },
        ],
      },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { t: 18 } } }] },
    ]
    const missing = await gen(up.url, 'generateContent', { contents: history() })
    expect(missing.status).toBe(400)
    expect(String(dig(await missing.json(), 'error', 'message'))).toContain(
      'Function call is missing a thought_signature in functionCall parts.',
    )
    expect((await gen(up.url, 'generateContent', { contents: history('CtgB') })).status).toBe(200)
    expect((await gen(up.url, 'generateContent', { contents: history(SKIP_SIGNATURE) })).status).toBe(200)
  })

  test('a client abort mid-stream is noticed within 100 ms', async () => {
    await using up = fakeGemini({ text: 'g'.repeat(100), chunkText: 1, delayMs: 20 })
    await expectAbortNoticed(
      up.requests,
      `${up.url}/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse`,
      {
        method: 'POST',
        headers: GEMINI_HEADERS,
        body: JSON.stringify({ contents: CONTENTS }),
      },
    )
  })

  // docs/protocols/gemini.md, "Code Assist envelope"
  describe('codeAssist', () => {
    const BEARER = { authorization: 'Bearer ya29.fake' }
    const envelope = (project: string | undefined) => ({
      model: 'gemini-2.5-pro',
      ...(project ? { project } : {}),
      user_prompt_id: 'p-1',
      request: { contents: CONTENTS, session_id: 's-1' },
    })

    test('generate / stream / countTokens wrapped in {response, traceId}; Bearer only', async () => {
      await using up = fakeGemini({ text: 'hello code assist', chunkText: 8 }, { codeAssist: true })
      const json = obj(
        await (
          await post(`${up.url}/v1internal:generateContent`, envelope('fake-project-123'), BEARER)
        ).json(),
      )
      expect(json['traceId']).toBe('fake-trace-1')
      expect(dig(json, 'response', 'candidates', 0, 'content', 'parts')).toEqual([
        { text: 'hello code assist' },
      ])
      expect(dig(json, 'response', 'modelVersion')).toBe('gemini-2.5-pro')
      const stream = await post(
        `${up.url}/v1internal:streamGenerateContent?alt=sse`,
        envelope('fake-project-123'),
        BEARER,
      )
      const chunks = parseSse(await stream.text()).map(data)
      expect(chunks.map((c) => c['traceId'])).toEqual(['fake-trace-2', 'fake-trace-2', 'fake-trace-2'])
      expect(
        chunks.map((c) => dig(c, 'response', 'candidates', 0, 'content', 'parts', 0, 'text')).join(''),
      ).toBe('hello code assist')
      expect(dig(chunks.at(-1), 'response', 'candidates', 0, 'finishReason')).toBe('STOP')
      const count = await post(
        `${up.url}/v1internal:countTokens`,
        { request: { model: 'models/gemini-2.5-pro', contents: CONTENTS } },
        BEARER,
      )
      expect(await count.json()).toMatchObject({ totalTokens: countTokens({ contents: CONTENTS }) })
      const apiKeyOnly = await post(`${up.url}/v1internal:generateContent`, envelope('p'), GEMINI_HEADERS)
      expect(apiKeyOnly.status).toBe(401)
      expect(up.last().body).toMatchObject({ user_prompt_id: 'p-1' })
    })

    test('loadCodeAssist → onboardUser LRO polling → project; requireProject', async () => {
      await using up = fakeGemini(
        { text: 'ok' },
        { codeAssist: { project: null, onboardPolls: 2, requireProject: true } },
      )
      const meta = {
        metadata: { ideType: 'IDE_UNSPECIFIED', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI' },
      }
      const load1 = obj(await (await post(`${up.url}/v1internal:loadCodeAssist`, meta, BEARER)).json())
      expect(load1).toEqual({
        allowedTiers: [
          { id: 'free-tier', name: 'free-tier', isDefault: true, userDefinedCloudaicompanionProject: false },
        ],
      })
      const onboard = () => post(`${up.url}/v1internal:onboardUser`, { tierId: 'free-tier', ...meta }, BEARER)
      expect(await (await onboard()).json()).toEqual({ name: 'operations/onboard-fake-1', done: false })
      const poll = obj(
        await (await fetch(`${up.url}/v1internal/operations/onboard-fake-1`, { headers: BEARER })).json(),
      )
      expect(poll['done']).toBe(false)
      const done = obj(await (await onboard()).json())
      expect(done).toMatchObject({
        done: true,
        response: {
          cloudaicompanionProject: { id: 'fake-onboarded-project', name: 'fake-onboarded-project' },
        },
      })
      expect(up.onboardCalls).toBe(3)
      const load2 = obj(await (await post(`${up.url}/v1internal:loadCodeAssist`, meta, BEARER)).json())
      expect(load2).toMatchObject({
        currentTier: { id: 'free-tier' },
        cloudaicompanionProject: 'fake-onboarded-project',
      })
      const denied = await post(`${up.url}/v1internal:generateContent`, envelope('someone-else'), BEARER)
      expect(denied.status).toBe(403)
      expect(dig(await denied.json(), 'error', 'status')).toBe('PERMISSION_DENIED')
      expect(
        (await post(`${up.url}/v1internal:generateContent`, envelope('fake-onboarded-project'), BEARER))
          .status,
      ).toBe(200)
    })
  })
})
