/**
 * `providers.<id>.backend`: a provider's models served with another provider's credentials and
 * wire format, as BYOKEY's `claude.backend: copilot` does; the model name goes on unchanged.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { fakeAnthropic, fakeOpenAI } from '../helpers/fakes/index.ts'
import { testGateway } from '../helpers/gateway.ts'
import { CLIENT_KEY, postJson } from './support.ts'

const client = (url: string) => new Anthropic({ baseURL: url, apiKey: CLIENT_KEY, maxRetries: 0 })

describe('providers.<id>.backend', () => {
  test('claude.backend names an OpenAI Chat upstream: Claude models go there, translated', async () => {
    await using chat = fakeOpenAI({ text: 'served by the backend' })
    await using gw = await testGateway({
      providers: { claude: { backend: 'chat' } },
      upstreams: [{ name: 'chat', dialect: 'openai-chat', base_url: `${chat.url}/v1`, api_key: 'sk-chat' }],
    })
    const m = await client(gw.url).messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(m.content[0]).toMatchObject({ type: 'text', text: 'served by the backend' })
    expect(chat.last().body).toMatchObject({ model: 'claude-sonnet-4-6' })
    expect(chat.last().headers['authorization']).toBe('Bearer sk-chat')
    await gw.store.usage.flush()
    expect((await gw.store.usage.recent(1))[0]).toMatchObject({ provider: 'chat', status: 200 })
  })

  test('gemini.backend: claude: a Gemini model is asked of Anthropic with the Claude key', async () => {
    await using up = fakeAnthropic({ text: 'claude answers for gemini' })
    await using gw = await testGateway({
      providers: { gemini: { backend: 'claude' }, claude: { base_url: up.url, api_key: 'sk-claude' } },
    })
    const res = await postJson(`${gw.url}/v1/chat/completions`, {
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> }
    expect(body.choices[0]!.message.content).toBe('claude answers for gemini')
    expect(up.last().headers['x-api-key']).toBe('sk-claude')
    expect(up.last().body).toMatchObject({ model: 'gemini-2.5-flash' })
  })

  test('a backend that names nothing: a 404 in the client dialect saying so', async () => {
    await using gw = await testGateway({ providers: { claude: { backend: 'nowhere', api_key: 'sk-x' } } })
    const res = await postJson(`${gw.url}/v1/messages`, {
      model: 'claude-sonnet-4-6',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(res.status).toBe(404)
    const body = (await res.json()) as { type: string; error: { message: string } }
    expect(body.type).toBe('error')
    expect(body.error.message).toContain("the backend of 'claude'")
  })
})
