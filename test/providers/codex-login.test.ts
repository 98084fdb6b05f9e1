import { describe, expect, test } from 'bun:test'
import { validate } from '../../src/config/load.ts'
import { InvalidGrantError } from '../../src/oauth/index.ts'
import {
  CODEX_CLIENT_ID,
  chatgptAccountId,
  codexOAuth,
  codexRefresher,
  jwtPayload,
  loginCodex,
} from '../../src/providers/codex/login.ts'
import type { Account } from '../../src/store/types.ts'
import {
  browser,
  type FakeOAuth,
  type FakeOAuthOptions,
  openaiIdToken,
  startFakeOAuth,
  unsignedJwt,
} from '../helpers/fakes/oauth.ts'

function configFor(fake: FakeOAuth) {
  return validate(
    {
      providers: {
        codex: {
          oauth: { authorize_url: fake.authorizeUrl, token_url: fake.tokenUrl, client_id: 'test-client' },
        },
      },
    },
    'test',
  ).config
}

let issued = 0
function fakeWith(over: FakeOAuthOptions = {}) {
  return startFakeOAuth({
    tokenStyle: 'form',
    tokenFields: () => ({ id_token: openaiIdToken(`acc-${++issued}`) }),
    ...over,
  })
}

function accountOf(token: Record<string, unknown>): Account {
  return {
    provider: 'codex',
    accountId: 'a',
    kind: 'oauth',
    active: true,
    token,
    state: 'ok',
    createdAt: 0,
    updatedAt: 0,
  }
}

describe('codexOAuth', () => {
  test('defaults: the Codex CLI client, localhost:1455/auth/callback and its authorize extras', () => {
    const o = codexOAuth(validate({}, 'test').config)
    expect(o.authorizeUrl).toBe('https://auth.openai.com/oauth/authorize')
    expect(o.tokenUrl).toBe('https://auth.openai.com/oauth/token')
    expect(o.clientId).toBe(CODEX_CLIENT_ID)
    expect(o.redirectUri).toBe('http://localhost:1455/auth/callback')
    expect(o.scopes).toEqual(['openid', 'email', 'profile', 'offline_access'])
    expect(o.extraParams).toEqual({
      prompt: 'login',
      id_token_add_organizations: 'true',
      codex_cli_simplified_flow: 'true',
    })
  })
})

describe('id_token claims', () => {
  test('chatgpt_account_id from the https://api.openai.com/auth namespace', () => {
    expect(chatgptAccountId(openaiIdToken('acc-x'))).toBe('acc-x')
    expect(jwtPayload(openaiIdToken('acc-x'))?.email).toBe('ada@example.com')
  })
  test('anything that is not a JWT with the claim gives undefined', () => {
    for (const v of [
      undefined,
      42,
      '',
      'a.b',
      'a.!!!.c',
      `x.${Buffer.from('[1]').toString('base64url')}.y`,
      unsignedJwt({ email: 'e' }),
    ]) {
      expect(chatgptAccountId(v)).toBeUndefined()
    }
  })
})

describe('loginCodex', () => {
  test('browser login: form exchange with PKCE, account id from the id_token', async () => {
    await using fake = fakeWith({ tokenFields: () => ({ id_token: openaiIdToken('acc-login') }) })
    const b = browser()
    const acc = await loginCodex({
      config: configFor(fake),
      print: () => {},
      openBrowser: b.openBrowser,
      redirectPort: 0,
    })
    expect(acc).toMatchObject({
      provider: 'codex',
      kind: 'oauth',
      accountId: 'acc-login',
      label: 'ada@example.com',
    })
    expect(Object.keys(acc.token).sort()).toEqual([
      'access_token',
      'account_id',
      'expires_at',
      'id_token',
      'refresh_token',
    ])
    expect(acc.token.account_id).toBe('acc-login')
    expect(fake.isValidAccess(acc.token.access_token as string)).toBe(true)
    expect(acc.token.expires_at).toBe(Math.floor((acc.expiresAt as number) / 1000))

    const q = new URL(b.urls[0] as string).searchParams
    expect(q.get('prompt')).toBe('login')
    expect(q.get('id_token_add_organizations')).toBe('true')
    expect(q.get('codex_cli_simplified_flow')).toBe('true')
    expect(q.get('scope')).toBe('openid email profile offline_access')
    expect(q.get('code_challenge_method')).toBe('S256')
    expect(new URL(q.get('redirect_uri') as string).pathname).toBe('/auth/callback')

    const [req] = fake.tokenRequests()
    expect(req?.headers['content-type']).toStartWith('application/x-www-form-urlencoded')
    const form = new URLSearchParams(req?.rawBody)
    expect(form.get('grant_type')).toBe('authorization_code')
    expect(form.get('code_verifier')?.length).toBeGreaterThanOrEqual(43)
    expect(form.has('state')).toBe(false)
  })

  test('no id_token: the account is "default"', async () => {
    await using fake = fakeWith({ tokenFields: () => ({}) })
    const acc = await loginCodex({ config: configFor(fake), print: () => {}, ...browser(), redirectPort: 0 })
    expect(acc.accountId).toBe('default')
    expect(acc.token.account_id).toBeUndefined()
  })

  test('the exchange is a form: a token endpoint expecting JSON refuses it', async () => {
    await using fake = fakeWith({ tokenStyle: 'json' })
    const p = loginCodex({ config: configFor(fake), print: () => {}, ...browser(), redirectPort: 0 })
    await expect(p).rejects.toThrow(/invalid_request/)
  })
})

describe('codexRefresher', () => {
  test('rotates tokens with a form refresh (scope included) and takes the new id_token', async () => {
    await using fake = fakeWith({ tokenFields: () => ({ id_token: openaiIdToken('acc-new') }) })
    const seed = fake.issue()
    const old = {
      access_token: seed.access_token,
      refresh_token: seed.refresh_token,
      id_token: openaiIdToken('acc-old'),
      account_id: 'acc-old',
      expires_at: 1,
    }
    const refresher = codexRefresher(configFor(fake))
    const r = await refresher.refresh(accountOf(old))
    expect(r.token.refresh_token).not.toBe(seed.refresh_token)
    expect(fake.isValidAccess(r.token.access_token as string)).toBe(true)
    expect(r.token.account_id).toBe('acc-new')
    expect(r.token.expires_at).toBe(Math.floor((r.expiresAt as number) / 1000))
    const form = new URLSearchParams(fake.tokenRequests().at(-1)?.rawBody)
    expect(form.get('grant_type')).toBe('refresh_token')
    expect(form.get('scope')).toBe('openid profile email')

    await expect(refresher.refresh(accountOf(old))).rejects.toBeInstanceOf(InvalidGrantError)
  })

  test('an answer without id_token keeps the stored one and its account id', async () => {
    await using fake = fakeWith({ tokenFields: () => ({}) })
    const seed = fake.issue()
    const old = { ...seed, id_token: openaiIdToken('acc-keep'), account_id: 'acc-keep' }
    const r = await codexRefresher(configFor(fake)).refresh(accountOf(old))
    expect(r.token.id_token).toBe(old.id_token)
    expect(r.token.account_id).toBe('acc-keep')
  })

  test('refresh_token_reused (OpenAI error shape) is an InvalidGrantError', async () => {
    await using fake = fakeWith()
    const seed = fake.issue()
    fake.failNext(1, 401, { error: { code: 'refresh_token_reused', message: 'already used' } })
    await expect(codexRefresher(configFor(fake)).refresh(accountOf({ ...seed }))).rejects.toBeInstanceOf(
      InvalidGrantError,
    )
  })
})
