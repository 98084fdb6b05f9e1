import { describe, expect, test } from 'bun:test'
import { validate } from '../../src/config/load.ts'
import { InvalidGrantError, OAuthError } from '../../src/oauth/index.ts'
import {
  GOOGLE_AUTHORIZE_URL,
  GOOGLE_TOKEN_URL,
  GOOGLE_USERINFO_URL,
  type GoogleAppDefaults,
  googleEmail,
  googleRefresher,
  loginGoogle,
  resolveGoogleApp,
} from '../../src/providers/shared/google-oauth.ts'
import type { Account } from '../../src/store/types.ts'
import { browser, type FakeOAuth, type FakeOAuthOptions, startFakeOAuth } from '../helpers/fakes/oauth.ts'

const APP: GoogleAppDefaults = {
  clientId: 'real-client.apps.googleusercontent.com',
  clientSecret: 'real-secret',
  scopes: [
    'https://www.googleapis.com/auth/cloud-platform',
    'https://www.googleapis.com/auth/userinfo.email',
  ],
  redirectPort: 8085,
  redirectPath: '/oauth2callback',
  codePageUrl: 'https://codeassist.google.com/authcode',
}

function fakeGoogle(over: FakeOAuthOptions = {}): FakeOAuth {
  return startFakeOAuth({
    tokenStyle: 'form',
    rotate: false,
    clientSecret: 'fake-secret',
    clientSecretIn: 'body',
    ...over,
  })
}

function appFor(fake: FakeOAuth, extra: Record<string, unknown> = {}) {
  const config = validate(
    {
      providers: {
        gemini: {
          oauth: {
            authorize_url: fake.authorizeUrl,
            token_url: fake.tokenUrl,
            userinfo_url: fake.userinfoUrl,
            code_page_url: fake.codePageUrl,
            client_id: fake.clientId,
            client_secret: 'fake-secret',
            ...extra,
          },
        },
      },
    },
    'test',
  ).config
  return resolveGoogleApp(config, 'gemini', APP)
}

function accountOf(token: Record<string, unknown>): Account {
  return {
    provider: 'gemini',
    accountId: 'ada@example.com',
    kind: 'oauth',
    active: true,
    token,
    state: 'ok',
    createdAt: 0,
    updatedAt: 0,
  }
}

/** Lines handed to the login one by one, as a user pasting them. */
function paster(lines: Promise<string>[]) {
  return async () => lines.shift()
}

describe('resolveGoogleApp', () => {
  test("defaults: Google's endpoints, offline access with consent, the app's port, path and code page", () => {
    const app = resolveGoogleApp(validate({}, 'test').config, 'gemini', APP)
    expect(app).toEqual({
      authorizeUrl: GOOGLE_AUTHORIZE_URL,
      tokenUrl: GOOGLE_TOKEN_URL,
      userinfoUrl: GOOGLE_USERINFO_URL,
      clientId: APP.clientId,
      clientSecret: APP.clientSecret,
      scopes: APP.scopes,
      redirectPort: 8085,
      redirectPath: '/oauth2callback',
      redirectUri: 'http://localhost:8085/oauth2callback',
      extraParams: { access_type: 'offline', prompt: 'consent' },
      codePageUrl: 'https://codeassist.google.com/authcode',
    })
  })

  test('every URL, the client id and the secret come from providers.<id>.oauth', async () => {
    await using fake = fakeGoogle()
    const app = appFor(fake)
    expect(app.authorizeUrl).toBe(fake.authorizeUrl)
    expect(app.tokenUrl).toBe(fake.tokenUrl)
    expect(app.userinfoUrl).toBe(fake.userinfoUrl)
    expect(app.codePageUrl).toBe(fake.codePageUrl)
    expect(app.clientId).toBe(fake.clientId)
    expect(app.clientSecret).toBe('fake-secret')
  })

  test('an app without a code page has none', () => {
    const { codePageUrl: _, ...noPage } = APP
    expect(resolveGoogleApp(validate({}, 'test').config, 'antigravity', noPage).codePageUrl).toBeUndefined()
  })
})

describe('loginGoogle', () => {
  test('loopback: PKCE, offline access, form exchange with the secret; email from userinfo', async () => {
    await using fake = fakeGoogle({ googleEmail: 'grace@example.com' })
    const b = browser()
    const login = await loginGoogle(appFor(fake), {
      config: validate({}, 'test').config,
      print: () => {},
      openBrowser: b.openBrowser,
      redirectPort: 0,
      now: () => 1_000_000,
    })
    expect(login.email).toBe('grace@example.com')
    // the fake's answer has no `scope`; Google's has, and it is kept then
    expect(Object.keys(login.token).sort()).toEqual([
      'access_token',
      'email',
      'expires_at',
      'refresh_token',
      'token_type',
    ])
    expect(login.token.email).toBe('grace@example.com')
    expect(fake.isValidAccess(login.token.access_token)).toBe(true)
    expect(login.expiresAt).toBe(1_000_000 + 3600 * 1000)
    expect(login.token.expires_at).toBe(Math.floor((1_000_000 + 3600 * 1000) / 1000))

    const q = new URL(b.urls[0] as string).searchParams
    expect(q.get('access_type')).toBe('offline')
    expect(q.get('prompt')).toBe('consent')
    expect(q.get('code_challenge_method')).toBe('S256')
    expect(q.get('scope')).toBe(APP.scopes.join(' '))
    expect(q.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/oauth2callback$/)
    const exchange = fake.tokenRequests()[0]!
    expect(exchange.headers['content-type']).toBe('application/x-www-form-urlencoded')
    const form = new URLSearchParams(exchange.rawBody)
    expect(form.get('client_secret')).toBe('fake-secret')
    expect(form.get('grant_type')).toBe('authorization_code')
    expect(form.get('code_verifier')).toBeTruthy()
    const userinfo = fake.server.requests.find((r) => r.path === '/oauth2/v1/userinfo')!
    expect(userinfo.headers.authorization).toBe(`Bearer ${login.token.access_token}`)
  })

  test('code page: no callback server; the code Google shows is pasted', async () => {
    await using fake = fakeGoogle()
    const printed: string[] = []
    let pageSeen: (code: string) => void = () => {}
    const pasted = new Promise<string>((resolve) => {
      pageSeen = resolve
    })
    const login = loginGoogle(appFor(fake), {
      config: validate({}, 'test').config,
      print: (line) => {
        printed.push(line)
        if (line.startsWith('http')) {
          // the user's browser: authorize, land on the code page, copy the code
          void fetch(line)
            .then((r) => r.text())
            .then((html) => pageSeen(/<code id="code">([^<]+)<\/code>/.exec(html)?.[1] ?? ''))
        }
      },
      readPastedLine: paster([pasted]),
      codePage: true,
    })
    const done = await login
    expect(fake.isValidAccess(done.token.access_token)).toBe(true)
    const url = new URL(printed.find((l) => l.startsWith('http'))!)
    expect(url.searchParams.get('redirect_uri')).toBe(fake.codePageUrl)
    expect(url.searchParams.get('code_challenge')).toBeTruthy()
    const form = new URLSearchParams(fake.tokenRequests()[0]!.rawBody)
    expect(form.get('redirect_uri')).toBe(fake.codePageUrl)
    expect(printed.join('\n')).toContain('Paste')
  })

  test('a wrong client secret fails the login with invalid_client', async () => {
    await using fake = fakeGoogle()
    const app = { ...appFor(fake), clientSecret: 'wrong' }
    const err = await loginGoogle(app, {
      config: validate({}, 'test').config,
      print: () => {},
      openBrowser: browser().openBrowser,
      redirectPort: 0,
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OAuthError)
    expect((err as OAuthError).code).toBe('invalid_client')
  })

  test('userinfo refusing the token leaves the email unknown, not the login failed', async () => {
    await using fake = fakeGoogle()
    expect(await googleEmail(fake.userinfoUrl, 'not-issued-here')).toBeUndefined()
    const { access_token } = fake.issue()
    expect(await googleEmail(fake.userinfoUrl, access_token)).toBe('ada@example.com')
  })
})

describe('googleRefresher', () => {
  test('keeps the refresh token Google did not resend, the email and the project', async () => {
    await using fake = fakeGoogle()
    const seed = fake.issue()
    const r = await googleRefresher(appFor(fake), { now: () => 5_000_000 }).refresh(
      accountOf({
        access_token: seed.access_token,
        refresh_token: seed.refresh_token,
        expires_at: 1,
        email: 'ada@example.com',
        project_id: 'proj-1',
      }),
    )
    expect(r.token.refresh_token).toBe(seed.refresh_token)
    expect(r.token.access_token).not.toBe(seed.access_token)
    expect(fake.isValidAccess(r.token.access_token as string)).toBe(true)
    expect(r.token.email).toBe('ada@example.com')
    expect(r.token.project_id).toBe('proj-1')
    expect(r.expiresAt).toBe(5_000_000 + 3600 * 1000)
    expect(r.token.expires_at).toBe(Math.floor(r.expiresAt! / 1000))
    const form = new URLSearchParams(fake.tokenRequests()[0]!.rawBody)
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: seed.refresh_token,
      client_id: fake.clientId,
      client_secret: 'fake-secret',
    })
  })

  test('a new refresh token, when Google sends one, replaces the old', async () => {
    await using fake = fakeGoogle({ rotate: true })
    const seed = fake.issue()
    const r = await googleRefresher(appFor(fake)).refresh(
      accountOf({ access_token: seed.access_token, refresh_token: seed.refresh_token }),
    )
    expect(r.token.refresh_token).not.toBe(seed.refresh_token)
    expect(typeof r.token.refresh_token).toBe('string')
  })

  test('a revoked refresh token is invalid_grant (needs login)', async () => {
    await using fake = fakeGoogle()
    const seed = fake.issue()
    fake.revoke(seed.refresh_token)
    const err = await googleRefresher(appFor(fake))
      .refresh(accountOf({ access_token: seed.access_token, refresh_token: seed.refresh_token }))
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidGrantError)
    expect(String((err as Error).message)).not.toContain(seed.refresh_token)
  })
})
