import { describe, expect, test } from 'bun:test'
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'
import { createMirror } from 'exact-mirror'
import { requestSchema } from '../../../src/dialects/openai-chat/index.ts'
import { fixtureNames, json, readJson } from './util.ts'

/** Elysia's body normaliser (what `normalize: true` runs before a handler sees the body). */
const mirror = createMirror(requestSchema, { TypeCompiler })
const normalize = (body: unknown): unknown => mirror(body as never)

/** Every object node of a JSON schema, with its path. */
function objects(node: unknown, path = '$'): [string, Record<string, unknown>][] {
  if (typeof node !== 'object' || node === null) return []
  const out: [string, Record<string, unknown>][] = []
  const n = node as Record<string, unknown>
  if (n.type === 'object') out.push([path, n])
  for (const [k, v] of Object.entries(n)) {
    if (Array.isArray(v)) for (const [i, x] of v.entries()) out.push(...objects(x, `${path}.${k}.${i}`))
    else out.push(...objects(v, `${path}.${k}`))
  }
  return out
}

describe('requestSchema', () => {
  test('allows additional properties on every object, nested ones included', () => {
    const nodes = objects(requestSchema)
    expect(nodes.length).toBeGreaterThan(10)
    for (const [path, node] of nodes) expect([path, node.additionalProperties]).toEqual([path, true])
  })

  for (const name of fixtureNames('request-', '.json')) {
    test(`accepts ${name} and normalising it keeps every field`, () => {
      const body = readJson(name)
      expect(Value.Check(requestSchema, body)).toBe(true)
      expect(normalize(json(body))).toEqual(body)
    })
  }

  test('keeps nested unknown fields such as cache_control through normalising', () => {
    const body = {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral', ttl: '1h' }, vendor: 1 }],
        },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'f',
            parameters: { type: 'object', properties: { a: { type: 'string' } } },
            x_extra: true,
          },
          cache_control: { type: 'ephemeral' },
        },
      ],
      vendor_top: { nested: [1] },
    }
    expect(normalize(json(body))).toEqual(body)
    // control: a closed nested object is what strips them
    const closed = createMirror(
      Type.Object({ m: Type.Object({ a: Type.String() }) }, { additionalProperties: true }),
      { TypeCompiler },
    )
    const withCache = { m: { a: 'x', cache_control: {} } }
    expect(closed(withCache)).toEqual({ m: { a: 'x' } })
  })

  test('rejects wrong types of known fields', () => {
    const bad = [
      { model: 'm' },
      { model: 1, messages: [] },
      { model: 'm', messages: 'hi' },
      { model: 'm', messages: [{ role: 'robot', content: 'x' }] },
      { model: 'm', messages: [{ role: 'user', content: 5 }] },
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 5 } }] }] },
      { model: 'm', messages: [], max_tokens: '10' },
      { model: 'm', messages: [], stop: 3 },
      { model: 'm', messages: [], stream: 'yes' },
      { model: 'm', messages: [], tool_choice: 'sometimes' },
      { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'a', function: { name: 1 } }] }] },
    ]
    for (const b of bad) expect([b, Value.Check(requestSchema, b)]).toEqual([b, false])
  })

  test('accepts OpenAI nullables', () => {
    expect(
      Value.Check(requestSchema, {
        model: 'm',
        messages: [{ role: 'assistant', content: null }],
        max_tokens: null,
        stop: null,
        temperature: null,
      }),
    ).toBe(true)
  })
})
