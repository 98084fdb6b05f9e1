import { describe, expect, test } from 'bun:test'
import {
  carriesWrappedSignature,
  familiesDiffer,
  isNative,
  wrapSignature,
} from '../../../src/dialects/common/provenance.ts'

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

describe('isNative: one provider serving several model families', () => {
  const claudeViaAg = {
    dialect: 'gemini' as const,
    provider: 'antigravity',
    model: 'ag-claude-sonnet-4-5-thinking',
  }
  test('a signature goes back to the family that minted it, under any of its names', () => {
    expect(isNative(claudeViaAg, 'gemini', 'antigravity', 'claude-sonnet-4-5-thinking')).toBe(true)
    expect(isNative(claudeViaAg, 'gemini', 'antigravity', 'claude-opus-4-5-thinking')).toBe(true)
  })
  test('never to another family of the same provider, nor to another provider', () => {
    expect(isNative(claudeViaAg, 'gemini', 'antigravity', 'gemini-3-pro-high')).toBe(false)
    expect(isNative(claudeViaAg, 'gemini', 'antigravity', 'gpt-oss-120b-medium')).toBe(false)
    expect(isNative(claudeViaAg, 'gemini', 'gemini', 'claude-sonnet-4-5')).toBe(false)
    expect(isNative(claudeViaAg, 'anthropic-messages', 'antigravity', 'claude-sonnet-4-5')).toBe(false)
  })
  test('without a model on either side only dialect and provider count', () => {
    expect(isNative(claudeViaAg, 'gemini', 'antigravity')).toBe(true)
    expect(
      isNative({ dialect: 'gemini', provider: 'antigravity' }, 'gemini', 'antigravity', 'gemini-2.5-pro'),
    ).toBe(true)
  })
  test('models of no known family are not told apart', () => {
    expect(familiesDiffer('my-local-model', 'gemini-2.5-pro')).toBe(false)
    expect(familiesDiffer('gemini-2.5-pro', 'ag-gemini-3-flash')).toBe(false)
    expect(familiesDiffer('claude-opus-4-5', 'gemini-2.5-pro')).toBe(true)
  })
})
