import { describe, expect, test } from 'bun:test'
import { carriesWrappedSignature, wrapSignature } from '../../../src/dialects/common/provenance.ts'

const wrapped = wrapSignature('sig', { dialect: 'gemini', provider: 'gemini', model: 'm' })

describe('carriesWrappedSignature', () => {
  test('finds a wrapped signature anywhere, and nothing in bodies without one', () => {
    expect(carriesWrappedSignature(wrapped)).toBe(true)
    expect(carriesWrappedSignature({ messages: [{ content: [{ type: 'x', signature: wrapped }] }] })).toBe(
      true,
    )
    expect(carriesWrappedSignature([1, null, { a: [true, 'plain'] }])).toBe(false)
    expect(carriesWrappedSignature(null)).toBe(false)
    expect(carriesWrappedSignature('byok1')).toBe(false)
  })
})

describe('hardening #6: 500 where 400 is due', () => {
  test('a body nested 200,000 deep is walked without overflowing the stack', () => {
    const depth = 200_000
    const deep = (inner: string) => JSON.parse('['.repeat(depth) + inner + ']'.repeat(depth)) as unknown
    expect(carriesWrappedSignature(deep(''))).toBe(false)
    expect(carriesWrappedSignature(deep(JSON.stringify(wrapped)))).toBe(true)
  })
})
