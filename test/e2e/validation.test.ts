/**
 * Request bodies the gateway must refuse with a 400 in the endpoint's own envelope, never a 500:
 * bodies that are not objects on every route, and JSON nested deeper than any real client sends.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { DialectName } from '../../src/dialects/ir.ts'
import {
  ENDPOINTS,
  type EveryUpstream,
  envelopeMessage,
  gatewayWithEveryUpstream,
  postJson,
  UPSTREAM_OF,
} from './support.ts'

let up: EveryUpstream

beforeAll(async () => {
  up = await gatewayWithEveryUpstream()
})

afterAll(async () => {
  await up[Symbol.asyncDispose]()
})

/** A model of the endpoint's own dialect (bytes passed through) and one of another (translated). */
function modelsFor(dialect: DialectName): Array<[string, string]> {
  const other: DialectName = dialect === 'anthropic-messages' ? 'openai-chat' : 'anthropic-messages'
  return [
    ['same dialect', `${UPSTREAM_OF[dialect]}/m`],
    ['translated', `${UPSTREAM_OF[other]}/m`],
  ]
}

/** `[[[…]]]` with `depth` levels of arrays. */
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

/** A valid body with `raw` (JSON text) added as the unknown field `deep`. */
function withDeepField(body: Record<string, unknown>, raw: string): string {
  return `${JSON.stringify(body).slice(0, -1)},"deep":${raw}}`
}

const CASES = ENDPOINTS.flatMap((e) => modelsFor(e.dialect).map(([via, model]) => ({ e, via, model })))

describe('hardening #6: 500 where 400 is due', () => {
  test.each(ENDPOINTS.map((e) => [e.name, e] as const))(
    '%s: a body that is not a JSON object is a 400 in the envelope',
    async (_, e) => {
      for (const body of ['null', '[]', '"text"', '42', 'true']) {
        const res = await postJson(up.gw.url + e.path(`${UPSTREAM_OF[e.dialect]}/m`), body)
        expect({ body, status: res.status }).toEqual({ body, status: 400 })
        envelopeMessage(e.dialect, await res.json(), 400)
      }
    },
  )

  test.each(CASES.map((c) => [c.e.name, c.via, c] as const))(
    '%s (%s): JSON nested 100,000 deep is a 400 in the envelope',
    async (_, __, { e, model }) => {
      const res = await postJson(up.gw.url + e.path(model), withDeepField(e.body(model), nested(100_000)))
      expect(res.status).toBe(400)
      expect(envelopeMessage(e.dialect, await res.json(), 400)).toContain('nested deeper than 256 levels')
    },
  )

  test.each(CASES.map((c) => [c.e.name, c.via, c] as const))(
    '%s (%s): 256 levels are served, 257 refused',
    async (_, __, { e, model }) => {
      // the body object is level 1, its `deep` field level 2
      const ok = await postJson(up.gw.url + e.path(model), withDeepField(e.body(model), nested(255)))
      expect(ok.status).toBe(200)
      const over = await postJson(up.gw.url + e.path(model), withDeepField(e.body(model), nested(256)))
      expect(over.status).toBe(400)
      envelopeMessage(e.dialect, await over.json(), 400)
    },
  )

  test('deep nesting inside known fields (a tool schema, a tool call input) is refused too', async () => {
    let schema: Record<string, unknown> = { type: 'string' }
    for (let i = 0; i < 200; i++) schema = { type: 'object', properties: { a: schema } }
    const model = `${UPSTREAM_OF['openai-chat']}/m`
    const res = await postJson(`${up.gw.url}/v1/chat/completions`, {
      model,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: schema } }],
    })
    expect(res.status).toBe(400)
    expect(envelopeMessage('openai-chat', await res.json(), 400)).toContain('nested deeper')
    // a tool call's input nested 100,000 deep (JSON text: the test's own stringify would overflow)
    const history = JSON.stringify({
      model: `${UPSTREAM_OF['anthropic-messages']}/m`,
      max_tokens: 16,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: { a: '@' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] },
      ],
    })
    const call = await postJson(`${up.gw.url}/v1/messages`, history.replace('"@"', nested(100_000)))
    expect(call.status).toBe(400)
    envelopeMessage('anthropic-messages', await call.json(), 400)
  })

  test('nothing was logged as an unhandled error, and the server still answers', async () => {
    expect(up.gw.logs.filter((l) => l['msg'] === 'unhandled error')).toEqual([])
    expect((await fetch(`${up.gw.url}/healthz`)).status).toBe(200)
  })
})

/** Model names that are keys of `Object.prototype`, bare and as a `provider/model` qualifier. */
const PROTOTYPE_NAMES = [
  '__proto__/x',
  'constructor/x',
  'toString',
  'hasOwnProperty/x',
  '__proto__',
  'constructor',
  'valueOf/gpt-5',
  '__proto__/claude-sonnet-4-5',
]

describe('hardening: model names that are Object.prototype keys', () => {
  test.each(ENDPOINTS.map((e) => [e.name, e] as const))(
    '%s: each is an unknown model (404 model_not_found), not an inherited property',
    async (_, e) => {
      for (const name of PROTOTYPE_NAMES) {
        // Gemini takes the model from the path: literal and percent-encoded slashes alike
        const models = e.dialect === 'gemini' ? [name, encodeURIComponent(name)] : [name]
        for (const model of models) {
          const res = await postJson(up.gw.url + e.path(model), e.body(name))
          expect({ model, status: res.status }).toEqual({ model, status: 404 })
          const message = envelopeMessage(e.dialect, await res.json(), 404)
          expect(message).toStartWith(`The model '${name}' is not served by this gateway`)
        }
      }
    },
  )
})

/** [endpoint name, field (dotted), values that must be refused, the smallest value that is served] */
const COUNT_CASES: Array<[string, string, number[], number]> = [
  ['chat completions', 'max_tokens', [-5, 0], 1],
  ['chat completions', 'max_completion_tokens', [-1, 0], 1],
  ['chat completions', 'n', [-1, 0], 1],
  ['chat completions', 'top_k', [-1], 0],
  ['chat completions', 'top_logprobs', [-1], 0],
  ['responses', 'max_output_tokens', [-1, 0], 1],
  ['responses', 'top_logprobs', [-1], 0],
  ['messages', 'max_tokens', [-1, 0], 1],
  ['messages', 'top_k', [-1], 0],
  ['gemini generateContent', 'generationConfig.maxOutputTokens', [-1, 0], 1],
  ['gemini generateContent', 'generation_config.max_output_tokens', [-1, 0], 1],
  ['gemini generateContent', 'generationConfig.candidateCount', [-1, 0], 1],
  ['gemini generateContent', 'generationConfig.topK', [-1], 0],
]

/** `body` with `value` set at the dotted `path`. */
function withField(body: Record<string, unknown>, path: string, value: number): Record<string, unknown> {
  const keys = path.split('.')
  const out = structuredClone(body)
  let at = out
  for (const k of keys.slice(0, -1)) {
    at[k] ??= {}
    at = at[k] as Record<string, unknown>
  }
  at[keys[keys.length - 1]!] = value
  return out
}

describe('hardening: negative counts are refused in every dialect', () => {
  test.each(COUNT_CASES)('%s: %s', async (name, field, bad, least) => {
    const e = ENDPOINTS.find((x) => x.name === name)!
    // the endpoint's own dialect upstream: a body the gateway let through would reach it unchanged
    const model = `${UPSTREAM_OF[e.dialect]}/m`
    for (const value of bad) {
      const res = await postJson(up.gw.url + e.path(model), withField(e.body(model), field, value))
      expect({ value, status: res.status }).toEqual({ value, status: 400 })
      expect(envelopeMessage(e.dialect, await res.json(), 400)).toStartWith(`${field}:`)
    }
    const ok = await postJson(up.gw.url + e.path(model), withField(e.body(model), field, least))
    expect(ok.status).toBe(200)
  })
})

describe('hardening #6: 500 where 400 is due (paths)', () => {
  test.each([
    ['gemini', '/v1beta/models/%ZZ:generateContent'],
    ['gemini', '/v1beta/models/gemini-2.5-pro%E0%A4%A:streamGenerateContent'],
    ['gemini', '/v1/models/%:generateContent'],
  ] as const)('%s: a malformed percent-encoding in %s is a 400 in the envelope', async (dialect, path) => {
    const res = await postJson(up.gw.url + path, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] })
    expect(res.status).toBe(400)
    expect(envelopeMessage(dialect, await res.json(), 400)).toContain('percent-encoding')
  })

  test('GET /v1/models/{id} decodes the id once: an encoded % is a 404 naming it, a malformed one a 400', async () => {
    const encoded = await fetch(`${up.gw.url}/v1/models/a%25b`)
    expect(encoded.status).toBe(404)
    expect(envelopeMessage('openai-chat', await encoded.json(), 404)).toContain("Model 'a%b' is not served")
    const malformed = await fetch(`${up.gw.url}/v1/models/%E0%A4%A`)
    expect(malformed.status).toBe(400)
    expect(envelopeMessage('openai-chat', await malformed.json(), 400)).toContain('percent-encoding')
    const ok = await fetch(`${up.gw.url}/v1/models/claude-sonnet-4-5`)
    expect(ok.status).toBe(200)
  })
})
