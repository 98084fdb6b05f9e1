/**
 * An Antigravity login serving requests: every client dialect (the real `openai` and
 * `@anthropic-ai/sdk` packages, and a Gemini client) through the Code Assist envelope with
 * Antigravity's fields and headers, which the fake backend checks on every call; text, streams,
 * a tool round trip, thinking, and a Claude model's signatures over two turns; the fallback host
 * after a retryable error on the first. Fake backend on 127.0.0.1; real SQLite.
 */
import { describe, expect, test } from 'bun:test'
import {
  errorReply,
  fakeAntigravity,
  fakeSignature,
  type Recorded,
  type Reply,
} from '../helpers/fakes/index.ts'
import { seedLogin, testGateway } from '../helpers/gateway.ts'
import { DRIVERS, type InboundName } from './support.ts'

const PROJECT = 'useful-fake-42'
const ACCESS = 'ya29.fake-antigravity-access'
const CLIENTS: readonly InboundName[] = ['chat', 'responses', 'messages', 'gemini']

type Json = Record<string, unknown>

async function setup(extra: Json = {}) {
  const gw = await testGateway({
    providers: { antigravity: { fallback_base_urls: [], ...extra } },
  })
  seedLogin(gw.store, 'antigravity', 'ada@example.com', {
    access_token: ACCESS,
    refresh_token: '1//fake-refresh',
    project_id: PROJECT,
    email: 'ada@example.com',
  })
  return gw
}

function backend(reply: (rec: Recorded) => Reply) {
  return fakeAntigravity((rec) => reply(rec), { project: PROJECT, token: ACCESS })
}

const envelope = (rec: Recorded) => rec.body as Json
const inner = (rec: Recorded) => envelope(rec)['request'] as Json

describe('antigravity: text and streams from every client', () => {
  for (const client of CLIENTS) {
    for (const stream of [false, true]) {
      test(`${client}, ${stream ? 'stream' : 'json'}`, async () => {
        await using up = backend(() => ({ text: 'hello from antigravity', chunkText: 6 }))
        await using gw = await setup({ base_url: up.url })
        const turn = await DRIVERS[client](
          { prompt: 'Say hello' },
          { url: gw.url, model: 'ag-gemini-2.5-pro', stream, requestId: `ag-${client}-${stream}` },
        )
        expect(turn.text).toBe('hello from antigravity')
        const rec = up.last()
        expect(rec.path).toBe(stream ? '/v1internal:streamGenerateContent' : '/v1internal:generateContent')
        if (stream) expect(rec.query['alt']).toBe('sse')
        expect(rec.headers['authorization']).toBe(`Bearer ${ACCESS}`)
        expect(rec.headers['user-agent']).toMatch(/^antigravity\/\d+\.\d+\.\d+ darwin\/arm64$/)
        const env = envelope(rec)
        expect(Object.keys(env).sort()).toEqual(
          ['model', 'project', 'request', 'requestId', 'requestType', 'userAgent'].sort(),
        )
        expect(env['model']).toBe('gemini-2.5-pro')
        expect(env['project']).toBe(PROJECT)
        expect(env['userAgent']).toBe('antigravity')
        expect(env['requestType']).toBe('agent')
        expect(env['requestId']).toMatch(/^agent-[0-9a-f-]{36}$/)
        expect(inner(rec)['contents']).toEqual([{ role: 'user', parts: [{ text: 'Say hello' }] }])
        expect(inner(rec)['sessionId']).toMatch(/^-?\d+$/)
        expect(inner(rec)['safetySettings']).toBeUndefined()
        await gw.store.usage.flush()
        const [row] = await gw.store.usage.recent(1)
        expect(row).toMatchObject({ provider: 'antigravity', account: 'ada@example.com', status: 200 })
      })
    }
  }
})

const THOUGHT = 'The user wants the weather; I will call the tool.'

/** First turn: thinking and a tool call; once the history holds the tool's result: the answer. */
function toolLoop(rec: Recorded): Reply {
  const contents = (inner(rec)['contents'] ?? []) as Json[]
  const answered = contents.some((c) => ((c['parts'] ?? []) as Json[]).some((p) => p['functionResponse']))
  if (answered) return { text: 'It is 21 degrees and clear in Paris.', chunkText: 7 }
  return {
    thinking: { text: THOUGHT },
    toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris', unit: 'c' } }],
  }
}

/** The parts of the model turn the second call carried back. */
function replayedModelParts(rec: Recorded): Json[] {
  const contents = inner(rec)['contents'] as Json[]
  const model = contents.find((c) => c['role'] === 'model')
  return (model?.['parts'] ?? []) as Json[]
}

describe('antigravity: a tool round trip with thinking, over two turns', () => {
  for (const model of ['ag-gemini-2.5-pro', 'ag-claude-sonnet-4-5-thinking']) {
    for (const client of CLIENTS) {
      for (const stream of [false, true]) {
        test(`${model}, ${client}, ${stream ? 'stream' : 'json'}`, async () => {
          await using up = backend(toolLoop)
          await using gw = await setup({ base_url: up.url })
          const send = { url: gw.url, model, stream, requestId: `ag-tools-${client}-${stream}` }
          const first = await DRIVERS[client](
            { prompt: 'Weather in Paris?', tools: true, thinking: true },
            send,
          )
          expect(first.calls.map((c) => [c.name, c.args])).toEqual([
            ['get_weather', { city: 'Paris', unit: 'c' }],
          ])
          expect(first.thinking.map((t) => t.text).join('')).toBe(THOUGHT)
          const second = await DRIVERS[client](
            {
              prompt: 'Weather in Paris?',
              tools: true,
              thinking: true,
              prior: { turn: first, results: true },
            },
            send,
          )
          expect(second.text).toBe('It is 21 degrees and clear in Paris.')
          expect(up.requests).toHaveLength(2)
          const rec = up.last()
          expect(envelope(rec)['model']).toBe(model.slice('ag-'.length))
          const parts = replayedModelParts(rec)
          expect(parts.some((p) => (p['functionCall'] as Json | undefined)?.['name'] === 'get_weather')).toBe(
            true,
          )
          if (model.includes('claude')) {
            // Claude's signature came back on its thought part, verbatim (the fake refuses any other)
            const thought = parts.find((p) => p['thought'] === true)
            expect(thought?.['text']).toBe(THOUGHT)
            expect(thought?.['thoughtSignature']).toBe(fakeSignature(THOUGHT))
            expect((inner(rec)['toolConfig'] as Json)['functionCallingConfig']).toEqual({ mode: 'VALIDATED' })
          }
        })
      }
    }
  }
})

describe('antigravity: signatures from elsewhere never reach it', () => {
  test("Anthropic's own signature in a Claude client's history is dropped with its thinking", async () => {
    await using up = backend(() => ({ text: 'fine' }))
    await using gw = await setup({ base_url: up.url })
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'any' },
      body: JSON.stringify({
        model: 'ag-claude-sonnet-4-5-thinking',
        max_tokens: 1024,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [
          { role: 'user', content: 'Hi' },
          {
            role: 'assistant',
            content: [
              {
                type: 'thinking',
                thinking: 'minted by Anthropic',
                signature: 'EqQBCkgIARABGAIiQL-anthropic',
              },
              { type: 'text', text: 'Hello' },
            ],
          },
          { role: 'user', content: 'And now?' },
        ],
      }),
    })
    expect(res.status).toBe(200)
    expect(JSON.stringify(inner(up.last())['contents'])).not.toContain('thoughtSignature')
    expect(JSON.stringify(inner(up.last())['contents'])).not.toContain('minted by Anthropic')
  })

  test("a Gemini model's signature is not sent to a Claude model of the same account", async () => {
    await using up = backend((rec) =>
      String(envelope(rec)['model']).startsWith('gemini')
        ? { thinking: { text: 'gemini thinks' } }
        : { text: 'from claude' },
    )
    await using gw = await setup({ base_url: up.url })
    const send = { url: gw.url, model: 'ag-gemini-2.5-pro', stream: false, requestId: 'ag-cross' }
    const first = await DRIVERS.messages({ prompt: 'Hi', thinking: true }, send)
    // the Gemini model signed its thought: the client holds that signature, wrapped with its origin
    expect(first.thinking[0]?.signature).toStartWith('byok1.')
    expect(first.thinking[0]?.signature).toEndWith(fakeSignature('gemini thinks'))
    const second = await DRIVERS.messages(
      { prompt: 'Hi', thinking: true, prior: { turn: first, followUp: 'Go on' } },
      { ...send, model: 'ag-claude-sonnet-4-5-thinking' },
    )
    expect(second.text).toBe('from claude')
    expect(JSON.stringify(inner(up.last())['contents'])).not.toContain('thoughtSignature')
  })
})

/** A first host answering `first`, a fallback host serving, and a gateway trying them in that order. */
async function twoHosts(first: ReturnType<typeof errorReply>) {
  const down = fakeAntigravity(first, { project: PROJECT })
  const up = backend(() => ({ text: 'served by the fallback host' }))
  const gw = await setup({ base_url: down.url, fallback_base_urls: [up.url] })
  return {
    down,
    up,
    gw,
    async [Symbol.asyncDispose]() {
      await gw[Symbol.asyncDispose]()
      await down.stop()
      await up.stop()
    },
  }
}

describe('antigravity: the fallback host', () => {
  test('a 503 from the first host sends the call to the next, with the same account', async () => {
    await using t = await twoHosts(errorReply(503, { message: 'The service is currently unavailable.' }))
    const { down, up, gw } = t
    for (const stream of [false, true]) {
      const turn = await DRIVERS.chat(
        { prompt: 'Hi' },
        { url: gw.url, model: 'ag-gemini-2.5-flash', stream, requestId: `ag-fallback-${stream}` },
      )
      expect(turn.text).toBe('served by the fallback host')
    }
    expect(down.requests).toHaveLength(2)
    expect(up.requests).toHaveLength(2)
    // the same call, byte for byte, on the other host
    for (let i = 0; i < 2; i++) {
      expect(up.requests[i]!.rawBody).toBe(down.requests[i]!.rawBody)
      expect(up.requests[i]!.headers['authorization']).toBe(`Bearer ${ACCESS}`)
    }
    const skipped = gw.logs.filter((l) => l['msg'] === 'upstream host failed; trying the fallback host')
    expect(skipped.map((l) => [l['host'], l['status']])).toEqual([
      [down.url, 503],
      [down.url, 503],
    ])
    await gw.store.usage.flush()
    const rows = await gw.store.usage.recent(5)
    expect(rows.map((r) => [r.status, r.attempt])).toEqual([
      [200, 1],
      [200, 1],
    ])
    // one host's failure does not cool the account down
    expect(gw.store.cooldowns.list()).toEqual([])
  })

  test('a 400 from the first host is the answer: it is never sent elsewhere', async () => {
    await using t = await twoHosts(errorReply(400, { message: 'Request contains an invalid argument.' }))
    const res = await fetch(`${t.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'ag-gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }] }),
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('invalid argument')
    expect(t.up.requests).toHaveLength(0)
  })
})

describe('antigravity: the model list', () => {
  test('its models are listed once an account exists, and only then', async () => {
    await using gw = await testGateway({ providers: { antigravity: { fallback_base_urls: [] } } })
    const ids = async () =>
      (
        (await (await fetch(`${gw.url}/v1/models`)).json()) as {
          data: Array<{ id: string; owned_by: string }>
        }
      ).data
    const before = await ids()
    expect(before.some((m) => m.id.startsWith('ag-'))).toBe(false)
    expect(before.some((m) => m.id === 'gemini-2.5-pro')).toBe(true)
    // a request before the login says what to do instead of "unknown model"
    const early = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'ag-gemini-2.5-pro', messages: [{ role: 'user', content: 'Hi' }] }),
    })
    expect(early.status).toBe(401)
    expect(((await early.json()) as { error: { message: string } }).error.message).toContain(
      "'byokey login antigravity'",
    )

    seedLogin(gw.store, 'antigravity', 'ada@example.com', {
      access_token: ACCESS,
      refresh_token: '1//fake-refresh',
      project_id: PROJECT,
    })
    const after = await ids()
    const ag = after.filter((m) => m.id.startsWith('ag-'))
    expect(ag.map((m) => m.id)).toContain('ag-claude-sonnet-4-5-thinking')
    expect(ag.map((m) => m.id)).toContain('ag-gemini-3-pro-high')
    expect(ag.map((m) => m.id)).toContain('ag-gpt-oss-120b-medium')
    expect(ag.every((m) => m.owned_by === 'antigravity')).toBe(true)
    const gemini = (await (await fetch(`${gw.url}/v1beta/models`)).json()) as {
      models: Array<{ name: string }>
    }
    expect(gemini.models.map((m) => m.name)).toContain('models/ag-gemini-2.5-flash')
  })
})
