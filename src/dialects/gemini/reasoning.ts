/**
 * Gemini thinking ↔ IR reasoning: `generationConfig.thinkingConfig` (levels ↔ budgets from
 * `common/reasoning.ts`), `thought: true` parts and `thoughtSignature`s.
 *
 * | Gemini                                  | IR `reasoning`                                      |
 * |-----------------------------------------|-----------------------------------------------------|
 * | `thinkingBudget: -1` (dynamic)          | `{ mode: 'auto' }`                                  |
 * | `thinkingBudget: 0`                     | `{ mode: 'off' }`                                   |
 * | `thinkingBudget: N`                     | `{ mode: 'on', budgetTokens: N }`                   |
 * | `thinkingLevel: low` (Gemini 3, any case) | `{ mode: 'on', effort: 'low' }`                   |
 * | `includeThoughts`                       | `includeThoughts`                                   |
 *
 * Encoding another dialect's IR (a Gemini IR re-emits exactly what it decoded):
 *
 * | IR                                      | Gemini 3 target (`gemini-3*`)     | other targets                 |
 * |-----------------------------------------|-----------------------------------|-------------------------------|
 * | `mode: 'off'` or effort `none`          | `thinkingBudget: 0`               | `thinkingBudget: 0`           |
 * | `budgetTokens: N`                       | `thinkingBudget: N`               | `thinkingBudget: N`           |
 * | `effort` (no budget)                    | `thinkingLevel` MINIMAL…HIGH (xhigh/max → HIGH) | `thinkingBudget` from the table |
 * | `mode: 'auto'`/`'on'` alone             | omitted (Gemini 3 thinks dynamically) | `thinkingBudget: -1`      |
 * | `includeThoughts` unset, thinking asked | `includeThoughts: true` unless `summary: 'none'` (every dialect has a place to show thoughts) | same |
 *
 * `thoughtSignature`: decoded with its provenance (`unwrapSignature`); sent only when native to
 * Gemini (`isNative`). Thinking of other dialects is dropped (or plain text with
 * `foreignThinking: 'text'`). For `gemini-3*` targets, a model turn whose function calls carry
 * no native signature at all gets the documented `skip_thought_signature_validator` sentinel
 * on each call (Gemini 3 rejects unsigned calls; real Gemini turns, where only the first of
 * parallel calls is signed, are left alone).
 */
import type { JsonObject } from '../common/json.ts'
import { isNative, unwrapSignature } from '../common/provenance.ts'
import { budgetForEffort, clampEffort } from '../common/reasoning.ts'
import { extraWith, fail, hintsFor, unknownFields } from '../common/round-trip.ts'
import type { ReasoningEffort, ReasoningRequest, ThinkingPart } from '../ir.ts'
import { type EncodeState, keptHints, type PartContext } from './content.ts'
import { numberAt, objectAt } from './proto-json.ts'
import { DIALECT, type Hints } from './types.ts'

/** Gemini 3 rejects function calls without a signature unless given this documented value. */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator'

const THINKING_KEYS = new Set(['thinkingBudget', 'includeThoughts', 'thinkingLevel'])

const THOUGHT_KEYS = new Set(['text', 'thought', 'thoughtSignature'])
const LEVELS: readonly ReasoningEffort[] = ['minimal', 'low', 'medium', 'high']

export function decodeThinking(v: unknown, hints: Hints): ReasoningRequest | undefined {
  const tc = objectAt(v, 'generationConfig.thinkingConfig')
  if (!tc) return undefined
  const r: ReasoningRequest = {}
  const left: JsonObject = unknownFields(tc, THINKING_KEYS) ?? {}
  const budget = numberAt(tc, 'thinkingBudget', 'generationConfig.thinkingConfig')
  if (budget !== undefined) {
    if (budget === 0) r.mode = 'off'
    else if (budget < 0) {
      r.mode = 'auto'
      if (budget !== -1) left.thinkingBudget = budget
    } else {
      r.mode = 'on'
      r.budgetTokens = budget
    }
  }
  if (tc.thinkingLevel !== undefined) {
    const raw = tc.thinkingLevel
    const lower = typeof raw === 'string' ? raw.toLowerCase() : ''
    if (LEVELS.includes(lower as ReasoningEffort)) {
      r.effort = lower as ReasoningEffort
      r.mode ??= 'on'
      if (raw !== lower) hints.thinkingLevel = raw as string
    } else left.thinkingLevel = raw
  }
  if (tc.includeThoughts !== undefined) {
    if (typeof tc.includeThoughts !== 'boolean')
      fail('includeThoughts must be a boolean', 'generationConfig.thinkingConfig.includeThoughts')
    r.includeThoughts = tc.includeThoughts
  }
  hints.thinkingConfig = left
  return r
}

export function encodeThinkingPart(part: ThinkingPart, st: EncodeState): JsonObject | undefined {
  if (isNative(part.provenance, DIALECT, st.opts.provider, st.opts.model)) {
    const out: JsonObject = { ...keptHints(part.extra, st.same)?.fields, text: part.text, thought: true }
    if (part.signature !== undefined) out.thoughtSignature = part.signature
    return out
  }
  if (st.opts.foreignThinking === 'text' && part.text !== '') return { text: part.text }
  return undefined
}

/** Gemini 3 history: model turns without any native signature get the sentinel on each call. */
export function signCalls(parts: JsonObject[]): void {
  let calls = 0
  for (const p of parts) {
    if (p.functionCall === undefined) continue
    if (p.thoughtSignature !== undefined) return
    calls++
  }
  if (calls === 0) return
  for (const p of parts) if (p.functionCall !== undefined) p.thoughtSignature = SKIP_SIGNATURE
}

const UPPER_LEVEL: Record<string, string> = { minimal: 'MINIMAL', low: 'LOW', medium: 'MEDIUM', high: 'HIGH' }

export function encodeThinking(
  r: ReasoningRequest | undefined,
  hints: Hints | undefined,
  same: boolean,
  gemini3: boolean,
): JsonObject | undefined {
  const bag = hints?.thinkingConfig
  if (!r && !bag) return undefined
  const tc: JsonObject = { ...bag }
  if (r && same) {
    if (r.mode === 'off') tc.thinkingBudget = 0
    else if (r.budgetTokens !== undefined) tc.thinkingBudget = r.budgetTokens
    else if (r.mode === 'auto' && tc.thinkingBudget === undefined) tc.thinkingBudget = -1
    if (r.effort !== undefined && r.effort !== 'none') {
      const level = clampEffort(r.effort, LEVELS)
      const raw = hints?.thinkingLevel
      tc.thinkingLevel = typeof raw === 'string' && raw.toLowerCase() === level ? raw : level
    }
    if (r.includeThoughts !== undefined) tc.includeThoughts = r.includeThoughts
  } else if (r) {
    const off = r.mode === 'off' || (r.effort === 'none' && r.budgetTokens === undefined)
    if (off) tc.thinkingBudget = 0
    else if (r.budgetTokens !== undefined) tc.thinkingBudget = r.budgetTokens
    else if (r.effort !== undefined) {
      if (gemini3) tc.thinkingLevel = UPPER_LEVEL[clampEffort(r.effort, LEVELS)]
      else tc.thinkingBudget = budgetForEffort(r.effort)
    } else if ((r.mode === 'auto' || r.mode === 'on') && !gemini3) tc.thinkingBudget = -1
    const asked = !off && (r.mode !== undefined || r.effort !== undefined || r.budgetTokens !== undefined)
    const include = r.includeThoughts ?? (asked && r.summary !== 'none' ? true : undefined)
    if (include !== undefined) tc.includeThoughts = include
  }
  return Object.keys(tc).length > 0 || bag ? tc : undefined
}

/** A `thought: true` part: the model's thinking, signed when Gemini sent a signature. */
export function decodeThoughtPart(p: JsonObject, text: string, ctx: PartContext): ThinkingPart {
  const part: ThinkingPart = { type: 'thinking', text, summary: true }
  if (typeof p.thoughtSignature === 'string') {
    const s = unwrapSignature(p.thoughtSignature, DIALECT, ctx.fallback)
    part.signature = s.signature
    part.provenance = s.provenance
  } else part.provenance = ctx.fallback ?? { dialect: DIALECT }
  const extra = extraWith(DIALECT, hintsFor<Hints>(p, THOUGHT_KEYS))
  if (extra) part.extra = extra
  return part
}
