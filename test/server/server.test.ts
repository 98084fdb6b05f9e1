import { describe, expect, test } from 'bun:test'
import { testGateway } from '../helpers/gateway.ts'

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})

describe('server', () => {
  test('liveness and readiness', async () => {
    await using gw = await testGateway()
    const h = await fetch(`${gw.url}/healthz`)
    expect(h.status).toBe(200)
    expect(await h.json()).toEqual({ status: 'ok' })
    const r = await fetch(`${gw.url}/readyz`)
    expect(await r.json()).toEqual({
      status: 'ready',
      config_version: 1,
      database: 'open',
      upstream: { in_flight: 0, queued: 0, limit: 240 },
    })
  })

  test('x-request-id is kept when sane, minted otherwise, and carried in the log line', async () => {
    await using gw = await testGateway()
    const kept = await fetch(`${gw.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } })
    expect(kept.headers.get('x-request-id')).toBe('abc-123')
    const junk = await fetch(`${gw.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } })
    expect(junk.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
    expect(gw.logs.find((l) => l['reqId'] === 'abc-123')).toMatchObject({
      msg: 'request',
      path: '/healthz',
      status: 200,
    })
  })

  test('oversized bodies get 413 in the dialect of the endpoint, declared or chunked', async () => {
    await using gw = await testGateway({ server: { body_limit_bytes: 2048 } })
    const big = { model: 'x', max_tokens: 5, messages: [{ role: 'user', content: 'a'.repeat(5000) }] }
    const anthropic = await fetch(`${gw.url}/v1/messages`, json(big))
    expect(anthropic.status).toBe(413)
    expect(await anthropic.json()).toEqual({
      type: 'error',
      error: { type: 'request_too_large', message: 'Request body is larger than the limit of 2048 bytes' },
    })
    // chunked: no content-length, so the limit is enforced while reading
    const bytes = new TextEncoder().encode(JSON.stringify(big))
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 512) c.enqueue(bytes.slice(i, i + 512))
        c.close()
      },
    })
    const openai = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunked,
    })
    expect(openai.status).toBe(413)
    const body = (await openai.json()) as { error: { message: string; type: string } }
    expect(body.error.message).toBe('Request body is larger than the limit of 2048 bytes')
    const gemini = await fetch(`${gw.url}/v1beta/models/gemini-2.5-pro:generateContent`, json(big))
    expect(gemini.status).toBe(413)
    expect(((await gemini.json()) as { error: { code: number } }).error.code).toBe(413)
  })

  test('the body limit follows a config reload', async () => {
    await using gw = await testGateway({ server: { body_limit_bytes: 2048 } })
    const mid = { model: 'x', messages: [{ role: 'user', content: 'a'.repeat(3000) }] }
    expect((await fetch(`${gw.url}/v1/chat/completions`, json(mid))).status).toBe(413)
    gw.rewrite({ server: { body_limit_bytes: 1024 * 1024 } })
    expect((await fetch(`${gw.url}/v1/chat/completions`, json(mid))).status).not.toBe(413)
  })

  test('unknown routes, bad JSON and invalid bodies answer in the endpoint dialect', async () => {
    await using gw = await testGateway()
    const nf = await fetch(`${gw.url}/v1/nothing-here`)
    expect(nf.status).toBe(404)
    expect(((await nf.json()) as { error: { message: string } }).error.message).toContain(
      'Unknown endpoint GET /v1/nothing-here',
    )

    const parse = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": ',
    })
    expect(parse.status).toBe(400)
    const pb = (await parse.json()) as { type: string; error: { type: string; message: string } }
    expect(pb.type).toBe('error')
    expect(pb.error.type).toBe('invalid_request_error')
    expect(pb.error.message).toContain('not valid JSON')

    const empty = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '',
    })
    expect(empty.status).toBe(400)
    expect(((await empty.json()) as { error: { message: string } }).error.message).toContain(
      'Request body is empty',
    )

    // without a declared length (chunked), the same parse and the same errors
    const chunked = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('{"model": "x", "messages": ['))
          c.close()
        },
      }),
    })
    expect(chunked.status).toBe(400)
    expect(((await chunked.json()) as { error: { message: string } }).error.message).toContain(
      'not valid JSON',
    )

    const invalid = await fetch(`${gw.url}/v1/chat/completions`, json({ model: 42, messages: [] }))
    expect(invalid.status).toBe(400)
    const ib = (await invalid.json()) as { error: { message: string; type: string; param: string } }
    expect(ib.error.type).toBe('invalid_request_error')
    expect(ib.error.param).toBe('model')
    expect(ib.error.message).toStartWith('model:')
  })
})
