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

/** A promise the fake's `GET /v1/models` waits on, and what lets it answer. */
function heldList(): { modelsAfter: Promise<void>; release: () => void } {
  let release = () => {}
  const modelsAfter = new Promise<void>((resolve) => {
    release = resolve
  })
  return { modelsAfter, release }
}

/** Polls the gateway's `GET /v1/models` (bounded) until `id` is listed by `owner`. */
async function listedBy(client: OpenAI, id: string, owner: string): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    const page = await client.models.list()
    if (page.data.some((m) => m.id === id && m.owned_by === owner)) return true
    await sleep(10)
  }
  return false
}

describe('a model only the API key lists', () => {
  test('gpt-4o-mini: 404 until the key reported its list, then served through the real openai client', async () => {
    const { modelsAfter, release: listArrives } = heldList()
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
    expect(await listedBy(client, 'gpt-4o-mini', 'codex')).toBe(true)

    const answer = await ask()
    expect(answer.choices[0]?.message.content).toBe('hello from mini')
    const sent = upstream.last()
    expect(sent.path).toBe('/v1/chat/completions')
    expect(sent.headers['authorization']).toBe(`Bearer ${KEY}`)
    expect((sent.body as { model: string }).model).toBe('gpt-4o-mini')
    expect(gw.logText()).not.toContain(KEY)
  })

  test('an upstreams: entry that names no models serves what its list names, bare and qualified', async () => {
    const { modelsAfter, release } = heldList()
    await using upstream = fakeOpenAI(
      { text: 'from the upstream' },
      { models: [{ id: 'served-by-up' }], modelsAfter },
    )
    await using gw = await testGateway({
      model_lists: { enabled: true },
      upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${upstream.url}/v1`, api_key: 'up-key' }],
    })
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client', maxRetries: 0 })
    const ask = (model: string) =>
      client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })

    const before = await ask('served-by-up').catch((e: unknown) => e)
    expect(before).toBeInstanceOf(OpenAI.NotFoundError)
    release()
    expect(await listedBy(client, 'served-by-up', 'up')).toBe(true)
    expect((await client.models.list()).data.some((m) => m.id === 'up/served-by-up')).toBe(true)
    const answer = await ask('served-by-up')
    expect(answer.choices[0]?.message.content).toBe('from the upstream')
    expect((upstream.last().body as { model: string }).model).toBe('served-by-up')
    expect(upstream.last().headers['authorization']).toBe('Bearer up-key')
  })
})
