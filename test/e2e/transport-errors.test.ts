/**
 * Transport failures as a client sees them: what failed (refused, reset, TLS, DNS…) and the
 * upstream's origin, never the runtime's own message (Bun's fetch errors end in a hint for
 * developers: "pass `verbose: true` in the second argument to fetch()"), never the path, query
 * or credentials of the upstream URL. The runtime's text goes to the log.
 */
import { describe, expect, test } from 'bun:test'
import type { DialectName } from '../../src/dialects/ir.ts'
import { transportError, transportFailure } from '../../src/gateway/upstream-fetch.ts'
import { parseSSE } from '../../src/sse.ts'
import { connectionReset, fakeOpenAI } from '../helpers/fakes/index.ts'
import { testGateway } from '../helpers/gateway.ts'

const RUNTIME_HINTS = ['verbose', 'fetch()', 'Is the computer able']
const INBOUND: DialectName[] = ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini']

/** A request in the client's dialect for `up/m`, by plain fetch. */
function request(inbound: DialectName, url: string, stream: boolean): Promise<Response> {
  const post = (path: string, body: unknown) =>
    fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const messages = [{ role: 'user', content: 'hi' }]
  switch (inbound) {
    case 'openai-chat':
      return post('/v1/chat/completions', { model: 'up/m', stream, messages })
    case 'openai-responses':
      return post('/v1/responses', { model: 'up/m', stream, input: 'hi' })
    case 'anthropic-messages':
      return post('/v1/messages', { model: 'up/m', stream, max_tokens: 16, messages })
    case 'gemini':
      return post(`/v1beta/models/up/m:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`, {
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      })
  }
}

/** The error message of an envelope in any of the four dialects. */
function messageOf(body: unknown): string {
  const error = (body as { error?: { message?: unknown } }).error
  return String(error?.message)
}

function expectNoRuntimeHint(text: string): void {
  for (const hint of RUNTIME_HINTS) expect(text).not.toContain(hint)
}

/** An origin where nothing listens any more. */
function closedOrigin(): string {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
  const origin = server.url.origin
  server.stop(true)
  return origin
}

describe('hardening: client-facing transport errors carry no runtime hint', () => {
  test.each(INBOUND)(
    '%s client, upstream on a closed port: 502 "connection refused" and the origin, in its envelope',
    async (inbound) => {
      const origin = closedOrigin()
      const { port } = new URL(origin)
      await using gw = await testGateway({
        upstreams: [
          {
            name: 'up',
            dialect: 'openai-chat',
            // credentials and a path in the URL: neither may reach the client
            base_url: `http://byokey-user:pw-in-url-secret@127.0.0.1:${port}/private/v1`,
            api_key: 'k',
          },
        ],
      })
      for (const stream of [false, true]) {
        const res = await request(inbound, gw.url, stream)
        expect(res.status).toBe(502)
        const text = await res.text()
        expect(messageOf(JSON.parse(text))).toBe(`Upstream unreachable: connection refused (${origin})`)
        expectNoRuntimeHint(text)
        expect(text).not.toContain('pw-in-url-secret')
        expect(text).not.toContain('/private')
      }
      // the runtime's own words stay in the log, for the operator
      const logged = gw.logs.filter((l) => l['msg'] === 'upstream call failed')
      expect(logged).toHaveLength(2)
      expect(String(logged[0]?.['detail'])).toContain('ECONNREFUSED')
      expect(gw.logText()).not.toContain('pw-in-url-secret')
    },
  )

  /** Listening sockets that fail a call in one way each, and the words the client should read. */
  const FAULTS: Array<[string, () => { port: number; stop(): void }, 'http' | 'https', string]> = [
    [
      'an upstream that drops the connection before answering',
      () => {
        const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data: (sock) => sock.terminate() } })
        return { port: s.port, stop: () => s.stop(true) }
      },
      'http',
      'connection closed unexpectedly',
    ],
    [
      'TLS spoken to a plain-HTTP port',
      () => {
        const s = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
        return { port: s.port ?? 0, stop: () => void s.stop(true) }
      },
      'https',
      'TLS handshake failed',
    ],
  ]

  test.each(FAULTS)('%s: 502 saying what failed', async (_name, listen, scheme, words) => {
    const fault = listen()
    try {
      const origin = `${scheme}://127.0.0.1:${fault.port}`
      await using gw = await testGateway({
        upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${origin}/v1`, api_key: 'k' }],
      })
      const res = await request('anthropic-messages', gw.url, false)
      expect(res.status).toBe(502)
      const text = await res.text()
      expect(messageOf(JSON.parse(text))).toBe(`Upstream unreachable: ${words} (${origin})`)
      expectNoRuntimeHint(text)
    } finally {
      fault.stop()
    }
  })

  test.each(['openai-chat', 'anthropic-messages'] as const)(
    'a reset mid-stream (%s client): the in-stream error says what broke, without the hint',
    async (inbound) => {
      await using up = fakeOpenAI(
        connectionReset(3, { text: 'partial answer that never ends', chunkText: 4 }),
      )
      await using gw = await testGateway({
        upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${up.url}/v1`, api_key: 'k' }],
      })
      const res = await request(inbound, gw.url, true)
      expect(res.status).toBe(200)
      const body = await res.text()
      expectNoRuntimeHint(body)
      const events = parseSSE(body)
      const last = JSON.parse(events[events.length - 1]!.data) as unknown
      expect(messageOf(last)).toBe('Upstream stream broke off: connection closed unexpectedly')
      const logged = gw.logs.find((l) => l['msg'] === 'upstream stream failed mid-way')
      expect(String(logged?.['detail'])).toContain('ECONNRESET')
    },
  )

  test('each kind of failure in plain words; the origin without credentials, path or query', () => {
    const cases: Array<[unknown, string]> = [
      [{ code: 'ECONNREFUSED' }, 'connection refused'],
      [{ code: 'ECONNRESET' }, 'connection closed unexpectedly'],
      [{ code: 'ENOTFOUND' }, 'host name not found (DNS)'],
      [{ code: 'ETIMEDOUT' }, 'connection timed out'],
      [{ code: 'EPROTO' }, 'TLS handshake failed'],
      [{ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'TLS certificate not accepted (DEPTH_ZERO_SELF_SIGNED_CERT)'],
      [
        { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
        'TLS certificate not accepted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
      ],
      [{ code: 'EHOSTUNREACH' }, 'network unreachable'],
      [{ code: 'ESOMETHING' }, 'the connection failed (ESOMETHING)'],
      [new TypeError('pass `verbose: true` in the second argument to fetch()'), 'the connection failed'],
    ]
    for (const [error, words] of cases) expect(transportFailure(error)).toBe(words)
    const err = transportError(
      Object.assign(new TypeError('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }),
      undefined,
      new AbortController().signal,
      'https://user:pass@gemini.example:8443/v1beta/models/m:streamGenerateContent?alt=sse&key=AIza-secret',
    )
    expect(err.message).toBe('Upstream unreachable: host name not found (DNS) (https://gemini.example:8443)')
  })
})
