import { describe, expect, test } from 'bun:test'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'
import { createMirror } from 'exact-mirror'
import { requestSchema } from '../../../src/dialects/openai-responses/index.ts'
import { fixtureJson } from './support.ts'

/** What Elysia's body normaliser does before a handler sees the body. */
const mirror = createMirror(requestSchema, { TypeCompiler })
const normalize = (body: unknown): unknown => mirror(body as never)

/** Every object node of a JSON schema, with its path. */
function objectNodes(node: unknown, path = '$'): [string, Record<string, unknown>][] {
  if (typeof node !== 'object' || node === null) return []
  const n = node as Record<string, unknown>
  const out: [string, Record<string, unknown>][] = n.type === 'object' ? [[path, n]] : []
  for (const [k, v] of Object.entries(n)) {
    if (!Array.isArray(v)) out.push(...objectNodes(v, `${path}.${k}`))
    else for (const [i, x] of v.entries()) out.push(...objectNodes(x, `${path}.${k}.${i}`))
  }
  return out
}

describe('requestSchema', () => {
  test('allows additional properties on every object, nested ones included', () => {
    const nodes = objectNodes(requestSchema)
    expect(nodes.length).toBeGreaterThan(8)
    // A Record (`patternProperties`) is open by construction.
    for (const [path, node] of nodes) {
      expect([path, node.additionalProperties === true || node.patternProperties !== undefined]).toEqual([
        path,
        true,
      ])
    }
  })

  for (const name of ['request-codex.json', 'request-shapes.json', 'request-string-input.json']) {
    test(`accepts ${name} and normalising keeps every field`, () => {
      const body = fixtureJson(name)
      expect(Value.Check(requestSchema, body)).toBe(true)
      expect(normalize(structuredClone(body))).toEqual(body)
    })
  }

  test('keeps unknown fields, nested ones included', () => {
    const body = {
      model: 'm',
      input: [
        {
          type: 'message',
          role: 'user',
          content: [{ type: 'input_text', text: 'hi', prompt_cache_breakpoint: { mode: 'explicit' } }],
          vendor_field: 1,
        },
      ],
      tools: [{ type: 'function', name: 'f', parameters: {}, defer_loading: true }],
      reasoning: { effort: 'low', context: 'all_turns' },
      brand_new_field: { deep: true },
    }
    expect(Value.Check(requestSchema, body)).toBe(true)
    expect(normalize(structuredClone(body))).toEqual(body)
  })

  const bad: [string, unknown][] = [
    ['model missing', { input: 'hi' }],
    ['model not a string', { model: 1 }],
    ['input a number', { model: 'm', input: 1 }],
    ['content a number', { model: 'm', input: [{ role: 'user', content: 5 }] }],
    ['tools not an array', { model: 'm', tools: {} }],
    ['stream a string', { model: 'm', stream: 'yes' }],
    ['max_output_tokens fractional', { model: 'm', max_output_tokens: 1.5 }],
    [
      'arguments an object',
      { model: 'm', input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: {} }] },
    ],
  ]
  for (const [name, body] of bad) {
    test(`rejects ${name}`, () => {
      expect(Value.Check(requestSchema, body)).toBe(false)
    })
  }
})
