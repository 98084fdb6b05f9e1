import { describe, expect, test } from 'bun:test'
import { validate } from '../../src/config/load.ts'
import type { Config } from '../../src/config/schema.ts'
import { applyPayloadRules, matchesGlob } from '../../src/routing/payload-rules.ts'

const rules = (payload: Record<string, unknown>): Config['payload'] =>
  validate({ payload }, 'test').config.payload

describe('matchesGlob', () => {
  test.each([
    ['*', 'anything', true],
    ['*', '', true],
    ['gpt-*', 'gpt-5', true],
    ['gpt-*', 'gpt-', true],
    ['gpt-*', 'xgpt-5', false],
    ['*-mini', 'gpt-5-mini', true],
    ['*-mini', 'gpt-5-mini-x', false],
    ['gpt-5', 'gpt-5', true],
    ['gpt-5', 'gpt-5.1', false],
    ['claude-*-4-5', 'claude-sonnet-4-5', true],
    ['claude-*-4-5', 'claude-sonnet-4-6', false],
    ['*sonnet*', 'claude-sonnet-4-5', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['ab*ba', 'aba', false],
    ['a**b', 'ab', true],
    ['GPT-*', 'gpt-5', false],
    ['gpt-?', 'gpt-5', false],
    ['gpt-?', 'gpt-?', true],
    ['', '', true],
    ['', 'x', false],
  ])('%p vs %p → %p', (pattern, text, expected) => {
    expect(matchesGlob(pattern, text)).toBe(expected)
  })
})

describe('applyPayloadRules', () => {
  test('default sets only missing paths; the first matching default wins', () => {
    const r = rules({
      default: [
        { models: ['gpt-*'], params: { temperature: 0.2, 'reasoning.effort': 'low', top_p: 0.9 } },
        { models: ['*'], params: { 'reasoning.effort': 'high', 'metadata.tag': 'x' } },
      ],
    })
    const out = applyPayloadRules({ model: 'gpt-5', temperature: 1, top_p: null }, 'gpt-5', r)
    // `null` counts as a value.
    expect(out).toEqual({
      model: 'gpt-5',
      temperature: 1,
      top_p: null,
      reasoning: { effort: 'low' },
      metadata: { tag: 'x' },
    })
  })

  test('default does not overwrite falsy values', () => {
    const r = rules({ default: [{ models: ['*'], params: { stream: true, n: 5, stop: 'x' } }] })
    expect(applyPayloadRules({ stream: false, n: 0, stop: '' }, 'm', r)).toEqual({
      stream: false,
      n: 0,
      stop: '',
    })
  })

  test('override always sets, creating intermediates; the last matching override wins', () => {
    const r = rules({
      override: [
        { models: ['gpt-*'], params: { 'reasoning.effort': 'high', 'a.b.c': 1 } },
        { models: ['gpt-5'], params: { 'reasoning.effort': 'xhigh' } },
      ],
    })
    const out = applyPayloadRules({ reasoning: { effort: 'low', summary: 'auto' } }, 'gpt-5', r)
    expect(out).toEqual({ reasoning: { effort: 'xhigh', summary: 'auto' }, a: { b: { c: 1 } } })
  })

  test('an intermediate that is not an object is left alone and the path skipped', () => {
    const r = rules({
      default: [{ models: ['*'], params: { 's.x': 1, 'arr.x': 1, 'nul.x': 1 } }],
      override: [{ models: ['*'], params: { 's.y': 1, 'arr.y': 1, 'nul.y': 1, 'n.deep.z': 1 } }],
    })
    const body = { s: 'text', arr: [1, 2], nul: null, n: { deep: 5 } }
    expect(applyPayloadRules(body, 'm', r)).toEqual(body)
  })

  test('filter deletes paths; missing paths and non-object intermediates are no-ops', () => {
    const r = rules({
      filter: [
        { models: ['gemini-*'], params: ['generationConfig.responseJsonSchema', 'user', 'nope.x', 'user.x'] },
      ],
    })
    const body = { model: 'g', user: 'u', generationConfig: { responseJsonSchema: {}, temperature: 1 } }
    expect(applyPayloadRules(body, 'gemini-2.5-pro', r)).toEqual({
      model: 'g',
      generationConfig: { temperature: 1 },
    })
  })

  test('order is default, override, filter', () => {
    const r = rules({
      filter: [{ models: ['*'], params: ['x'] }],
      override: [{ models: ['*'], params: { y: 'override' } }],
      default: [{ models: ['*'], params: { x: 'default', y: 'default' } }],
    })
    expect(applyPayloadRules({}, 'm', r)).toEqual({ y: 'override' })
  })

  test('rules whose globs do not match the model are skipped (case-sensitive)', () => {
    const r = rules({
      override: [{ models: ['GPT-*', 'claude-*'], params: { x: 1 } }],
      filter: [{ models: ['gpt-5.1'], params: ['keep'] }],
    })
    const body = { keep: true }
    const out = applyPayloadRules(body, 'gpt-5', r)
    expect(out).toEqual({ keep: true })
    expect(out).toBe(body)
  })

  test('any matching glob in a rule applies it', () => {
    const r = rules({ override: [{ models: ['nope', '*-mini'], params: { x: 1 } }] })
    expect(applyPayloadRules({}, 'gpt-5-mini', r)).toEqual({ x: 1 })
  })

  test('never mutates the input; copies only the changed branches', () => {
    const r = rules({
      override: [{ models: ['*'], params: { 'a.b': 2 } }],
      filter: [{ models: ['*'], params: ['c.d'] }],
    })
    const untouched = { big: [1, 2, 3] }
    const body = { a: { b: 1, keep: { k: 1 } }, c: { d: 1, e: 2 }, untouched }
    const snapshot = structuredClone(body)
    const out = applyPayloadRules(body, 'm', r)
    expect(body).toEqual(snapshot)
    expect(out).toEqual({ a: { b: 2, keep: { k: 1 } }, c: { e: 2 }, untouched })
    expect(out).not.toBe(body)
    expect(out.untouched).toBe(untouched)
    expect((out.a as Record<string, unknown>).keep).toBe(body.a.keep)
    expect(out.a).not.toBe(body.a)
    expect(out.c).not.toBe(body.c)
  })

  test('works on a frozen body and the values set are copies of the (frozen) config', () => {
    const r = rules({ override: [{ models: ['*'], params: { meta: { tags: ['a'] } } }] })
    const body = Object.freeze({ model: 'm' })
    const out = applyPayloadRules(body, 'm', r)
    expect(out).toEqual({ model: 'm', meta: { tags: ['a'] } })
    const meta = out.meta as { tags: string[] }
    meta.tags.push('b')
    expect(r.override[0]?.params.meta).toEqual({ tags: ['a'] })
  })

  test('no rules: the same object comes back', () => {
    const body = { a: 1 }
    expect(applyPayloadRules(body, 'm', rules({}))).toBe(body)
  })

  test('__proto__ paths never reach Object.prototype', () => {
    const r = rules({
      override: [{ models: ['*'], params: { '__proto__.polluted': true, 'constructor.x': 1 } }],
    })
    const out = applyPayloadRules({}, 'm', r)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.hasOwn(out, '__proto__')).toBe(true)
    expect(JSON.parse(JSON.stringify(out))).toEqual(
      JSON.parse('{"__proto__":{"polluted":true},"constructor":{"x":1}}'),
    )
  })

  test('paths with empty segments are ignored', () => {
    const r = rules({ override: [{ models: ['*'], params: { 'a..b': 1, '': 2, '.x': 3 } }] })
    expect(applyPayloadRules({}, 'm', r)).toEqual({})
  })
})
