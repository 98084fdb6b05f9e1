/**
 * Accounts that heal: two Claude keys behind a fake Anthropic upstream whose key A fails on
 * command. A 429 with Retry-After moves traffic to B, A rests until its time, one probe brings
 * it back; a multi-day wait is capped; a 400 is never retried on another key; a restart
 * remembers cooldowns; `byokey status` and `accounts` show them. The real Anthropic SDK is the
 * client where the answer matters.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { ConfigRef } from '../../src/config/snapshot.ts'
import { createLogger } from '../../src/log.ts'
import { startGateway } from '../../src/server/serve.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { twoClaudeKeys } from '../helpers/accounts-config.ts'
import { errorReply, fakeAnthropic } from '../helpers/fakes/index.ts'
import type { Recorded } from '../helpers/fakes/server.ts'
import { type TestGateway, testGateway } from '../helpers/gateway.ts'
import { runCli, SOURCE_CMD } from '../helpers/process.ts'
import { CLIENT_KEY, requestIn } from './support.ts'

const MODEL = 'claude-sonnet-4-6'
const keyOf = (rec: Recorded) => (rec.headers['x-api-key'] === 'sk-key-a' ? 'a' : 'b')

/** A fake whose key A answers `failA()` while it returns an outcome; every call's key and arrival (ms) is kept. */
function upstream(failA: () => ReturnType<typeof errorReply> | undefined) {
  const seen: Array<{ key: 'a' | 'b'; at: number }> = []
  const up = fakeAnthropic((rec) => {
    const key = keyOf(rec)
    seen.push({ key, at: Date.now() })
    const failure = key === 'a' ? failA() : undefined
    return failure ?? { text: `answer from ${key}` }
  })
  return { up, seen }
}

function gatewayFor(url: string, extra: Record<string, unknown> = {}) {
  return testGateway({
    providers: {
      claude: twoClaudeKeys(url, extra),
    },
  })
}

/** Each call a new conversation, so session affinity leaves the choice to the strategy. */
const ask = (gw: TestGateway) =>
  new Anthropic({ baseURL: gw.url, apiKey: CLIENT_KEY, maxRetries: 0 }).messages.create({
    model: MODEL,
    max_tokens: 64,
    messages: [{ role: 'user', content: `hi ${crypto.randomUUID()}` }],
  })
const textOf = (m: Anthropic.Message) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The database's cooldown rows, once the gateway wrote them. */
const cooldownsIn = (gw: TestGateway) => gw.store.cooldowns.list('claude')

describe('cooldowns that end', () => {
  test('429 with Retry-After 2: B serves, A rests 2 s, then one probe; healthy A rotates again', async () => {
    let aFails = true
    const { up, seen } = upstream(() => (aFails ? errorReply(429, { retryAfter: 2 }) : undefined))
    await using _up = up
    await using gw = await gatewayFor(up.url)

    // round robin starts at A: it refuses, the same request goes on to B; the client sees no error
    expect(textOf(await ask(gw))).toBe('answer from b')
    const refusedAt = seen.find((s) => s.key === 'a')!.at
    expect(cooldownsIn(gw)).toMatchObject([{ account: 'a', reason: 'rate_limit', failures: 1 }])
    // both attempts left a usage row; the refused one is marked as failed over
    await gw.store.usage.flush()
    expect((await gw.store.usage.recent(10, { failedOver: true })).reverse()).toEqual([
      expect.objectContaining({ account: 'a', attempt: 1, status: 429, failedOver: true }),
      expect.objectContaining({ account: 'b', attempt: 2, status: 200 }),
    ])
    aFails = false

    // until A's probe comes, every request is B's, and none reached A before its 2 s were up
    let probed = false
    for (let i = 0; i < 100 && !probed; i++) {
      const before = seen.length
      expect(textOf(await ask(gw))).toMatch(/^answer from [ab]$/)
      probed = seen.slice(before).some((s) => s.key === 'a')
      if (!probed) await sleep(100)
    }
    expect(probed).toBe(true)
    const aCalls = seen.filter((s) => s.key === 'a')
    expect(aCalls.length).toBe(2)
    expect(aCalls[1]!.at - refusedAt).toBeGreaterThanOrEqual(2000)
    // the probe answered: A is healthy, its cooldown row is gone, and rotation includes it again
    expect(cooldownsIn(gw)).toEqual([])
    const next: string[] = []
    for (let i = 0; i < 4; i++) next.push(textOf(await ask(gw)))
    expect(new Set(next)).toEqual(new Set(['answer from a', 'answer from b']))
    const cooled = gw.logs.find((l) => l['msg'] === 'account cooling down')
    expect(cooled).toMatchObject({ provider: 'claude', account: 'a', reason: 'rate_limit', seconds: 2 })
  })

  test('a multi-day Retry-After is capped at cooldown.max_seconds and the cap is logged', async () => {
    const threeDays = 3 * 86_400
    const { up } = upstream(() => errorReply(429, { retryAfter: threeDays }))
    await using _up = up
    await using gw = await gatewayFor(up.url, { cooldown: { max_seconds: 120 } })
    const startedAt = Date.now()
    expect(textOf(await ask(gw))).toBe('answer from b')
    const [row] = cooldownsIn(gw)
    expect(row!.untilMs).toBeLessThanOrEqual(Date.now() + 120_000)
    expect(row!.untilMs).toBeGreaterThanOrEqual(startedAt + 120_000)
    expect(gw.logs.find((l) => String(l['msg']).includes('capped'))).toMatchObject({
      account: 'a',
      asked_seconds: threeDays,
      seconds: 120,
    })
  })

  test('a 400 is never retried on another key, and does not cool the key down', async () => {
    const { up, seen } = upstream(() => errorReply(400, { message: 'messages: bad shape' }))
    await using _up = up
    await using gw = await gatewayFor(up.url)
    const res = await requestIn('anthropic-messages', gw.url, MODEL, false)
    expect(res.status).toBe(400)
    const body = (await res.json()) as { type: string; error: { type: string; message: string } }
    expect(body.type).toBe('error')
    expect(body.error.message).toContain('bad shape')
    expect(seen.map((s) => s.key)).toEqual(['a'])
    expect(cooldownsIn(gw)).toEqual([])
  })

  test('when every key cools down the client gets a 429 in its dialect with the soonest Retry-After', async () => {
    const up = fakeAnthropic(errorReply(429, { retryAfter: 30 }))
    await using _up = up
    await using gw = await gatewayFor(up.url)
    // both keys refuse: the last one's answer goes to the client as the upstream gave it
    expect((await requestIn('anthropic-messages', gw.url, MODEL, false)).status).toBe(429)
    const calls = up.requests.length
    const res = await requestIn('openai-chat', gw.url, MODEL, false)
    expect(res.status).toBe(429)
    const retryAfter = Number(res.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(30)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('accounts_cooling_down')
    expect(up.requests.length).toBe(calls)
  })
})

describe('cooldowns outlive the gateway', () => {
  test('a restarted gateway on the same database keeps A resting; status and accounts show it', async () => {
    const { up, seen } = upstream(() => errorReply(429, { retryAfter: 600 }))
    await using _up = up
    const first = await gatewayFor(up.url)
    const { dir } = first
    const db = dir.join('byokey.db')
    try {
      expect(textOf(await ask(first))).toBe('answer from b')
      // the first gateway goes, its folder stays: a second one opens the same database file
      await first.gateway.stop()
      first.store.close()
      const store = openSqliteStore(db)
      const config = new ConfigRef({ file: first.configFile, pollMs: 0, onError: () => {} })
      const second = startGateway({ config, store, log: createLogger({ level: 'silent' }), version: 'test' })
      try {
        const before = seen.length
        for (let i = 0; i < 4; i++) {
          expect((await requestIn('anthropic-messages', second.url, MODEL, false)).status).toBe(200)
        }
        expect(seen.slice(before).map((s) => s.key)).toEqual(['b', 'b', 'b', 'b'])
      } finally {
        await second.stop()
        store.close()
      }
      const env = { BYOKEY_HOME: dir.path, HOME: dir.path }
      const status = await runCli(['status', '--json', '--db', db], env, SOURCE_CMD)
      const parsed = JSON.parse(status.stdout) as {
        providers: Array<{ provider: string; key_cooldowns?: Array<Record<string, unknown>> }>
      }
      expect(parsed.providers.find((p) => p.provider === 'claude')?.key_cooldowns).toEqual([
        {
          label: 'a',
          cooldown_until: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          cooldown_reason: 'rate_limit',
        },
      ])
      const text = await runCli(['accounts', 'claude', '--db', db], env, SOURCE_CMD)
      expect(text.stdout).toMatch(/key a: cooling down until \d\d:\d\d — rate limit/)
      const human = await runCli(['status', '--db', db], env, SOURCE_CMD)
      expect(human.stdout).toMatch(/key a: cooling down until \d\d:\d\d — rate limit/)
    } finally {
      await first.gateway.stop()
      first.store.close()
      dir[Symbol.dispose]()
    }
  })
})
