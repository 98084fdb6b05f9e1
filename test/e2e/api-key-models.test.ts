/**
 * A new user with only an OpenAI key asks for a model byokey's catalogue does not have: once the
 * key's own model list has been read, the request is served; before, the answer is the 404 it
 * always was.
 */
import { describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { fakeOpenAI } from '../helpers/fakes/index.ts'
import { sleep } from '../helpers/fakes/server.ts'
import { testGateway } from '../helpers/gateway.ts'

const KEY = 'sk-only-openai-key'

describe('a model only the API key lists', () => {
  test('gpt-4o-mini: 404 until the key reported its list, then served through the real openai client', async () => {
    let listArrives = () => {}
    const modelsAfter = new Promise<void>((resolve) => {
      listArrives = resolve
    })
    await using upstream = fakeOpenAI(
      { text: 'hello from mini' },
      { key: KEY, models: [{ id: 'gpt-4o-mini' }], modelsAfter },
    )
    // a new user's config is nothing but the key; reading lists is on by default (tests turn it off)
    await using gw = await testGateway({
      model_lists: { enabled: true },
      providers: { codex: { api_key: KEY, base_url: `${upstream.url}/v1` } },
    })
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client', maxRetries: 0 })
    const ask = () =>
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })

    // The list call is held: today's answer.
    const before = await ask().catch((e: unknown) => e)
    expect(before).toBeInstanceOf(OpenAI.NotFoundError)
    const err = before as InstanceType<typeof OpenAI.NotFoundError>
    expect(err.status).toBe(404)
    expect(err.error).toEqual({
      message: expect.stringContaining("The model 'gpt-4o-mini' is not served by this gateway"),
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    })
    expect(upstream.calls).toBe(0)

    listArrives()
    let listed = false
    for (let i = 0; i < 200 && !listed; i++) {
      const page = await client.models.list()
      listed = page.data.some((m) => m.id === 'gpt-4o-mini' && m.owned_by === 'codex')
      if (!listed) await sleep(10)
    }
    expect(listed).toBe(true)

    const answer = await ask()
    expect(answer.choices[0]?.message.content).toBe('hello from mini')
    const sent = upstream.last()
    expect(sent.path).toBe('/v1/chat/completions')
    expect(sent.headers['authorization']).toBe(`Bearer ${KEY}`)
    expect((sent.body as { model: string }).model).toBe('gpt-4o-mini')
    expect(gw.logText()).not.toContain(KEY)
  })
})
