/**
 * Two byokey processes on one PostgreSQL and one Redis, behind a round-robin balancer: what a
 * team running several instances sees. One refresh for an expired token however many requests
 * over both find it; a cooldown set through one honoured by the other; a key's rpm held across
 * both; usage of both in one report; a kill -9 losing no completed request's row and leaving no
 * account locked beyond the lock's lease; Redis lost and back; PostgreSQL lost and back.
 *
 * Real servers from Debian's `postgresql` and `redis-server` (skipped where absent, required in
 * CI), real processes (`bun src/main.ts serve`), fake OAuth and Anthropic servers speaking the
 * real wire protocols, the real Anthropic SDK as the client.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import parse from 'parse-prometheus-text-format'
import { openPostgresStore } from '../../src/store/postgres/index.ts'
import type { Store } from '../../src/store/types.ts'
import { twoClaudeKeys } from '../helpers/accounts-config.ts'
import { errorReply, fakeAnthropic, type Recorded } from '../helpers/fakes/index.ts'
import { type FakeOAuth, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { type Instances, startInstances } from '../helpers/instances.ts'
import { runCli } from '../helpers/process.ts'
import {
  hasPostgres,
  hasRedis,
  type PostgresServer,
  type RedisServer,
  requireServers,
  startPostgres,
  startRedis,
} from '../helpers/servers.ts'
import { waitFor } from '../helpers/tmp.ts'

requireServers({ postgres: true, redis: true })

const MODEL = 'claude-sonnet-4-6'
const ADMIN_KEY = 'byka-scale-out-admin-key-for-tests'
const admin = { authorization: `Bearer ${ADMIN_KEY}` }

/** How often an instance looks for other instances' writes (store.sync_ms): short, so tests stay short. */
const SYNC_MS = 100

let pg: PostgresServer
let redis: RedisServer
let databases = 0

beforeAll(async () => {
  if (!hasPostgres || !hasRedis) return
  pg = await startPostgres()
  redis = await startRedis()
}, 60_000)
afterAll(async () => {
  await pg?.[Symbol.asyncDispose]()
  await redis?.[Symbol.asyncDispose]()
})

/** A fresh database of its own and a Redis prefix of its own for each test: nothing leaks between them. */
async function freshDatabase(server: PostgresServer = pg): Promise<{ url: string; prefix: string }> {
  const name = `scale_${++databases}`
  return { url: await server.createDatabase(name), prefix: name }
}

interface Rig {
  many: Instances
  /** The test's own view of the shared database, through the product's store. */
  store: Store
  dbUrl: string
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Opens the store first (it runs the migrations, so `seed` can write), then starts the instances
 * on the same database and Redis.
 */
async function rig(opts: {
  providers: Record<string, unknown>
  seed?: (store: Store) => void | Promise<void>
  pgServer?: PostgresServer
  redisServer?: RedisServer
}): Promise<Rig> {
  const { url, prefix } = await freshDatabase(opts.pgServer)
  const store = await openPostgresStore(url, { syncMs: SYNC_MS, usageFlushMs: 10 })
  try {
    await opts.seed?.(store)
    await store.sync()
    const many = await startInstances({
      config: {
        providers: opts.providers,
        admin: { key_env: 'BYOKEY_ADMIN_KEY' },
        // the balancer stops picking an instance before it stops it; the drain serves what it had already sent
        server: { usage_flush_ms: 10, shutdown_drain_ms: 300 },
      },
      store: { kind: 'postgres', url, sync_ms: SYNC_MS },
      coordination: { kind: 'redis', url: (opts.redisServer ?? redis).url, prefix },
      env: { BYOKEY_ADMIN_KEY: ADMIN_KEY },
    })
    return {
      many,
      store,
      dbUrl: url,
      async [Symbol.asyncDispose]() {
        await many[Symbol.asyncDispose]()
        await store.close()
      },
    }
  } catch (e) {
    await store.close()
    throw e
  }
}

/** An Anthropic fake that takes only access tokens the OAuth fake considers valid now. */
function subscriptionUpstream(oauth: FakeOAuth) {
  return fakeAnthropic(
    (rec) => {
      const bearer = (rec.headers['authorization'] ?? '').replace(/^Bearer /, '')
      if (!oauth.isValidAccess(bearer)) return errorReply(401, { message: 'OAuth access token has expired.' })
      return { text: 'hello from your subscription' }
    },
    { requireOAuthBeta: true },
  )
}

const claudeLogin = (up: { url: string }, oauth: FakeOAuth) => ({
  claude: { base_url: up.url, oauth: { token_url: oauth.tokenUrl, client_id: oauth.clientId } },
})

/** Stores the team's Claude login with a new token pair of the OAuth fake, its access token expiring at `expiresAt`. */
function storeLogin(store: Store, oauth: FakeOAuth, expiresAt: number): void {
  const t = oauth.issue()
  store.accounts.upsert({
    provider: 'claude',
    accountId: 'team',
    kind: 'oauth',
    token: { access_token: t.access_token, refresh_token: t.refresh_token },
    expiresAt,
  })
}

/** A login whose access token expired a second ago, as both instances find it. */
const seedExpired = (oauth: FakeOAuth) => (store: Store) => storeLogin(store, oauth, Date.now() - 1000)

/** Each call a new conversation (so session affinity leaves the choice to rotation), with its own request id. */
function ask(url: string, opts: { stream?: boolean; requestId?: string; say?: string } = {}) {
  const body = {
    model: MODEL,
    max_tokens: 32,
    messages: [{ role: 'user' as const, content: `${opts.say ?? 'hi'} ${crypto.randomUUID()}` }],
  }
  const headers = { 'x-request-id': opts.requestId ?? crypto.randomUUID() }
  const c = new Anthropic({ baseURL: url, apiKey: 'any', maxRetries: 0 })
  return opts.stream
    ? c.messages.stream(body, { headers }).finalMessage()
    : c.messages.create(body, { headers })
}
const textOf = (m: Anthropic.Message) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('')

/** `name`'s value in an instance's `/metrics` (undefined when the family is absent). */
async function metric(url: string, name: string): Promise<number | undefined> {
  const res = await fetch(`${url}/metrics`)
  expect(res.status).toBe(200)
  const family = parse(await res.text()).find((f) => f.name === name)
  const sample = family?.metrics[0]
  return sample && 'value' in sample ? Number(sample.value) : undefined
}

/** When an instance's management API says an account's token expires (ms), as that instance sees it now. */
async function expiryOf(url: string, provider: string, account: string): Promise<number | null | undefined> {
  const res = await fetch(`${url}/admin/v1/accounts`, { headers: admin })
  const { providers } = (await res.json()) as {
    providers: Array<{ provider: string; accounts: Array<{ id: string; expires_at: number | null }> }>
  }
  return providers.find((p) => p.provider === provider)?.accounts.find((a) => a.id === account)?.expires_at
}

/** Request ids of the usage rows in the shared database, read by SQL. */
async function usageRequestIds(dbUrl: string): Promise<Set<string>> {
  const sql = new Bun.SQL(dbUrl)
  try {
    const rows = (await sql`SELECT request_id FROM usage_records WHERE request_id IS NOT NULL`) as Array<{
      request_id: string
    }>
    return new Set(rows.map((r) => r.request_id))
  } finally {
    await sql.close()
  }
}

/** The usage rows' request ids once all of `want` are there (bounded wait), or as they are when it ends. */
async function rowsOnceThere(dbUrl: string, want: readonly string[], ms = 10_000): Promise<Set<string>> {
  let ids = new Set<string>()
  for (const until = Date.now() + ms; Date.now() < until; await Bun.sleep(100)) {
    ids = await usageRequestIds(dbUrl)
    if (want.every((id) => ids.has(id))) break
  }
  return ids
}

describe.skipIf(!hasPostgres || !hasRedis)('two byokeys on one PostgreSQL and Redis', () => {
  test('100 concurrent requests over both on an expired token: exactly one refresh, all succeed', async () => {
    await using oauth = startFakeOAuth({ tokenStyle: 'json', rotate: true, refreshDelayMs: 200 })
    await using up = subscriptionUpstream(oauth)
    await using r = await rig({ providers: claudeLogin(up, oauth), seed: seedExpired(oauth) })
    const answers = await Promise.all(Array.from({ length: 100 }, () => ask(r.many.url)))
    expect(answers.map(textOf)).toEqual(Array.from({ length: 100 }, () => 'hello from your subscription'))
    expect(r.many.list.map((i) => i.served)).toEqual([50, 50])
    expect(oauth.counters.refreshes).toBe(1)
    // both used the one new token, and it is the one in PostgreSQL
    await r.store.sync()
    const acc = r.store.accounts.get('claude', 'team')!
    expect(acc.expiresAt).toBeGreaterThan(Date.now())
    const tokens = new Set(up.requests.map((q) => q.headers['authorization']))
    expect([...tokens]).toEqual([`Bearer ${acc.token['access_token']}`])
  }, 60_000)

  test('a 429 through one cools the account for the other until its Retry-After has passed', async () => {
    const RETRY_S = 3
    const calls: Array<{ key: string; at: number }> = []
    let aRefuses = true
    await using up = fakeAnthropic((rec: Recorded) => {
      const key = rec.headers['x-api-key'] === 'sk-key-a' ? 'a' : 'b'
      calls.push({ key, at: Date.now() })
      if (key === 'a' && aRefuses) return errorReply(429, { retryAfter: RETRY_S })
      // B answers slowly: by the time the client has its answer, the notice reached the other
      return { text: `answer from ${key}`, headersDelayMs: key === 'b' && aRefuses ? 200 : 0 }
    })
    await using r = await rig({ providers: { claude: twoClaudeKeys(up.url) } })
    const [one, two] = [r.many.urlOf(0), r.many.urlOf(1)]

    // instance 1's rotation starts at A: it refuses, the request goes on to B
    expect(textOf(await ask(one))).toBe('answer from b')
    const refusedAt = calls.find((c) => c.key === 'a')!.at
    aRefuses = false
    // instance 2, whose own rotation would start at A, leaves A alone while it cools down
    const during: string[] = []
    for (let i = 0; i < 6; i++) during.push(textOf(await ask(two)))
    expect(during).toEqual(Array.from({ length: 6 }, () => 'answer from b'))
    // once the cooldown is over, A is probed and serves again, through either instance
    let aBack = false
    for (let i = 0; i < 100 && !aBack; i++) {
      aBack = textOf(await ask(r.many.url)) === 'answer from a'
      if (!aBack) await Bun.sleep(100)
    }
    expect(aBack).toBe(true)
    const aCalls = calls.filter((c) => c.key === 'a')
    expect(aCalls.length).toBeGreaterThanOrEqual(2)
    expect(aCalls[1]!.at - refusedAt).toBeGreaterThanOrEqual(RETRY_S * 1000)
  }, 60_000)

  test("a key's rpm holds across both: rpm 10, 30 requests over both, 10 pass and 20 get 429", async () => {
    await using up = fakeAnthropic({ text: 'ok' })
    await using r = await rig({ providers: { claude: twoClaudeKeys(up.url) } })
    // made through one instance's management API
    const made = await fetch(`${r.many.urlOf(0)}/admin/v1/keys`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'team', rpm: 10 }),
    })
    expect(made.status).toBe(201)
    const { secret, key } = (await made.json()) as { secret: string; key: { id: string } }
    // the other knows it (the store's sync, or the keys-changed notice)
    await waitFor(async () => {
      const res = await fetch(`${r.many.urlOf(1)}/admin/v1/keys`, { headers: admin })
      const { keys } = (await res.json()) as { keys: Array<{ id: string }> }
      return keys.some((k) => k.id === key.id)
    }, 5000)

    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        fetch(`${r.many.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
        }),
      ),
    )
    expect(r.many.list.map((i) => i.served)).toEqual([15, 15])
    const statuses = results.map((res) => res.status).sort()
    expect(statuses.filter((s) => s === 200)).toHaveLength(10)
    expect(statuses.filter((s) => s === 429)).toHaveLength(20)
    for (const res of results.filter((x) => x.status === 429)) {
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
      const body = (await res.json()) as { error: { message: string; type: string; code: string } }
      expect(body.error.message).toContain('10 requests per minute')
    }
    expect(up.requests).toHaveLength(10)
  }, 60_000)

  test('usage of both in one query: either instance reports the rows of both', async () => {
    await using up = fakeAnthropic({ text: 'ok', usage: { input: 10, output: 5 } })
    await using r = await rig({ providers: { claude: twoClaudeKeys(up.url) } })
    const ids = Array.from({ length: 20 }, () => crypto.randomUUID())
    for (const id of ids) await ask(r.many.url, { requestId: id })
    expect(r.many.list.map((i) => i.served)).toEqual([10, 10])
    // both instances' rows are in PostgreSQL (each writes its own, a few ms after the answer)
    expect(await rowsOnceThere(r.dbUrl, ids)).toEqual(new Set(ids))
    for (const i of [0, 1]) {
      const res = await fetch(`${r.many.urlOf(i)}/admin/v1/usage?group_by=provider`, { headers: admin })
      expect(res.status).toBe(200)
      const report = (await res.json()) as { totals: { requests: number; input_tokens: number } }
      expect(report.totals.requests).toBe(20)
      expect(report.totals.input_tokens).toBe(200)
    }
  }, 60_000)

  test('kill -9 one under load: the other keeps serving, no completed request loses its row', async () => {
    await using up = fakeAnthropic({ text: 'a streamed answer', chunkText: 4, delayMs: 10 })
    await using r = await rig({ providers: { claude: twoClaudeKeys(up.url) } })
    type Done = { id: string; instance: number; at: number; ok: boolean; startedAfterKill: boolean }
    const done: Done[] = []
    let killedAt: number | undefined
    const afterKill = () => done.filter((d) => d.startedAfterKill).length
    // the balancer's job done in the test: each request goes to the next instance that is up
    const worker = async () => {
      while (afterKill() < 60) {
        const inst = r.many.next()
        const id = crypto.randomUUID()
        const startedAfterKill = killedAt !== undefined
        const ok = await ask(inst.server.url, { stream: true, requestId: id }).then(
          (m) => textOf(m) === 'a streamed answer',
          () => false,
        )
        done.push({ id, instance: inst.index, at: Date.now(), ok, startedAfterKill })
      }
    }
    const workers = Array.from({ length: 8 }, worker)
    // under load for a while: enough requests completed on the one to kill well before the kill
    await waitFor(
      () => done.filter((d) => d.ok && d.instance === 0 && d.at < Date.now() - 600).length >= 20,
      20_000,
    )
    killedAt = Date.now()
    await r.many.kill9(0)
    await Promise.all(workers)

    // after the kill: every request went to the other instance, and every one succeeded
    const later = done.filter((d) => d.startedAfterKill)
    expect(later.every((d) => d.instance === 1 && d.ok)).toBe(true)
    // failures are only requests the killed instance was running
    expect(done.filter((d) => !d.ok).every((d) => d.instance === 0 && !d.startedAfterKill)).toBe(true)

    // every request its client saw complete has its row, the killed instance's too; the rows of
    // the last usage_flush_ms (10 ms) before the kill are the window a crash may lose, so those
    // finished within half a second of it are left out of the count
    const completed = done.filter((d) => d.ok && (d.instance === 1 || d.at < killedAt - 500))
    expect(completed.filter((d) => d.instance === 0).length).toBeGreaterThanOrEqual(20)
    const want = completed.map((d) => d.id)
    const rows = await rowsOnceThere(r.dbUrl, want)
    expect(want.filter((id) => !rows.has(id))).toEqual([])
  }, 90_000)

  test('an instance killed while it refreshes leaves the lock to its lease: the other then refreshes', async () => {
    // refresh tokens stay valid (no rotation), so the refresh the dead instance started does not
    // spoil the other's; the first refresh is slow, so the kill lands while it holds the lock
    await using oauth = startFakeOAuth({ tokenStyle: 'json', rotate: false, refreshDelayMs: 1500 })
    await using up = subscriptionUpstream(oauth)
    await using r = await rig({ providers: claudeLogin(up, oauth), seed: seedExpired(oauth) })
    const first = ask(r.many.urlOf(0)).catch((e: unknown) => e)
    await waitFor(() => oauth.counters.refreshes === 1, 10_000)
    await r.many.kill9(0)
    expect(await first).toBeInstanceOf(Anthropic.APIConnectionError)
    // the other waits for the lock (its holder is gone: its lease ends it), then refreshes itself
    const answer = await ask(r.many.urlOf(1))
    expect(textOf(answer)).toBe('hello from your subscription')
    expect(oauth.counters.refreshes).toBe(2)
    await r.store.sync()
    const acc = r.store.accounts.get('claude', 'team')!
    expect(acc.state).toBe('ok')
    expect(acc.expiresAt).toBeGreaterThan(Date.now())
  }, 90_000)

  test('Redis stopped mid-load: requests keep succeeding; back: coordination resumes', async () => {
    await using ownRedis = await startRedis()
    await using oauth = startFakeOAuth({ tokenStyle: 'json', rotate: true, refreshDelayMs: 200 })
    await using up = subscriptionUpstream(oauth)
    await using r = await rig({
      providers: claudeLogin(up, oauth),
      redisServer: ownRedis,
      seed: (s) => storeLogin(s, oauth, Date.now() + 3_600_000),
    })
    const urls = [r.many.urlOf(0), r.many.urlOf(1)]
    const shared = async () => Promise.all(urls.map((u) => metric(u, 'byokey_coordination_shared')))
    expect(await shared()).toEqual([1, 1])

    let failures = 0
    let answered = 0
    let stopLoad = false
    const worker = async () => {
      while (!stopLoad) {
        await ask(r.many.url).then(
          () => answered++,
          () => failures++,
        )
      }
    }
    const workers = Array.from({ length: 4 }, worker)
    await waitFor(() => answered >= 20, 10_000)
    await ownRedis.stop()
    // each instance says so once, and its metric tells coordination is no longer shared
    for (const inst of r.many.list) {
      const warned = await inst.server.waitForLine((l) => l.msg.startsWith('coordination: lost Redis'))
      expect(warned.level).toBe(40)
    }
    await waitFor(async () => (await shared()).every((v) => v === 0), 10_000, 50)
    const atLoss = answered
    await waitFor(() => answered >= atLoss + 20, 10_000)
    await ownRedis.start()
    await waitFor(async () => (await shared()).every((v) => v === 1), 15_000, 100)
    for (const inst of r.many.list)
      await inst.server.waitForLine((l) => l.msg === 'coordination: Redis is back; shared again')
    stopLoad = true
    await Promise.all(workers)
    expect(failures).toBe(0)

    // shared again: a token that expires now is refreshed once across both
    const before = oauth.counters.refreshes
    const expiredAt = Date.now() - 1000
    storeLogin(r.store, oauth, expiredAt)
    await r.store.sync()
    // both have read it (store.sync_ms)
    await waitFor(
      async () =>
        (await Promise.all(urls.map((u) => expiryOf(u, 'claude', 'team')))).every((at) => at === expiredAt),
      5000,
      50,
    )
    const answers = await Promise.all(Array.from({ length: 50 }, () => ask(r.many.url)))
    expect(answers).toHaveLength(50)
    expect(oauth.counters.refreshes - before).toBe(1)
  }, 90_000)

  test('PostgreSQL stopped: /readyz 503 within a second, streams finish, rows written once it is back', async () => {
    await using ownPg = await startPostgres()
    await using up = fakeAnthropic({ text: 'a slow streamed answer', chunkText: 2, delayMs: 100 })
    await using r = await rig({
      providers: { claude: twoClaudeKeys(up.url) },
      pgServer: ownPg,
      seed: (s) => {
        s.accounts.upsert({
          provider: 'codex',
          accountId: 'ada@example.com',
          kind: 'oauth',
          token: { access_token: 'at-intact', refresh_token: 'rt-intact' },
          expiresAt: Date.now() + 3_600_000,
        })
      },
    })
    const urls = [r.many.urlOf(0), r.many.urlOf(1)]
    const ids: string[] = []
    const send = (url: string, stream = false) => {
      const id = crypto.randomUUID()
      ids.push(id)
      return ask(url, { requestId: id, stream })
    }
    for (let i = 0; i < 6; i++) await send(urls[i % 2]!)

    // two streams on each instance, under way when the database goes
    const streams = urls.flatMap((u) => [u, u]).map((u) => send(u, true))
    await waitFor(() => up.requests.length >= 10, 5000)
    // stopped by its operator (a crash of the test server, which runs without synchronous commits
    // to be fast, could take back rows it had acknowledged: not what is tested here)
    await ownPg.stop()
    const lostAt = performance.now()
    const firstNotReady = await Promise.all(
      urls.map(async (u) => {
        for (;;) {
          const res = await fetch(`${u}/readyz`)
          if (res.status === 503) return performance.now() - lostAt
          if (performance.now() - lostAt > 5000) return Number.POSITIVE_INFINITY
          await Bun.sleep(50)
        }
      }),
    )
    for (const ms of firstNotReady) expect(ms).toBeLessThanOrEqual(1000)
    // what was under way finishes
    expect((await Promise.all(streams)).map(textOf)).toEqual(Array(4).fill('a slow streamed answer'))
    // asked directly (a balancer would not send them now), they are served from memory
    for (let i = 0; i < 4; i++) expect(textOf(await send(urls[i % 2]!))).toBe('a slow streamed answer')

    await ownPg.start()
    await waitFor(
      async () =>
        (await Promise.all(urls.map((u) => fetch(`${u}/readyz`)))).every((res) => res.status === 200),
      10_000,
      100,
    )
    // every row is there once, the outage's included
    expect(await rowsOnceThere(r.dbUrl, ids)).toEqual(new Set(ids))
    const sql = new Bun.SQL(r.dbUrl)
    const counts =
      await sql`SELECT count(*)::int AS n, count(DISTINCT request_id)::int AS distinct FROM usage_records`
    await sql.close()
    expect([...counts]).toEqual([{ n: ids.length, distinct: ids.length }])
    for (const u of urls) {
      const res = await fetch(`${u}/admin/v1/usage`, { headers: admin })
      expect(((await res.json()) as { totals: { requests: number } }).totals.requests).toBe(ids.length)
    }
    // the command line reads the same database, its data intact
    const status = await runCli(['accounts', 'codex', '--json'], {
      BYOKEY_HOME: r.many.list[0]!.dir.path,
      HOME: r.many.list[0]!.dir.path,
      BYOKEY_DATABASE_URL: r.dbUrl,
    })
    expect(status.stderr).toBe('')
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('ada@example.com')
    expect(status.stdout).not.toContain('at-intact')
  }, 90_000)

  test('a rolling restart behind the balancer drops no request; a stream on the stopped one finishes', async () => {
    // "slow" asks for a stream of a second or so: one is under way on each instance as it stops
    await using up = fakeAnthropic((rec: Recorded) =>
      JSON.stringify(rec.body).includes('slow')
        ? { text: 'a slow answer that outlives the stop', chunkText: 4, delayMs: 100 }
        : { text: 'ok' },
    )
    await using r = await rig({ providers: { claude: twoClaudeKeys(up.url) } })
    const ids: string[] = []
    const failures: string[] = []
    let stopLoad = false
    const worker = async () => {
      while (!stopLoad) {
        const id = crypto.randomUUID()
        await ask(r.many.url, { stream: true, requestId: id }).then(
          () => ids.push(id),
          (e: unknown) => failures.push(String(e)),
        )
      }
    }
    const workers = Array.from({ length: 4 }, worker)
    for (const i of [0, 1]) {
      const id = crypto.randomUUID()
      const sent = up.requests.length
      const slow = ask(r.many.urlOf(i), { stream: true, requestId: id, say: 'slow' })
      await waitFor(() => up.requests.slice(sent).some((q) => JSON.stringify(q.body).includes('slow')), 5000)
      expect(await r.many.stop(i)).toBe(0)
      expect(textOf(await slow)).toBe('a slow answer that outlives the stop')
      ids.push(id)
      await r.many.start(i)
      const before = ids.length
      await waitFor(() => ids.length >= before + 20, 10_000)
    }
    stopLoad = true
    await Promise.all(workers)
    expect(failures).toEqual([])
    // a stopped instance wrote its rows before it exited
    const rows = await rowsOnceThere(r.dbUrl, ids)
    expect(ids.filter((id) => !rows.has(id))).toEqual([])
  }, 90_000)
})
