/** The order each `providers.<id>.routing` strategy tries a provider's credentials in. */
import { describe, expect, test } from 'bun:test'
import { newPosition, orderBy, type Strategy } from '../../src/accounts/strategy.ts'

const creds = ['a', 'b', 'c'].map((label) => ({ label }))
const labels = (xs: { label: string }[]) => xs.map((x) => x.label)
const none = { order: [], weights: {} }

function firsts(strategy: Strategy, n: number, settings = none): string[] {
  const at = newPosition()
  return Array.from({ length: n }, () => orderBy(strategy, creds, at, settings)[0]!.label)
}

describe('orderBy', () => {
  test('round_robin starts one further each request, and each position rotates on its own', () => {
    const a = newPosition()
    const b = newPosition()
    expect(labels(orderBy('round_robin', creds, a, none))).toEqual(['a', 'b', 'c'])
    expect(labels(orderBy('round_robin', creds, a, none))).toEqual(['b', 'c', 'a'])
    expect(labels(orderBy('round_robin', creds, b, none))).toEqual(['a', 'b', 'c'])
    expect(labels(orderBy('round_robin', creds, a, none))).toEqual(['c', 'a', 'b'])
    expect(labels(orderBy('round_robin', creds, a, none))).toEqual(['a', 'b', 'c'])
  })

  test('fill_first always starts at the first', () => {
    expect(firsts('fill_first', 4)).toEqual(['a', 'a', 'a', 'a'])
  })

  test('priority goes by `order`, then the rest as they came', () => {
    const settings = { order: ['c', 'missing', 'b'], weights: {} }
    expect(labels(orderBy('priority', creds, newPosition(), settings))).toEqual(['c', 'b', 'a'])
    expect(labels(orderBy('priority', creds, newPosition(), none))).toEqual(['a', 'b', 'c'])
  })

  test('weighted leads with each credential in proportion to its weight, spread out', () => {
    const settings = { order: [], weights: { a: 2, b: 1, c: 0 } }
    const seen = firsts('weighted', 6, settings)
    expect(seen).toEqual(['a', 'b', 'a', 'a', 'b', 'a'])
    // a zero weight is only a failover: the others come first, by weight
    expect(labels(orderBy('weighted', creds, newPosition(), settings))).toEqual(['a', 'b', 'c'])
  })

  test('unnamed weights count 1', () => {
    expect(firsts('weighted', 3).sort()).toEqual(['a', 'b', 'c'])
  })
})
