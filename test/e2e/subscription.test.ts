/**
 * A Claude Pro/Max login serving requests: the stored token is refreshed once however many
 * requests find it expired, an upstream 401 refreshes and retries once, a revoked login marks the
 * account and tells the client which command fixes it, and the upstream sees a subscription-shaped
 * request. Fake OAuth and Anthropic servers on 127.0.0.1; real SQLite; the real Anthropic SDK.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { CLAUDE_CODE_IDENTITY } from '../../src/providers/claude/subscription.ts'
import { errorReply, fakeAnthropic } from '../helpers/fakes/index.ts'
import { type FakeOAuth, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { testGateway } from '../helpers/gateway.ts'

function seed(gw: Awaited<ReturnType<typeof testGateway>>, oauth: FakeOAuth, expired = true) {
  const t = oauth.issue()
  gw.store.accounts.upsert({
    provider: 'claude',
    accountId: 'me',
    kind: 'oauth',
    token: { access_token: t.access_token, refresh_token: t.refresh_token },
    expiresAt: expired ? Date.now() - 1000 : Date.now() + 3_600_000,
  })
  return t
}

/** An Anthropic fake that only takes access tokens the OAuth fake currently considers valid. */
function subscriptionUpstream(oauth: FakeOAuth) {
  return fakeAnthropic(
    (rec) => {
      const bearer = (rec.headers['authorization'] ?? '').replace(/^Bearer /, '')
      return oauth.isValidAccess(bearer)
        ? { text: 'hello from your subscription', usage: { input: 9, output: 4 } }
        : errorReply(401, { message: 'OAuth access token has expired. Re-authenticate to continue.' })
    },
    { requireOAuthBeta: true },
  )
}

const configFor = (up: { url: string }, oauth: FakeOAuth) => ({
  providers: {
    claude: { base_url: up.url, oauth: { token_url: oauth.tokenUrl, client_id: oauth.clientId } },
  },
})

describe('Claude subscription login', () => {
  test('100 concurrent requests on an expired token cause exactly one refresh, and all succeed', async () => {
    await using oauth = startFakeOAuth({ tokenStyle: 'json', rotate: true, refreshDelayMs: 50 })
    await using up = subscriptionUpstream(oauth)
    await using gw = await testGateway(configFor(up, oauth))
    const seeded = seed(gw, oauth)
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'any', maxRetries: 0 })
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        client.messages.create({
          model: 'claude-sonnet-4-6',
          max_tokens: 64,
          system: 'Be brief.',
          messages: [{ role: 'user', content: 'hi' }],
        }),
      ),
    )
    expect(results.every((r) => r.content[0]?.type === 'text')).toBe(true)
    expect(oauth.counters.refreshes).toBe(1)
    // the upstream saw a subscription-shaped request, never an API key
    const rec = up.requests[0]!
    expect(rec.query).toMatchObject({ beta: 'true' })
    expect(rec.headers['x-api-key']).toBeUndefined()
    expect(rec.headers['anthropic-beta']).toContain('oauth-2025-04-20')
    expect(rec.headers['authorization']).not.toBe(`Bearer ${seeded.access_token}`)
    const system = (rec.body as { system: Array<{ text: string }> }).system
    expect(system[0]?.text).toBe(CLAUDE_CODE_IDENTITY)
    expect(system[1]?.text).toBe('Be brief.')
    // the refreshed token was stored, and usage names the account
    const acc = gw.store.accounts.get('claude', 'me')!
    expect(acc.token['refresh_token']).not.toBe(seeded.refresh_token)
    expect(acc.expiresAt).toBeGreaterThan(Date.now())
    await gw.store.usage.flush()
    expect((await gw.store.usage.recent(1))[0]).toMatchObject({
      provider: 'claude',
      account: 'me',
      status: 200,
      inputTokens: 9,
    })
    expect(gw.logText()).not.toContain(seeded.refresh_token)
  })

  test('an upstream 401 on a token that looked valid refreshes once and retries', async () => {
    await using oauth = startFakeOAuth({ tokenStyle: 'json', rotate: true })
    let calls = 0
    await using up = fakeAnthropic(
      () =>
        ++calls === 1
          ? errorReply(401, { message: 'OAuth access token has expired. Re-authenticate to continue.' })
          : { text: 'after one refresh' },
      { requireOAuthBeta: true },
    )
    await using gw = await testGateway(configFor(up, oauth))
    seed(gw, oauth, false)
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    })
    expect(res.status).toBe(200)
    expect(oauth.counters.refreshes).toBe(1)
    expect(up.requests).toHaveLength(2)
    expect(up.requests[1]?.headers['authorization']).not.toBe(up.requests[0]?.headers['authorization'])
  })

  test('a revoked login marks the account needs_login (kept) and the client is told to run byokey login', async () => {
    await using oauth = startFakeOAuth({ tokenStyle: 'json', rotate: true })
    await using up = subscriptionUpstream(oauth)
    await using gw = await testGateway(configFor(up, oauth))
    const seeded = seed(gw, oauth)
    oauth.revoke(seeded.refresh_token)
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    })
    expect(res.status).toBe(401)
    const body = (await res.json()) as { type: string; error: { type: string; message: string } }
    expect(body.error.type).toBe('authentication_error')
    expect(body.error.message).toContain('byokey login claude')
    const acc = gw.store.accounts.get('claude', 'me')
    expect(acc?.state).toBe('needs_login')
    expect(up.requests).toHaveLength(0)
    expect(JSON.stringify(body)).not.toContain(seeded.refresh_token)
  })
})
