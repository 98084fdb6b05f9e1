/**
 * An iFlow CLI login from the browser to served requests: authorization code without PKCE on the
 * loopback callback, the code and every refresh sent with HTTP Basic client authentication, the
 * API key fetched from the user-info endpoint after the login and after each refresh, and every
 * call signed (the test recomputes the HMAC). The config spells the provider `i_flow`, as BYOKEY's
 * does. Fake OAuth and iFlow API servers on 127.0.0.1; real SQLite; the real OpenAI and Anthropic SDKs.
 */
import { describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { loginIFlow } from '../../src/providers/iflow/login.ts'
import {
  anthropicRoundTrips,
  bearer,
  chatRig,
  expectOneRefresh,
  expectRevoked,
  openaiRoundTrips,
  seedExpired,
} from '../helpers/chat-subscription.ts'
import type { Recorded } from '../helpers/fakes/index.ts'
import { apiKeyFor, browser, type FakeOAuth } from '../helpers/fakes/oauth.ts'

const MODEL = 'glm-4.5'
const SECRET = 'iflow-test-secret'
const ACCOUNT = 'ada@example.com'

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

const setup = () =>
  chatRig({
    problem: iflowProblem,
    // API keys the user-info endpoint handed out for a token the OAuth server issued
    accepts: (oauth, rec) => {
      const key = bearer(rec)
      return key.startsWith('sk-iflow-') && oauth.isValidAccess(key.slice('sk-iflow-'.length))
    },
    oauth: () => ({ clientSecret: SECRET, tokenStyle: 'form' }),
    providers: (oauth, upUrl) => ({
      i_flow: {
        base_url: `${upUrl}/v1`,
        oauth: {
          authorize_url: oauth.authorizeUrl,
          token_url: oauth.tokenUrl,
          client_id: oauth.clientId,
          client_secret: SECRET,
          userinfo_url: `${oauth.url}/api/oauth/getUserInfo`,
        },
      },
    }),
  })

/** A login an hour old: its API key and OAuth token, which has expired. */
function seedLogin(rig: { oauth: FakeOAuth }, refreshToken?: string) {
  const t = rig.oauth.issue()
  return {
    old: t,
    token: {
      access_token: apiKeyFor(t.access_token),
      oauth_access_token: t.access_token,
      refresh_token: refreshToken ?? t.refresh_token,
    },
  }
}

const userInfoCalls = (oauth: FakeOAuth) =>
  oauth.server.requests.filter((r) => r.path === '/api/oauth/getUserInfo')

describe('iFlow login', () => {
  test('browser login without PKCE, Basic client auth, API key from user info → signed calls with both SDKs', async () => {
    await using rig = await setup()
    const { oauth, up, gw } = rig
    const b = browser()
    const account = await loginIFlow({
      config: rig.config,
      print: () => {},
      openBrowser: b.openBrowser,
      redirectPort: 0,
    })
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
    expect(account.accountId).toBe(ACCOUNT)
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
    await using rig = await setup()
    const { old, token } = seedLogin(rig)
    seedExpired(rig, 'iflow', ACCOUNT, token)
    const acc = await expectOneRefresh(rig, MODEL, 'iflow', ACCOUNT)
    const fresh = String(acc.token['oauth_access_token'])
    expect(fresh).not.toBe(old.access_token)
    expect(acc.token['refresh_token']).not.toBe(old.refresh_token)
    expect(userInfoCalls(rig.oauth).map((r) => r.query.accessToken)).toEqual([fresh])
    expect(acc.token['access_token']).toBe(apiKeyFor(fresh))
    expect(rig.up.requests.every((r) => !iflowProblem(r))).toBe(true)
  })

  test('a revoked login is a 401 naming `byokey login iflow`; the upstream is never called', async () => {
    await using rig = await setup()
    seedExpired(rig, 'iflow', ACCOUNT, seedLogin(rig, 'rt-revoked-value').token)
    await expectRevoked(rig, MODEL, 'iflow', ACCOUNT)
  })
})
