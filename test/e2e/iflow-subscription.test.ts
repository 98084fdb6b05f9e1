/**
 * An iFlow CLI login from the browser to served requests: authorization code without PKCE on the
 * loopback callback, the code and every refresh sent with HTTP Basic client authentication, the
 * API key fetched from the user-info endpoint after the login and after each refresh, and every
 * call signed (the test recomputes the HMAC). The config spells the provider `i_flow`, as BYOKEY's
 * does. Fake OAuth and iFlow API servers on 127.0.0.1; real SQLite; the real OpenAI and Anthropic SDKs.
 */
import { describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { validate } from '../../src/config/load.ts'
import { loginIFlow } from '../../src/providers/iflow/login.ts'
import {
  anthropicRoundTrips,
  bearer,
  chatUpstream,
  expectNeedsLogin,
  fiftyAtOnce,
  openaiRoundTrips,
} from '../helpers/chat-subscription.ts'
import type { Recorded } from '../helpers/fakes/index.ts'
import { apiKeyFor, browser, type FakeOAuth, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { testGateway } from '../helpers/gateway.ts'

const MODEL = 'glm-4.5'
const SECRET = 'iflow-test-secret'

/** The signature iFlow checks, computed here from its description, not with byokey's code. */
function iflowProblem(rec: Recorded): string | undefined {
  const key = bearer(rec)
  const sessionId = rec.headers['session-id'] ?? ''
  const ts = rec.headers['x-iflow-timestamp'] ?? ''
  if (rec.headers['user-agent'] !== 'iFlow-Cli') return 'not iFlow CLI'
  if (!/^session-[0-9a-f-]{36}$/.test(sessionId)) return 'bad session-id'
  if (!/^\d{13}$/.test(ts)) return 'bad x-iflow-timestamp'
  const expected = createHmac('sha256', key).update(`iFlow-Cli:${sessionId}:${ts}`).digest('hex')
  return rec.headers['x-iflow-signature'] === expected ? undefined : 'bad x-iflow-signature'
}

/** The upstream takes API keys the user-info endpoint handed out for a token the OAuth server issued. */
const acceptsKey = (oauth: FakeOAuth) => (rec: Recorded) => {
  const key = bearer(rec)
  return key.startsWith('sk-iflow-') && oauth.isValidAccess(key.slice('sk-iflow-'.length))
}

async function setup() {
  const oauth = startFakeOAuth({ clientSecret: SECRET, tokenStyle: 'form' })
  const up = chatUpstream({ problem: iflowProblem, accepts: acceptsKey(oauth) })
  const providers = {
    i_flow: {
      base_url: `${up.url}/v1`,
      oauth: {
        authorize_url: oauth.authorizeUrl,
        token_url: oauth.tokenUrl,
        client_id: oauth.clientId,
        client_secret: SECRET,
        user_info_url: `${oauth.url}/api/oauth/getUserInfo`,
      },
    },
  }
  const gw = await testGateway({ providers })
  return { oauth, up, gw, config: validate({ providers }, 't').config }
}

type Gw = Awaited<ReturnType<typeof testGateway>>

function seedExpired(gw: Gw, oauth: FakeOAuth, refreshToken?: string) {
  const t = oauth.issue()
  gw.store.accounts.upsert({
    provider: 'iflow',
    accountId: 'ada@example.com',
    kind: 'oauth',
    token: {
      access_token: apiKeyFor(t.access_token),
      oauth_access_token: t.access_token,
      refresh_token: refreshToken ?? t.refresh_token,
    },
    expiresAt: Date.now() - 1000,
  })
  return t
}

const userInfoCalls = (oauth: FakeOAuth) =>
  oauth.server.requests.filter((r) => r.path === '/api/oauth/getUserInfo')

describe('iFlow login', () => {
  test('browser login without PKCE, Basic client auth, API key from user info → signed calls with both SDKs', async () => {
    const { oauth, up, gw, config } = await setup()
    await using _o = oauth
    await using _u = up
    await using _g = gw
    const b = browser()
    const account = await loginIFlow({ config, print: () => {}, openBrowser: b.openBrowser, redirectPort: 0 })
    const authorize = new URL(b.urls[0]!)
    expect(authorize.searchParams.get('code_challenge')).toBeNull()
    expect(authorize.searchParams.get('loginMethod')).toBe('phone')
    expect(authorize.searchParams.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/oauth2callback$/)
    const exchange = oauth.tokenRequests()[0]!
    expect(new URLSearchParams(exchange.rawBody).get('code_verifier')).toBeNull()
    expect(new URLSearchParams(exchange.rawBody).get('client_secret')).toBe(SECRET)
    expect(exchange.headers['authorization']).toBe(
      `Basic ${Buffer.from(`${oauth.clientId}:${SECRET}`).toString('base64')}`,
    )
    // the API key from user info is the credential; the OAuth token is kept beside it
    const oauthToken = String(account.token['oauth_access_token'])
    expect(userInfoCalls(oauth).map((r) => r.query.accessToken)).toEqual([oauthToken])
    expect(account.token['access_token']).toBe(apiKeyFor(oauthToken))
    expect(account.accountId).toBe('ada@example.com')
    gw.store.accounts.upsert(account)

    await openaiRoundTrips(gw.url, MODEL)
    await anthropicRoundTrips(gw.url, MODEL)
    expect(up.requests.length).toBe(8)
    for (const rec of up.requests) {
      expect(iflowProblem(rec)).toBeUndefined()
      expect(bearer(rec)).toBe(apiKeyFor(oauthToken))
    }
    // a new session id per request
    expect(new Set(up.requests.map((r) => r.headers['session-id'])).size).toBe(8)
    expect(gw.logText()).not.toContain(apiKeyFor(oauthToken))
  })

  test('an expired token is refreshed once for 50 concurrent requests, and the API key fetched again', async () => {
    const { oauth, up, gw } = await setup()
    await using _o = oauth
    await using _u = up
    await using _g = gw
    const old = seedExpired(gw, oauth)
    const texts = await fiftyAtOnce(gw.url, MODEL)
    expect(texts.every((t) => t === 'hello there')).toBe(true)
    expect(oauth.counters.refreshes).toBe(1)
    const acc = gw.store.accounts.get('iflow', 'ada@example.com')!
    const fresh = String(acc.token['oauth_access_token'])
    expect(fresh).not.toBe(old.access_token)
    expect(acc.token['refresh_token']).not.toBe(old.refresh_token)
    expect(userInfoCalls(oauth).map((r) => r.query.accessToken)).toEqual([fresh])
    expect(acc.token['access_token']).toBe(apiKeyFor(fresh))
    expect(up.requests.every((r) => bearer(r) === apiKeyFor(fresh) && !iflowProblem(r))).toBe(true)
  })

  test('a revoked login is a 401 naming `byokey login iflow`; the upstream is never called', async () => {
    const { oauth, up, gw } = await setup()
    await using _o = oauth
    await using _u = up
    await using _g = gw
    seedExpired(gw, oauth, 'rt-revoked-value')
    await expectNeedsLogin(gw.url, MODEL, 'iflow')
    expect(up.requests).toHaveLength(0)
    expect(gw.store.accounts.get('iflow', 'ada@example.com')!.state).toBe('needs_login')
  })
})
