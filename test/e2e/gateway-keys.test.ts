/**
 * Gateway keys, enforced on every inference endpoint: each dialect × missing / wrong / revoked /
 * expired / out-of-model / over-rpm / over-budget, answered in the endpoint's own envelope, and
 * seen by the real `openai` and `@anthropic-ai/sdk` clients as the errors their users expect.
 * Keys and their digests appear in no answer and no log line; usage rows carry the key id.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import type { DialectName } from '../../src/dialects/ir.ts'
import { keyDigest } from '../../src/store/key-secret.ts'
import type { NewGatewayKey } from '../../src/store/types.ts'
import { waitFor } from '../helpers/tmp.ts'
import { type EveryUpstream, envelopeMessage, gatewayWithEveryUpstream, postJson } from './support.ts'

/** A model the price table knows, served by the `claude` provider (a fake Anthropic API). */
const MODEL = 'claude-haiku-4-5'
/** 1000 input and 500 output tokens of claude-haiku-4-5: 1000 × $1 + 500 × $5 per million. */
const COST_PER_REQUEST = 0.0035

interface Way {
  name: string
  dialect: DialectName
  path: string
  body: Record<string, unknown>
  /** The headers (or the query) a client of this endpoint sends its key in. */
  send(secret: string): { headers: Record<string, string>; query?: string }
}

const WAYS: readonly Way[] = [
  {
    name: 'chat completions (Authorization: Bearer)',
    dialect: 'openai-chat',
    path: '/v1/chat/completions',
    body: { model: MODEL, messages: [{ role: 'user', content: 'hi' }] },
    send: (k) => ({ headers: { authorization: `Bearer ${k}` } }),
  },
  {
    name: 'responses (Authorization: Bearer)',
    dialect: 'openai-responses',
    path: '/v1/responses',
    body: { model: MODEL, input: 'hi' },
    send: (k) => ({ headers: { authorization: `Bearer ${k}` } }),
  },
  {
    name: 'messages (x-api-key)',
    dialect: 'anthropic-messages',
    path: '/v1/messages',
    body: { model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] },
    send: (k) => ({ headers: { 'x-api-key': k, 'anthropic-version': '2023-06-01' } }),
  },
  {
    name: 'gemini generateContent (x-goog-api-key)',
    dialect: 'gemini',
    path: `/v1beta/models/${MODEL}:generateContent`,
    body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    send: (k) => ({ headers: { 'x-goog-api-key': k } }),
  },
  {
    name: 'gemini streamGenerateContent (?key=)',
    dialect: 'gemini',
    path: `/v1beta/models/${MODEL}:streamGenerateContent`,
    body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    send: (k) => ({ headers: {}, query: `alt=sse&key=${encodeURIComponent(k)}` }),
  },
]

let env: EveryUpstream
/** Every secret made here, to look for in answers and logs. */
const secrets: string[] = []

function makeKey(spec: NewGatewayKey): string {
  const { secret } = env.gw.store.keys.create(spec)
  secrets.push(secret)
  return secret
}

const idOf = (name: string) => env.gw.store.keys.list().find((k) => k.name === name)!.id

/** Waits until the key's usage row is written (its cost is counted toward its budget by then). */
function usageRowOf(keyId: string) {
  return waitFor(async () => {
    await env.gw.store.usage.flush()
    return (await env.gw.store.usage.recent(500)).find((u) => u.keyId === keyId)
  })
}

async function send(
  way: Way,
  secret: string | undefined,
): Promise<{ status: number; body: unknown; res: Response }> {
  const { headers, query } = secret === undefined ? { headers: {} } : way.send(secret)
  const sep = way.path.includes('?') ? '&' : '?'
  const url = `${env.gw.url}${way.path}${query ? sep + query : ''}`
  const res = await postJson(url, way.body, headers)
  const text = await res.text()
  for (const s of secrets) {
    expect(text).not.toContain(s)
    expect(text).not.toContain(keyDigest(s))
  }
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // a stream: the caller reads the status only
  }
  return { status: res.status, body, res }
}

beforeAll(async () => {
  env = await gatewayWithEveryUpstream({ text: 'ok', usage: { input: 1000, output: 500 } })
  // keys in use from here on: the first key switches enforcement on
  makeKey({ name: 'bootstrap' })
})

afterAll(async () => {
  const logs = env.gw.logText()
  for (const s of secrets) {
    expect(logs).not.toContain(s)
    expect(logs).not.toContain(keyDigest(s))
  }
  await env[Symbol.asyncDispose]()
})

describe.each(WAYS)('$name', (way) => {
  test('a good key passes and its usage row carries the key id and a cost', async () => {
    const secret = makeKey({ name: `good ${way.name}` })
    const r = await send(way, secret)
    expect(r.status).toBe(200)
    const row = await usageRowOf(idOf(`good ${way.name}`))
    expect(row).toMatchObject({ provider: 'claude', model: MODEL, status: 200 })
    expect(row.cost?.total).toBeCloseTo(COST_PER_REQUEST, 12)
  })

  test('no key: 401 saying how to send one', async () => {
    const r = await send(way, undefined)
    expect(r.status).toBe(401)
    expect(envelopeMessage(way.dialect, r.body, 401)).toContain('Missing gateway key')
  })

  test('a wrong key: 401', async () => {
    const r = await send(way, 'byk-this-is-not-a-key-of-this-gateway-at-all')
    expect(r.status).toBe(401)
    expect(envelopeMessage(way.dialect, r.body, 401)).toContain('Invalid gateway key')
  })

  test('a revoked key: 401', async () => {
    const secret = makeKey({ name: `revoked ${way.name}` })
    expect((await send(way, secret)).status).toBe(200)
    env.gw.store.keys.revoke(idOf(`revoked ${way.name}`))
    const r = await send(way, secret)
    expect(r.status).toBe(401)
    expect(envelopeMessage(way.dialect, r.body, 401)).toContain('was revoked')
  })

  test('an expired key: 401 with when it expired', async () => {
    const secret = makeKey({ name: `expired ${way.name}`, expiresAt: Date.now() - 1000 })
    const r = await send(way, secret)
    expect(r.status).toBe(401)
    expect(envelopeMessage(way.dialect, r.body, 401)).toMatch(/expired at \d{4}-\d\d-\d\dT/)
  })

  test('a model outside the key’s globs: 403', async () => {
    const secret = makeKey({ name: `gpt only ${way.name}`, models: ['gpt-*'] })
    const upstreamCalls = env.anthropic.requests.length
    const r = await send(way, secret)
    expect(r.status).toBe(403)
    expect(envelopeMessage(way.dialect, r.body, 403)).toContain(`may not use model '${MODEL}'`)
    expect(env.anthropic.requests.length).toBe(upstreamCalls)
  })

  test('over its requests per minute: 429 with Retry-After', async () => {
    const secret = makeKey({ name: `rpm ${way.name}`, rpm: 2 })
    expect((await send(way, secret)).status).toBe(200)
    expect((await send(way, secret)).status).toBe(200)
    const r = await send(way, secret)
    expect(r.status).toBe(429)
    const retryAfter = Number(r.res.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(envelopeMessage(way.dialect, r.body, 429)).toContain('over its limit of 2 requests per minute')
  })

  test('over its budget: 429 naming the budget and when it resets', async () => {
    // one request costs $0.0035: the first passes, and once it is counted the budget is spent
    const secret = makeKey({ name: `budget ${way.name}`, budgetUsd: 0.003, budgetPeriod: 'day' })
    expect((await send(way, secret)).status).toBe(200)
    await usageRowOf(idOf(`budget ${way.name}`))
    const r = await send(way, secret)
    expect(r.status).toBe(429)
    const message = envelopeMessage(way.dialect, r.body, 429)
    expect(message).toContain('budget of $0.003 per day (spent $0.0035)')
    const midnight = new Date()
    midnight.setUTCHours(24, 0, 0, 0)
    expect(message).toContain(`resets at ${midnight.toISOString()}`)
    expect(Number(r.res.headers.get('retry-after'))).toBe(Math.ceil((midnight.getTime() - Date.now()) / 1000))
    expect(r.res.headers.get('x-should-retry')).toBe('false')
  })
})

describe('model lists', () => {
  test('no key: 401 on every listing', async () => {
    for (const path of ['/v1/models', '/v1beta/models', `/v1/models/${MODEL}`]) {
      const res = await fetch(`${env.gw.url}${path}`)
      expect(res.status).toBe(401)
      await res.body?.cancel()
    }
  })

  test('a key with model globs lists only its models', async () => {
    const all = makeKey({ name: 'lists all' })
    const some = makeKey({ name: 'lists claude', models: ['claude-sonnet-*'] })
    const ids = async (secret: string) =>
      (
        (await (
          await fetch(`${env.gw.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })
        ).json()) as {
          data: { id: string }[]
        }
      ).data.map((m) => m.id)
    const everything = await ids(all)
    const allowed = await ids(some)
    expect(everything.length).toBeGreaterThan(allowed.length)
    expect(allowed.length).toBeGreaterThan(0)
    expect(allowed.every((id) => id.startsWith('claude-sonnet-'))).toBe(true)
    const gemini = (await (
      await fetch(`${env.gw.url}/v1beta/models`, { headers: { 'x-goog-api-key': some } })
    ).json()) as { models: { name: string }[] }
    expect(gemini.models.map((m) => m.name.slice('models/'.length))).toEqual(allowed)
  })

  test('health and the OpenAPI document need no key', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json']) {
      const res = await fetch(`${env.gw.url}${path}`)
      expect(res.status).toBe(200)
      await res.body?.cancel()
    }
  })
})

describe('real clients', () => {
  const openai = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${env.gw.url}/v1`, maxRetries: 0 })
  const anthropic = (apiKey: string) => new Anthropic({ apiKey, baseURL: env.gw.url, maxRetries: 0 })
  const chat = (c: OpenAI) =>
    c.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
  const responses = (c: OpenAI) => c.responses.create({ model: MODEL, input: 'hi' })
  const messages = (c: Anthropic) =>
    c.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })

  /** The error a call threw. */
  async function failure(call: Promise<unknown>): Promise<Error> {
    try {
      await call
    } catch (e) {
      return e as Error
    }
    throw new Error('the call succeeded')
  }

  test('a wrong, revoked or expired key is an AuthenticationError', async () => {
    const revoked = makeKey({ name: 'sdk revoked' })
    env.gw.store.keys.revoke(idOf('sdk revoked'))
    const expired = makeKey({ name: 'sdk expired', expiresAt: Date.now() - 1 })
    for (const key of ['byk-wrong', revoked, expired]) {
      for (const call of [chat(openai(key)), responses(openai(key))]) {
        const e = await failure(call)
        expect(e).toBeInstanceOf(OpenAI.AuthenticationError)
        expect((e as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key')
      }
      expect(await failure(messages(anthropic(key)))).toBeInstanceOf(Anthropic.AuthenticationError)
    }
  })

  test('a model outside the key is a PermissionDeniedError', async () => {
    const key = makeKey({ name: 'sdk gpt only', models: ['gpt-*'] })
    const e = await failure(chat(openai(key)))
    expect(e).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect((e as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('model_not_allowed')
    expect(await failure(responses(openai(key)))).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(await failure(messages(anthropic(key)))).toBeInstanceOf(Anthropic.PermissionDeniedError)
  })

  test('over rpm is a RateLimitError with retry-after; the call goes through with a key in budget', async () => {
    const key = makeKey({ name: 'sdk rpm', rpm: 1 })
    const done = await chat(openai(key))
    expect(done.choices[0]?.message.content).toBe('ok')
    for (const call of [chat(openai(key)), responses(openai(key))]) {
      const e = (await failure(call)) as InstanceType<typeof OpenAI.RateLimitError>
      expect(e).toBeInstanceOf(OpenAI.RateLimitError)
      expect(Number(e.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1)
    }
    const e = (await failure(messages(anthropic(key)))) as InstanceType<typeof Anthropic.RateLimitError>
    expect(e).toBeInstanceOf(Anthropic.RateLimitError)
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1)
  })

  test('over budget is a RateLimitError saying when the budget resets', async () => {
    const key = makeKey({ name: 'sdk budget', budgetUsd: 0.001, budgetPeriod: 'month' })
    await messages(anthropic(key))
    await usageRowOf(idOf('sdk budget'))
    const e = await failure(messages(anthropic(key)))
    expect(e).toBeInstanceOf(Anthropic.RateLimitError)
    expect(e.message).toMatch(
      /budget of \$0\.001 per month \(spent \$0\.0035\); it resets at \d{4}-\d\d-01T00:00:00\.000Z/,
    )
    const o = (await failure(chat(openai(key)))) as InstanceType<typeof OpenAI.RateLimitError>
    expect(o).toBeInstanceOf(OpenAI.RateLimitError)
    expect(o.code).toBe('budget_exceeded')
  })
})
