/**
 * Token counting asked of the upstream: the count body is the dialect's own
 * (`Dialect.countTokens`), the count comes back in the client's envelope.
 */
import { describe, expect, test } from 'bun:test'
import { errorReply, fakeAnthropic, fakeGemini } from '../helpers/fakes/index.ts'
import { testGateway } from '../helpers/gateway.ts'
import { postJson } from './support.ts'

test('messages count_tokens sends the fields the count endpoint takes, and only those', async () => {
  await using up = fakeAnthropic({ text: 'unused' })
  await using gw = await testGateway({
    providers: { claude: { base_url: up.url, api_key: 'sk-count' } },
  })
  const body = {
    model: 'claude-sonnet-4-6',
    system: 'be brief',
    messages: [{ role: 'user', content: 'hi' }],
    output_config: { effort: 'low' },
    context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
  }
  const res = await postJson(`${gw.url}/v1/messages/count_tokens`, body)
  expect(res.status).toBe(200)
  expect(await res.json()).toEqual({ input_tokens: up.tokenCounts[0]! })
  expect(res.headers.get('x-byokey-token-count')).toBeNull()
  const sent = up.last()
  expect(sent.path).toBe('/v1/messages/count_tokens')
  expect(Object.keys(sent.body as object).sort()).toEqual([
    'context_management',
    'messages',
    'model',
    'output_config',
    'system',
  ])
})

test('gemini countTokens of an Anthropic-routed model is answered as totalTokens', async () => {
  await using up = fakeAnthropic({ text: 'unused' })
  await using gw = await testGateway({
    providers: { claude: { base_url: up.url, api_key: 'sk-count' } },
  })
  const res = await postJson(`${gw.url}/v1beta/models/claude-sonnet-4-6:countTokens`, {
    contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
  })
  expect(res.status).toBe(200)
  expect(await res.json()).toEqual({ totalTokens: up.tokenCounts[0]! })
})

test('messages count_tokens of a Gemini model goes out as a generateContentRequest', async () => {
  await using up = fakeGemini({ text: 'unused' })
  await using gw = await testGateway({
    providers: { gemini: { base_url: up.url, api_key: 'g-count' } },
  })
  const res = await postJson(`${gw.url}/v1/messages/count_tokens`, {
    model: 'gemini-2.5-flash',
    messages: [{ role: 'user', content: 'hi' }],
  })
  expect(res.status).toBe(200)
  const answer = (await res.json()) as { input_tokens: number }
  expect(answer.input_tokens).toBeGreaterThan(0)
  const sent = up.last()
  expect(sent.path).toContain(':countTokens')
  expect(sent.body).toMatchObject({ generateContentRequest: { model: 'models/gemini-2.5-flash' } })
})

describe('count_tokens through the accounts layer', () => {
  const countPath = '/v1/messages/count_tokens'
  const keyOf = (rec: { headers: Record<string, string> }) => rec.headers['x-api-key']
  /** Two Claude keys tried fill-first (A before B); inference with `failing` keys answers 429. */
  async function twoKeys(failing: string[]) {
    const up = fakeAnthropic((rec) =>
      failing.includes(keyOf(rec) ?? '') ? errorReply(429, { retryAfter: 60 }) : { text: 'ok' },
    )
    const gw = await testGateway({
      providers: {
        claude: {
          base_url: up.url,
          routing: 'fill_first',
          api_keys: [
            { api_key: 'sk-key-a', label: 'a' },
            { api_key: 'sk-key-b', label: 'b' },
          ],
        },
      },
    })
    return { up, gw }
  }
  const message = { model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }
  const countsBy = (up: { requests: Array<{ path: string; headers: Record<string, string> }> }) =>
    up.requests.filter((r) => r.path === countPath).map(keyOf)

  test('a healthy first account counts; a cooling one is skipped for the next', async () => {
    const { up, gw } = await twoKeys(['sk-key-a'])
    await using _up = up
    await using _gw = gw
    expect((await postJson(`${gw.url}${countPath}`, message)).status).toBe(200)
    expect(countsBy(up)).toEqual(['sk-key-a'])
    // A refuses an inference request and cools down: counts now go to B
    expect((await postJson(`${gw.url}/v1/messages`, message)).status).toBe(200)
    for (let i = 0; i < 2; i++) {
      const res = await postJson(`${gw.url}${countPath}`, message)
      expect(res.status).toBe(200)
      expect(res.headers.get('x-byokey-token-count')).toBeNull()
    }
    expect(countsBy(up)).toEqual(['sk-key-a', 'sk-key-b', 'sk-key-b'])
  })

  test('every account cooling down: the count is estimated without asking the upstream', async () => {
    const { up, gw } = await twoKeys(['sk-key-a', 'sk-key-b'])
    await using _up = up
    await using _gw = gw
    expect((await postJson(`${gw.url}/v1/messages`, message)).status).toBe(429)
    const res = await postJson(`${gw.url}${countPath}`, message)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-byokey-token-count')).toBe('estimate')
    expect(((await res.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0)
    expect(countsBy(up)).toEqual([])
  })
})
