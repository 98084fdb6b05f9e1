/**
 * The OpenAI-Chat subscription providers' request shaping: where a call goes (key, config, login,
 * vendor default, in that order), the vendor headers beside the Bearer token, and a model renamed
 * only when the provider says so (the body is not copied otherwise).
 */
import { describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { validate } from '../../src/config/load.ts'
import { InvalidGrantError, OAuthError } from '../../src/oauth/index.ts'
import { fetchIFlowApiKey } from '../../src/providers/iflow/login.ts'
import { iflow } from '../../src/providers/iflow/upstream.ts'
import { kimiUpstreamModel } from '../../src/providers/kimi/subscription.ts'
import { kimi } from '../../src/providers/kimi/upstream.ts'
import { qwenApiBase } from '../../src/providers/qwen/login.ts'
import { qwen } from '../../src/providers/qwen/upstream.ts'
import { chatSubscriptionProvider } from '../../src/providers/shared/chat-subscription.ts'
import type { Credential, UpstreamCall } from '../../src/providers/types.ts'
import { jsonResponse, startFake } from '../helpers/fakes/server.ts'

function call(over: Partial<UpstreamCall> = {}, config: Record<string, unknown> = {}): UpstreamCall {
  return {
    dialect: 'openai-chat',
    model: 'm-1',
    stream: false,
    body: { model: 'm-1', messages: [] },
    credential: { kind: 'oauth', secret: 'tok', label: 'default' },
    inbound: new Headers(),
    config: validate(config, 't').config,
    ...over,
  }
}

const demo = chatSubscriptionProvider({
  id: 'kimi',
  displayName: 'demo',
  models: [],
  defaultBase: 'https://vendor.example/v1/',
  headers: () => ({ 'user-agent': 'VendorCLI/1', authorization: 'must be overridden' }),
  upstreamModel: (m) => (m.startsWith('x-') ? m.slice(2) : m),
  refresher: () => ({ refresh: async () => ({ token: {} }) }),
})

describe('chat subscription providers', () => {
  test('the base: a key’s own, else providers.<id>.base_url, else the login’s, else the vendor’s', () => {
    const login: Credential = {
      kind: 'oauth',
      secret: 't',
      label: 'a',
      extra: { apiBase: 'http://login/v1' },
    }
    expect(demo.prepare(call()).url).toBe('https://vendor.example/v1/chat/completions')
    expect(demo.prepare(call({ credential: login })).url).toBe('http://login/v1/chat/completions')
    const configured = call({ credential: login }, { providers: { kimi: { base_url: 'http://cfg/v1' } } })
    expect(demo.prepare(configured).url).toBe('http://cfg/v1/chat/completions')
    const key: Credential = { kind: 'api_key', secret: 'k', label: 'k', baseUrl: 'http://key/v1' }
    expect(
      demo.prepare(call({ credential: key }, { providers: { kimi: { base_url: 'http://cfg/v1' } } })).url,
    ).toBe('http://key/v1/chat/completions')
  })

  test('vendor headers ride beside the Bearer token, which they cannot replace', () => {
    const p = demo.prepare(call({ stream: true }))
    expect(p.headers).toMatchObject({
      authorization: 'Bearer tok',
      'user-agent': 'VendorCLI/1',
      accept: 'text/event-stream',
      'content-type': 'application/json',
    })
  })

  test('a model is renamed only when the provider maps it; otherwise the body is passed as is', () => {
    const same = call()
    expect(demo.prepare(same).body).toBe(same.body)
    const renamed = demo.prepare(call({ model: 'x-m-2', body: { model: 'x-m-2', messages: [] } }))
    expect(renamed.body).toEqual({ model: 'm-2', messages: [] })
    expect(demo.dialectFor('anthropic-messages')).toBe('openai-chat')
  })

  test('qwen: the resource_url host becomes https://<host>/v1; a full origin is kept', () => {
    expect(qwenApiBase('portal.qwen.ai')).toBe('https://portal.qwen.ai/v1')
    expect(qwenApiBase('http://127.0.0.1:9/')).toBe('http://127.0.0.1:9/v1')
    expect(qwenApiBase('')).toBeUndefined()
    expect(qwenApiBase(undefined)).toBeUndefined()
    expect(qwen.prepare(call()).url).toBe('https://portal.qwen.ai/v1/chat/completions')
    expect(qwen.prepare(call()).headers['x-dashscope-authtype']).toBe('qwen-oauth')
  })

  test('kimi: the kimi- prefix is dropped except on the endpoint’s own kimi-for-coding', () => {
    expect(kimiUpstreamModel('kimi-k2-0711')).toBe('k2-0711')
    expect(kimiUpstreamModel('kimi-for-coding')).toBe('kimi-for-coding')
    expect(kimiUpstreamModel('k2-0711')).toBe('k2-0711')
    const login: Credential = { kind: 'oauth', secret: 't', label: 'a', extra: { deviceId: 'dev-9' } }
    const p = kimi.prepare(call({ model: 'kimi-k2-0711', credential: login }))
    expect(p.url).toBe('https://api.kimi.com/coding/v1/chat/completions')
    expect(p.body['model']).toBe('k2-0711')
    expect(p.headers['x-msh-device-id']).toBe('dev-9')
    // a config key has no device: the other device headers still go
    const key = kimi.prepare(call({ credential: { kind: 'api_key', secret: 'k', label: 'k' } }))
    expect(key.headers['x-msh-device-id']).toBeUndefined()
    expect(key.headers['x-msh-platform']).toBe('kimi_cli')
  })

  test('iflow: each call is signed with the key as HMAC-SHA256 of iFlow-Cli:<session-id>:<timestamp>', () => {
    const a = iflow.prepare(call({ credential: { kind: 'oauth', secret: 'sk-abc', label: 'x' } })).headers
    const b = iflow.prepare(call({ credential: { kind: 'oauth', secret: 'sk-abc', label: 'x' } })).headers
    const expected = createHmac('sha256', 'sk-abc')
      .update(`iFlow-Cli:${a['session-id']}:${a['x-iflow-timestamp']}`)
      .digest('hex')
    expect(a['x-iflow-signature']).toBe(expected)
    expect(a['authorization']).toBe('Bearer sk-abc')
    expect(a['session-id']).not.toBe(b['session-id'])
    expect(iflow.prepare(call()).url).toBe('https://apis.iflow.cn/v1/chat/completions')
  })

  test('iflow: user info without an API key is an error; a refused token needs a new login', async () => {
    const answers = [
      jsonResponse({ success: false, message: 'nope' }),
      jsonResponse({ success: false }, 401),
      jsonResponse({ success: true, data: { apiKey: 'sk-1' } }),
    ]
    await using fake = startFake(async () => answers.shift()!)
    const url = `${fake.url}/api/oauth/getUserInfo`
    const missing = await fetchIFlowApiKey(url, 'at').catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(OAuthError)
    expect((missing as OAuthError).code).toBe('no_api_key')
    expect(await fetchIFlowApiKey(url, 'at').catch((e: unknown) => e)).toBeInstanceOf(InvalidGrantError)
    expect(await fetchIFlowApiKey(url, 'at-3')).toEqual({ apiKey: 'sk-1' })
    expect(fake.requests.map((r) => r.query['accessToken'])).toEqual(['at', 'at', 'at-3'])
  })
})
