/**
 * The attempts stage on its own: the plan's credentials tried in order against a real fake
 * upstream, failing over before the client sees anything, and a subscription token refreshed
 * once through the token manager when the upstream no longer takes it.
 */
import { describe, expect, test } from 'bun:test'
import { attempts } from '../../src/gateway/attempts.ts'
import { InvalidGrantError } from '../../src/oauth/errors.ts'
import { TokenManager } from '../../src/oauth/index.ts'
import type { Credential } from '../../src/providers/types.ts'
import type { Store } from '../../src/store/types.ts'
import { errorReply, fakeOpenAI } from '../helpers/fakes/index.ts'
import { stage } from '../helpers/stages.ts'

const body = { model: 'up/m', messages: [{ role: 'user', content: 'hi' }] }
/** A Chat request to the fake at `url`, tried with `credentials` in order. */
const chatStage = (url: string, credentials: Credential[], seed?: (store: Store) => void) =>
  stage({
    yaml: `upstreams:\n  - { name: up, dialect: openai-chat, base_url: "${url}/v1", api_key: unused }\n`,
    dialect: 'openai-chat',
    body,
    credentials,
    ...(seed ? { seed } : {}),
  })
const key = (label: string, secret: string): Credential => ({ kind: 'api_key', label, secret })

/** A subscription login of the `up` provider whose access token the upstream no longer takes. */
const seedLogin = (store: Store) =>
  store.accounts.upsert({
    provider: 'up',
    accountId: 'acct',
    kind: 'oauth',
    token: { access_token: 'stale-token', refresh_token: 'r1' },
    expiresAt: Date.now() + 3_600_000,
  })

describe('attempts', () => {
  test('a retryable status fails over to the next credential; only the answering attempt is metered', async () => {
    await using up = fakeOpenAI([errorReply(500), { text: 'second one' }])
    using s = chatStage(up.url, [key('a', 'sk-a'), key('b', 'sk-b')])
    const res = await attempts(s.ex)
    expect(res.status).toBe(200)
    expect(
      ((await res.json()) as { choices: [{ message: { content: string } }] }).choices[0].message.content,
    ).toBe('second one')
    expect(up.requests.map((r) => r.headers.authorization)).toEqual(['Bearer sk-a', 'Bearer sk-b'])
    expect(await s.rows()).toEqual([expect.objectContaining({ account: 'b', status: 200 })])
    expect(s.logs().filter((l) => l.msg === 'upstream error')).toHaveLength(1)
  })

  test('every attempt leaves a usage row: the ones failed over are marked, with account and attempt number', async () => {
    await using up = fakeOpenAI([errorReply(429), errorReply(503), { text: 'third one' }])
    using s = chatStage(up.url, [key('a', 'sk-a'), key('b', 'sk-b'), key('c', 'sk-c')])
    expect((await attempts(s.ex)).status).toBe(200)
    await s.rows()
    const all = (await s.store.usage.recent(10, { failedOver: true })).reverse()
    expect(all.map((r) => [r.account, r.attempt, r.status, r.failedOver ?? false])).toEqual([
      ['a', 1, 429, true],
      ['b', 2, 503, true],
      ['c', 3, 200, false],
    ])
    expect(all.every((r) => r.requestId === all[0]!.requestId)).toBe(true)
    // counts of requests stay one per request
    expect(await s.store.usage.totals()).toMatchObject([{ requests: 1, errors: 0 }])
  })

  test('a 400 is not tried on the next credential', async () => {
    await using up = fakeOpenAI(errorReply(400, { message: 'bad shape' }))
    using s = chatStage(up.url, [key('a', 'sk-a'), key('b', 'sk-b')])
    expect((await attempts(s.ex)).status).toBe(400)
    expect(up.requests).toHaveLength(1)
    expect(await s.rows()).toEqual([expect.objectContaining({ account: 'a', attempt: 1, status: 400 })])
  })

  test("the last credential's error is the client's answer, in the client's envelope", async () => {
    await using up = fakeOpenAI(errorReply(429, { message: 'slow down', retryAfter: 7 }))
    using s = chatStage(up.url, [key('a', 'sk-a'), key('b', 'sk-b')])
    const res = await attempts(s.ex)
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('7')
    expect(await res.json()).toMatchObject({ error: { message: expect.stringContaining('slow down') } })
    expect(up.requests).toHaveLength(2)
    expect(await s.rows()).toEqual([expect.objectContaining({ account: 'b', status: 429 })])
  })

  test('a transport failure fails over too, logged without the key', async () => {
    await using up = fakeOpenAI({ text: 'reached' })
    using s = chatStage(up.url, [key('a', 'sk-a'), key('b', 'sk-b')])
    // the first attempt goes to a port nobody listens on
    const provider = s.ex.plan.provider
    let first = true
    const dead = {
      ...provider,
      prepare: (call: Parameters<typeof provider.prepare>[0]) => {
        const prep = provider.prepare(call)
        if (!first) return prep
        first = false
        return { ...prep, url: 'http://127.0.0.1:9/v1/chat/completions?key=sk-a' }
      },
    }
    const res = await attempts({ ...s.ex, plan: { ...s.ex.plan, provider: dead } })
    expect(res.status).toBe(200)
    expect(up.requests).toHaveLength(1)
    const warned = s.logs().find((l) => l.msg === 'upstream failed; trying the next credential')
    expect(warned).toMatchObject({ account: 'a' })
    expect(JSON.stringify(s.logs())).not.toContain('sk-a')
  })

  test('a subscription token the upstream refuses is refreshed once and the same account retried', async () => {
    await using up = fakeOpenAI({ text: 'with the new token' }, { key: 'fresh-token' })
    let refreshes = 0
    const login: Credential = { kind: 'oauth', label: 'acct', secret: '' }
    using s = chatStage(up.url, [login], seedLogin)
    const tokens = new TokenManager(s.store.accounts, {
      up: {
        refresh: async () => {
          refreshes++
          return {
            token: { access_token: 'fresh-token', refresh_token: 'r2' },
            expiresAt: Date.now() + 3_600_000,
          }
        },
      },
    })
    const res = await attempts({ ...s.ex, tokens })
    expect(res.status).toBe(200)
    expect(refreshes).toBe(1)
    expect(up.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer stale-token',
      'Bearer fresh-token',
    ])
    // the refused attempt leaves no row of its own
    expect(await s.rows()).toEqual([expect.objectContaining({ account: 'acct', status: 200 })])
  })

  test('a refresh that fails on the last account answers 401 naming the login, and keeps one usage row', async () => {
    await using up = fakeOpenAI({ text: 'never' }, { key: 'fresh-token' })
    using s = chatStage(up.url, [{ kind: 'oauth', label: 'acct', secret: '' }], seedLogin)
    const tokens = new TokenManager(s.store.accounts, {
      up: {
        refresh: async () => {
          throw new InvalidGrantError('revoked')
        },
      },
    })
    const err = await attempts({ ...s.ex, tokens }).catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 401, info: expect.objectContaining({ code: 'needs_login' }) })
    expect(up.requests).toHaveLength(1)
    expect(await s.rows()).toEqual([expect.objectContaining({ account: 'acct', status: 401 })])
  })

  test('an account without a usable token is skipped for the next credential', async () => {
    await using up = fakeOpenAI({ text: 'from the key' })
    using s = chatStage(up.url, [{ kind: 'oauth', label: 'gone', secret: '' }, key('b', 'sk-b')])
    const res = await attempts({ ...s.ex, tokens: new TokenManager(s.store.accounts, {}) })
    expect(res.status).toBe(200)
    expect(s.logs().find((l) => l.msg === 'account unusable; trying the next credential')).toMatchObject({
      account: 'gone',
    })
    expect(up.requests.map((r) => r.headers.authorization)).toEqual(['Bearer sk-b'])
  })
})
