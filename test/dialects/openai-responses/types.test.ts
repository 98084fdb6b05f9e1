import { describe, expect, test } from 'bun:test'
import type { TextPart } from '../../../src/dialects/ir.ts'
import { fieldsOf, takenKeySets, withHints } from '../../../src/dialects/openai-responses/types.ts'

describe('responses hint helpers', () => {
  test('takenKeySets indexes every subset of the optional keys by its bitmask', () => {
    const sets = takenKeySets(['type'], ['a', 'b'])
    expect(sets.map((s) => [...s])).toEqual([['type'], ['type', 'a'], ['type', 'b'], ['type', 'a', 'b']])
  })

  test('fieldsOf keeps the keys outside the set, in wire order', () => {
    const known = takenKeySets(['type', 'text'], ['annotations'])
    const part = { z: 1, type: 'output_text', annotations: [], text: 'x', a: 2 }
    expect(Object.keys(fieldsOf(part, known[0]!).fields ?? {})).toEqual(['z', 'annotations', 'a'])
    expect(fieldsOf(part, known[1]!)).toEqual({ fields: { z: 1, a: 2 } })
    expect(fieldsOf({ type: 't', text: '' }, known[0]!)).toEqual({})
  })

  test('withHints sets extra only when there is something to carry', () => {
    const text = (): TextPart => ({ type: 'text', text: 'x' })
    expect(withHints(text(), {})).toEqual({ type: 'text', text: 'x' })
    expect(withHints(text(), { refusal: true })).toEqual({
      type: 'text',
      text: 'x',
      extra: { 'openai-responses': { refusal: true } },
    })
  })
})
