/**
 * Token counting asked of the upstream: the count body is the dialect's own
 * (`Dialect.countTokens`), the count comes back in the client's envelope.
 */
import { expect, test } from 'bun:test'
import { fakeAnthropic, fakeGemini } from '../helpers/fakes/index.ts'
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
