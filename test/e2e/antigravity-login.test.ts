/**
 * From `byokey login antigravity` to served requests: the Google login against the fake OAuth
 * server (the test plays the browser), the project onboarded on the fake backend and stored with
 * the token, requests served with both; an expired token refreshed once (the refresh token kept,
 * as Google sends none), a revoked one answered 401 in each client's envelope naming the login.
 */
import { describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { validate } from '../../src/config/load.ts'
import { loginAntigravity } from '../../src/providers/antigravity/login.ts'
import { errorReply, fakeAntigravity, type Recorded } from '../helpers/fakes/index.ts'
import { browser, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { seedLogin, testGateway } from '../helpers/gateway.ts'
import { ENDPOINTS, envelopeMessage, postJson } from './support.ts'

const EMAIL = 'ada@example.com'
const ONBOARDED = 'onboarded-wave-7'

type Json = Record<string, unknown>

const bearer = (rec: Recorded) => (rec.headers['authorization'] ?? '').replace(/^Bearer /, '')

/** `project: null`: an account not set up yet, which the login onboards. */
function fakes(project: string | null = ONBOARDED) {
  const oauth = startFakeOAuth({
    tokenStyle: 'form',
    rotate: false,
    clientSecret: 'fake-ag-secret',
    clientSecretIn: 'body',
  })
  const up = fakeAntigravity(
    (rec) => (oauth.isValidAccess(bearer(rec)) ? { text: 'hi from antigravity' } : errorReply(401, {})),
    { project, codeAssist: { onboardedProject: ONBOARDED, onboardPolls: 1 } },
  )
  const providers = {
    antigravity: {
      base_url: up.url,
      fallback_base_urls: [],
      code_assist_url: up.url,
      oauth: {
        authorize_url: oauth.authorizeUrl,
        token_url: oauth.tokenUrl,
        userinfo_url: oauth.userinfoUrl,
        client_id: oauth.clientId,
        client_secret: 'fake-ag-secret',
      },
    },
  }
  return { oauth, up, providers }
}

/**
 * The fakes and a gateway holding an account as the login stores it, its access token already
 * expired; everything is stopped when the result is disposed.
 */
async function expiredLogin() {
  const { oauth, up, providers } = fakes()
  const gw = await testGateway({ providers })
  const seeded = oauth.issue()
  gw.store.accounts.upsert({
    provider: 'antigravity',
    accountId: EMAIL,
    kind: 'oauth',
    token: {
      access_token: seeded.access_token,
      refresh_token: seeded.refresh_token,
      expires_at: Math.floor(Date.now() / 1000) - 10,
      email: EMAIL,
      project_id: ONBOARDED,
    },
    expiresAt: Date.now() - 10_000,
  })
  return {
    oauth,
    up,
    gw,
    seeded,
    async [Symbol.asyncDispose]() {
      await gw[Symbol.asyncDispose]()
      await up.stop()
      await oauth.stop()
    },
  }
}

describe('byokey login antigravity', () => {
  test('browser login, project onboarding, then requests served with both', async () => {
    const { oauth, up, providers } = fakes(null)
    await using _o = oauth
    await using _u = up
    const b = browser()
    const account = await loginAntigravity({
      config: validate({ providers }, 't').config,
      print: () => {},
      openBrowser: b.openBrowser,
      redirectPort: 0,
      pollIntervalMs: 0,
    })

    // the authorize URL: Antigravity's app, offline access with consent, its scopes and callback path
    const authorize = new URL(b.urls[0]!)
    expect(authorize.searchParams.get('client_id')).toBe(oauth.clientId)
    expect(authorize.searchParams.get('access_type')).toBe('offline')
    expect(authorize.searchParams.get('prompt')).toBe('consent')
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(new URL(authorize.searchParams.get('redirect_uri')!).pathname).toBe('/oauth-callback')
    expect(authorize.searchParams.get('scope')!.split(' ')).toContain('https://www.googleapis.com/auth/cclog')

    // the account: named by the email, the project onboarded on the backend stored with the token
    expect(account).toMatchObject({ provider: 'antigravity', accountId: EMAIL, kind: 'oauth' })
    expect(account.token).toMatchObject({ email: EMAIL, project_id: ONBOARDED })
    expect(oauth.isValidAccess(String(account.token['access_token']))).toBe(true)
    expect(typeof account.token['refresh_token']).toBe('string')
    const setup = up.requests.filter((r) => r.path.startsWith('/v1internal'))
    expect(setup.map((r) => r.path)).toEqual([
      '/v1internal:loadCodeAssist',
      '/v1internal:onboardUser',
      '/v1internal/operations/onboard-fake-1',
    ])
    expect((setup[0]!.body as Json)['metadata']).toEqual({ ideType: 'ANTIGRAVITY' })
    expect(setup[1]!.body).toMatchObject({ tier_id: 'free-tier', metadata: { ide_type: 'ANTIGRAVITY' } })
    expect(setup.every((r) => r.headers['user-agent']?.startsWith('antigravity/'))).toBe(true)

    await using gw = await testGateway({ providers })
    gw.store.accounts.upsert(account)
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'any', maxRetries: 0 })
    const res = await client.chat.completions.create({
      model: 'ag-claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'Hi' }],
    })
    expect(res.choices[0]?.message.content).toBe('hi from antigravity')
    const call = up.last()
    expect(bearer(call)).toBe(String(account.token['access_token']))
    expect((call.body as Json)['project']).toBe(ONBOARDED)
    expect((call.body as Json)['model']).toBe('claude-sonnet-4-5')
    expect(gw.logText()).not.toContain(String(account.token['access_token']))
  })

  test('an expired token is refreshed once; the refresh token Google did not resend is kept', async () => {
    await using t = await expiredLogin()
    const { oauth, up, gw, seeded } = t
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'any', maxRetries: 0 })
    for (let i = 0; i < 2; i++) {
      const res = await client.chat.completions.create({
        model: 'ag-gemini-2.5-flash',
        messages: [{ role: 'user', content: 'Hi' }],
      })
      expect(res.choices[0]?.message.content).toBe('hi from antigravity')
    }
    expect(oauth.counters.refreshes).toBe(1)
    const stored = gw.store.accounts.get('antigravity', EMAIL)!
    expect(stored.token['access_token']).not.toBe(seeded.access_token)
    expect(stored.token['refresh_token']).toBe(seeded.refresh_token)
    expect(stored.token).toMatchObject({ project_id: ONBOARDED, email: EMAIL })
    const fresh = String(stored.token['access_token'])
    expect(up.requests.filter((r) => r.path.includes('generateContent')).map(bearer)).toEqual([fresh, fresh])
  })

  test('a revoked login answers 401 in every client envelope, naming byokey login antigravity', async () => {
    await using t = await expiredLogin()
    const { oauth, up, gw, seeded } = t
    oauth.revoke(seeded.refresh_token)
    for (const ep of ENDPOINTS.filter((e) => !e.counting)) {
      const res = await postJson(`${gw.url}${ep.path('ag-gemini-2.5-flash')}`, ep.body('ag-gemini-2.5-flash'))
      expect(res.status).toBe(401)
      const message = envelopeMessage(ep.dialect, await res.json(), 401)
      expect(message).toContain('byokey login antigravity')
    }
    expect(up.requests.filter((r) => r.path.includes('generateContent'))).toHaveLength(0)
    expect(gw.store.accounts.get('antigravity', EMAIL)?.state).toBe('needs_login')
  })
})

describe('antigravity: an account without a project', () => {
  test('the first call finds it, stores it and names it; later calls do not ask again', async () => {
    const { oauth, up, providers } = fakes()
    await using _o = oauth
    await using _u = up
    await using gw = await testGateway({ providers })
    const t = oauth.issue()
    seedLogin(gw.store, 'antigravity', EMAIL, {
      access_token: t.access_token,
      refresh_token: t.refresh_token,
    })
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'any', maxRetries: 0 })
    for (let i = 0; i < 2; i++) {
      const res = await client.chat.completions.create({
        model: 'ag-gemini-2.5-pro',
        messages: [{ role: 'user', content: 'Hi' }],
      })
      expect(res.choices[0]?.message.content).toBe('hi from antigravity')
    }
    expect(up.requests.map((r) => r.path)).toEqual([
      '/v1internal:loadCodeAssist',
      '/v1internal:generateContent',
      '/v1internal:generateContent',
    ])
    expect((up.requests[0]!.body as Json)['metadata']).toEqual({ ideType: 'ANTIGRAVITY' })
    expect(gw.store.accounts.get('antigravity', EMAIL)?.token['project_id']).toBe(ONBOARDED)
    expect((up.last().body as Json)['project']).toBe(ONBOARDED)
  })
})
