/**
 * A provider that gives an account up: two Claude subscription logins behind fake OAuth and
 * Anthropic servers; login B's upstream starts answering "free tier discontinued". After the
 * first such answer B is `unavailable`: the request that got it is served by A, B gets no
 * further request and no further refresh, one warning is logged, `status` shows why and what to
 * do. When A goes the same way the client gets a 403 naming the provider and the reason, in its
 * own dialect; `byokey switch` clears the mark.
 */
import { describe, expect, test } from 'bun:test'
import { CONFIG_KEY_WARNING, UNAVAILABLE_WARNING } from '../../src/gateway/dead-accounts.ts'
import { twoClaudeKeys } from '../helpers/accounts-config.ts'
import { errorReply, fakeAnthropic, inStreamError } from '../helpers/fakes/index.ts'
import { type FakeOAuth, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { seedLogin, type TestGateway, testGateway } from '../helpers/gateway.ts'
import { runCli, SOURCE_CMD } from '../helpers/process.ts'
import { envelopeMessage, requestIn } from './support.ts'

const MODEL = 'claude-sonnet-4-6'
const DISCONTINUED = 'The free tier for this account has been discontinued.'

/** A's token stays as seeded (valid an hour); any other token the OAuth fake issued is B's. */
function upstream(oauth: FakeOAuth, aToken: string, dead: { a: boolean; b: boolean }) {
  const seen: Array<'a' | 'b'> = []
  const up = fakeAnthropic(
    (rec) => {
      const bearer = (rec.headers['authorization'] ?? '').replace(/^Bearer /, '')
      if (!oauth.isValidAccess(bearer)) return errorReply(401, { message: 'invalid token' })
      const who = bearer === aToken ? 'a' : 'b'
      seen.push(who)
      return dead[who]
        ? errorReply(403, { type: 'permission_error', message: DISCONTINUED })
        : { text: `answer from ${who}` }
    },
    { requireOAuthBeta: true },
  )
  return { up, seen }
}

/**
 * Claude logins A and B behind `oauth` and the upstream fake, in a gateway: A's token valid for
 * an hour, B's expired (its first use refreshes it). Disposing stops the gateway and the fake.
 */
async function twoLogins(oauth: FakeOAuth, dead: { a: boolean; b: boolean }) {
  const a = oauth.issue()
  const b = oauth.issue()
  const { up, seen } = upstream(oauth, a.access_token, dead)
  let gw: TestGateway
  try {
    gw = await testGateway({
      providers: {
        claude: {
          base_url: up.url,
          oauth: { token_url: oauth.tokenUrl, client_id: oauth.clientId },
          affinity: false,
        },
      },
    })
  } catch (e) {
    await up.stop()
    throw e
  }
  seedLogin(gw.store, 'claude', 'a', a)
  gw.store.accounts.upsert({ provider: 'claude', accountId: 'b', kind: 'oauth', token: b, expiresAt: 0 })
  return {
    gw,
    seen,
    b,
    async [Symbol.asyncDispose]() {
      await gw[Symbol.asyncDispose]()
      await up.stop()
    },
  }
}

async function textOf(res: Response): Promise<string> {
  expect(res.status).toBe(200)
  const body = (await res.json()) as { content: Array<{ text: string }> }
  return body.content[0]!.text
}

const ask = (gw: TestGateway, dialect: 'anthropic-messages' | 'openai-chat' = 'anthropic-messages') =>
  requestIn(dialect, gw.url, MODEL, false)

describe('an account its provider gave up', () => {
  test('is unavailable after the first answer: skipped, not refreshed, shown, and cleared by switch', async () => {
    // B's tokens live a minute, inside the refresh lead: every use of B refreshes it first
    await using oauth = startFakeOAuth({ tokenStyle: 'json', accessTtlSec: 60 })
    const dead = { a: false, b: false }
    await using logins = await twoLogins(oauth, dead)
    const { gw, seen } = logins

    // both serve while B's tier lasts
    const before = new Set<string>()
    for (let i = 0; i < 4; i++) before.add(await textOf(await ask(gw)))
    expect(before).toEqual(new Set(['answer from a', 'answer from b']))
    expect(oauth.counters.refreshes).toBeGreaterThan(0)

    dead.b = true
    // the request that meets B's first "discontinued" goes on to A; the client never sees it
    let marked = false
    for (let i = 0; i < 4 && !marked; i++) {
      expect(await textOf(await ask(gw))).toBe('answer from a')
      marked = gw.store.accounts.get('claude', 'b')!.state === 'unavailable'
    }
    expect(marked).toBe(true)
    expect(seen.filter((w) => w === 'b').length).toBe(3)
    const account = gw.store.accounts.get('claude', 'b')!
    expect(account.lastError).toContain('free tier this account used has ended')
    expect(account.lastError).toContain(DISCONTINUED)
    expect(account.lastError).toContain('`byokey login claude`')

    // from now on B gets neither requests nor refreshes
    const refreshes = oauth.counters.refreshes
    const calls = seen.length
    for (let i = 0; i < 6; i++) expect(await textOf(await ask(gw))).toBe('answer from a')
    expect(seen.slice(calls)).toEqual(['a', 'a', 'a', 'a', 'a', 'a'])
    expect(oauth.counters.refreshes).toBe(refreshes)
    // one warning, not one per request
    const warnings = gw.logs.filter((l) => l['msg'] === UNAVAILABLE_WARNING)
    expect(warnings).toEqual([
      expect.objectContaining({ provider: 'claude', account: 'b', status: 403, level: 40 }),
    ])
    expect(String(warnings[0]!['reason'])).toContain(DISCONTINUED)

    // `status` shows it, with the reason and the command that clears it
    const db = gw.dir.join('byokey.db')
    const env = { BYOKEY_HOME: gw.dir.path, HOME: gw.dir.path, NO_COLOR: '' }
    const json = await runCli(['status', '--json', '--db', db], env, SOURCE_CMD)
    const parsed = JSON.parse(json.stdout) as {
      providers: Array<{ provider: string; accounts: Array<Record<string, unknown>> }>
    }
    const claude = parsed.providers.find((p) => p.provider === 'claude')!
    expect(claude.accounts.find((x) => x['id'] === 'b')).toMatchObject({
      state: 'unavailable',
      last_error: account.lastError,
    })
    expect(claude.accounts.find((x) => x['id'] === 'a')).toMatchObject({ state: 'ok' })
    const text = await runCli(['status', '--db', db], env, SOURCE_CMD)
    expect(text.stdout).toContain(`  b: oauth UNAVAILABLE: ${account.lastError}`)
    const listed = await runCli(['accounts', 'claude', '--db', db], env, SOURCE_CMD)
    expect(listed.stdout).toContain(`  b oauth UNAVAILABLE: ${account.lastError}`)

    // A goes the same way: the client that has nothing left hears why, in its own dialect
    dead.a = true
    const last = await ask(gw)
    expect(last.status).toBe(403)
    const message = envelopeMessage('anthropic-messages', await last.json(), 403)
    expect(message).toContain("Provider 'claude': account 'a' no longer works")
    expect(message).toContain(DISCONTINUED)
    const calledUp = seen.length
    const chat = await ask(gw, 'openai-chat')
    expect(chat.status).toBe(403)
    const body = (await chat.json()) as { error: { code: string } }
    expect(envelopeMessage('openai-chat', body, 403)).toContain("Provider 'claude': account ")
    expect(body.error.code).toBe('account_unavailable')
    expect(seen.length).toBe(calledUp)

    // `switch` to B is asking to try it again: the mark goes, and B (whose tier is back) serves
    dead.b = false
    const switched = await runCli(['switch', 'claude', 'b', '--db', db], env, SOURCE_CMD)
    expect(switched.code).toBe(0)
    expect(switched.stdout).toContain('cleared the unavailable mark of b')
    expect(gw.store.accounts.get('claude', 'b')!.state).toBe('ok')
    expect(await textOf(await ask(gw))).toBe('answer from b')
  })

  test('a key of the config that gets such an answer, even as a 404, fails over and rests the longest cooldown', async () => {
    const seen: string[] = []
    const up = fakeAnthropic((rec) => {
      const key = rec.headers['x-api-key'] === 'sk-key-a' ? 'a' : 'b'
      seen.push(key)
      return key === 'a'
        ? errorReply(404, { type: 'not_found_error', message: 'This free tier has ended.' })
        : { text: `answer from ${key}` }
    })
    await using _up = up
    await using gw = await testGateway({
      providers: { claude: twoClaudeKeys(up.url, { affinity: false, cooldown: { max_seconds: 900 } }) },
    })
    const at = Date.now()
    expect(await textOf(await ask(gw))).toBe('answer from b')
    for (let i = 0; i < 4; i++) expect(await textOf(await ask(gw))).toBe('answer from b')
    expect(seen).toEqual(['a', 'b', 'b', 'b', 'b', 'b'])
    // byokey does not edit the config: the key rests as long as any account may, and says why
    const [row] = gw.store.cooldowns.list('claude')
    expect(row).toMatchObject({ account: 'a', reason: 'unavailable' })
    const env = { BYOKEY_HOME: gw.dir.path, HOME: gw.dir.path }
    const status = await runCli(['status', '--db', gw.dir.join('byokey.db')], env, SOURCE_CMD)
    expect(status.stdout).toMatch(
      /key a: cooling down until \d\d:\d\d — its provider says it no longer works/,
    )
    expect(row!.untilMs).toBeGreaterThanOrEqual(at + 900_000)
    expect(row!.untilMs).toBeLessThanOrEqual(Date.now() + 900_000)
    expect(gw.logs.filter((l) => l['msg'] === CONFIG_KEY_WARNING)).toEqual([
      expect.objectContaining({ provider: 'claude', account: 'a', status: 404 }),
    ])
    expect(gw.logs.some((l) => l['msg'] === UNAVAILABLE_WARNING)).toBe(false)
  })

  test('a refresh answer that means the same marks the login before any request goes to it', async () => {
    await using oauth = startFakeOAuth({ tokenStyle: 'json' })
    await using logins = await twoLogins(oauth, { a: false, b: false })
    const { gw, seen, b } = logins
    const revoked = { error: 'unauthorized_client', error_description: 'The OAuth client was disabled.' }
    oauth.failNext(1, 401, revoked)

    let marked = false
    for (let i = 0; i < 4 && !marked; i++) {
      expect(await textOf(await ask(gw))).toBe('answer from a')
      marked = gw.store.accounts.get('claude', 'b')!.state === 'unavailable'
    }
    expect(marked).toBe(true)
    const reason = gw.store.accounts.get('claude', 'b')!.lastError!
    expect(reason).toContain('no longer accepts the OAuth client')
    expect(reason).toContain('The OAuth client was disabled.')
    expect(reason).not.toContain(b.refresh_token)

    const tokenCalls = oauth.counters.tokenCalls
    for (let i = 0; i < 4; i++) expect(await textOf(await ask(gw))).toBe('answer from a')
    expect(oauth.counters.tokenCalls).toBe(tokenCalls)
    expect(seen.every((w) => w === 'a')).toBe(true)
    expect(gw.logs.filter((l) => l['msg'] === UNAVAILABLE_WARNING)).toEqual([
      expect.objectContaining({ provider: 'claude', account: 'b', reason }),
    ])
  })

  test('a stream that opens with such an error event marks the stored key and is served by the next', async () => {
    const seen: string[] = []
    const up = fakeAnthropic((rec) => {
      const key = rec.headers['x-api-key'] === 'sk-stored-a' ? 'a' : 'b'
      seen.push(key)
      return key === 'a'
        ? inStreamError(1, { type: 'permission_error', message: 'Your free tier has been discontinued.' })
        : { text: `answer from ${key}` }
    })
    await using _up = up
    await using gw = await testGateway({ providers: { claude: { base_url: up.url, affinity: false } } })
    for (const id of ['a', 'b']) {
      gw.store.accounts.upsert({
        provider: 'claude',
        accountId: id,
        kind: 'api_key',
        token: { api_key: `sk-stored-${id}` },
      })
    }
    for (let i = 0; i < 4; i++) {
      const res = await requestIn('openai-chat', gw.url, MODEL, true)
      expect(res.status).toBe(200)
      const body = await res.text()
      expect(body).toContain('answer')
      expect(body).not.toContain('discontinued')
    }
    // A answered once, in a stream; it is marked and never asked again
    expect(seen.filter((k) => k === 'a')).toEqual(['a'])
    expect(gw.store.accounts.get('claude', 'a')).toMatchObject({ state: 'unavailable' })
    expect(gw.store.accounts.get('claude', 'a')!.lastError).toContain('Your free tier has been discontinued.')
    expect(gw.logs.filter((l) => l['msg'] === UNAVAILABLE_WARNING).length).toBe(1)
  })
})
