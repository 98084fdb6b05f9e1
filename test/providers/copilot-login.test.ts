import { describe, expect, test } from 'bun:test'
import { validate } from '../../src/config/load.ts'
import { InvalidGrantError, OAuthError } from '../../src/oauth/index.ts'
import {
  COPILOT_CLIENT_ID,
  copilotOAuth,
  exchangeCopilotToken,
  loginCopilot,
} from '../../src/providers/copilot/login.ts'
import { copilotOAuthSettings, type FakeOAuth, startFakeOAuth } from '../helpers/fakes/oauth.ts'

function configFor(fake: FakeOAuth, over: Record<string, string> = {}) {
  return validate(
    {
      providers: {
        copilot: {
          oauth: { ...copilotOAuthSettings(fake), ...over },
        },
      },
    },
    'test',
  ).config
}

/** GitHub-like: device errors as HTTP 200, a fast poll interval. */
const githubFake = () => startFakeOAuth({ deviceErrorStatus: 200, deviceInterval: 0.02, githubLogin: 'ada' })

/** Approves the device once the client has polled `polls` times. */
function approveAfter(fake: FakeOAuth, polls: number) {
  const t = setInterval(() => {
    if (fake.counters.devicePolls >= polls) {
      clearInterval(t)
      fake.approveDevice()
    }
  }, 5)
  return () => clearInterval(t)
}

describe('copilotOAuth', () => {
  test('defaults: GitHub device endpoints, the Copilot client id and api.github.com', () => {
    const o = copilotOAuth(validate({}, 'test').config)
    expect(o.deviceCodeUrl).toBe('https://github.com/login/device/code')
    expect(o.tokenUrl).toBe('https://github.com/login/oauth/access_token')
    expect(o.clientId).toBe(COPILOT_CLIENT_ID)
    expect(o.scope).toBe('read:user')
    expect(o.tokenExchangeUrl).toBe('https://api.github.com/copilot_internal/v2/token')
    expect(o.userUrl).toBe('https://api.github.com/user')
  })
})

describe('loginCopilot', () => {
  test('device flow: pending until approved, then the GitHub login names the account', async () => {
    await using fake = githubFake()
    const stop = approveAfter(fake, 2)
    const lines: string[] = []
    const acc = await loginCopilot({ config: configFor(fake), print: (l) => lines.push(l) }).finally(stop)
    expect(acc).toEqual({ provider: 'copilot', accountId: 'ada', kind: 'oauth', token: acc.token })
    expect(Object.keys(acc.token)).toEqual(['github_token'])
    expect(fake.isValidAccess(acc.token.github_token as string)).toBe(true)
    expect(fake.counters.devicePolls).toBeGreaterThanOrEqual(3)
    expect(lines.join('\n')).toContain('WDJB-MJHT')
    const code = fake.server.requests.find((r) => r.path === '/device/code')
    expect(code?.headers.accept).toBe('application/json')
    expect(new URLSearchParams(code?.rawBody).get('scope')).toBe('read:user')
    const user = fake.server.requests.find((r) => r.path === '/user')
    expect(user?.headers.authorization).toBe(`token ${acc.token.github_token}`)
  })

  test('GitHub API unreachable: the account is "default"', async () => {
    await using fake = githubFake()
    const stop = approveAfter(fake, 1)
    try {
      const acc = await loginCopilot({
        config: configFor(fake, { token_exchange_url: 'http://127.0.0.1:1/copilot_internal/v2/token' }),
        print: () => {},
      })
      expect(acc.accountId).toBe('default')
    } finally {
      stop()
    }
  })

  test('denied in the browser: access_denied', async () => {
    await using fake = githubFake()
    const t = setInterval(() => {
      if (fake.counters.devicePolls >= 1) {
        clearInterval(t)
        fake.denyDevice()
      }
    }, 5)
    const p = loginCopilot({ config: configFor(fake), print: () => {} })
    await expect(p).rejects.toBeInstanceOf(OAuthError)
    await expect(p).rejects.toMatchObject({ code: 'access_denied' })
    clearInterval(t)
  })
})

describe('exchangeCopilotToken', () => {
  test('token, expiry and apiBase from endpoints.api, with the editor headers', async () => {
    await using fake = startFakeOAuth({ copilotApiBase: 'https://api.individual.githubcopilot.test/' })
    const gh = fake.issue().access_token
    const now = Date.now()
    const t = await exchangeCopilotToken(configFor(fake), gh, { now: () => now })
    expect(t.token).toStartWith('tid=')
    expect(t.apiBase).toBe('https://api.individual.githubcopilot.test')
    expect(t.expiresAt % 1000).toBe(0)
    expect(t.expiresAt).toBeGreaterThan(now + 1700_000)
    expect(t.refreshAt).toBe(now + (1500 - 60) * 1000)
    const req = fake.server.requests.find((r) => r.path === '/copilot_internal/v2/token')
    expect(req?.method).toBe('GET')
    expect(req?.headers.authorization).toBe(`token ${gh}`)
    expect(req?.headers['editor-version']).toStartWith('vscode/')
    expect(req?.headers['editor-plugin-version']).toStartWith('copilot-chat/')
    expect(req?.headers['user-agent']).toStartWith('GitHubCopilotChat/')
    expect(req?.headers.accept).toBe('application/json')
  })

  test('default apiBase is the fake default endpoint', async () => {
    await using fake = startFakeOAuth()
    const t = await exchangeCopilotToken(configFor(fake), fake.issue().access_token)
    expect(t.apiBase).toBe(`${fake.url}/copilot`)
  })

  test('a rejected GitHub token (401) is an InvalidGrantError', async () => {
    await using fake = startFakeOAuth()
    const p = exchangeCopilotToken(configFor(fake), 'gho_revoked')
    await expect(p).rejects.toBeInstanceOf(InvalidGrantError)
    await expect(p).rejects.toThrow(/Bad credentials/)
  })
})
