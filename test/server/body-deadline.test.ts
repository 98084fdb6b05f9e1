/**
 * A client that sends its headers and then its body a byte at a time must not hold a request
 * for longer than `timeouts.request_body_ms`: it gets 408 in the endpoint's envelope and the
 * connection is closed, whether the body has a declared length or comes chunked.
 */
import { describe, expect, test } from 'bun:test'
import { testGateway } from '../helpers/gateway.ts'
import { httpText, portOf, RawConnection, rawRequest } from '../helpers/raw-http.ts'
import { waitFor } from '../helpers/tmp.ts'

/** Writes one byte every `everyMs` until the server answers or closes (at most `max` bytes). */
async function trickle(
  conn: RawConnection,
  byte: () => string,
  everyMs: number,
  max: number,
): Promise<number> {
  let sent = 0
  while (sent < max && !conn.closed && !/\r\n\r\n/.test(conn.text())) {
    if (!conn.write(byte())) break
    sent++
    await Bun.sleep(everyMs)
  }
  return sent
}

const JSON_HEAD = { host: '127.0.0.1', 'content-type': 'application/json' }

describe('hardening #9: request body read deadline', () => {
  test('a trickled body with a declared length gets 408 in each dialect and the connection closed', async () => {
    await using gw = await testGateway({ timeouts: { request_body_ms: 300 } })
    const port = portOf(gw.url)
    const envelopes = {
      '/v1/messages': { type: 'error', error: { type: 'timeout_error' } },
      '/v1/chat/completions': {
        error: { type: 'invalid_request_error', code: 'request_timeout', param: null },
      },
      '/v1beta/models/m:generateContent': { error: { code: 408, status: 'DEADLINE_EXCEEDED' } },
    }
    for (const [path, envelope] of Object.entries(envelopes)) {
      const conn = await RawConnection.open(port)
      conn.write(httpText('POST', path, { ...JSON_HEAD, 'content-length': '1000' }, '{"model":'))
      const sent = await trickle(conn, () => ' ', 50, 60)
      const res = await conn.response()
      expect(sent).toBeLessThan(60)
      expect(res.status).toBe(408)
      expect(res.headers['connection']).toBe('close')
      expect(JSON.parse(res.body)).toMatchObject(envelope)
      expect(res.body).toContain('timeouts.request_body_ms')
      expect(await conn.closes()).toBe(true)
      conn.close()
    }
    expect(await waitFor(() => gw.gateway.server.pendingRequests === 0)).toBe(true)
    const health = await rawRequest(
      port,
      httpText('GET', '/healthz', { host: '127.0.0.1', connection: 'close' }),
    )
    expect(health.status).toBe(200)
  })

  test('a trickled chunked body gets 408 too', async () => {
    await using gw = await testGateway({ timeouts: { request_body_ms: 300 } })
    const conn = await RawConnection.open(portOf(gw.url))
    conn.write(httpText('POST', '/v1/chat/completions', { ...JSON_HEAD, 'transfer-encoding': 'chunked' }))
    const sent = await trickle(conn, () => '1\r\n \r\n', 50, 60)
    const res = await conn.response()
    expect(sent).toBeLessThan(60)
    expect(res.status).toBe(408)
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'request_timeout' } })
    expect(await conn.closes()).toBe(true)
    conn.close()
  })

  test('the deadline follows a config reload, and a body sent in time is read as before', async () => {
    await using gw = await testGateway({ timeouts: { request_body_ms: 60_000 } })
    gw.rewrite({ timeouts: { request_body_ms: 300 } })
    const conn = await RawConnection.open(portOf(gw.url))
    conn.write(httpText('POST', '/v1/messages', { ...JSON_HEAD, 'content-length': '1000' }, '{'))
    await trickle(conn, () => ' ', 50, 60)
    expect((await conn.response()).status).toBe(408)
    conn.close()
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'nobody/m', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res.status).not.toBe(408)
    expect(((await res.json()) as { type: string }).type).toBe('error')
  })
})
