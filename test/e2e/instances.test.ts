/**
 * Two gateways on one store, coordinating: 100 concurrent requests over both on an expired token
 * make one refresh; a 429 through one cools the account for the other; a key's rpm holds across
 * both; an account's max_concurrency holds across both; a reload through one reaches the other;
 * a switch through one's management API is used by the other. Each runs on every coordination
 * the machine has: two in-process instances sharing one table, Redis on one SQLite file, and Redis
 * on one PostgreSQL database, where they are installed.
 * Fake upstreams and OAuth server on 127.0.0.1; one real SQLite file.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { stringify } from 'yaml'
import { openCoordination } from '../../src/coordination/index.ts'
import type { Coordination, Notice } from '../../src/coordination/types.ts'
import { openPostgresStore } from '../../src/store/postgres/index.ts'
import type { Store } from '../../src/store/types.ts'
import { twoClaudeKeys } from '../helpers/accounts-config.ts'
import { errorReply, fakeAnthropic } from '../helpers/fakes/index.ts'
import { type FakeOAuth, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { type Recorded, sleep } from '../helpers/fakes/server.ts'
import { type TestGateway, testGateway } from '../helpers/gateway.ts'
import { hasPostgres, hasRedis, requireServers, startPostgres, startRedis } from '../helpers/servers.ts'
import { sharedCoordinations } from '../helpers/shared-coordination.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'
import { CLIENT_KEY } from './support.ts'

const MODEL = 'claude-sonnet-4-6'

interface Backend {
  name: string
  /** Two coordinations that see each other. */
  pair(): Promise<[Coordination, Coordination]>
  /** Two stores on one database (PostgreSQL); none: two connections to one SQLite file. */
  stores?(): Promise<[Store, Store]>
}

requireServers({ redis: true, postgres: true })
const redis = hasRedis ? await startRedis() : undefined
const postgres = hasPostgres ? await startPostgres() : undefined
afterAll(async () => {
  await redis?.[Symbol.asyncDispose]()
  await postgres?.[Symbol.asyncDispose]()
})

const BACKENDS: Backend[] = [
  {
    name: 'in-process',
    pair: async () => {
      const [a, b] = sharedCoordinations(2)
      return [a!, b!]
    },
  },
]
if (redis) {
  const pair = async (): Promise<[Coordination, Coordination]> => {
    // each test on a prefix of its own: nothing of one test is seen by the next
    const prefix = `t${crypto.randomUUID()}`
    const open = () => openCoordination({ kind: 'redis', url: redis.url, prefix })
    const both: [Coordination, Coordination] = [await open(), await open()]
    for (const c of both) expect(c.shared).toBe(true)
    return both
  }
  BACKENDS.push({ name: 'redis', pair })
  if (postgres) {
    BACKENDS.push({
      name: 'redis, PostgreSQL',
      pair,
      stores: async () => {
        const url = await postgres.createDatabase(`t${crypto.randomUUID().replaceAll('-', '')}`)
        const open = () => openPostgresStore(url, { syncMs: 100, usageFlushMs: 10 })
        return [await open(), await open()]
      },
    })
  }
}

/** Resolves once `c` hears a notice of `kind` (the gateway's own listener, registered first, has heard it too). */
function heard(c: Coordination, kind: Notice['kind']): Promise<Notice> {
  return new Promise((resolve) => {
    const off = c.onNotice((n) => {
      if (n.kind !== kind) return
      off()
      resolve(n)
    })
  })
}

/** Waits for the gateway's log line saying it read the store again after another instance's notice. */
function reread(gw: TestGateway, msg: string) {
  return waitFor(() => gw.logs.some((l) => l['msg'] === msg))
}

/** Two gateways on one database file with `config`, coordinating through `backend`. */
async function twoGateways(backend: Backend, config: Record<string, unknown>) {
  const dir = tempDir()
  const db = dir.join('shared.db')
  const [c1, c2] = await backend.pair()
  const stores = await backend.stores?.()
  const one = await testGateway(config, { db, coordination: c1, ...(stores ? { store: stores[0] } : {}) })
  const two = await testGateway(config, { db, coordination: c2, ...(stores ? { store: stores[1] } : {}) })
  return {
    one,
    two,
    c1,
    c2,
    /** What the test wrote through one's store is in the database, and the other has read it. */
    async synced() {
      await one.store.sync()
      await two.store.sync()
    },
    async [Symbol.asyncDispose]() {
      await two[Symbol.asyncDispose]()
      await one[Symbol.asyncDispose]()
      dir[Symbol.dispose]()
    },
  }
}

const ask = (gw: TestGateway, key = CLIENT_KEY) =>
  fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({
      model: MODEL,
      max_tokens: 16,
      messages: [{ role: 'user', content: `question ${crypto.randomUUID()}` }],
    }),
  })

const subscriptionConfig = (up: { url: string }, oauth: FakeOAuth) => ({
  providers: {
    claude: { base_url: up.url, oauth: { token_url: oauth.tokenUrl, client_id: oauth.clientId } },
  },
})

for (const backend of BACKENDS) {
  describe(`two gateways coordinating (${backend.name})`, () => {
    test('100 concurrent requests over both on an expired token: exactly one refresh', async () => {
      await using oauth = startFakeOAuth({ tokenStyle: 'json', rotate: true, refreshDelayMs: 50 })
      await using up = fakeAnthropic(
        (rec) => {
          const bearer = (rec.headers['authorization'] ?? '').replace(/^Bearer /, '')
          return oauth.isValidAccess(bearer)
            ? { text: 'hello from your subscription' }
            : errorReply(401, { message: 'OAuth access token has expired.' })
        },
        { requireOAuthBeta: true },
      )
      await using gws = await twoGateways(backend, subscriptionConfig(up, oauth))
      const t = oauth.issue()
      gws.one.store.accounts.upsert({
        provider: 'claude',
        accountId: 'me',
        kind: 'oauth',
        token: { access_token: t.access_token, refresh_token: t.refresh_token },
        expiresAt: Date.now() - 1000,
      })
      await gws.synced()
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => ask(i % 2 === 0 ? gws.one : gws.two)),
      )
      expect(answers.map((r) => r.status)).toEqual(Array(100).fill(200))
      expect(oauth.counters.refreshes).toBe(1)
      expect(gws.one.logText()).not.toContain(t.refresh_token)
      expect(gws.two.logText()).not.toContain(t.refresh_token)
    })

    test('a 429 through one gateway cools the account for the other', async () => {
      const seen: string[] = []
      await using up = fakeAnthropic((rec: Recorded) => {
        const key = rec.headers['x-api-key'] === 'sk-key-a' ? 'a' : 'b'
        seen.push(key)
        return key === 'a' ? errorReply(429, { retryAfter: 600 }) : { text: `answer from ${key}` }
      })
      await using gws = await twoGateways(backend, { providers: { claude: twoClaudeKeys(up.url) } })
      const cooled = heard(gws.c2, 'cooldown')
      // round robin starts at a: it answers 429, the request fails over to b
      expect((await ask(gws.one)).status).toBe(200)
      expect(seen).toEqual(['a', 'b'])
      expect(await cooled).toMatchObject({
        cooldown: { provider: 'claude', account: 'a', reason: 'rate_limit' },
      })
      seen.length = 0
      for (let i = 0; i < 4; i++) expect((await ask(gws.two)).status).toBe(200)
      expect(seen).toEqual(['b', 'b', 'b', 'b'])
    })

    test("a key's rpm holds across both gateways", async () => {
      await using up = fakeAnthropic(() => ({ text: 'ok' }))
      await using gws = await twoGateways(backend, { providers: { claude: twoClaudeKeys(up.url) } })
      const { secret } = gws.one.store.keys.create({ name: 'team', rpm: 4 })
      await gws.synced()
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) statuses.push((await ask(i % 2 === 0 ? gws.one : gws.two, secret)).status)
      expect(statuses).toEqual([200, 200, 200, 200])
      for (const gw of [gws.one, gws.two]) {
        const refused = await ask(gw, secret)
        expect(refused.status).toBe(429)
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
        const body = (await refused.json()) as { type: string; error: { type: string; message: string } }
        expect(body.type).toBe('error')
        expect(body.error.type).toBe('rate_limit_error')
        expect(body.error.message).toContain("Gateway key 'team' is over its limit of 4 requests per minute")
      }
      expect(up.requests).toHaveLength(4)
    })

    test("an account's max_concurrency holds across both gateways", async () => {
      let inFlight = 0
      let most = 0
      await using up = fakeAnthropic(async (_rec: Recorded, req: Request) => {
        most = Math.max(most, ++inFlight)
        await sleep(20, req.signal).catch(() => {})
        inFlight--
        return { text: 'ok' }
      })
      await using gws = await twoGateways(backend, {
        providers: {
          claude: {
            base_url: up.url,
            api_keys: [{ api_key: 'sk-key-a', label: 'a' }],
            max_concurrency: 1,
            max_concurrency_wait_ms: 20_000,
          },
        },
      })
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => ask(i % 2 === 0 ? gws.one : gws.two)),
      )
      expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200))
      expect(most).toBe(1)
    })

    test('a key revoked through one gateway is refused by the other at once', async () => {
      await using up = fakeAnthropic(() => ({ text: 'ok' }))
      await using gws = await twoGateways(backend, { providers: { claude: twoClaudeKeys(up.url) } })
      const admin = gws.one.store.adminKeys.create('ops').key
      const { key, secret } = gws.one.store.keys.create({ name: 'team' })
      await gws.synced()
      // the other has read its key table
      expect((await ask(gws.two, secret)).status).toBe(200)
      const res = await fetch(`${gws.one.url}/admin/v1/keys/${key.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${admin}` },
      })
      expect(res.status).toBe(200)
      await reread(gws.two, 'gateway keys re-read: another instance changed them')
      const refused = await ask(gws.two, secret)
      expect(refused.status).toBe(401)
      expect(await refused.text()).toContain("Gateway key 'team' was revoked")
    })

    test('a reload asked of one gateway reaches the other', async () => {
      await using up = fakeAnthropic(() => ({ text: 'ok' }))
      const config = { providers: { claude: twoClaudeKeys(up.url) } }
      await using gws = await twoGateways(backend, config)
      const admin = gws.one.store.adminKeys.create('ops').key
      await gws.synced()
      // the other's file changed, and nothing watches it
      writeFileSync(gws.two.configFile, stringify({ port: 0, ...config, cooldown: { max_seconds: 42 } }))
      const reloaded = heard(gws.c2, 'config-reloaded')
      const res = await fetch(`${gws.one.url}/admin/v1/reload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
      })
      expect(res.status).toBe(200)
      await reloaded
      expect(gws.two.config.current.version).toBe(2)
      expect(gws.two.config.current.config.cooldown.max_seconds).toBe(42)
    })

    test("a switch through one gateway's management API is used by the other", async () => {
      await using oauth = startFakeOAuth({ tokenStyle: 'json' })
      await using up = fakeAnthropic(() => ({ text: 'ok' }), { requireOAuthBeta: true })
      await using gws = await twoGateways(backend, subscriptionConfig(up, oauth))
      const tokens = { first: oauth.issue(), second: oauth.issue() }
      for (const [accountId, t] of Object.entries(tokens)) {
        gws.one.store.accounts.upsert({
          provider: 'claude',
          accountId,
          kind: 'oauth',
          token: { access_token: t.access_token, refresh_token: t.refresh_token },
          expiresAt: Date.now() + 3_600_000,
        })
      }
      const admin = gws.one.store.adminKeys.create('ops').key
      await gws.synced()
      expect((await ask(gws.two)).status).toBe(200)
      expect(up.requests.at(-1)?.headers['authorization']).toBe(`Bearer ${tokens.first.access_token}`)
      const res = await fetch(`${gws.one.url}/admin/v1/accounts/claude/second/activate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
      })
      expect(res.status).toBe(200)
      await reread(gws.two, 'accounts re-read: another instance changed them')
      await waitFor(async () => {
        expect((await ask(gws.two)).status).toBe(200)
        return up.requests.at(-1)?.headers['authorization'] === `Bearer ${tokens.second.access_token}`
      })
    })
  })
}
