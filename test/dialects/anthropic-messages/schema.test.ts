import { describe, expect, test } from 'bun:test'
import { Value } from '@sinclair/typebox/value'
import { Elysia } from 'elysia'
import { countTokensSchema, requestSchema } from '../../../src/dialects/anthropic-messages/index.ts'
import { fixtureJson } from './helpers.ts'

const REQUESTS = [
  'request-basic.json',
  'request-claude-code.json',
  'request-structured.json',
  'request-sampling.json',
  'request-server-tools.json',
]

/** Paths of object schemas that would let a validator strip unknown fields. */
function closedObjects(node: unknown, path: string, out: string[]): string[] {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) closedObjects(node[i], `${path}[${i}]`, out)
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>
    if (o.type === 'object' && o.additionalProperties !== true) out.push(path || '(root)')
    for (const [k, v] of Object.entries(o)) closedObjects(v, `${path}.${k}`, out)
  }
  return out
}

describe('anthropic-messages schema', () => {
  test('every object schema, nested ones included, allows additional properties', () => {
    expect(closedObjects(requestSchema, '', [])).toEqual([])
    expect(closedObjects(countTokensSchema, '', [])).toEqual([])
  })

  test('accepts every request fixture', () => {
    for (const name of REQUESTS) {
      expect({ name, ok: Value.Check(requestSchema, fixtureJson(name)) }).toEqual({ name, ok: true })
    }
  })

  test('an Elysia route validating with it (default normalisation) keeps every nested unknown field', async () => {
    const app = new Elysia()
      .post('/v1/messages', ({ body }) => body, { body: requestSchema })
      .post('/v1/messages/count_tokens', ({ body }) => body, { body: countTokensSchema })
    const post = async (path: string, body: unknown) => {
      const res = await app.handle(
        new Request(`http://localhost${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      )
      return { status: res.status, body: await res.json() }
    }
    for (const name of REQUESTS) {
      const body = fixtureJson(name)
      expect(await post('/v1/messages', body)).toEqual({ status: 200, body })
    }
    const count = fixtureJson('request-count-tokens.json')
    expect(await post('/v1/messages/count_tokens', count)).toEqual({ status: 200, body: count })
    expect((await post('/v1/messages', count)).status).not.toBe(200)
  })

  test('count_tokens bodies: no max_tokens needed there, required on /v1/messages', () => {
    const body = fixtureJson('request-count-tokens.json')
    expect(Value.Check(countTokensSchema, body)).toBe(true)
    expect(Value.Check(requestSchema, body)).toBe(false)
  })

  test('rejects known fields of the wrong type', () => {
    const ok = fixtureJson('request-basic.json')
    const bad: Array<Record<string, unknown>> = [
      { ...ok, model: '' },
      { ...ok, max_tokens: 0 },
      { ...ok, max_tokens: 1.5 },
      { ...ok, messages: 'hi' },
      { ...ok, messages: [{ role: 'user', content: 5 }] },
      { ...ok, messages: [{ role: 'user', content: [{ text: 'no type' }] }] },
      { ...ok, system: [{ type: 'text' }] },
      { ...ok, stream: 'yes' },
      { ...ok, stop_sequences: 'END' },
      { ...ok, tools: [{ description: 'no name' }] },
      { ...ok, thinking: { type: 'enabled', budget_tokens: '1024' } },
      { ...ok, tool_choice: { type: 'tool', disable_parallel_tool_use: 'yes' } },
      { ...ok, metadata: { user_id: 42 } },
    ]
    for (const body of bad)
      expect({ body, ok: Value.Check(requestSchema, body) }).toEqual({ body, ok: false })
  })
})
