import { describe, expect, test } from 'bun:test'
import { validate } from '../../src/config/load.ts'
import { InvalidGrantError } from '../../src/oauth/index.ts'
import {
  CLAUDE_CLIENT_ID,
  CLAUDE_TOKEN_URL,
  claudeOAuth,
  claudeRefresher,
  loginClaude,
} from '../../src/providers/claude/login.ts'
import type { Account } from '../../src/store/types.ts'
import { browser, type FakeOAuth, type FakeOAuthOptions, startFakeOAuth } from '../helpers/fakes/oauth.ts'

const ACCOUNT_INFO = {
  account: { uuid: 'u-1', email_address: 'ada@example.com' },
  organization: { uuid: 'o-1', name: 'Analytical Engines' },
}

function configFor(fake: FakeOAuth) {
  return validate(
    {
      providers: {
        claude: {
          oauth: { authorize_url: fake.authorizeUrl, token_url: fake.tokenUrl, client_id: 'test-client' },
        },
      },
    },
    'test',
  ).config
}

function fakeWith(over: FakeOAuthOptions = {}) {
  return startFakeOAuth({ tokenStyle: 'json', tokenFields: () => ACCOUNT_INFO, ...over })
}

function accountOf(token: Record<string, unknown>): Account {
  return {
    provider: 'claude',
    accountId: 'ada@example.com',
    kind: 'oauth',
    active: true,
    token,
    state: 'ok',
    createdAt: 0,
    updatedAt: 0,
  }
}

describe('claudeOAuth', () => {
  test('defaults: the Claude Code client, scopes and localhost:54545/callback', () => {
    const o = claudeOAuth(validate({}, 'test').config)
    expect(o.authorizeUrl).toBe('https://claude.ai/oauth/authorize')
    expect(o.tokenUrl).toBe(CLAUDE_TOKEN_URL)
    expect(o.clientId).toBe(CLAUDE_CLIENT_ID)
    expect(o.redirectUri).toBe('http://localhost:54545/callback')
    expect(o.scopes).toContain('user:inference')
    expect(o.extraParams).toEqual({ code: 'true' })
  })

  test('config overrides every URL and the client id', async () => {
    await using fake = startFakeOAuth()
    const o = claudeOAuth(configFor(fake))
    expect([o.authorizeUrl, o.tokenUrl, o.clientId]).toEqual([
      fake.authorizeUrl,
      fake.tokenUrl,
      'test-client',
    ])
  })
})

describe('loginClaude', () => {
  test('browser login: JSON exchange with state and PKCE, account from the token answer', async () => {
    await using fake = fakeWith()
    const b = browser()
    const lines: string[] = []
    const before = Date.now()
    const acc = await loginClaude({
      config: configFor(fake),
      print: (l) => lines.push(l),
      openBrowser: b.openBrowser,
      redirectPort: 0,
    })
    expect(acc.provider).toBe('claude')
    expect(acc.kind).toBe('oauth')
    expect(acc.accountId).toBe('ada@example.com')
    expect(acc.label).toBe('Analytical Engines')
    expect(Object.keys(acc.token).sort()).toEqual(['access_token', 'expires_at', 'refresh_token'])
    expect(fake.isValidAccess(acc.token.access_token as string)).toBe(true)
    expect(acc.expiresAt).toBeGreaterThanOrEqual(before + 3600_000)
    expect(acc.token.expires_at).toBe(Math.floor((acc.expiresAt as number) / 1000))

    const authorize = new URL(b.urls[0] as string)
    expect(lines).toContain(b.urls[0] as string)
    expect(authorize.searchParams.get('code')).toBe('true')
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('scope')).toContain('user:sessions:claude_code')
    const redirect = new URL(authorize.searchParams.get('redirect_uri') as string)
    expect(redirect.hostname).toBe('localhost')
    expect(redirect.pathname).toBe('/callback')
    expect(redirect.port).not.toBe('54545')

    const [req] = fake.tokenRequests()
    expect(req?.headers['content-type']).toStartWith('application/json')
    const body = req?.body as Record<string, string>
    expect(body.grant_type).toBe('authorization_code')
    expect(body.state).toBe(authorize.searchParams.get('state') as string)
    expect(body.code_verifier?.length).toBeGreaterThanOrEqual(43)
    expect(fake.counters.codeExchanges).toBe(1)
  })

  test('without account info in the token answer the account is "default"', async () => {
    await using fake = fakeWith({ tokenFields: () => ({}) })
    const acc = await loginClaude({ config: configFor(fake), print: () => {}, ...browser(), redirectPort: 0 })
    expect(acc.accountId).toBe('default')
    expect(acc.label).toBeUndefined()
  })

  test('a wrong PKCE verifier is refused by the token endpoint', async () => {
    await using fake = fakeWith()
    const tamper: typeof fetch = Object.assign(
      (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
        const body = JSON.parse(String(init?.body)) as Record<string, string>
        body.code_verifier = 'x'.repeat(43)
        return fetch(input, { ...init, body: JSON.stringify(body) })
      },
      { preconnect: fetch.preconnect },
    )
    const p = loginClaude({
      config: configFor(fake),
      print: () => {},
      ...browser(),
      redirectPort: 0,
      fetch: tamper,
    })
    await expect(p).rejects.toBeInstanceOf(InvalidGrantError)
    await expect(p).rejects.toThrow(/PKCE/)
  })
})

describe('claudeRefresher', () => {
  test('rotates tokens with a JSON refresh and keeps the stored shape', async () => {
    await using fake = fakeWith()
    const seed = fake.issue()
    const refresher = claudeRefresher(configFor(fake))
    const old = { access_token: seed.access_token, refresh_token: seed.refresh_token, expires_at: 1 }
    const r = await refresher.refresh(accountOf(old))
    expect(Object.keys(r.token).sort()).toEqual(['access_token', 'expires_at', 'refresh_token'])
    expect(r.token.access_token).not.toBe(seed.access_token)
    expect(r.token.refresh_token).not.toBe(seed.refresh_token)
    expect(fake.isValidAccess(r.token.access_token as string)).toBe(true)
    expect(r.token.expires_at).toBe(Math.floor((r.expiresAt as number) / 1000))
    const req = fake.tokenRequests().at(-1)
    expect(req?.headers['content-type']).toStartWith('application/json')
    expect(req?.body).toMatchObject({ grant_type: 'refresh_token', client_id: 'test-client' })

    // Single use: the old refresh token is now rejected, which only a new login fixes.
    await expect(refresher.refresh(accountOf(old))).rejects.toBeInstanceOf(InvalidGrantError)
    // The new one works.
    const again = await refresher.refresh(accountOf(r.token))
    expect(again.token.refresh_token).not.toBe(r.token.refresh_token)
  })

  test('invalid_grant from a revoked token is an InvalidGrantError', async () => {
    await using fake = fakeWith()
    const seed = fake.issue()
    fake.revoke(seed.refresh_token)
    const refresher = claudeRefresher(configFor(fake))
    await expect(refresher.refresh(accountOf({ ...seed }))).rejects.toBeInstanceOf(InvalidGrantError)
  })
})
