/**
 * A Qwen Code login from the device flow to served requests: PKCE on the device code (the fake
 * checks the verifier of every poll), the API base taken from the token's `resource_url`, Qwen
 * Code's headers on every call, one refresh (rotating the refresh token) for 50 concurrent
 * requests, and a revoked login answered with the command that fixes it. Fake OAuth and Qwen API
 * servers on 127.0.0.1; real SQLite; the real OpenAI and Anthropic SDKs.
 */
import { describe, expect, test } from 'bun:test'
import { validate } from '../../src/config/load.ts'
import { loginQwen } from '../../src/providers/qwen/login.ts'
import {
  anthropicRoundTrips,
  bearer,
  chatUpstream,
  expectNeedsLogin,
  fastClock,
  fiftyAtOnce,
  missingHeaders,
  openaiRoundTrips,
} from '../helpers/chat-subscription.ts'
import type { Recorded } from '../helpers/fakes/index.ts'
import { type FakeOAuth, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { testGateway } from '../helpers/gateway.ts'

const MODEL = 'qwen3-coder-plus'

/** Qwen Code's headers, checked on every call the upstream gets. */
function qwenProblem(rec: Recorded): string | undefined {
  const missing = missingHeaders(rec, [
    'x-dashscope-useragent',
    'x-dashscope-cachecontrol',
    'x-stainless-lang',
    'x-stainless-package-version',
    'x-stainless-os',
    'x-stainless-arch',
    'x-stainless-runtime',
    'x-stainless-runtime-version',
    'x-stainless-retry-count',
  ])
  if (missing) return missing
  if (!/^QwenCode\/\S+ \(/.test(rec.headers['user-agent'] ?? '')) return 'not Qwen Code'
  if (rec.headers['x-dashscope-authtype'] !== 'qwen-oauth') return 'x-dashscope-authtype must be qwen-oauth'
  return undefined
}

async function setup() {
  let upUrl = ''
  const oauth = startFakeOAuth({
    // Qwen names the API host with every token; a full origin here, so it can be the fake's
    tokenFields: () => ({ resource_url: upUrl }),
  })
  const up = chatUpstream({ problem: qwenProblem, accepts: (rec) => oauth.isValidAccess(bearer(rec)) })
  upUrl = up.url
  const providers = {
    qwen: {
      oauth: { device_code_url: oauth.deviceCodeUrl, token_url: oauth.tokenUrl, client_id: oauth.clientId },
    },
  }
  const gw = await testGateway({ providers })
  return { oauth, up, gw, config: validate({ providers }, 't').config }
}

type Gw = Awaited<ReturnType<typeof testGateway>>

function seedExpired(gw: Gw, oauth: FakeOAuth, upUrl: string, refreshToken?: string) {
  const t = oauth.issue()
  gw.store.accounts.upsert({
    provider: 'qwen',
    accountId: 'default',
    kind: 'oauth',
    token: {
      access_token: t.access_token,
      refresh_token: refreshToken ?? t.refresh_token,
      resource_url: upUrl,
      api_base: `${upUrl}/v1`,
    },
    expiresAt: Date.now() - 1000,
  })
  return t
}

describe('Qwen login', () => {
  test('device login with PKCE → stored → text, stream and tool round trips with both SDKs', async () => {
    const { oauth, up, gw, config } = await setup()
    await using _o = oauth
    await using _u = up
    await using _g = gw
    const account = await loginQwen({ config, print: () => oauth.approveDevice(), ...fastClock() })
    // the fake refuses polls whose code_verifier does not match the challenge; check it was sent
    const deviceCode = oauth.server.requests.find((r) => r.path === '/device/code')!
    const sent = new URLSearchParams(deviceCode.rawBody)
    expect(sent.get('code_challenge_method')).toBe('S256')
    expect(sent.get('scope')).toBe('openid profile email model.completion')
    expect(new URLSearchParams(oauth.tokenRequests()[0]!.rawBody).get('code_verifier')).toBeTruthy()
    expect(account.token['api_base']).toBe(`${up.url}/v1`)
    gw.store.accounts.upsert(account)

    await openaiRoundTrips(gw.url, MODEL)
    await anthropicRoundTrips(gw.url, MODEL)
    expect(up.requests.length).toBe(8)
    for (const rec of up.requests) {
      expect(qwenProblem(rec)).toBeUndefined()
      expect(rec.path).toBe('/v1/chat/completions')
      expect(bearer(rec)).toBe(String(account.token['access_token']))
      expect((rec.body as { model: string }).model).toBe(MODEL)
    }
    expect(gw.logText()).not.toContain(String(account.token['access_token']))
    gw.store.usage.flush()
    expect(gw.store.usage.recent(1)[0]).toMatchObject({ provider: 'qwen', account: 'default', status: 200 })
  })

  test('an expired token is refreshed once for 50 concurrent requests, and the refresh token rotates', async () => {
    const { oauth, up, gw } = await setup()
    await using _o = oauth
    await using _u = up
    await using _g = gw
    const old = seedExpired(gw, oauth, up.url)
    const texts = await fiftyAtOnce(gw.url, MODEL)
    expect(texts.every((t) => t === 'hello there')).toBe(true)
    expect(oauth.counters.refreshes).toBe(1)
    const refresh = new URLSearchParams(oauth.tokenRequests()[0]!.rawBody)
    expect(refresh.get('grant_type')).toBe('refresh_token')
    expect(refresh.get('client_id')).toBe(oauth.clientId)
    const acc = gw.store.accounts.get('qwen', 'default')!
    expect(acc.token['refresh_token']).not.toBe(old.refresh_token)
    expect(acc.token['api_base']).toBe(`${up.url}/v1`)
    expect(acc.expiresAt).toBeGreaterThan(Date.now())
    expect(up.requests.every((r) => bearer(r) === acc.token['access_token'])).toBe(true)
  })

  test('a revoked login is a 401 naming `byokey login qwen`; the upstream is never called', async () => {
    const { oauth, up, gw } = await setup()
    await using _o = oauth
    await using _u = up
    await using _g = gw
    seedExpired(gw, oauth, up.url, 'rt-revoked-value')
    await expectNeedsLogin(gw.url, MODEL, 'qwen')
    expect(up.requests).toHaveLength(0)
    expect(gw.store.accounts.get('qwen', 'default')!.state).toBe('needs_login')
    expect(gw.logText()).not.toContain('rt-revoked-value')
  })
})
