import { describe, expect, test } from 'bun:test'
import { validate } from '../../src/config/load.ts'
import { configSecrets } from '../../src/config/secrets.ts'
import { InvalidGrantError } from '../../src/oauth/index.ts'
import { ampOAuth, ampRefresher, loginAmp } from '../../src/providers/amp/login.ts'
import { storedOAuthAccount } from '../helpers/accounts-config.ts'
import { fakeAmpcode } from '../helpers/fakes/ampcode.ts'
import { browser, unsignedJwt } from '../helpers/fakes/oauth.ts'

const configFor = (base: string, clientId?: string) =>
  validate(
    {
      amp: { base_url: base },
      ...(clientId ? { providers: { amp: { oauth: { client_id: clientId } } } } : {}),
    },
    'test',
  ).config

describe('ampOAuth', () => {
  test("Amp's endpoints on amp.base_url, localhost:19876/callback, openid scopes", () => {
    const o = ampOAuth(validate({}, 'test').config)
    expect(o.authorizeUrl).toBe('https://ampcode.com/oauth/authorize')
    expect(o.tokenUrl).toBe('https://ampcode.com/oauth/token')
    expect(o.redirectUri).toBe('http://localhost:19876/callback')
    expect(o.scopes).toEqual(['openid', 'profile', 'email', 'offline_access'])
    const moved = ampOAuth(configFor('http://127.0.0.1:9/'))
    expect(moved.tokenUrl).toBe('http://127.0.0.1:9/oauth/token')
  })

  test('amp.upstream_key is a secret of the config', () => {
    const config = validate({ amp: { upstream_key: 'shared-amp-key-123' } }, 'test').config
    expect(configSecrets(config).inFile).toContain('shared-amp-key-123')
  })
})

describe('loginAmp', () => {
  test('browser login: JSON exchange with PKCE on amp.base_url, the account named by the id_token', async () => {
    await using amp = fakeAmpcode({
      oauth: { tokenFields: () => ({ id_token: unsignedJwt({ email: 'ada@example.com' }) }) },
    })
    const b = browser()
    const before = Date.now()
    const acc = await loginAmp({
      config: configFor(amp.url, amp.oauth.clientId),
      print: () => {},
      openBrowser: b.openBrowser,
      redirectPort: 0,
    })
    expect(acc).toMatchObject({ provider: 'amp', accountId: 'ada@example.com', kind: 'oauth' })
    expect(amp.oauth.isValidAccess(acc.token.access_token as string)).toBe(true)
    expect(acc.expiresAt).toBeGreaterThanOrEqual(before + 3600_000)
    const exchange = amp.oauth.tokenRequests()[0]!
    expect(exchange.headers['content-type']).toContain('application/json')
    expect(exchange.body).toMatchObject({ grant_type: 'authorization_code', client_id: amp.oauth.clientId })
    expect(b.urls[0]).toContain('scope=openid+profile+email+offline_access')
  })

  test('without a client id it fails before opening anything, naming the setting and the key alternative', async () => {
    const b = browser()
    const err = await loginAmp({
      config: configFor('http://127.0.0.1:9'),
      print: () => {},
      openBrowser: b.openBrowser,
    }).catch((e: Error) => e)
    expect((err as Error).message).toContain('providers.amp.oauth.client_id')
    expect((err as Error).message).toContain('byokey add-api-key amp')
    expect(b.urls).toEqual([])
  })
})

describe('ampRefresher', () => {
  test('form refresh grant; a revoked refresh token is invalid_grant', async () => {
    await using amp = fakeAmpcode()
    const config = configFor(amp.url, amp.oauth.clientId)
    const issued = amp.oauth.issue()
    const r = await ampRefresher(config).refresh(storedOAuthAccount('amp', 'ada@example.com', issued))
    expect(amp.oauth.tokenRequests()[0]!.headers['content-type']).toContain(
      'application/x-www-form-urlencoded',
    )
    expect(amp.oauth.isValidAccess(r.token.access_token as string)).toBe(true)
    expect(r.token.expires_at).toBe(Math.floor(r.expiresAt! / 1000))
    amp.oauth.revoke(r.token.refresh_token as string)
    await expect(
      ampRefresher(config).refresh(storedOAuthAccount('amp', 'ada@example.com', r.token)),
    ).rejects.toBeInstanceOf(InvalidGrantError)
  })
})
