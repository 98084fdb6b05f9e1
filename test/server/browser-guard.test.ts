/**
 * A web page the user opens must not reach the loopback gateway: not by a CORS "simple request"
 * (no preflight: `text/plain`, no content type), not from an origin the operator did not allow,
 * not through DNS rebinding (a `Host` of the page's own name). SDKs and CLIs pass untouched.
 */
import { describe, expect, test } from 'bun:test'
import { defaultConfig } from '../../src/config/load.ts'
import type { Config } from '../../src/config/schema.ts'
import { BrowserGuard } from '../../src/server/browser-guard.ts'
import { chatDriver, messagesDriver, responsesDriver } from '../e2e/support.ts'
import { fakeOpenAI } from '../helpers/fakes/index.ts'
import { type TestGateway, testGateway } from '../helpers/gateway.ts'
import { httpText, portOf, rawRequest } from '../helpers/raw-http.ts'

const CHAT = { model: 'up/m', messages: [{ role: 'user', content: 'hi' }] }
const MESSAGES = { model: 'up/m', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }
const GEMINI = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }

/** One inference endpoint per dialect envelope, with a valid body. */
const ENDPOINTS = [
  { dialect: 'openai', path: '/v1/chat/completions', body: CHAT },
  { dialect: 'anthropic', path: '/v1/messages', body: MESSAGES },
  { dialect: 'gemini', path: '/v1beta/models/up/m:generateContent', body: GEMINI },
] as const

type Dialect = (typeof ENDPOINTS)[number]['dialect']

/** The error in the dialect's own envelope, checked field by field. */
async function expectEnvelope(
  res: Response,
  dialect: Dialect,
  status: number,
  type: { openai: string; anthropic: string; gemini: string },
): Promise<string> {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/json')
  const body = (await res.json()) as Record<string, Record<string, unknown>>
  if (dialect === 'openai') {
    expect(Object.keys(body.error ?? {}).sort()).toEqual(['code', 'message', 'param', 'type'])
    expect(body.error?.type).toBe(type.openai)
  } else if (dialect === 'anthropic') {
    expect(body.type as unknown).toBe('error')
    expect(body.error?.type).toBe(type.anthropic)
  } else {
    expect(body.error?.code).toBe(status)
    expect(body.error?.status).toBe(type.gemini)
  }
  return String(body.error?.message)
}

async function withUpstream(config: Record<string, unknown>, run: (gw: TestGateway) => Promise<void>) {
  await using fake = fakeOpenAI({ text: 'hello' })
  await using gw = await testGateway({
    upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${fake.url}/v1`, api_key: 'k' }],
    ...config,
  })
  await run(gw)
  return fake.requests.length
}

const post = (url: string, body: unknown, headers: Record<string, string>) =>
  fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })

describe('hardening #3: CSRF and DNS rebinding', () => {
  test('a CORS simple request (text/plain, form, no content type) is refused with 415 in every dialect', async () => {
    const reached = await withUpstream({}, async (gw) => {
      for (const { dialect, path, body } of ENDPOINTS) {
        for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded']) {
          const res = await post(gw.url + path, body, { 'content-type': type })
          const message = await expectEnvelope(res, dialect, 415, {
            openai: 'invalid_request_error',
            anthropic: 'invalid_request_error',
            gemini: 'INVALID_ARGUMENT',
          })
          expect(message).toContain('Content-Type must be application/json')
        }
        // fetch of a Blob or bytes sends no content type at all, also without a preflight
        const bare = await fetch(gw.url + path, { method: 'POST', body: new Blob([JSON.stringify(body)]) })
        expect(bare.headers.get('content-type')).toBe('application/json')
        expect(bare.status).toBe(415)
      }
      const count = await post(`${gw.url}/v1/messages/count_tokens`, MESSAGES, {
        'content-type': 'text/plain',
      })
      expect(count.status).toBe(415)
    })
    expect(reached).toBe(0)
  })

  test('JSON content types with parameters and +json types are accepted', async () => {
    const reached = await withUpstream({}, async (gw) => {
      for (const type of [
        'application/json',
        'application/json; charset=utf-8',
        'Application/JSON',
        'application/vnd.api+json',
      ]) {
        const res = await post(`${gw.url}/v1/chat/completions`, CHAT, { 'content-type': type })
        expect(res.status).toBe(200)
      }
    })
    expect(reached).toBe(4)
  })

  test('a browser Origin that is not allowed is refused with 403, preflight included', async () => {
    const reached = await withUpstream(
      { server: { allowed_origins: ['https://app.example'] } },
      async (gw) => {
        for (const { dialect, path, body } of ENDPOINTS) {
          const res = await post(gw.url + path, body, {
            'content-type': 'application/json',
            origin: 'https://evil.example',
          })
          const message = await expectEnvelope(res, dialect, 403, {
            openai: 'permission_error',
            anthropic: 'permission_error',
            gemini: 'PERMISSION_DENIED',
          })
          expect(message).toContain('server.allowed_origins')
          expect(res.headers.get('access-control-allow-origin')).toBeNull()
        }
        const preflight = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'OPTIONS',
          headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
        })
        expect(preflight.status).toBe(403)
        expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
        // file:// pages and sandboxed frames send the opaque origin `null`
        const opaque = await post(`${gw.url}/v1/chat/completions`, CHAT, {
          'content-type': 'application/json',
          origin: 'null',
        })
        expect(opaque.status).toBe(403)
      },
    )
    expect(reached).toBe(0)
  })

  test('an allowed Origin gets its preflight answered and CORS headers on the answer', async () => {
    const origin = 'http://localhost:5173'
    const reached = await withUpstream(
      { server: { allowed_origins: ['https://app.example', 'http://LOCALHOST:5173/'] } },
      async (gw) => {
        const preflight = await fetch(`${gw.url}/v1/messages`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type,x-api-key,anthropic-version',
          },
        })
        expect(preflight.status).toBe(204)
        expect(preflight.headers.get('access-control-allow-origin')).toBe(origin)
        expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
        expect(preflight.headers.get('access-control-allow-headers')).toBe(
          'content-type,x-api-key,anthropic-version',
        )
        const res = await post(`${gw.url}/v1/messages`, MESSAGES, {
          'content-type': 'application/json',
          origin,
        })
        expect(res.status).toBe(200)
        expect(res.headers.get('access-control-allow-origin')).toBe(origin)
        expect(res.headers.get('vary')).toContain('Origin')
        expect(res.headers.get('x-request-id')).toMatch(/^req_/)
        // an error answer is readable by the allowed page too
        const bad = await post(`${gw.url}/v1/messages`, '{', { 'content-type': 'application/json', origin })
        expect(bad.status).toBe(400)
        expect(bad.headers.get('access-control-allow-origin')).toBe(origin)
      },
    )
    expect(reached).toBe(1)
  })

  test('`*` allows any origin', async () => {
    await withUpstream({ server: { allowed_origins: ['*'] } }, async (gw) => {
      const res = await post(`${gw.url}/v1/chat/completions`, CHAT, {
        'content-type': 'application/json',
        origin: 'https://anything.example',
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('access-control-allow-origin')).toBe('https://anything.example')
    })
  })

  test('a rebinding Host is refused with 421; IP literals and localhost names are accepted', async () => {
    await withUpstream({}, async (gw) => {
      const port = portOf(gw.url)
      const body = JSON.stringify(MESSAGES)
      const send = (host: string, path = '/v1/messages', method = 'POST') =>
        rawRequest(
          port,
          httpText(
            method,
            path,
            { host, 'content-type': 'application/json', connection: 'close' },
            method === 'POST' ? body : '',
          ),
        )
      for (const host of [
        `evil.example:${port}`,
        'evil.example',
        `127.0.0.1.evil.example:${port}`,
        `localhost.:${port}`,
      ]) {
        const res = await send(host)
        expect(res.status).toBe(421)
        const err = JSON.parse(res.body) as { type: string; error: { type: string; message: string } }
        expect(err.type).toBe('error')
        expect(err.error.type).toBe('permission_error')
        expect(err.error.message).toContain('server.allowed_hosts')
      }
      const gemini = await send(`evil.example:${port}`, '/v1beta/models/up/m:generateContent')
      expect(gemini.status).toBe(421)
      expect(JSON.parse(gemini.body).error.status).toBe('PERMISSION_DENIED')
      for (const host of [
        `127.0.0.1:${port}`,
        `localhost:${port}`,
        `[::1]:${port}`,
        `LOCALHOST:${port}`,
        `app.localhost:${port}`,
        `10.1.2.3:${port}`,
      ]) {
        const res = await send(host)
        expect(res.status).toBe(200)
      }
      // container and load-balancer health checks answer by whatever name they use
      for (const path of ['/healthz', '/readyz']) {
        expect((await send(`evil.example:${port}`, path, 'GET')).status).toBe(200)
      }
      expect((await send(`evil.example:${port}`, '/v1/models', 'GET')).status).toBe(421)
    })
  })

  test('allowed_hosts and allowed_origins take effect on a config reload', async () => {
    await withUpstream({}, async (gw) => {
      const port = portOf(gw.url)
      const upstreams = gw.config.current.config.upstreams
      const send = () =>
        rawRequest(
          port,
          httpText(
            'POST',
            '/v1/chat/completions',
            {
              host: `gw.example:${port}`,
              origin: 'https://app.example',
              'content-type': 'application/json',
              connection: 'close',
            },
            JSON.stringify(CHAT),
          ),
        )
      expect((await send()).status).toBe(421)
      gw.rewrite({ upstreams, server: { allowed_hosts: ['*.example'] } })
      expect((await send()).status).toBe(403)
      gw.rewrite({
        upstreams,
        server: { allowed_hosts: ['gw.example'], allowed_origins: ['https://app.example'] },
      })
      const ok = await send()
      expect(ok.status).toBe(200)
      expect(ok.headers['access-control-allow-origin']).toBe('https://app.example')
      gw.rewrite({ upstreams, server: { allowed_hosts: ['*'], allowed_origins: [] } })
      expect((await send()).status).toBe(403)
    })
  })

  test('the real openai and @anthropic-ai/sdk clients are unaffected, by IP and by localhost', async () => {
    await withUpstream({}, async (gw) => {
      const port = portOf(gw.url)
      for (const url of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
        for (const drive of [chatDriver, responsesDriver, messagesDriver]) {
          for (const stream of [false, true]) {
            const turn = await drive({ prompt: 'hi' }, { url, model: 'up/m', stream, requestId: 'sdk-check' })
            expect(turn.text).toBe('hello')
          }
        }
      }
    })
  })
})

describe('hardening #3: which Host names the check accepts, by bind address', () => {
  const config = (server: Partial<Config['server']> = {}): Config => {
    const c = defaultConfig()
    return { ...c, server: { ...c.server, ...server } }
  }
  const status = (guard: BrowserGuard, cfg: Config, host: string) =>
    guard.screen(new Request(`http://${host}/v1/chat/completions`, { method: 'POST' }), cfg, null)?.status ??
    200

  test('bound to loopback: IPs, localhost and the bind name only, unless listed', () => {
    const guard = new BrowserGuard('127.0.0.1', 8018)
    expect(status(guard, config(), 'gw:8018')).toBe(421)
    expect(status(guard, config({ allowed_hosts: ['gw'] }), 'gw:8018')).toBe(200)
    expect(status(guard, config({ allowed_hosts: ['*.corp.example'] }), 'a.corp.example')).toBe(200)
    expect(status(guard, config({ allowed_hosts: ['*.corp.example'] }), 'corp.example')).toBe(421)
    expect(status(guard, config({ allowed_hosts: ['*'] }), 'anything')).toBe(200)
    expect(status(new BrowserGuard('localhost', 8018), config(), 'localhost:8018')).toBe(200)
    expect(status(new BrowserGuard('::1', 8018), config(), '[::1]:8018')).toBe(200)
    expect(status(new BrowserGuard('mybox.localhost', 8018), config(), 'gw')).toBe(421)
  })

  test('bound beyond loopback: no check (names unknowable) until allowed_hosts lists some', () => {
    for (const bind of ['0.0.0.0', '::', '192.168.1.20']) {
      const guard = new BrowserGuard(bind, 8018)
      expect(status(guard, config(), 'gw')).toBe(200)
      expect(status(guard, config(), 'evil.example:8018')).toBe(200)
      expect(status(guard, config({ allowed_hosts: ['gw'] }), 'gw')).toBe(200)
      expect(status(guard, config({ allowed_hosts: ['gw'] }), 'evil.example:8018')).toBe(421)
      expect(status(guard, config({ allowed_hosts: ['gw'] }), '192.168.1.20:8018')).toBe(200)
    }
    const named = new BrowserGuard('gateway.lan', 8018)
    expect(status(named, config(), 'gateway.lan:8018')).toBe(200)
    expect(status(named, config({ allowed_hosts: ['gw'] }), 'gateway.lan:8018')).toBe(200)
    expect(status(named, config({ allowed_hosts: ['gw'] }), 'evil.example')).toBe(421)
  })
})
