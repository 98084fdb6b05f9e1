/**
 * Which proxy a credential's calls go through (`proxy_url` at the top, per provider, per key,
 * per upstream), that token refreshes of a provider's logins use it, that a proxy's password is
 * one of the config's secrets, and that only http(s) proxies are accepted.
 */
import { describe, expect, test } from 'bun:test'
import { validate } from '../../src/config/load.ts'
import { configSecrets } from '../../src/config/secrets.ts'
import { claude } from '../../src/providers/claude/upstream.ts'
import { gemini } from '../../src/providers/gemini/upstream.ts'
import { ProviderRegistry } from '../../src/providers/registry.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { startTestProxy } from '../helpers/http-proxy.ts'
import { tempDir } from '../helpers/tmp.ts'

const GLOBAL = 'http://global.proxy:3128'
const CLAUDE = 'http://claude.proxy:3128'
const OWN = 'https://own.proxy:8443'

const config = validate(
  {
    proxy_url: GLOBAL,
    providers: {
      claude: {
        proxy_url: CLAUDE,
        api_key: 'k-main',
        api_keys: [{ api_key: 'k-own', proxy_url: OWN }, { api_key: 'k-plain' }],
      },
      gemini: { api_key: 'k-gemini' },
    },
    upstreams: [
      { name: 'own', dialect: 'openai-chat', base_url: 'http://127.0.0.1:9/v1', proxy_url: OWN },
      { name: 'plain', dialect: 'openai-chat', base_url: 'http://127.0.0.1:9/v1' },
    ],
  },
  'test',
).config

describe('the proxy of a credential', () => {
  test("a key's own, else its provider's, else the top-level one; stored accounts take their provider's", () => {
    using dir = tempDir()
    const store = openSqliteStore(dir.join('a.db'))
    try {
      store.accounts.upsert({
        provider: 'claude',
        accountId: 'ada',
        kind: 'oauth',
        token: { access_token: 'a' },
      })
      store.accounts.upsert({
        provider: 'claude',
        accountId: 'key',
        kind: 'api_key',
        token: { api_key: 'k-stored' },
      })
      const proxies = claude.credentials(config, store.accounts).map((c) => [c.label, c.proxy])
      expect(proxies).toEqual([
        ['api_key', CLAUDE],
        ['api_keys[0]', OWN],
        ['api_keys[1]', CLAUDE],
        ['ada', CLAUDE],
        ['key', CLAUDE],
      ])
      expect(gemini.credentials(config, store.accounts).map((c) => c.proxy)).toEqual([GLOBAL])
    } finally {
      store.close()
    }
  })

  test('an upstreams entry: its own, else the top-level one; none configured: no proxy', () => {
    const registry = new ProviderRegistry()
    const proxyOf = (name: string, cfg = config) =>
      registry.providerFor({ kind: 'upstream', name }, cfg)!.credentials(cfg)[0]!.proxy
    expect(proxyOf('own')).toBe(OWN)
    expect(proxyOf('plain')).toBe(GLOBAL)
    const bare = validate(
      { upstreams: [{ name: 'plain', dialect: 'openai-chat', base_url: 'http://x/v1' }] },
      't',
    ).config
    expect(proxyOf('plain', bare)).toBeUndefined()
    expect(
      claude.credentials(validate({ providers: { claude: { api_key: 'k' } } }, 't').config)[0]!.proxy,
    ).toBeUndefined()
  })

  test("a login's token refresh goes through its provider's proxy", async () => {
    await using proxy = await startTestProxy()
    await using oauth = startFakeOAuth({ tokenStyle: 'json' })
    const seed = oauth.issue()
    const cfg = validate(
      {
        providers: {
          claude: { proxy_url: proxy.url, oauth: { token_url: oauth.tokenUrl, client_id: 'test-client' } },
        },
      },
      'test',
    ).config
    const fresh = await claude.refresher!(cfg).refresh({
      provider: 'claude',
      accountId: 'ada',
      kind: 'oauth',
      active: true,
      token: { access_token: seed.access_token, refresh_token: seed.refresh_token, expires_at: 1 },
      state: 'ok',
      createdAt: 0,
      updatedAt: 0,
    })
    expect(oauth.isValidAccess(fresh.token['access_token'] as string)).toBe(true)
    expect(proxy.requests.map((r) => [r.method, r.target])).toEqual([['POST', oauth.tokenUrl]])
  })
})

test("a Copilot login's token exchange and model list go through its provider's proxy", async () => {
  await using proxy = await startTestProxy()
  await using github = startFakeOAuth({ githubLogin: 'ada' })
  const seed = github.issue()
  const cfg = validate(
    {
      providers: { copilot: { proxy_url: proxy.url, oauth: { token_exchange_url: github.copilotTokenUrl } } },
    },
    'test',
  ).config
  const copilot = new ProviderRegistry().builtin.copilot!
  const fresh = await copilot.refresher!(cfg).refresh({
    provider: 'copilot',
    accountId: 'ada',
    kind: 'oauth',
    active: true,
    token: { github_token: seed.access_token },
    state: 'ok',
    createdAt: 0,
    updatedAt: 0,
  })
  expect(typeof fresh.token['access_token']).toBe('string')
  // the model list is fetched off the request path, after the exchange
  for (let i = 0; i < 200 && proxy.requests.length < 2; i++) await Bun.sleep(5)
  expect(proxy.requests.map((r) => [r.method, r.target])).toEqual([
    ['GET', github.copilotTokenUrl],
    ['GET', `${github.url}/copilot/models`],
  ])
})

describe('proxy_url in the config', () => {
  test("a proxy's password is a secret of the config, as written and decoded", () => {
    const cfg = validate(
      {
        proxy_url: 'http://u:top%40secret@proxy:3128',
        providers: { claude: { api_keys: [{ api_key: 'k-1', proxy_url: 'http://u:key-proxy-pass@p:1' }] } },
        upstreams: [
          { name: 'x', dialect: 'gemini', base_url: 'http://x', proxy_url: 'http://u:up-proxy-pass@p:1' },
        ],
      },
      'test',
    ).config
    const { inFile } = configSecrets(cfg, {})
    expect(inFile).toEqual(
      expect.arrayContaining(['top%40secret', 'top@secret', 'key-proxy-pass', 'up-proxy-pass']),
    )
    expect(inFile).not.toContain('u')
  })

  test('only an http or https proxy is accepted, and the error names the key', () => {
    expect(() => validate({ proxy_url: 'socks5://127.0.0.1:1080' }, 'test')).toThrow('proxy_url')
    // the value is not quoted back: it may hold the proxy's password
    expect(() => validate({ proxy_url: 'socks5://u:sock-pass@127.0.0.1:1080' }, 'test')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('sock-pass') }),
    )
    expect(() => validate({ providers: { claude: { proxy_url: 'http://p:1/path' } } }, 'test')).toThrow(
      'providers.claude.proxy_url',
    )
    expect(validate({ proxy_url: 'HTTPS://user:pass@proxy.corp:8443/' }, 'test').config.proxy_url).toBe(
      'HTTPS://user:pass@proxy.corp:8443/',
    )
  })
})
