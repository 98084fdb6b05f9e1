/**
 * The Amp compatibility layer against a fake ampcode.com and fake model upstreams: Amp's model
 * calls are served by byokey's own endpoints and never reach Amp; everything else of Amp's API
 * is forwarded with byokey's Amp credential, without the client's hop-by-hop headers, streamed.
 */

import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { validate } from '../../src/config/load.ts'
import { loginAmp } from '../../src/providers/amp/login.ts'
import { type FakeAmpcode, fakeAmpcode } from '../helpers/fakes/ampcode.ts'
import { browser } from '../helpers/fakes/oauth.ts'
import { seedLogin } from '../helpers/gateway.ts'
import { httpText, portOf, rawRequest } from '../helpers/raw-http.ts'
import { waitFor } from '../helpers/tmp.ts'
import { gatewayWithEveryUpstream, postJson } from './support.ts'

const AMP_TOKEN = 'amp-access-token-of-the-person'

function ampConfig(amp: FakeAmpcode, extra: Record<string, unknown> = {}) {
  return { amp: { base_url: amp.url, ...extra } }
}

describe('Amp model calls are served by byokey', () => {
  test('the four provider routes reach the model upstreams, never ampcode.com', async () => {
    await using amp = fakeAmpcode()
    await using env = await gatewayWithEveryUpstream({ text: 'served by byokey' }, { config: ampConfig(amp) })
    const { gw } = env
    const messages = await postJson(`${gw.url}/api/provider/anthropic/v1/messages`, {
      model: 'claude-sonnet-4-6',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(messages.status).toBe(200)
    expect(((await messages.json()) as { content: Array<{ text: string }> }).content[0]?.text).toBe(
      'served by byokey',
    )
    const chat = await postJson(`${gw.url}/api/provider/openai/v1/chat/completions`, {
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(chat.status).toBe(200)
    expect(
      ((await chat.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message
        .content,
    ).toBe('served by byokey')
    const responses = await postJson(`${gw.url}/api/provider/openai/v1/responses`, {
      model: 'gpt-5',
      input: 'hi',
    })
    expect(responses.status).toBe(200)
    expect(
      ((await responses.json()) as { output_text?: string; output: unknown[] }).output.length,
    ).toBeGreaterThan(0)
    const gemini = await postJson(
      `${gw.url}/api/provider/google/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    )
    expect(gemini.status).toBe(200)
    expect(gemini.headers.get('content-type')).toContain('text/event-stream')
    expect(await gemini.text()).toContain('served by byokey')

    expect(env.anthropic.requests.filter((r) => r.path === '/v1/messages')).toHaveLength(1)
    expect(env.openai.requests.map((r) => r.path).sort()).toEqual(['/v1/chat/completions', '/v1/responses'])
    expect(env.gemini.requests.map((r) => r.path)).toEqual([
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
    ])
    expect(amp.requests).toHaveLength(0)
  })

  test('an Amp client that goes away stops the model upstream call, also before its headers came', async () => {
    await using amp = fakeAmpcode()
    // the upstream sits on its headers far longer than the test waits for the abort to reach it
    await using env = await gatewayWithEveryUpstream(
      { text: 'late', headersDelayMs: 10_000 },
      { config: ampConfig(amp) },
    )
    const ac = new AbortController()
    const res = fetch(`${env.gw.url}/api/provider/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-6',
        stream: true,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      signal: ac.signal,
    }).catch((e: Error) => e)
    await waitFor(async () => env.anthropic.requests.some((r) => r.path === '/v1/messages'))
    ac.abort()
    expect(await res).toBeInstanceOf(Error)
    const call = await waitFor(
      () => env.anthropic.requests.find((r) => r.path === '/v1/messages' && r.aborted),
      2000,
    )
    expect(call.finishedAt).toBeUndefined()
    // the attempt's usage row is written before the gateway (and its database) goes away
    await waitFor(async () => {
      await env.gw.store.usage.flush()
      return (await env.gw.store.usage.recent(1)).length === 1
    })
  })

  test("the real SDKs pointed at Amp's provider bases work as against byokey's own", async () => {
    await using amp = fakeAmpcode()
    await using env = await gatewayWithEveryUpstream(
      { text: 'via the sdk', chunkText: 3 },
      { config: ampConfig(amp) },
    )
    const anthropic = new Anthropic({
      baseURL: `${env.gw.url}/api/provider/anthropic`,
      apiKey: 'amp-key',
      maxRetries: 0,
    })
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'hi' }],
    })
    const message = await stream.finalMessage()
    expect(message.content.map((b) => (b.type === 'text' ? b.text : b.type))).toEqual(['via the sdk'])
    const openai = new OpenAI({
      baseURL: `${env.gw.url}/api/provider/openai/v1`,
      apiKey: 'amp-key',
      maxRetries: 0,
    })
    const chat = await openai.chat.completions.create({
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(chat.choices[0]?.message.content).toBe('via the sdk')
    const responses = await openai.responses.create({ model: 'gpt-5', input: 'hi' })
    expect(responses.output_text).toBe('via the sdk')
    expect(amp.requests).toHaveLength(0)
  })

  test("a bad Amp model call is answered in its endpoint's own error envelope", async () => {
    await using amp = fakeAmpcode()
    await using env = await gatewayWithEveryUpstream({ text: 'x' }, { config: ampConfig(amp) })
    const anthropic = await postJson(`${env.gw.url}/api/provider/anthropic/v1/messages`, {
      model: 'claude-sonnet-4-6',
    })
    expect(anthropic.status).toBe(400)
    const a = (await anthropic.json()) as { type: string; error: { type: string } }
    expect(a.type).toBe('error')
    expect(a.error.type).toBe('invalid_request_error')
    const gemini = await postJson(`${env.gw.url}/api/provider/google/v1beta/models/gemini-2.5-flash:nope`, {
      contents: [],
    })
    expect(gemini.status).toBe(404)
    expect(((await gemini.json()) as { error: { status: string } }).error.status).toBe('NOT_FOUND')
    const notJson = await fetch(`${env.gw.url}/api/provider/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    })
    expect(notJson.status).toBe(415)
    expect(amp.requests).toHaveLength(0)
  })
})

describe("the rest of Amp's API is forwarded to Amp", () => {
  test('with the login token injected and the hop-by-hop and fingerprint headers left behind', async () => {
    await using amp = fakeAmpcode()
    await using env = await gatewayWithEveryUpstream({ text: 'x' }, { config: ampConfig(amp) })
    seedLogin(env.gw.store, 'amp', 'ada@example.com', { access_token: AMP_TOKEN, refresh_token: 'r-1' })
    const body = '{"method":"getUserInfo"}'
    const res = await rawRequest(
      portOf(env.gw.url),
      httpText(
        'POST',
        '/api/internal?getUserInfo',
        {
          host: `127.0.0.1:${portOf(env.gw.url)}`,
          'content-type': 'application/json',
          authorization: 'Bearer the-clients-own-amp-key',
          'x-api-key': 'the-clients-own-amp-key',
          connection: 'keep-alive, x-hop-secret',
          'keep-alive': 'timeout=30',
          'x-hop-secret': 'only for the first hop',
          'proxy-authorization': 'Basic cHJveHk6c2VjcmV0',
          te: 'trailers',
          'x-forwarded-for': '10.1.2.3',
          'x-real-ip': '10.1.2.3',
          forwarded: 'for=10.1.2.3',
          via: '1.1 corporate-proxy',
          'sec-fetch-mode': 'cors',
          'sec-ch-ua-platform': '"Linux"',
          'x-amp-client': 'cli/1.0',
          'user-agent': 'amp-cli',
        },
        body,
      ),
    )
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({
      ok: true,
      method: 'POST',
      path: '/api/internal',
      query: { getUserInfo: '' },
      body: { method: 'getUserInfo' },
    })
    expect(res.headers['x-amp-answer']).toBe('yes')
    expect(res.headers['set-cookie']).toBe('amp-session=abc; Path=/')
    expect(res.headers['keep-alive']).toBeUndefined()

    const seen = amp.last().headers
    expect(seen['authorization']).toBe(`Bearer ${AMP_TOKEN}`)
    expect(seen['x-api-key']).toBe(AMP_TOKEN)
    expect(seen['x-amp-client']).toBe('cli/1.0')
    expect(seen['user-agent']).toBe('amp-cli')
    expect(seen['content-type']).toBe('application/json')
    for (const gone of [
      'keep-alive',
      'x-hop-secret',
      'proxy-authorization',
      'te',
      'x-forwarded-for',
      'x-real-ip',
      'forwarded',
      'via',
      'sec-fetch-mode',
      'sec-ch-ua-platform',
    ]) {
      expect(seen[gone]).toBeUndefined()
    }
    expect(seen['host']).toBe(`127.0.0.1:${amp.port}`)
    expect(env.gw.logText()).not.toContain(AMP_TOKEN)
  })

  test('/v0/management/* and any method or content type go through, bodies as sent', async () => {
    await using amp = fakeAmpcode()
    await using env = await gatewayWithEveryUpstream(
      { text: 'x' },
      { config: ampConfig(amp, { upstream_key: 'shared-amp-key' }) },
    )
    const put = await fetch(`${env.gw.url}/v0/management/threads/T-1?x=1`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain', authorization: 'Bearer client' },
      body: 'plain text body',
    })
    expect(put.status).toBe(200)
    expect(await put.json()).toMatchObject({
      method: 'PUT',
      path: '/v0/management/threads/T-1',
      query: { x: '1' },
      body: 'plain text body',
    })
    // no login: amp.upstream_key stands in (shared-proxy mode)
    expect(amp.last().headers['authorization']).toBe('Bearer shared-amp-key')
    expect(amp.last().headers['x-api-key']).toBe('shared-amp-key')
    const del = await fetch(`${env.gw.url}/api/threads/T-1`, { method: 'DELETE' })
    expect(del.status).toBe(200)
    expect(amp.last().method).toBe('DELETE')
  })

  test("with no byokey credential for Amp, the client's own passes through untouched", async () => {
    await using amp = fakeAmpcode()
    await using env = await gatewayWithEveryUpstream({ text: 'x' }, { config: ampConfig(amp) })
    const res = await fetch(`${env.gw.url}/api/user`, {
      headers: { authorization: 'Bearer the-clients-amp-key' },
    })
    expect(res.status).toBe(200)
    expect(amp.last().headers['authorization']).toBe('Bearer the-clients-amp-key')
    expect(amp.last().headers['x-api-key']).toBeUndefined()
  })

  test('a large answer is streamed: its first bytes arrive while Amp still holds the rest', async () => {
    const size = 4 * 1024 * 1024
    await using amp = fakeAmpcode({ bytes: size })
    await using env = await gatewayWithEveryUpstream({ text: 'x' }, { config: ampConfig(amp) })
    const res = await fetch(`${env.gw.url}/api/hold-stream`)
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    // bounded: the first line is all Amp sends before `release()`; a buffering forwarder never gets here
    for (let i = 0; i < 100 && !text.includes('\n'); i++) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
    expect(text).toBe('first line\n')
    expect(amp.holdFinished).toBe(false)
    amp.release()
    let total = text.length
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      total += value.byteLength
    }
    expect(amp.holdFinished).toBe(true)
    expect(total).toBe('first line\n'.length + size)
  })

  test('a streamed upload reaches Amp as it comes: Amp reads the first part before the client sent the rest', async () => {
    let gotFirst: (text: string) => void = () => {}
    const first = new Promise<string>((r) => {
      gotFirst = r
    })
    // Amp's side reads the upload chunk by chunk (the shared fakes read whole bodies first)
    const upstream = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      async fetch(req) {
        const reader = req.body!.getReader()
        const decoder = new TextDecoder()
        let text = ''
        let told = false
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          text += decoder.decode(value, { stream: true })
          if (!told && text.includes('\n')) {
            told = true
            gotFirst(text)
          }
        }
        return Response.json({ received: text.length })
      },
    })
    try {
      await using env = await gatewayWithEveryUpstream(
        { text: 'x' },
        { config: { amp: { base_url: `http://127.0.0.1:${upstream.port}` } } },
      )
      let sendRest: () => void = () => {}
      const rest = new Promise<void>((r) => {
        sendRest = r
      })
      const encoder = new TextEncoder()
      const body = new ReadableStream<Uint8Array>({
        async start(c) {
          c.enqueue(encoder.encode('part one\n'))
          await rest
          c.enqueue(encoder.encode('x'.repeat(100_000)))
          c.close()
        },
      })
      const res = fetch(`${env.gw.url}/api/upload`, { method: 'POST', body, duplex: 'half' } as RequestInit)
      // bounded by the test's timeout: a forwarder that reads the whole upload first never gets here
      expect(await first).toBe('part one\n')
      sendRest()
      const answer = await res
      expect(answer.status).toBe(200)
      expect(await answer.json()).toEqual({ received: 'part one\n'.length + 100_000 })
    } finally {
      await upstream.stop(true)
    }
  })

  test('a compressed answer reaches the client as Amp encoded it, and decodes there', async () => {
    await using amp = fakeAmpcode()
    await using env = await gatewayWithEveryUpstream({ text: 'x' }, { config: ampConfig(amp) })
    const raw = await fetch(`${env.gw.url}/api/gzip`, { decompress: false } as RequestInit)
    expect(raw.headers.get('content-encoding')).toBe('gzip')
    const bytes = new Uint8Array(await raw.arrayBuffer())
    expect(Number(raw.headers.get('content-length'))).toBe(bytes.length)
    expect(JSON.parse(new TextDecoder().decode(Bun.gunzipSync(bytes)))).toMatchObject({ compressed: true })
    const decoded = await fetch(`${env.gw.url}/api/gzip`)
    expect(((await decoded.json()) as { compressed: boolean }).compressed).toBe(true)
  })

  test("Amp's redirects: relative ones to its pages go to Amp, ones into its API come back through byokey", async () => {
    await using amp = fakeAmpcode()
    await using env = await gatewayWithEveryUpstream({ text: 'x' }, { config: ampConfig(amp) })
    const page = await fetch(`${env.gw.url}/api/relative-redirect`, { redirect: 'manual' })
    expect(page.status).toBe(302)
    expect(page.headers.get('location')).toBe(`${amp.url}/login?next=cli`)
    const inner = await fetch(`${env.gw.url}/api/inner-redirect`, { redirect: 'manual' })
    expect(inner.headers.get('location')).toBe('/api/user')
  })

  test('the login pages redirect to Amp, the query kept and not logged', async () => {
    await using amp = fakeAmpcode()
    await using env = await gatewayWithEveryUpstream({ text: 'x' }, { config: ampConfig(amp) })
    const cli = await fetch(`${env.gw.url}/auth/cli-login?authToken=one-time-amp-secret&callbackPort=35789`, {
      redirect: 'manual',
    })
    expect(cli.status).toBe(302)
    expect(cli.headers.get('location')).toBe(
      `${amp.url}/auth/cli-login?authToken=one-time-amp-secret&callbackPort=35789`,
    )
    const login = await fetch(`${env.gw.url}/v1/login`, { redirect: 'manual' })
    expect(login.status).toBe(302)
    expect(login.headers.get('location')).toBe(`${amp.url}/login`)
    expect(amp.requests).toHaveLength(0)
    expect(env.gw.logText()).not.toContain('one-time-amp-secret')
  })

  test("a web page's origin is refused before anything reaches Amp", async () => {
    await using amp = fakeAmpcode()
    await using env = await gatewayWithEveryUpstream({ text: 'x' }, { config: ampConfig(amp) })
    seedLogin(env.gw.store, 'amp', 'ada@example.com', { access_token: AMP_TOKEN, refresh_token: 'r-1' })
    const res = await fetch(`${env.gw.url}/api/user`, { headers: { origin: 'https://evil.example' } })
    expect(res.status).toBe(403)
    expect(amp.requests).toHaveLength(0)
  })

  test('Amp unreachable: 502 in the OpenAI envelope', async () => {
    const amp = fakeAmpcode()
    const gone = amp.url
    await amp.stop()
    await using env = await gatewayWithEveryUpstream({ text: 'x' }, { config: { amp: { base_url: gone } } })
    const res = await fetch(`${env.gw.url}/api/user`)
    expect(res.status).toBe(502)
    const body = (await res.json()) as { error: { message: string; type: string } }
    expect(body.error.message).toContain('could not be reached')
  })
})

describe('byokey login amp, then a forwarded call', () => {
  test('the login is stored, used on forwarded calls, refreshed once when expired, and a revoked one is a clear 401', async () => {
    await using amp = fakeAmpcode({
      oauth: { tokenFields: () => ({ id_token: idToken('ada@example.com') }) },
    })
    const extra = { providers: { amp: { oauth: { client_id: amp.oauth.clientId } } } }
    const config = validate({ ...ampConfig(amp), ...extra }, 'test').config
    const b = browser()
    const account = await loginAmp({ config, print: () => {}, openBrowser: b.openBrowser, redirectPort: 0 })
    expect(b.urls[0]).toStartWith(`${amp.url}/oauth/authorize?`)
    expect(account.accountId).toBe('ada@example.com')

    await using env = await gatewayWithEveryUpstream(
      { text: 'x' },
      { config: { ...ampConfig(amp), ...extra } },
    )
    env.gw.store.accounts.upsert(account)
    expect((await fetch(`${env.gw.url}/api/user`)).status).toBe(200)
    expect(amp.last().headers['authorization']).toBe(`Bearer ${account.token.access_token as string}`)

    // expired: one refresh, then the new token
    env.gw.store.accounts.updateToken('amp', 'ada@example.com', account.token, Date.now() - 1000)
    expect((await fetch(`${env.gw.url}/api/user`)).status).toBe(200)
    expect(amp.oauth.counters.refreshes).toBe(1)
    const fresh = env.gw.store.accounts.get('amp', 'ada@example.com')!.token
    expect(fresh.access_token).not.toBe(account.token.access_token)
    expect(amp.last().headers['authorization']).toBe(`Bearer ${fresh.access_token as string}`)

    // revoked: a clear 401 naming the command, and nothing reaches Amp
    amp.oauth.revoke(fresh.refresh_token as string)
    env.gw.store.accounts.updateToken('amp', 'ada@example.com', fresh, Date.now() - 1000)
    const apiCalls = () => amp.requests.filter((r) => r.path.startsWith('/api/')).length
    const before = apiCalls()
    const res = await fetch(`${env.gw.url}/api/user`)
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('byokey login amp')
    expect(apiCalls()).toBe(before)
  })
})

describe('an Amp login that cannot be renewed right now', () => {
  test('answers 502 saying so, and nothing reaches Amp', async () => {
    await using amp = fakeAmpcode()
    const extra = { providers: { amp: { oauth: { client_id: amp.oauth.clientId } } } }
    await using env = await gatewayWithEveryUpstream(
      { text: 'x' },
      { config: { ...ampConfig(amp), ...extra } },
    )
    const issued = amp.oauth.issue()
    env.gw.store.accounts.upsert({
      provider: 'amp',
      accountId: 'ada@example.com',
      kind: 'oauth',
      token: issued,
      expiresAt: Date.now() - 1000,
    })
    amp.oauth.failNext(1, 503)
    const res = await fetch(`${env.gw.url}/api/user`)
    expect(res.status).toBe(502)
    const body = (await res.json()) as { error: { message: string } }
    expect(body.error.message).toContain('could not renew its Amp login')
    expect(body.error.message).not.toContain(issued.refresh_token)
    expect(amp.requests.filter((r) => r.path.startsWith('/api/'))).toHaveLength(0)
  })
})

describe('an Amp login its provider gave up', () => {
  test("answers 401 naming 'byokey login amp', and nothing reaches Amp", async () => {
    await using amp = fakeAmpcode()
    await using env = await gatewayWithEveryUpstream({ text: 'x' }, { config: ampConfig(amp) })
    seedLogin(env.gw.store, 'amp', 'ada@example.com', { access_token: AMP_TOKEN, refresh_token: 'r-1' })
    env.gw.store.accounts.markUnavailable('amp', 'ada@example.com', 'account closed')
    const res = await fetch(`${env.gw.url}/api/user`)
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('byokey login amp')
    expect(amp.requests).toHaveLength(0)
  })
})

function idToken(email: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'none' })}.${part({ email })}.sig`
}
