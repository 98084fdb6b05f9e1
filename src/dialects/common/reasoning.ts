/**
 * The one table that turns a reasoning level into a token budget and back, so every dialect
 * pair agrees. Levels follow OpenAI's `reasoning_effort` (plus `max`); budgets follow Anthropic's
 * `thinking.budget_tokens` and Gemini's `thinkingBudget`.
 *
 * | level   | budget  |
 * |---------|---------|
 * | none    | 0       |
 * | minimal | 512     |
 * | low     | 1024    |
 * | medium  | 8192    |
 * | high    | 24576   |
 * | xhigh   | 32768   |
 * | max     | 128000  |
 *
 * A budget maps back to the smallest level whose budget is at least it.
 */
import type { ReasoningEffort, ReasoningRequest } from '../ir.ts'

export const EFFORT_BUDGET: Record<ReasoningEffort, number> = {
  none: 0,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
  max: 128000,
}

const ORDER: ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']

export function budgetForEffort(effort: ReasoningEffort): number {
  return EFFORT_BUDGET[effort]
}

export function effortForBudget(budget: number): ReasoningEffort {
  if (budget <= 0) return 'none'
  for (const e of ORDER) if (EFFORT_BUDGET[e] >= budget) return e
  return 'max'
}

/** The nearest level a dialect accepts: rounds up inside `allowed`, else down to its highest. */
export function clampEffort(effort: ReasoningEffort, allowed: readonly ReasoningEffort[]): ReasoningEffort {
  if (allowed.includes(effort)) return effort
  const at = ORDER.indexOf(effort)
  for (let i = at + 1; i < ORDER.length; i++) if (allowed.includes(ORDER[i]!)) return ORDER[i]!
  for (let i = at - 1; i >= 0; i--) if (allowed.includes(ORDER[i]!)) return ORDER[i]!
  return effort
}

/** The level a request asks for, from whichever form it came in; undefined when unspecified. */
export function effortOf(r: ReasoningRequest | undefined): ReasoningEffort | undefined {
  if (!r) return undefined
  if (r.mode === 'off') return 'none'
  if (r.effort) return r.effort
  if (r.budgetTokens !== undefined) return effortForBudget(r.budgetTokens)
  return undefined
}

/** The budget a request asks for; undefined for unspecified or `auto`. */
export function budgetOf(r: ReasoningRequest | undefined): number | undefined {
  if (!r) return undefined
  if (r.mode === 'off') return 0
  if (r.budgetTokens !== undefined) return r.budgetTokens
  if (r.effort) return budgetForEffort(r.effort)
  return undefined
}

/** Anthropic needs max_tokens above budget_tokens; leave room for the answer as well. */
export function maxTokensForBudget(maxTokens: number | undefined, budget: number): number {
  const floor = budget + Math.max(Math.floor(budget / 10), 1024)
  return maxTokens === undefined || maxTokens <= budget ? floor : maxTokens
}
