/**
 * A translated stream answers its status and headers as soon as the upstream has answered, not
 * with the first translated event: the runtime sends no header bytes before the body's first
 * byte, and an upstream that sends only keep-alives produces no event at all for a long time.
 */
import { describe, expect, test } from 'bun:test'
import { fakeOpenAI, sseResponse } from '../helpers/fakes/index.ts'
import { testGateway } from '../helpers/gateway.ts'
import { waitFor } from '../helpers/tmp.ts'

describe('hardening: response headers go out as soon as the upstream answered', () => {
  test('a Gemini client behind a Responses upstream that sends only keep-alives gets 200 and headers before any event', async () => {
    // Headers at once, then an SSE comment every 50 ms for 50 s: no event the client could see.
    await using up = fakeOpenAI(() =>
      sseResponse(Array<string>(1000).fill(': keep-alive\n\n'), { commitHeaders: true, delayMs: 50 }),
    )
    await using gw = await testGateway({
      timeouts: { idle_ms: 60_000 },
      upstreams: [{ name: 'up', dialect: 'openai-responses', base_url: `${up.url}/v1`, api_key: 'k' }],
    })
    const requestId = `early-headers-${process.pid}`
    const res = await fetch(`${gw.url}/v1beta/models/up/m:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    expect(res.headers.get('x-request-id')).toBe(requestId)
    // What arrived with the headers is no event: an empty line, which SSE readers skip.
    const reader = res.body!.getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toBe('\n')
    await reader.cancel()
    await waitFor(async () => up.requests[0]?.aborted, 2000)
    const row = await waitFor(async () => {
      await gw.store.usage.flush()
      return (await gw.store.usage.recent(10)).find((r) => r.requestId === requestId)
    })
    expect(row).toMatchObject({ provider: 'up', stream: true, status: 499 })
  })
})
