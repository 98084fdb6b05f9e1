/**
 * A Codex (ChatGPT subscription) login serving requests through the ChatGPT Codex backend: the
 * backend's rules (stream and store forced, instructions present, rejected fields dropped, the
 * account and client headers), non-streaming clients answered from the collected stream, Chat
 * clients translated to Responses, an expired token refreshed once, and usage named by account.
 * Fake OAuth and Codex backend servers on 127.0.0.1; real SQLite; the real OpenAI SDK.
 */
import { describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { errorReply, fakeOpenAI, inStreamError, type Recorded, type Script } from '../helpers/fakes/index.ts'
import { type FakeOAuth, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { testGateway } from '../helpers/gateway.ts'

const ACCOUNT = 'acct-1234'
const MODEL = 'gpt-5.4'

type Gw = Awaited<ReturnType<typeof testGateway>>

function seed(gw: Gw, oauth: FakeOAuth, expired = false) {
  const t = oauth.issue()
  gw.store.accounts.upsert({
    provider: 'codex',
    accountId: ACCOUNT,
    kind: 'oauth',
    token: {
      access_token: t.access_token,
      refresh_token: t.refresh_token,
      id_token: 'not-a-jwt',
      account_id: ACCOUNT,
      expires_at: Math.floor(Date.now() / 1000) + (expired ? -1 : 3600),
    },
    expiresAt: expired ? Date.now() - 1000 : Date.now() + 3_600_000,
  })
  return t
}

/** The Codex backend fake, taking only access tokens the OAuth fake currently considers valid. */
function backend(oauth: FakeOAuth, script?: Script) {
  return fakeOpenAI(
    script ??
      ((rec: Recorded) =>
        oauth.isValidAccess((rec.headers['authorization'] ?? '').replace(/^Bearer /, ''))
          ? { text: 'hello from codex', chunkText: 5, usage: { input: 11, output: 3 } }
          : errorReply(401, { message: 'token expired' })),
    { codexBackend: true, codexBasePath: '/backend-api/codex' },
  )
}

async function setup(oauth: FakeOAuth, up: { url: string }) {
  const gw = await testGateway({
    providers: {
      codex: {
        base_url: `${up.url}/backend-api/codex`,
        oauth: { token_url: oauth.tokenUrl, client_id: oauth.clientId },
      },
    },
  })
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'any', maxRetries: 0 })
  return { gw, client }
}

/** What every call to the backend must look like. */
function expectBackendShaped(rec: Recorded, access: string) {
  expect(rec.path).toBe('/backend-api/codex/responses')
  expect(rec.headers['authorization']).toBe(`Bearer ${access}`)
  expect(rec.headers['chatgpt-account-id']).toBe(ACCOUNT)
  expect(rec.headers['originator']).toBe('codex_cli_rs')
  expect(rec.headers['session_id']).toMatch(/^[0-9a-f-]{36}$/)
  expect(rec.headers['version']).toBeTruthy()
  expect(rec.headers['user-agent']).toStartWith('codex_cli_rs/')
  expect(rec.headers['accept']).toBe('text/event-stream')
  const body = rec.body as Record<string, unknown>
  expect(body['stream']).toBe(true)
  expect(body['store']).toBe(false)
  expect(typeof body['instructions']).toBe('string')
  expect(body['include']).toContain('reasoning.encrypted_content')
  for (const k of ['max_output_tokens', 'temperature', 'top_p', 'stream_options'])
    expect(body[k]).toBeUndefined()
}

describe('Codex subscription login', () => {
  test('responses.create, streaming and not, reach the backend shaped as it requires', async () => {
    await using oauth = startFakeOAuth({ tokenStyle: 'form' })
    await using up = backend(oauth)
    const { gw, client } = await setup(oauth, up)
    await using _gw = gw
    const t = seed(gw, oauth)

    const res = await client.responses.create({
      model: MODEL,
      input: 'hi',
      max_output_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
    })
    expect(res.output_text).toBe('hello from codex')
    expect(res.status).toBe('completed')
    expect(res.usage?.output_tokens).toBe(3)

    const stream = await client.responses.create({
      model: MODEL,
      instructions: 'Be brief.',
      input: 'hi',
      temperature: 0.2,
      stream: true,
    })
    let text = ''
    let completed = false
    for await (const ev of stream) {
      if (ev.type === 'response.output_text.delta') text += ev.delta
      if (ev.type === 'response.completed') completed = true
    }
    expect(text).toBe('hello from codex')
    expect(completed).toBe(true)

    expect(up.requests).toHaveLength(2)
    for (const rec of up.requests) expectBackendShaped(rec, t.access_token)
    expect((up.requests[0]!.body as Record<string, unknown>)['instructions']).toBe('')
    expect((up.requests[1]!.body as Record<string, unknown>)['instructions']).toBe('Be brief.')

    await gw.store.usage.flush()
    const rows = await gw.store.usage.recent(2)
    expect(rows).toHaveLength(2)
    for (const row of rows) expect(row).toMatchObject({ provider: 'codex', account: ACCOUNT, status: 200 })
  })

  test('chat.completions from a Chat client go to the Responses backend, streaming and not', async () => {
    await using oauth = startFakeOAuth({ tokenStyle: 'form' })
    await using up = backend(oauth)
    const { gw, client } = await setup(oauth, up)
    await using _gw = gw
    const t = seed(gw, oauth)

    const res = await client.chat.completions.create({
      model: MODEL,
      max_tokens: 64,
      temperature: 0.3,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    })
    expect(res.object).toBe('chat.completion')
    expect(res.choices[0]?.message.content).toBe('hello from codex')
    expect(res.choices[0]?.finish_reason).toBe('stop')
    expect(res.usage?.completion_tokens).toBe(3)

    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    let finish: string | null | undefined
    let usage: OpenAI.CompletionUsage | undefined | null
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      finish ??= chunk.choices[0]?.finish_reason
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe('hello from codex')
    expect(finish).toBe('stop')
    expect(usage?.completion_tokens).toBe(3)

    expect(up.requests).toHaveLength(2)
    for (const rec of up.requests) expectBackendShaped(rec, t.access_token)
    await gw.store.usage.flush()
    expect((await gw.store.usage.recent(1))[0]).toMatchObject({
      provider: 'codex',
      account: ACCOUNT,
      outputTokens: 3,
    })
  })

  test('an expired token is refreshed exactly once for concurrent requests; the account id is kept', async () => {
    await using oauth = startFakeOAuth({ tokenStyle: 'form', rotate: true, refreshDelayMs: 30 })
    await using up = backend(oauth)
    const { gw, client } = await setup(oauth, up)
    await using _gw = gw
    const seeded = seed(gw, oauth, true)
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
      ),
    )
    expect(results.every((r) => r.choices[0]?.message.content === 'hello from codex')).toBe(true)
    expect(oauth.counters.refreshes).toBe(1)
    for (const rec of up.requests) {
      expect(rec.headers['authorization']).not.toBe(`Bearer ${seeded.access_token}`)
      expect(rec.headers['chatgpt-account-id']).toBe(ACCOUNT)
    }
    const acc = gw.store.accounts.get('codex', ACCOUNT)!
    expect(acc.token['account_id']).toBe(ACCOUNT)
    expect(acc.token['refresh_token']).not.toBe(seeded.refresh_token)
    await gw.store.usage.flush()
    expect((await gw.store.usage.recent(1))[0]).toMatchObject({
      provider: 'codex',
      account: ACCOUNT,
      status: 200,
    })
    expect(gw.logText()).not.toContain(seeded.refresh_token)
  })

  test('a non-streaming answer is rebuilt from output items when response.completed has empty output', async () => {
    await using oauth = startFakeOAuth({ tokenStyle: 'form' })
    const frames = [
      {
        type: 'response.created',
        response: { id: 'resp_x', model: MODEL, status: 'in_progress', output: [] },
      },
      {
        type: 'response.output_item.done',
        output_index: 0,
        item: {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'rebuilt text', annotations: [] }],
        },
      },
      {
        type: 'response.output_item.done',
        output_index: 1,
        item: {
          id: 'fc_1',
          type: 'function_call',
          call_id: 'call_1',
          name: 'lookup',
          arguments: '{"q":"x"}',
        },
      },
      {
        type: 'response.completed',
        response: {
          id: 'resp_x',
          model: MODEL,
          status: 'completed',
          output: [],
          usage: { input_tokens: 7, output_tokens: 5, total_tokens: 12 },
        },
      },
    ]
    const sse = frames.map((f) => `event: ${f.type}\ndata: ${JSON.stringify(f)}\n\n`).join('')
    await using up = backend(
      oauth,
      () => new Response(sse, { headers: { 'content-type': 'text/event-stream' } }),
    )
    const { gw, client } = await setup(oauth, up)
    await using _gw = gw
    seed(gw, oauth)
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
    })
    expect(res.choices[0]?.message.content).toBe('rebuilt text')
    expect(res.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      id: 'call_1',
      function: { name: 'lookup', arguments: '{"q":"x"}' },
    })
    expect(res.choices[0]?.finish_reason).toBe('tool_calls')
    expect(res.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 5 })

    const r2 = await client.responses.create({ model: MODEL, input: 'hi' })
    expect(r2.output_text).toBe('rebuilt text')
    expect(r2.output.map((o) => o.type)).toEqual(['message', 'function_call'])
  })

  test('an error inside an HTTP 200 stream is the client error; a stream without response.completed is a 502', async () => {
    await using oauth = startFakeOAuth({ tokenStyle: 'form' })
    await using up = backend(oauth, [
      inStreamError(3, { type: 'rate_limit_exceeded', message: 'slow down', responsesEvent: 'error' }),
      () =>
        new Response(
          `event: response.created\ndata: ${JSON.stringify({ type: 'response.created', response: { id: 'resp_y', model: MODEL } })}\n\n`,
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    ])
    const { gw, client } = await setup(oauth, up)
    await using _gw = gw
    seed(gw, oauth)
    const first = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect(first).toBeInstanceOf(OpenAI.APIError)
    expect((first as InstanceType<typeof OpenAI.APIError>).status).toBe(429)
    expect((first as InstanceType<typeof OpenAI.APIError>).message).toContain('slow down')

    const second = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, input: 'hi' }),
    })
    expect(second.status).toBe(502)
    const body = (await second.json()) as { error: { message: string } }
    expect(body.error.message).toContain('closed before')

    await gw.store.usage.flush()
    const statuses = (await gw.store.usage.recent(2)).map((r) => r.status).sort()
    expect(statuses).toEqual([429, 502])
  })
})
