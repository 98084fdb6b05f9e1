/**
 * The whole gateway, every inbound endpoint against every upstream dialect, with the real SDKs as
 * clients and the scriptable fakes as upstreams: each pair through an `upstreams:` entry and,
 * where a built-in provider speaks that dialect, through `providers.<id>.api_key` + `base_url`.
 * What is asserted is what a user sees (text, deltas, tool calls, usage in the client's own
 * convention), what the upstream received (its dialect's tool results paired to its calls, the
 * configured key in the right header, never the client's key) and the usage row left behind.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { DialectName } from '../../src/dialects/ir.ts'
import type {
  AnthropicFake,
  GeminiFake,
  OpenAIFake,
  Recorded,
  Reply,
  Script,
} from '../helpers/fakes/index.ts'
import type { TestGateway } from '../helpers/gateway.ts'
import {
  authOf,
  CLIENT_KEY,
  type Conversation,
  clientUsageFor,
  DRIVERS,
  type EveryUpstream,
  exchangeOf,
  gatewayWithEveryUpstream,
  INBOUND_DIALECT,
  type InboundName,
  readClientUsage,
  TOOLS,
  type Tokens,
  type Turn,
  tokensVia,
  UPSTREAM_OF,
} from './support.ts'

/** Neutral script usage; every dialect reports it its own way (see `tokensVia`). */
const USAGE: Tokens = { input: 11, output: 23, cacheRead: 5, cacheWrite: 3, reasoning: 7 }
const TEXT = 'Hello from the fake upstream, in small pieces.'
const FINAL = 'Paris: 21 degrees and clear at 14:05.'
const INBOUNDS: InboundName[] = ['chat', 'responses', 'messages', 'gemini']
const UPSTREAM_DIALECTS: DialectName[] = ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini']
/** Tool call ids the upstream mints (Gemini's public API has none). */
const CALL_IDS: Record<DialectName, (string | undefined)[]> = {
  'openai-chat': ['call_weather_01', 'call_time_02'],
  'openai-responses': ['call_weather_01', 'call_time_02'],
  'anthropic-messages': ['toolu_01Weather', 'toolu_02Time'],
  gemini: [undefined, undefined],
}

let every: EveryUpstream
let gw: TestGateway
let openai: OpenAIFake
let anthropic: AnthropicFake
let gemini: GeminiFake

beforeAll(async () => {
  every = await gatewayWithEveryUpstream({ text: 'unused' }, { anthropic: { strictSignatures: true } })
  ;({ gw, openai, anthropic, gemini } = every)
})

afterAll(async () => {
  await every[Symbol.asyncDispose]()
})

interface Path {
  /** Upstream dialect. */
  dialect: DialectName
  via: string
  /** The model the client names. */
  model: string
  /** Usage rows name this provider and model. */
  provider: string
  upstreamModel: string
  /** The key configured for it. */
  key: string
}

function pathsFor(inbound: InboundName): Path[] {
  const upstreams = UPSTREAM_DIALECTS.map((dialect): Path => {
    const name = UPSTREAM_OF[dialect]
    return {
      dialect,
      via: `upstreams: ${name}`,
      model: `${name}/any-model`,
      provider: name,
      upstreamModel: 'any-model',
      key: `k-${name}`,
    }
  })
  const builtin = (id: string, dialect: DialectName, model: string): Path => ({
    dialect,
    via: `providers.${id}`,
    model,
    provider: id,
    upstreamModel: model,
    key: `k-${id}`,
  })
  return [
    ...upstreams,
    builtin('claude', 'anthropic-messages', 'claude-sonnet-4-6'),
    // Codex answers Chat clients over Chat and everyone else over Responses.
    builtin('codex', inbound === 'chat' ? 'openai-chat' : 'openai-responses', 'gpt-5'),
    builtin('gemini', 'gemini', 'gemini-2.5-pro'),
  ]
}

function fakeFor(dialect: DialectName): { script: Script; requests: Recorded[] } {
  if (dialect === 'anthropic-messages') return anthropic
  if (dialect === 'gemini') return gemini
  return openai
}

let sent = 0

/** One client request through the gateway; checks the single upstream call it caused. */
async function call(
  inbound: InboundName,
  path: Path,
  conv: Conversation,
  stream: boolean,
  reply: Reply,
): Promise<{ turn: Turn; rec: Recorded; requestId: string }> {
  const fake = fakeFor(path.dialect)
  fake.script = reply
  const before = fake.requests.length
  const requestId = `e2e-${inbound}-${++sent}`
  const turn = await DRIVERS[inbound](conv, { url: gw.url, model: path.model, stream, requestId })
  const recs = fake.requests.slice(before)
  expect(recs).toHaveLength(1)
  const rec = recs[0]!
  expectUpstreamRequest(rec, path, stream)
  return { turn, rec, requestId }
}

function expectUpstreamRequest(rec: Recorded, path: Path, stream: boolean): void {
  const body = rec.body as Record<string, unknown>
  switch (path.dialect) {
    case 'openai-chat':
      expect(rec.path).toBe('/v1/chat/completions')
      break
    case 'openai-responses':
      expect(rec.path).toBe('/v1/responses')
      break
    case 'anthropic-messages':
      expect(rec.path).toBe('/v1/messages')
      break
    case 'gemini':
      expect(rec.path).toBe(
        `/v1beta/models/${path.upstreamModel}:${stream ? 'streamGenerateContent' : 'generateContent'}`,
      )
      if (stream) expect(rec.query['alt']).toBe('sse')
      break
  }
  if (path.dialect !== 'gemini') {
    expect(body['model']).toBe(path.upstreamModel)
    if (stream) expect(body['stream']).toBe(true)
    else expect(body['stream'] ?? false).toBe(false)
  }
  // The configured key, in the header the dialect takes it in, and no other credential.
  const [header, value] = authOf(path.dialect, path.key)
  expect(rec.headers[header]).toBe(value)
  for (const other of ['authorization', 'x-api-key', 'x-goog-api-key']) {
    if (other !== header) expect(rec.headers[other]).toBeUndefined()
  }
  expect(rec.query['key']).toBeUndefined()
  expect(JSON.stringify(rec.headers)).not.toContain(CLIENT_KEY)
  expect(rec.rawBody).not.toContain(CLIENT_KEY)
  if (stream) expect(rec.headers['accept-encoding']).toBe('identity')
  // Opaque reasoning the gateway wrapped for a client never leaves the gateway wrapped, and
  // "had none" is never sent as an empty opaque value.
  expect(rec.rawBody).not.toContain('byok1.')
  expect(rec.rawBody).not.toMatch(/"(thoughtSignature|encrypted_content|reasoning_signature|signature)":""/)
}

async function expectUsageRow(
  requestId: string,
  inbound: InboundName,
  path: Path,
  stream: boolean,
  t: Tokens,
) {
  await gw.store.usage.flush()
  const rows = (await gw.store.usage.recent(100_000)).filter((r) => r.requestId === requestId)
  expect(rows).toHaveLength(1)
  expect(rows[0]).toMatchObject({
    provider: path.provider,
    model: path.upstreamModel,
    dialect: INBOUND_DIALECT[inbound],
    status: 200,
    stream,
    inputTokens: t.input,
    outputTokens: t.output,
    cacheReadTokens: t.cacheRead,
    cacheWriteTokens: t.cacheWrite,
    reasoningTokens: t.reasoning,
  })
}

function expectClientUsage(inbound: InboundName, turn: Turn, t: Tokens): void {
  expect(turn.usage).toBeDefined()
  expect(readClientUsage(inbound, turn.usage)).toEqual(clientUsageFor(inbound, t))
}

const scriptedCalls = (dialect: DialectName) =>
  TOOLS.map((t, i) => {
    const id = CALL_IDS[dialect][i]
    return { ...(id ? { id } : {}), name: t.name, arguments: t.args }
  })

describe.each(INBOUNDS)('%s', (inbound) => {
  describe.each(pathsFor(inbound).map((p) => [`${inbound} → ${p.dialect} (${p.via})`, p] as const))(
    '%s',
    (_name, path) => {
      const t = tokensVia(path.dialect, USAGE)

      test('text with usage', async () => {
        const { turn, rec, requestId } = await call(inbound, path, { prompt: 'Say hello.' }, false, {
          text: TEXT,
          usage: USAGE,
        })
        expect(rec.rawBody).toContain('Say hello.')
        expect(turn.text).toBe(TEXT)
        expectClientUsage(inbound, turn, t)
        await expectUsageRow(requestId, inbound, path, false, t)
      })

      test('streamed text, unbuffered, with final usage', async () => {
        const { turn, rec, requestId } = await call(inbound, path, { prompt: 'Say hello.' }, true, {
          text: TEXT,
          usage: USAGE,
          chunkText: 6,
          delayMs: 8,
        })
        expect(turn.text).toBe(TEXT)
        expect(turn.deltas.length).toBeGreaterThan(1)
        // The first delta reached the client before the upstream had finished sending.
        expect(rec.finishedAt).toBeDefined()
        expect(turn.firstDeltaAt).toBeLessThan(rec.finishedAt!)
        if (path.dialect === 'openai-chat') {
          expect((rec.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true })
        }
        expectClientUsage(inbound, turn, t)
        await expectUsageRow(requestId, inbound, path, true, t)
      })

      if (inbound === 'chat') {
        test('streamed text without include_usage: no usage chunk, usage still recorded', async () => {
          const fake = fakeFor(path.dialect)
          fake.script = { text: TEXT, usage: USAGE, chunkText: 6 }
          const before = fake.requests.length
          const requestId = `e2e-chat-${++sent}`
          const turn = await DRIVERS.chat(
            { prompt: 'Say hello.' },
            { url: gw.url, model: path.model, stream: true, requestId, noUsage: true },
          )
          expect(turn.text).toBe(TEXT)
          expect(turn.usage).toBeUndefined()
          const recs = fake.requests.slice(before)
          expect(recs).toHaveLength(1)
          expectUpstreamRequest(recs[0]!, path, true)
          await expectUsageRow(requestId, inbound, path, true, t)
        })
      }

      for (const stream of [false, true]) {
        test(`tool round trip (${stream ? 'stream' : 'json'})`, async () => {
          const conv: Conversation = { prompt: 'Weather and time in Paris?', tools: true }
          const first = await call(inbound, path, conv, stream, {
            toolCalls: scriptedCalls(path.dialect),
            usage: USAGE,
          })
          expect(exchangeOf(path.dialect, first.rec.body).tools).toEqual(TOOLS.map((x) => x.name))
          const seen = first.turn.calls
          expect(seen.map((c) => ({ name: c.name, args: c.args }))).toEqual(
            TOOLS.map((x) => ({ name: x.name, args: x.args })),
          )
          if (inbound !== 'gemini') {
            expect(seen.every((c) => c.id !== '')).toBe(true)
            expect(new Set(seen.map((c) => c.id)).size).toBe(2)
            if (path.dialect !== 'gemini')
              expect(seen.map((c): string | undefined => c.id)).toEqual(CALL_IDS[path.dialect])
          }
          await expectUsageRow(first.requestId, inbound, path, stream, t)

          const second = await call(
            inbound,
            path,
            { ...conv, prior: { turn: first.turn, results: true } },
            stream,
            { text: FINAL, usage: USAGE },
          )
          expect(second.turn.text).toBe(FINAL)
          const ex = exchangeOf(path.dialect, second.rec.body)
          expect(ex.calls.map((c) => ({ name: c.name, args: c.args }))).toEqual(
            TOOLS.map((x) => ({ name: x.name, args: x.args })),
          )
          // Where both sides carry ids, the upstream gets back the very ids it minted.
          if (inbound !== 'gemini' && path.dialect !== 'gemini') {
            expect(ex.calls.map((c) => c.id)).toEqual(CALL_IDS[path.dialect])
          }
          expect(ex.results).toHaveLength(2)
          const answered = new Set<string>()
          for (const r of ex.results) {
            const paired =
              r.id !== undefined
                ? ex.calls.find((c) => c.id === r.id)
                : ex.calls.find((c) => c.name === r.name)
            expect(paired).toBeDefined()
            if (r.name !== undefined) expect(r.name).toBe(paired!.name)
            expect(r.value).toEqual(TOOLS.find((x) => x.name === paired!.name)!.result)
            answered.add(paired!.name)
          }
          expect([...answered].sort()).toEqual(TOOLS.map((x) => x.name).sort())
          await expectUsageRow(second.requestId, inbound, path, stream, t)
        })
      }
    },
  )
})

describe('thinking', () => {
  const SIG = 'EqQBCkYIBxgCKkDnative+anthropic/signature=='
  const FOREIGN_SIG = 'CiQBvj72+foreign/opaque/reasoning=='
  const THOUGHT = 'The user wants the weather; call the tool.'
  const OWN_DIALECT_PATH: Record<InboundName, Path> = {
    chat: pathsFor('chat').find((p) => p.via === 'upstreams: up-chat')!,
    responses: pathsFor('responses').find((p) => p.via === 'providers.codex')!,
    messages: pathsFor('messages').find((p) => p.via === 'providers.claude')!,
    gemini: pathsFor('gemini').find((p) => p.via === 'upstreams: up-gemini')!,
  }
  const anthropicPaths = pathsFor('messages').filter((p) => p.dialect === 'anthropic-messages')

  for (const stream of [false, true]) {
    const mode = stream ? 'stream' : 'json'
    for (const base of anthropicPaths) {
      // With a thinking suffix the request goes through the IR instead of byte passthrough.
      for (const suffix of ['', '(high)']) {
        const path: Path = { ...base, model: base.model + suffix }
        test(`messages → anthropic-messages (${path.via}${suffix ? `, ${suffix} via the IR` : ''}): signature byte-exact both ways (${mode})`, async () => {
          const conv: Conversation = { prompt: 'Weather in Paris?', tools: true, thinking: true }
          const first = await call('messages', path, conv, stream, {
            thinking: { text: THOUGHT, signature: SIG },
            toolCalls: [{ id: 'toolu_01Weather', name: 'get_weather', arguments: TOOLS[0]!.args }],
            usage: USAGE,
            chunkText: 8,
          })
          expect(first.turn.thinking).toEqual([{ text: THOUGHT, signature: SIG }])
          const second = await call(
            'messages',
            path,
            { ...conv, prior: { turn: first.turn, results: true } },
            stream,
            { text: FINAL, usage: USAGE },
          )
          expect(second.turn.text).toBe(FINAL)
          const assistant = (second.rec.body as { messages: { role: string; content: unknown }[] })
            .messages[1]!
          expect(assistant.content).toEqual([
            { type: 'thinking', thinking: THOUGHT, signature: SIG },
            { type: 'tool_use', id: 'toolu_01Weather', name: 'get_weather', input: TOOLS[0]!.args },
          ])
        })
      }
    }

    // A client takes reasoning another provider produced to an upstream of its own dialect (the
    // byte-passthrough case): the foreign opaque value must not be forwarded. The Anthropic fake
    // is strict (it rejects any signature it did not issue); every upstream call is also checked
    // for the gateway's wrapped values in `expectUpstreamRequest`.
    for (const inbound of INBOUNDS) {
      const own = OWN_DIALECT_PATH[inbound]
      const origins = pathsFor(inbound).filter(
        (p) => p.dialect !== INBOUND_DIALECT[inbound] && p.via.startsWith('upstreams'),
      )
      for (const origin of origins) {
        test(`${inbound} → ${origin.dialect}, then ${own.via}: the foreign reasoning is not forwarded (${mode})`, async () => {
          const conv: Conversation = { prompt: 'Think, then answer.', thinking: true }
          const first = await call(inbound, origin, conv, stream, {
            thinking: { text: THOUGHT, signature: FOREIGN_SIG },
            text: TEXT,
            usage: USAGE,
            chunkText: 8,
          })
          expect(first.turn.text).toBe(TEXT)
          // (a Gemini stream shows thoughts in several parts)
          expect(first.turn.thinking.map((t) => t.text).join('')).toBe(THOUGHT)
          const followUp = { turn: first.turn, followUp: 'And now in one word?' }
          const switched = await call(inbound, own, { ...conv, prior: followUp }, stream, {
            text: FINAL,
            usage: USAGE,
          })
          expect(switched.turn.text).toBe(FINAL)
          expect(switched.rec.rawBody).not.toContain(FOREIGN_SIG)
          // Back at its origin the same history is accepted too.
          const home = await call(inbound, origin, { ...conv, prior: followUp }, stream, {
            text: FINAL,
            usage: USAGE,
          })
          expect(home.turn.text).toBe(FINAL)
        })
      }
    }

    test(`chat → gemini: a function call's thought signature goes back to Gemini as it came (${mode})`, async () => {
      const path = pathsFor('chat').find((p) => p.via === 'providers.gemini')!
      const conv: Conversation = { prompt: 'Weather in Paris?', tools: true }
      const first = await call('chat', path, conv, stream, {
        thinking: { text: THOUGHT, signature: FOREIGN_SIG },
        toolCalls: [{ name: 'get_weather', arguments: TOOLS[0]!.args }],
        usage: USAGE,
      })
      expect(first.turn.calls.map((c) => c.name)).toEqual(['get_weather'])
      const second = await call(
        'chat',
        path,
        { ...conv, prior: { turn: first.turn, results: true } },
        stream,
        { text: FINAL, usage: USAGE },
      )
      expect(second.turn.text).toBe(FINAL)
      const contents = (second.rec.body as { contents: { role: string; parts: Record<string, unknown>[] }[] })
        .contents
      const call0 = contents[1]!.parts.find((p) => p['functionCall'] !== undefined)
      expect(call0?.['thoughtSignature']).toBe(FOREIGN_SIG)
    })
  }
})

// Last in the file: counts every request the tests above sent, thinking cases included.
test('every request left exactly one usage row', async () => {
  await gw.store.usage.flush()
  const rows = await gw.store.usage.recent(100_000)
  expect(rows.length).toBe(sent)
  expect(new Set(rows.map((r) => r.requestId)).size).toBe(sent)
})
