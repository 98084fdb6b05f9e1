/**
 * The thinking suffix clients append to a model name (the original BYOKEY's grammar; docs/routing.md,
 * "Thinking suffix"):
 *
 * - `model(<unsigned int>)` → a token budget;
 * - `model(minimal|low|medium|high|xhigh|max)` → an effort level;
 * - `model(auto)` / `model(-1)` → the model decides;
 * - `model(none)` → thinking off;
 * - legacy `model-thinking-<N>` (the last `-thinking-`) → a token budget.
 *
 * Only these exact lowercase values count; anything else (`(med)`, `(off)`, `()`, `(HIGH)`)
 * leaves the string untouched, so it reaches the lookup as typed and fails there by name.
 * No clamping against a model's limits happens here; encoders do that.
 */
import type { ReasoningEffort, ReasoningRequest } from '../dialects/ir.ts'

export interface ParsedModel {
  /** The model with the suffix removed (the input itself when there was none). */
  model: string
  reasoning?: ReasoningRequest
}

const LEVELS: ReadonlySet<string> = new Set<ReasoningEffort>([
  'minimal',
  'low',
  'medium',
  'high',
  'xhigh',
  'max',
])

const LEGACY = '-thinking-'

/** Splits a thinking suffix off a model name; see the module comment for the grammar. */
export function parseThinkingSuffix(model: string): ParsedModel {
  if (model.endsWith(')')) {
    const open = model.lastIndexOf('(')
    // An empty base (`(high)`) is not a model with a suffix; leave it for the lookup to reject.
    if (open > 0) {
      const reasoning = parseValue(model.slice(open + 1, -1))
      if (reasoning) return { model: model.slice(0, open), reasoning }
    }
    return { model }
  }
  const at = model.lastIndexOf(LEGACY)
  if (at > 0) {
    const budget = parseBudget(model.slice(at + LEGACY.length))
    if (budget !== undefined)
      return { model: model.slice(0, at), reasoning: { mode: 'on', budgetTokens: budget } }
  }
  return { model }
}

function parseValue(v: string): ReasoningRequest | undefined {
  if (v === 'auto' || v === '-1') return { mode: 'auto' }
  if (v === 'none') return { mode: 'off', effort: 'none' }
  if (LEVELS.has(v)) return { mode: 'on', effort: v as ReasoningEffort }
  const budget = parseBudget(v)
  return budget === undefined ? undefined : { mode: 'on', budgetTokens: budget }
}

/** ASCII digits only (no sign, no spaces, no exponent), within the safe-integer range. */
function parseBudget(v: string): number | undefined {
  if (!/^[0-9]+$/.test(v)) return undefined
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : undefined
}
