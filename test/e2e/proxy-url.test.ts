/**
 * `proxy_url`: upstream calls of a credential go through an HTTP(S) proxy (a real one, on
 * 127.0.0.1): the top-level one for every credential without its own, `providers.<id>.proxy_url`
 * for a provider's keys and accounts, `api_keys[].proxy_url` and `upstreams[].proxy_url` for one
 * key. Plain-http upstreams are sent in absolute form, https ones through CONNECT. A proxy that
 * refuses or is down is a clean 502 in the client's dialect; its credentials never show.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { fakeAnthropic, fakeOpenAI } from '../helpers/fakes/index.ts'
import { testGateway } from '../helpers/gateway.ts'
import { startTestProxy, type TestProxy } from '../helpers/http-proxy.ts'
import { envelopeMessage, postJson } from './support.ts'

const PROXY_USER = 'corp-user'
const PROXY_PASSWORD = 'proxy-pass-must-not-leak'
const withCredentials = (p: TestProxy) => `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${p.port}`
const BASIC = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`

const chatBody = { model: 'up/m', messages: [{ role: 'user' as const, content: 'hi' }] }

describe('proxy_url', () => {
  test('the top-level proxy carries an upstream call, with its credentials, which the upstream never sees', async () => {
    await using proxy = await startTestProxy()
    await using up = fakeOpenAI({ text: 'through the proxy' })
    await using gw = await testGateway({
      proxy_url: withCredentials(proxy),
      upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${up.url}/v1`, api_key: 'k-up' }],
    })
    const sdk = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 })
    const answer = await sdk.chat.completions.create(chatBody)
    expect(answer.choices[0]?.message.content).toBe('through the proxy')
    let streamed = ''
    for await (const chunk of await sdk.chat.completions.create({ ...chatBody, stream: true }))
      streamed += chunk.choices[0]?.delta.content ?? ''
    expect(streamed).toBe('through the proxy')
    expect(proxy.requests).toEqual([
      { method: 'POST', target: `${up.url}/v1/chat/completions`, proxyAuthorization: BASIC },
      { method: 'POST', target: `${up.url}/v1/chat/completions`, proxyAuthorization: BASIC },
    ])
    expect(up.requests).toHaveLength(2)
    for (const r of up.requests) expect(r.headers['proxy-authorization']).toBeUndefined()
    expect(gw.logText()).not.toContain(PROXY_PASSWORD)
  })

  test("a key's own proxy wins; a provider's covers its other keys; an upstream without one goes direct", async () => {
    await using keyProxy = await startTestProxy()
    await using providerProxy = await startTestProxy()
    await using anthropic = fakeAnthropic({ text: 'claude answer' })
    await using openai = fakeOpenAI({ text: 'direct answer' })
    const keyed = (proxy?: TestProxy) => ({
      api_key: proxy ? 'k-own-proxy' : 'k-provider-proxy',
      base_url: anthropic.url,
      ...(proxy ? { proxy_url: proxy.url } : {}),
    })
    const config = (first: Record<string, unknown>) => ({
      providers: { claude: { proxy_url: providerProxy.url, api_keys: [first] } },
      upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${openai.url}/v1`, api_key: 'k-up' }],
    })
    await using gw = await testGateway(config(keyed(keyProxy)))
    const sdk = new Anthropic({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 })
    const ask = async () => {
      const m = await sdk.messages.create({
        model: 'claude/claude-sonnet-4-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      })
      return m.content[0]?.type === 'text' ? m.content[0].text : ''
    }
    expect(await ask()).toBe('claude answer')
    // the token count of that key goes the same way
    const counted = await sdk.messages.countTokens({
      model: 'claude/claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(counted.input_tokens).toBeGreaterThan(0)
    expect(keyProxy.requests.map((r) => r.target)).toEqual([
      `${anthropic.url}/v1/messages`,
      `${anthropic.url}/v1/messages/count_tokens`,
    ])
    expect(providerProxy.requests).toHaveLength(0)

    gw.rewrite(config(keyed()))
    expect(await ask()).toBe('claude answer')
    expect(providerProxy.requests.map((r) => r.target)).toEqual([`${anthropic.url}/v1/messages`])
    expect(anthropic.requests.map((r) => r.headers['x-api-key'])).toEqual([
      'k-own-proxy',
      'k-own-proxy',
      'k-provider-proxy',
    ])

    const direct = await postJson(`${gw.url}/v1/chat/completions`, chatBody)
    expect(direct.status).toBe(200)
    expect(openai.requests).toHaveLength(1)
    expect(keyProxy.requests.length + providerProxy.requests.length).toBe(3)
  })

  test('an https upstream is reached through CONNECT to its host and port', async () => {
    await using proxy = await startTestProxy()
    // the tunnel leads to a plain-http server, so the TLS handshake fails: the CONNECT is what counts
    await using up = fakeOpenAI({ text: 'never' })
    const https = up.url.replace('http://', 'https://')
    await using gw = await testGateway({
      proxy_url: withCredentials(proxy),
      upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${https}/v1`, api_key: 'k-up' }],
    })
    const res = await postJson(`${gw.url}/v1/chat/completions`, chatBody)
    expect(proxy.requests).toEqual([
      { method: 'CONNECT', target: new URL(up.url).host, proxyAuthorization: BASIC },
    ])
    expect(res.status).toBe(502)
    const message = envelopeMessage('openai-chat', await res.json(), 502)
    expect(message).toContain('TLS handshake failed')
    expect(message).toContain(`via proxy http://127.0.0.1:${proxy.port}`)
    expect(message).not.toContain(PROXY_PASSWORD)
  })

  test.each([
    ['refuses a plain-http call (407)', 'http', 'the proxy refused the call (HTTP 407)'],
    ['refuses a tunnel (407)', 'https', 'the proxy refused to open a tunnel'],
    ['is down', 'http', 'connection refused'],
  ] as const)(
    'a proxy that %s: a 502 in the client dialect, without its credentials',
    async (_, scheme, says) => {
      const down = says === 'connection refused'
      const proxy = await startTestProxy({ refuse: 407 })
      if (down) await proxy.stop()
      await using up = fakeAnthropic({ text: 'never' })
      await using gw = await testGateway({
        upstreams: [
          {
            name: 'up',
            dialect: 'anthropic-messages',
            base_url: up.url.replace('http://', `${scheme}://`),
            api_key: 'k-up',
            proxy_url: withCredentials(proxy),
          },
        ],
      })
      const res = await postJson(
        `${gw.url}/v1/messages`,
        { model: 'up/m', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
        { 'anthropic-version': '2023-06-01' },
      )
      expect(res.status).toBe(502)
      const text = await res.text()
      expect(text).not.toContain(PROXY_PASSWORD)
      const message = envelopeMessage('anthropic-messages', JSON.parse(text), 502)
      expect(message).toContain(says)
      expect(message).toContain(`via proxy http://127.0.0.1:${proxy.port}`)
      expect(up.requests).toHaveLength(0)
      if (!down) expect(proxy.requests).toHaveLength(1)
      expect(gw.logText()).not.toContain(PROXY_PASSWORD)
      if (!down) await proxy.stop()
    },
  )
})
