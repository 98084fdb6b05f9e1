import { describe, expect, test } from 'bun:test'
import type { ReasoningRequest } from '../../src/dialects/ir.ts'
import { parseThinkingSuffix } from '../../src/routing/thinking-suffix.ts'

const cases: Array<[input: string, model: string, reasoning: ReasoningRequest | undefined]> = [
  // Budgets.
  ['claude-opus-4-6(8192)', 'claude-opus-4-6', { mode: 'on', budgetTokens: 8192 }],
  ['claude-opus-4-6(0)', 'claude-opus-4-6', { mode: 'on', budgetTokens: 0 }],
  ['gpt-5(007)', 'gpt-5', { mode: 'on', budgetTokens: 7 }],
  // Levels.
  ['gpt-5(minimal)', 'gpt-5', { mode: 'on', effort: 'minimal' }],
  ['gpt-5(low)', 'gpt-5', { mode: 'on', effort: 'low' }],
  ['gpt-5(medium)', 'gpt-5', { mode: 'on', effort: 'medium' }],
  ['gpt-5(high)', 'gpt-5', { mode: 'on', effort: 'high' }],
  ['gpt-5(xhigh)', 'gpt-5', { mode: 'on', effort: 'xhigh' }],
  ['gpt-5(max)', 'gpt-5', { mode: 'on', effort: 'max' }],
  // Auto and off.
  ['gemini-2.5-pro(auto)', 'gemini-2.5-pro', { mode: 'auto' }],
  ['gemini-2.5-pro(-1)', 'gemini-2.5-pro', { mode: 'auto' }],
  ['gemini-2.5-pro(none)', 'gemini-2.5-pro', { mode: 'off', effort: 'none' }],
  // Only the last parenthesis counts.
  ['odd(name)(high)', 'odd(name)', { mode: 'on', effort: 'high' }],
  ['a/b/model(low)', 'a/b/model', { mode: 'on', effort: 'low' }],
  // Legacy `-thinking-<N>`, last occurrence.
  ['claude-sonnet-4-5-thinking-4096', 'claude-sonnet-4-5', { mode: 'on', budgetTokens: 4096 }],
  ['a-thinking-b-thinking-100', 'a-thinking-b', { mode: 'on', budgetTokens: 100 }],
  ['m-thinking-0', 'm', { mode: 'on', budgetTokens: 0 }],
  // The parenthetical wins over the legacy form.
  ['m-thinking-100(low)', 'm-thinking-100', { mode: 'on', effort: 'low' }],
  // Rejected: the string is left exactly as it came.
  ['gpt-5(med)', 'gpt-5(med)', undefined],
  ['gpt-5(off)', 'gpt-5(off)', undefined],
  ['gpt-5(disabled)', 'gpt-5(disabled)', undefined],
  ['gpt-5(invalid)', 'gpt-5(invalid)', undefined],
  ['gpt-5()', 'gpt-5()', undefined],
  ['gpt-5(HIGH)', 'gpt-5(HIGH)', undefined],
  ['gpt-5(High)', 'gpt-5(High)', undefined],
  ['gpt-5(Auto)', 'gpt-5(Auto)', undefined],
  ['gpt-5(-2)', 'gpt-5(-2)', undefined],
  ['gpt-5(+5)', 'gpt-5(+5)', undefined],
  ['gpt-5(1.5)', 'gpt-5(1.5)', undefined],
  ['gpt-5(1e3)', 'gpt-5(1e3)', undefined],
  ['gpt-5( 5)', 'gpt-5( 5)', undefined],
  ['gpt-5(99999999999999999999)', 'gpt-5(99999999999999999999)', undefined],
  ['gpt-5(high', 'gpt-5(high', undefined],
  ['gpt-5(high) ', 'gpt-5(high) ', undefined],
  ['gpt-5)', 'gpt-5)', undefined],
  ['(high)', '(high)', undefined],
  ['m-thinking-', 'm-thinking-', undefined],
  ['m-thinking-x', 'm-thinking-x', undefined],
  ['m-thinking-100-thinking-x', 'm-thinking-100-thinking-x', undefined],
  ['m-thinking-10k', 'm-thinking-10k', undefined],
  ['m-thinking--1', 'm-thinking--1', undefined],
  ['-thinking-100', '-thinking-100', undefined],
  ['m-thinking', 'm-thinking', undefined],
  ['claude-opus-4-6', 'claude-opus-4-6', undefined],
  ['', '', undefined],
]

describe('parseThinkingSuffix', () => {
  test.each(cases)('%p → %p', (input, model, reasoning) => {
    const parsed = parseThinkingSuffix(input)
    expect(parsed.model).toBe(model)
    expect(parsed.reasoning).toEqual(reasoning)
    if (reasoning === undefined) expect('reasoning' in parsed).toBe(false)
  })
})
