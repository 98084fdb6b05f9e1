/**
 * Upstreams that echo the credential they got (`Invalid API key: sk-…`) must not hand it to the
 * client or the log: config keys, env keys, stored keys and subscription tokens, whole or in the
 * `sk-abc*****wxyz` form OpenAI uses, in error answers, in-stream error events of translated
 * streams and errors collected from a stream. Fake upstreams on 127.0.0.1; real SQLite.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import type { DialectName } from '../../src/dialects/ir.ts'
import {
  errorReply,
  fakeAnthropic,
  fakeGemini,
  fakeOpenAI,
  inStreamError,
  type Recorded,
  type Script,
} from '../helpers/fakes/index.ts'
import { startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { seedLogin, testGateway } from '../helpers/gateway.ts'
import { authOf, envelopeMessage, requestIn } from './support.ts'

const INBOUND: DialectName[] = ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini']
const UPSTREAMS = ['openai-chat', 'anthropic-messages', 'gemini'] as const
type UpstreamDialect = (typeof UPSTREAMS)[number]

/** A key per upstream dialect, each ending in a tail no other text has. */
const KEY: Record<UpstreamDialect, string> = {
  'openai-chat': 'sk-proj-0penaiSecretKeyValue1234567890Zq9W',
  'anthropic-messages': 'sk-ant-api03-AnthropicSecretKeyValue12345Xk7T',
  gemini: 'AIzaSyGeminiSecretKeyValue1234567890Vb3R',
}

/** The credential the upstream received, read as its API takes it. */
function received(dialect: DialectName, rec: Recorded): string {
  const [header] = authOf(dialect, '')
  return (rec.headers[header] ?? '').replace(/^Bearer /, '')
}

function fakeFor(dialect: UpstreamDialect, script: Script) {
  if (dialect === 'openai-chat') return fakeOpenAI(script)
  if (dialect === 'anthropic-messages') return fakeAnthropic(script)
  return fakeGemini(script)
}

function baseUrl(dialect: UpstreamDialect, url: string): string {
  return dialect === 'openai-chat' ? `${url}/v1` : url
}

/** An upstream that answers 401 quoting the key it got, the way a careless API does. */
function echoing(dialect: UpstreamDialect, status = 401) {
  return fakeFor(dialect, (rec) =>
    errorReply(status, { message: `Invalid API key: ${received(dialect, rec)}. Check your key.` }),
  )
}

/** The client's body and the whole log hold none of `secrets`; the body still says what went wrong. */
async function expectRedacted(
  res: Response,
  inbound: DialectName,
  log: string,
  secrets: string[],
): Promise<string> {
  const text = await res.text()
  for (const s of secrets) {
    expect(text).not.toContain(s)
    expect(log).not.toContain(s)
  }
  if (res.headers.get('content-type')?.includes('application/json')) {
    const message = envelopeMessage(inbound, JSON.parse(text), res.status)
    expect(message).toContain('[redacted]')
  }
  return text
}

const ENV_NAME = 'BYOKEY_TEST_ECHOED_KEY'
afterEach(() => {
  delete process.env[ENV_NAME]
})

describe('hardening #2: upstream error text never echoes a credential', () => {
  describe.each(UPSTREAMS)('%s upstream', (upstream) => {
    test.each(INBOUND)('a config key echoed in a 401 is redacted for a %s client', async (inbound) => {
      await using up = echoing(upstream)
      await using gw = await testGateway({
        upstreams: [
          { name: 'up', dialect: upstream, base_url: baseUrl(upstream, up.url), api_key: KEY[upstream] },
        ],
      })
      for (const stream of [false, true]) {
        const res = await requestIn(inbound, gw.url, 'up/m', stream)
        expect(res.status).toBe(401)
        const text = await expectRedacted(res, inbound, gw.logText(), [KEY[upstream]])
        expect(text).toContain('Invalid API key')
      }
      expect(up.requests.length).toBe(2)
    })

    test('an env key (api_key_env) echoed is redacted', async () => {
      process.env[ENV_NAME] = `${KEY[upstream]}-from-env`
      await using up = echoing(upstream, 403)
      await using gw = await testGateway({
        upstreams: [
          { name: 'up', dialect: upstream, base_url: baseUrl(upstream, up.url), api_key_env: ENV_NAME },
        ],
      })
      const res = await requestIn('openai-chat', gw.url, 'up/m', false)
      expect(res.status).toBe(403)
      await expectRedacted(res, 'openai-chat', gw.logText(), [process.env[ENV_NAME]!])
    })
  })

  test("OpenAI's masked echo (first characters, stars, last four) loses its tail", async () => {
    // the fake OpenAI answers a wrong key as the real API does: `sk-*****Zq9W`
    await using up = fakeOpenAI({ text: 'never' }, { key: 'the-only-key-it-takes' })
    await using gw = await testGateway({
      upstreams: [
        { name: 'up', dialect: 'openai-chat', base_url: `${up.url}/v1`, api_key: KEY['openai-chat'] },
      ],
    })
    const res = await requestIn('anthropic-messages', gw.url, 'up/m', false)
    expect(res.status).toBe(401)
    const tail = KEY['openai-chat'].slice(-4)
    const text = await expectRedacted(res, 'anthropic-messages', gw.logText(), [KEY['openai-chat'], tail])
    expect(text).toContain('Incorrect API key provided')
  })

  test('an ellipsis echo (prefix…tail, JSON-escaped) of a stored API key is redacted', async () => {
    const key = KEY['anthropic-messages']
    // as a Python JSON encoder writes it: the ellipsis as `\u2026`
    const message = `key ${key.slice(0, 16)}\\u2026${key.slice(-4)} may not use this model`
    await using up = fakeAnthropic(
      () =>
        new Response(`{"type":"error","error":{"type":"permission_error","message":"${message}"}}`, {
          status: 403,
          headers: { 'content-type': 'application/json' },
        }),
    )
    await using gw = await testGateway({ providers: { claude: { base_url: up.url } } })
    gw.store.accounts.upsert({
      provider: 'claude',
      accountId: 'work',
      kind: 'api_key',
      token: { api_key: key },
    })
    const res = await requestIn('openai-responses', gw.url, 'claude-sonnet-4-6', false)
    expect(res.status).toBe(403)
    await expectRedacted(res, 'openai-responses', gw.logText(), [key.slice(-4), key.slice(0, 16)])
  })

  test.each(['openai-chat', 'openai-responses', 'gemini'] as const)(
    'an in-stream error event quoting the key is redacted when translated for a %s client',
    async (inbound) => {
      const key = KEY['anthropic-messages']
      await using up = fakeAnthropic(
        inStreamError(2, { type: 'authentication_error', message: `key ${key} was revoked mid-stream` }),
      )
      await using gw = await testGateway({
        upstreams: [{ name: 'up', dialect: 'anthropic-messages', base_url: up.url, api_key: key }],
      })
      const res = await requestIn(inbound, gw.url, 'up/m', true)
      expect(res.status).toBe(200)
      const text = await expectRedacted(res, inbound, gw.logText(), [key])
      expect(text).toContain('was revoked mid-stream')
    },
  )

  test('a subscription token echoed in a 401, before and after its refresh, is redacted', async () => {
    await using oauth = startFakeOAuth({ tokenStyle: 'json', rotate: true })
    await using up = fakeAnthropic((rec) =>
      errorReply(401, {
        message: `OAuth token ${(rec.headers['authorization'] ?? '').slice(7)} is not allowed`,
      }),
    )
    await using gw = await testGateway({
      providers: {
        claude: { base_url: up.url, oauth: { token_url: oauth.tokenUrl, client_id: oauth.clientId } },
      },
    })
    const t = oauth.issue()
    seedLogin(gw.store, 'claude', 'me', { access_token: t.access_token, refresh_token: t.refresh_token })
    const res = await requestIn('anthropic-messages', gw.url, 'claude-sonnet-4-6', false)
    expect(res.status).toBe(401)
    // the 401 refreshed the token once: the second answer quoted the new one
    expect(up.requests.length).toBe(2)
    const refreshed = gw.store.accounts.get('claude', 'me')!.token
    const secrets = [t.access_token, t.refresh_token, String(refreshed['access_token'])]
    await expectRedacted(res, 'anthropic-messages', gw.logText(), secrets)
  })

  test('an error collected from a Codex stream quoting the account token is redacted', async () => {
    await using oauth = startFakeOAuth({ tokenStyle: 'json' })
    const t = oauth.issue()
    await using up = fakeOpenAI(
      inStreamError(1, { type: 'invalid_request_error', message: `token ${t.access_token} lacks a plan` }),
      { codexBackend: true, codexBasePath: '/backend-api/codex' },
    )
    await using gw = await testGateway({
      providers: {
        codex: {
          base_url: `${up.url}/backend-api/codex`,
          oauth: { token_url: oauth.tokenUrl, client_id: oauth.clientId },
        },
      },
    })
    seedLogin(gw.store, 'codex', 'acct-1', { ...t, account_id: 'acct-1' })
    const res = await requestIn('openai-chat', gw.url, 'gpt-5.4', false)
    expect(res.status).toBeGreaterThanOrEqual(400)
    const text = await expectRedacted(res, 'openai-chat', gw.logText(), [t.access_token])
    expect(text).toContain('lacks a plan')
  })
})
