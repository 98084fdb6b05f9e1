import { describe, expect, test } from 'bun:test'
import { type AuthCodeFlowOptions, buildAuthorizeUrl, runAuthCodeFlow } from '../../src/oauth/auth-code.ts'
import { OAuthError } from '../../src/oauth/errors.ts'
import { type FakeOAuth, startFakeOAuth } from '../helpers/fakes/oauth.ts'

/** Flow options against the fake; the "browser" follows the authorize URL to the callback. */
function flowOpts(fake: FakeOAuth, over: Partial<AuthCodeFlowOptions> = {}) {
  const lines: string[] = []
  const pages: Promise<Response>[] = []
  const opts: AuthCodeFlowOptions = {
    authorizeUrl: fake.authorizeUrl,
    tokenUrl: fake.tokenUrl,
    clientId: 'test-client',
    scopes: ['user:profile', 'user:inference'],
    redirectPort: 0,
    redirectPath: '/callback',
    redirectHost: '127.0.0.1',
    tokenRequestStyle: 'form',
    openBrowser: (url) => {
      pages.push(fetch(url))
    },
    print: (line) => lines.push(line),
    timeoutMs: 5000,
    ...over,
  }
  return { opts, lines, pages }
}

async function rejection(p: Promise<unknown>): Promise<OAuthError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(OAuthError)
    return e as OAuthError
  }
  throw new Error('resolved')
}

/** A paste source the test feeds line by line. */
function pasteQueue() {
  const waiting: ((line: string | undefined) => void)[] = []
  const queued: (string | undefined)[] = []
  return {
    push(line: string | undefined) {
      const w = waiting.shift()
      if (w) w(line)
      else queued.push(line)
    },
    read: (): Promise<string | undefined> =>
      queued.length > 0 ? Promise.resolve(queued.shift()) : new Promise((r) => waiting.push(r)),
  }
}

describe('authorization code + PKCE', () => {
  test('end to end: printed URL, browser redirect to the callback, PKCE verified by the token endpoint', async () => {
    await using fake = startFakeOAuth()
    const { opts, lines, pages } = flowOpts(fake, { extraParams: { code: 'true', prompt: 'login' } })
    const token = await runAuthCodeFlow(opts)
    expect(fake.isValidAccess(token.access_token)).toBe(true)
    expect(token.refresh_token).toStartWith('rt-')
    expect(token.expires_in).toBe(3600)

    const printed = lines.find((l) => l.startsWith(fake.authorizeUrl))!
    const q = new URL(printed).searchParams
    expect(q.get('response_type')).toBe('code')
    expect(q.get('client_id')).toBe('test-client')
    expect(q.get('scope')).toBe('user:profile user:inference')
    expect(q.get('code_challenge_method')).toBe('S256')
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(q.get('state')).toMatch(/^[0-9a-f]{32}$/)
    expect(q.get('code')).toBe('true')
    expect(q.get('prompt')).toBe('login')
    expect(q.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/)

    const page = await pages[0]!
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Login successful')

    const ex = fake.tokenRequests()[0]!
    expect(ex.headers['content-type']).toBe('application/x-www-form-urlencoded')
    const sent = new URLSearchParams(ex.rawBody)
    expect(sent.get('grant_type')).toBe('authorization_code')
    expect(sent.get('redirect_uri')).toBe(q.get('redirect_uri'))
    expect(sent.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(sent.has('state')).toBe(false)
  })

  test('JSON token request (Claude) carries the state too', async () => {
    await using fake = startFakeOAuth()
    const { opts } = flowOpts(fake, { tokenRequestStyle: 'json' })
    await runAuthCodeFlow(opts)
    const ex = fake.tokenRequests()[0]!
    expect(ex.headers['content-type']).toBe('application/json')
    const body = ex.body as Record<string, string>
    expect(body.grant_type).toBe('authorization_code')
    expect(body.state).toMatch(/^[0-9a-f]{32}$/)
    expect(body.code_verifier).toBeString()
  })

  test('a verifier that does not match the registered challenge is refused, with the OAuth error named', async () => {
    await using fake = startFakeOAuth()
    const { opts } = flowOpts(fake, {
      // The "browser" registers another challenge than the one derived from the flow's verifier.
      openBrowser: (url) => {
        const u = new URL(url)
        u.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
        void fetch(u)
      },
    })
    const e = await rejection(runAuthCodeFlow(opts))
    expect(e.code).toBe('invalid_grant')
    expect(e.message).toContain('token exchange failed with invalid_grant')
    expect(e.message).toContain('PKCE verification failed')
    expect(fake.counters.codeExchanges).toBe(1)
  })

  test('an OAuth error redirect ends the login with that error', async () => {
    await using fake = startFakeOAuth()
    fake.denyNextAuthorize('access_denied', 'The user denied the request')
    const { opts } = flowOpts(fake)
    const e = await rejection(runAuthCodeFlow(opts))
    expect(e.code).toBe('access_denied')
    expect(e.message).toContain('The user denied the request')
    expect(fake.counters.tokenCalls).toBe(0)
  })

  test('times out when no callback comes, without opening anything (--no-browser)', async () => {
    await using fake = startFakeOAuth()
    const { opts, lines } = flowOpts(fake, { openBrowser: undefined, timeoutMs: 150 })
    const e = await rejection(runAuthCodeFlow(opts))
    expect(e.code).toBe('login_timeout')
    expect(lines.some((l) => l.startsWith(fake.authorizeUrl))).toBe(true)
  })

  test('pasted redirect URL: a wrong one is refused with a hint, the right one completes the login', async () => {
    await using fake = startFakeOAuth()
    const paste = pasteQueue()
    const { opts, lines } = flowOpts(fake, {
      openBrowser: async (url) => {
        // The redirect "cannot reach this machine": the user copies the URL from the address bar.
        const res = await fetch(url, { redirect: 'manual' })
        const location = res.headers.get('location')!
        paste.push('http://localhost:54545/callback?code=stolen&state=not-this-login')
        paste.push('')
        paste.push(location)
      },
      readPastedLine: paste.read,
    })
    const token = await runAuthCodeFlow(opts)
    expect(fake.isValidAccess(token.access_token)).toBe(true)
    expect(lines.some((l) => l.includes('paste'))).toBe(true)
    expect(lines.some((l) => l.includes('state does not match'))).toBe(true)
    expect(fake.counters.codeExchanges).toBe(1)
  })

  test("Claude's code#state paste works when the callback port is taken", async () => {
    await using fake = startFakeOAuth()
    const paste = pasteQueue()
    const { opts, lines } = flowOpts(fake, {
      redirectPort: fake.server.port, // busy: the fake itself listens there
      openBrowser: async (url) => {
        const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!)
        paste.push(`${location.searchParams.get('code')}#${location.searchParams.get('state')}`)
      },
      readPastedLine: paste.read,
      tokenRequestStyle: 'json',
    })
    const token = await runAuthCodeFlow(opts)
    expect(fake.isValidAccess(token.access_token)).toBe(true)
    expect(lines.some((l) => l.includes('already in use'))).toBe(true)
  })

  test('a fixed redirect URI (provider code page) needs no callback server: paste only', async () => {
    await using fake = startFakeOAuth()
    const paste = pasteQueue()
    const { opts } = flowOpts(fake, {
      redirectUri: 'https://console.example/oauth/code/callback',
      openBrowser: async (url) => {
        const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!)
        expect(location.origin).toBe('https://console.example')
        paste.push(location.searchParams.get('code')!)
      },
      readPastedLine: paste.read,
    })
    const token = await runAuthCodeFlow(opts)
    expect(fake.isValidAccess(token.access_token)).toBe(true)
    expect(new URLSearchParams(fake.tokenRequests()[0]!.rawBody).get('redirect_uri')).toBe(
      'https://console.example/oauth/code/callback',
    )
  })

  test('token error bodies and bodies without access_token become clear errors without secrets', async () => {
    await using fake = startFakeOAuth()
    fake.failNext(1, 200, { refresh_token: 'rt-secret-value-123', token_type: 'Bearer' })
    const e1 = await rejection(runAuthCodeFlow(flowOpts(fake).opts))
    expect(e1.code).toBe('bad_response')
    expect(e1.message).toContain('no access_token')
    expect(e1.message).not.toContain('rt-secret-value-123')

    fake.failNext(1, 500, 'x')
    const e2 = await rejection(runAuthCodeFlow(flowOpts(fake).opts))
    expect(e2.message).toContain('HTTP 500')
  })

  test('abort signal cancels the login', async () => {
    await using fake = startFakeOAuth()
    const ac = new AbortController()
    const { opts } = flowOpts(fake, { openBrowser: () => ac.abort(), signal: ac.signal })
    expect((await rejection(runAuthCodeFlow(opts))).code).toBe('login_cancelled')
  })

  test('buildAuthorizeUrl keeps the base URL query and lets extras override', () => {
    const url = buildAuthorizeUrl(
      {
        authorizeUrl: 'https://a.example/oauth?x=1',
        clientId: 'c',
        scopes: [],
        extraParams: { prompt: 'consent' },
      },
      'http://localhost:1/cb',
      's',
    )
    const q = new URL(url).searchParams
    expect(q.get('x')).toBe('1')
    expect(q.get('prompt')).toBe('consent')
    expect(q.has('scope')).toBe(false)
    expect(q.has('code_challenge')).toBe(false)
  })
})
