/**
 * Regression: a body whose field holds `{"toString":0}` where a string belongs made Elysia's
 * validation error throw while printing the value, and every route answered 500 (found by the
 * gateway fuzz test, seed 926645255). It is the client's mistake: a 400 in the endpoint's dialect.
 */
import { expect, test } from 'bun:test'
import { testGateway } from '../helpers/gateway.ts'

const CASES = [
  { path: '/v1/chat/completions', envelope: 'openai' },
  { path: '/v1/responses', envelope: 'openai' },
  { path: '/v1/messages', envelope: 'anthropic' },
  { path: '/v1/messages/count_tokens', envelope: 'anthropic' },
  { path: '/v1beta/models/gemini-2.5-pro:generateContent', envelope: 'gemini' },
] as const

test('an object with its own toString where a string belongs is a 400 in the dialect, not a 500', async () => {
  await using gw = await testGateway({
    providers: { claude: { api_key: 'sk-test', base_url: 'http://127.0.0.1:9' } },
  })
  const bodies = [
    '{"model":{"toString":0},"messages":[{"role":"user","content":"hi"}]}',
    '{"model":"claude-sonnet-4-5","max_tokens":{"toString":1,"valueOf":2},"messages":[{"role":"user","content":"hi"}]}',
    '{"contents":[{"role":"user","parts":[{"text":{"toString":"x"}}]}]}',
  ]
  for (const { path, envelope } of CASES) {
    for (const body of bodies) {
      const res = await fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      const json = (await res.json()) as Record<string, unknown>
      // some of these bodies are valid for some routes' schemas (Gemini's model is in the path):
      // those may answer anything but a 500
      expect(res.status).not.toBe(500)
      if (res.status !== 400) continue
      if (envelope === 'anthropic')
        expect(json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
      else if (envelope === 'openai') expect(json).toMatchObject({ error: { type: 'invalid_request_error' } })
      else expect(json).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } })
    }
  }
  const first = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: bodies[0],
  })
  expect(first.status).toBe(400)
  expect(((await first.json()) as { error: { message: string } }).error.message).toContain('"toString"')
  expect(gw.logText()).not.toContain('unhandled error')
})
