import { describe, expect, test } from 'bun:test'
import type { JsonObject } from '../../../src/dialects/common/json.ts'
import {
  extraWith,
  fail,
  fillGaps,
  hintsOf,
  keepField,
  type RoundTrip,
  spreadFields,
  unknownFields,
} from '../../../src/dialects/common/round-trip.ts'
import { DialectError } from '../../../src/dialects/ir.ts'

interface TestHints extends RoundTrip {
  form?: 'string'
}

describe('round-trip hints', () => {
  test('hints are found only under their own dialect', () => {
    const extra = extraWith<TestHints>('gemini', { form: 'string' })
    expect(extra).toEqual({ gemini: { form: 'string' } })
    expect(hintsOf<TestHints>(extra, 'gemini')?.form).toBe('string')
    expect(hintsOf(extra, 'openai-chat')).toBeUndefined()
    expect(hintsOf(undefined, 'gemini')).toBeUndefined()
    expect(hintsOf({ gemini: 'not an object' }, 'gemini')).toBeUndefined()
  })

  test('nothing to carry gives no extra', () => {
    expect(extraWith('gemini', {})).toBeUndefined()
  })

  test('unknown fields keep wire order and own keys only', () => {
    const raw = JSON.parse('{"b":1,"model":"m","__proto__":{"x":1},"a":2}')
    const out = unknownFields(raw, new Set(['model']))
    expect(Object.keys(out ?? {})).toEqual(['b', '__proto__', 'a'])
    expect(JSON.stringify(out)).toBe('{"b":1,"__proto__":{"x":1},"a":2}')
    expect(unknownFields({ model: 'm' }, new Set(['model']))).toBeUndefined()
  })

  test('keepField adds to the fields bag', () => {
    const h: RoundTrip = {}
    keepField(h, 'x', 1)
    keepField(h, 'y', null)
    expect(h).toEqual({ fields: { x: 1, y: null } })
  })

  test('spreadFields lets a kept field win; fillGaps never overwrites', () => {
    expect(spreadFields({ a: 1, b: 2 }, { fields: { b: 3, c: 4 } })).toEqual({ a: 1, b: 3, c: 4 })
    expect(spreadFields({ a: 1 }, undefined)).toEqual({ a: 1 })
    const proto = JSON.parse('{"__proto__":{"polluted":true}}')
    const spread = spreadFields({}, { fields: proto })
    expect(JSON.stringify(spread)).toBe('{"__proto__":{"polluted":true}}')
    expect(JSON.stringify(fillGaps({}, proto))).toBe('{"__proto__":{"polluted":true}}')
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
    const owned = { format: { type: 'json' } }
    const out = fillGaps<JsonObject>(
      { model: 'new', text: owned.format },
      { model: 'old', text: { verbosity: 'low' } },
    )
    expect(out).toEqual({ model: 'new', text: { type: 'json', verbosity: 'low' } })
    expect(owned.format).toEqual({ type: 'json' })
  })

  test('fail throws a DialectError naming the field', () => {
    expect(() => fail('bad', 'x.y')).toThrow(DialectError)
    try {
      fail('bad', 'x.y')
    } catch (e) {
      expect((e as DialectError).info).toEqual({ kind: 'invalid_request', message: 'bad', param: 'x.y' })
    }
  })
})
