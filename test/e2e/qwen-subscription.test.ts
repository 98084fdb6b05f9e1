/**
 * A Qwen Code login from the device flow to served requests: PKCE on the device code (the fake
 * checks the verifier of every poll), the API base taken from the token's `resource_url`, Qwen
 * Code's headers on every call, one refresh (rotating the refresh token) for 50 concurrent
 * requests, an upstream's error body passed on unchanged, and a revoked login answered with the
 * command that fixes it. Fake OAuth and Qwen API servers on 127.0.0.1; real SQLite; the real
 * OpenAI and Anthropic SDKs.
 */
import { describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { loginQwen } from '../../src/providers/qwen/login.ts'
import {
  anthropicRoundTrips,
  bearer,
  chatRig,
  expectOneRefresh,
  expectRevoked,
  fastClock,
  missingHeaders,
  openaiRoundTrips,
  seedExpired,
} from '../helpers/chat-subscription.ts'
import { errorReply, type Recorded } from '../helpers/fakes/index.ts'

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

/** No `base_url`: calls go where the token's `resource_url` says (a full origin, so it can be the fake's). */
const setup = () =>
  chatRig({
    problem: qwenProblem,
    oauth: (upUrl) => ({ tokenFields: () => ({ resource_url: upUrl }) }),
    providers: (oauth) => ({
      qwen: {
        oauth: { device_code_url: oauth.deviceCodeUrl, token_url: oauth.tokenUrl, client_id: oauth.clientId },
      },
    }),
  })

describe('Qwen login', () => {
  test('device login with PKCE → stored → text, stream and tool round trips with both SDKs', async () => {
    await using rig = await setup()
    const { oauth, up, gw } = rig
    const account = await loginQwen({
      config: rig.config,
      print: () => oauth.approveDevice(),
      ...fastClock(),
    })
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
    await gw.store.usage.flush()
    expect((await gw.store.usage.recent(1))[0]).toMatchObject({
      provider: 'qwen',
      account: 'default',
      status: 200,
    })

    // what the upstream says when it refuses reaches the client as it said it
    up.script = errorReply(403, { message: 'free tier discontinued for this account', code: 'tier_ended' })
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'any', maxRetries: 0 })
    const err = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(403)
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain(
      'free tier discontinued for this account',
    )
  })

  test('an expired token is refreshed once for 50 concurrent requests, and the refresh token rotates', async () => {
    await using rig = await setup()
    const old = rig.oauth.issue()
    const base = `${rig.up.url}/v1`
    seedExpired(rig, 'qwen', 'default', { ...old, resource_url: rig.up.url, api_base: base })
    const acc = await expectOneRefresh(rig, MODEL, 'qwen', 'default')
    const refresh = new URLSearchParams(rig.oauth.tokenRequests()[0]!.rawBody)
    expect(refresh.get('grant_type')).toBe('refresh_token')
    expect(refresh.get('client_id')).toBe(rig.oauth.clientId)
    expect(acc.token['refresh_token']).not.toBe(old.refresh_token)
    expect(acc.token['api_base']).toBe(base)
    expect(rig.up.requests.every((r) => !qwenProblem(r))).toBe(true)
  })

  test("Qwen's answer that the OAuth tier ended reaches the failure classification: the account is unavailable", async () => {
    await using rig = await setup()
    const t = rig.oauth.issue()
    rig.gw.store.accounts.upsert({
      provider: 'qwen',
      accountId: 'default',
      kind: 'oauth',
      token: { ...t, api_base: `${rig.up.url}/v1` },
      expiresAt: Date.now() + 3_600_000,
    })
    rig.up.script = errorReply(403, {
      message: 'Qwen OAuth free tier has been discontinued',
      code: 'forbidden',
    })
    const res = await fetch(`${rig.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res.status).toBe(403)
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('discontinued')
    expect(rig.up.requests).toHaveLength(1)
    expect(rig.gw.store.accounts.get('qwen', 'default')!.state).toBe('unavailable')
  })

  test('a revoked login is a 401 naming `byokey login qwen`; the upstream is never called', async () => {
    await using rig = await setup()
    const t = rig.oauth.issue()
    const token = { ...t, refresh_token: 'rt-revoked-value', api_base: `${rig.up.url}/v1` }
    seedExpired(rig, 'qwen', 'default', token)
    await expectRevoked(rig, MODEL, 'qwen', 'default')
    expect(rig.gw.logText()).not.toContain('rt-revoked-value')
  })
})
