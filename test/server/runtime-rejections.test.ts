/**
 * Requests refused before any route runs. Those byokey can see answer in the endpoint's envelope;
 * those Bun refuses in its HTTP parser (no JavaScript runs: not `fetch`, not `error`) are pinned
 * here with the status and empty body Bun gives, so an upgrade that changes them is noticed.
 */
import { describe, expect, test } from 'bun:test'
import { testGateway } from '../helpers/gateway.ts'
import { httpText, portOf, RawConnection, rawRequest } from '../helpers/raw-http.ts'

const JSON_HEAD = { host: '127.0.0.1', 'content-type': 'application/json' }

describe('hardening #7: rejections made before a route runs', () => {
  test('a declared Content-Length past 1 GiB gets 413 in the endpoint envelope and the connection closed', async () => {
    await using gw = await testGateway()
    const port = portOf(gw.url)
    const envelopes = {
      '/v1/messages': { type: 'error', error: { type: 'request_too_large' } },
      '/v1/chat/completions': { error: { type: 'invalid_request_error', param: null, code: null } },
      '/v1beta/models/m:generateContent': { error: { code: 413, status: 'INVALID_ARGUMENT' } },
    }
    for (const [path, envelope] of Object.entries(envelopes)) {
      const conn = await RawConnection.open(port)
      conn.write(
        httpText('POST', path, { ...JSON_HEAD, 'content-length': String(2 * 1024 ** 3) }, '{"model":'),
      )
      const res = await conn.response()
      expect(res.status).toBe(413)
      expect(JSON.parse(res.body)).toMatchObject(envelope)
      expect(res.body).toContain('Request body is larger than the limit of 52428800 bytes')
      expect(await conn.closes()).toBe(true)
      conn.close()
    }
  })

  test('a body over the configured limit is refused unread, closing the connection', async () => {
    await using gw = await testGateway({ server: { body_limit_bytes: 2048 } })
    const conn = await RawConnection.open(portOf(gw.url))
    conn.write(httpText('POST', '/v1/messages', { ...JSON_HEAD, 'content-length': '4096' }, '{'))
    const res = await conn.response()
    expect(res.status).toBe(413)
    expect(res.headers['connection']).toBe('close')
    expect(await conn.closes()).toBe(true)
    conn.close()
  })

  test('a Host Bun cannot make a URL of gets 400 in the endpoint envelope, not a 500', async () => {
    await using gw = await testGateway()
    const res = await rawRequest(
      portOf(gw.url),
      httpText('POST', '/v1/messages', { host: '', 'content-type': 'application/json' }, '{}'),
    )
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body)).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'The Host header is not a valid host name' },
    })
    expect(gw.logs.filter((l) => l['msg'] === 'server error' || l['msg'] === 'unhandled error')).toEqual([])
  })

  test('a request without a Host (HTTP/1.0, as some load-balancer probes send) is served, not a 500', async () => {
    await using gw = await testGateway()
    const res = await rawRequest(portOf(gw.url), 'GET /healthz HTTP/1.0\r\n\r\n')
    expect(res.status).toBe(200)
    expect(res.body).toBe('{"status":"ok"}')
  })

  // Bun 1.4.4 answers these from its HTTP parser with an empty body and closes the connection;
  // no server option or handler reaches them (header size is the process flag --max-http-header-size).
  test('pinned: Bun refuses huge headers (431), an absurd Content-Length (400) and broken chunking (400) itself', async () => {
    await using gw = await testGateway()
    const port = portOf(gw.url)
    const cases = [
      [
        'huge headers',
        httpText('GET', '/healthz', { host: '127.0.0.1', 'x-big': 'a'.repeat(64 * 1024) }),
        431,
      ],
      [
        'Content-Length past 2^64',
        httpText('POST', '/v1/messages', { ...JSON_HEAD, 'content-length': '99999999999999999999999' }, '{'),
        400,
      ],
      [
        'negative Content-Length',
        httpText('POST', '/v1/messages', { ...JSON_HEAD, 'content-length': '-1' }, '{'),
        400,
      ],
      [
        'malformed chunk size',
        `POST /v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{"a":\r\nzz\r\n`,
        400,
      ],
    ] as const
    for (const [name, request, status] of cases) {
      const conn = await RawConnection.open(port)
      conn.write(request)
      const res = await conn.response()
      expect({ name, status: res.status, body: res.body }).toEqual({ name, status, body: '' })
      expect(await conn.closes()).toBe(true)
      conn.close()
    }
    const health = await rawRequest(
      port,
      httpText('GET', '/healthz', { host: '127.0.0.1', connection: 'close' }),
    )
    expect(health.status).toBe(200)
  })
})
