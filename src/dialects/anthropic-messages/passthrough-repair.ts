/**
 * What the Messages API refuses in a body an Anthropic client may send but this dialect's request
 * encoder never writes, fixed on a same-dialect body the gateway otherwise forwards as it came.
 * The translated path gets the same results from `encodeRequest` (`sampling.ts`,
 * `reasoning.ts`, `content.ts`); here they are a patch on the few top-level fields concerned, so a
 * body that needs none is left exactly as the client sent it.
 *
 * Each rule answers a 400 the API gives otherwise:
 * - an empty `system` ("" or only empty text blocks): "text content blocks must be non-empty";
 * - `thinking.type: enabled` with `budget_tokens` under 1024, or `max_tokens` not above it;
 * - a forced `tool_choice` (`any`/`tool`) with thinking on: thinking is dropped, the forced tool is
 *   what the client asked for;
 * - with thinking on, `temperature` other than 1, any `top_k`, and `top_p` under 0.95.
 *
 * Thinking blocks signed for another provider never get here: a body carrying a signature the
 * gateway wrapped goes through the translated path, whose codecs unwrap or drop it.
 */
import { isObject } from '../common/json.ts'
import { maxTokensForBudget } from '../common/reasoning.ts'
import { MIN_THINKING_BUDGET } from './types.ts'

type Body = Record<string, unknown>

/** Fixes `body` (the gateway's own shallow copy) in place; nested values are replaced, never mutated. */
export function repairRequest(body: Body): void {
  repairSystem(body)
  const thinking = body['thinking']
  if (!isObject(thinking)) return
  const on = thinking['type'] === 'enabled' || thinking['type'] === 'adaptive'
  if (!on) return
  if (forcesTool(body['tool_choice'])) {
    delete body['thinking']
    return
  }
  if (thinking['type'] === 'enabled') repairBudget(body, thinking)
  if (body['temperature'] !== undefined && body['temperature'] !== 1) delete body['temperature']
  if (body['top_k'] !== undefined) delete body['top_k']
  const topP = body['top_p']
  if (typeof topP === 'number' && topP < 0.95) delete body['top_p']
}

function repairSystem(body: Body): void {
  const system = body['system']
  if (typeof system === 'string') {
    if (system.trim() === '') delete body['system']
    return
  }
  if (!Array.isArray(system)) return
  // A block is dropped only when it is a text block with nothing but whitespace in it.
  const kept = system.filter((b) => !(isObject(b) && b['type'] === 'text' && isBlank(b['text'])))
  if (kept.length === system.length) return
  if (kept.length === 0) delete body['system']
  else body['system'] = kept
}

function repairBudget(body: Body, thinking: Body): void {
  const asked = thinking['budget_tokens']
  if (typeof asked !== 'number' || !Number.isInteger(asked)) return
  const budget = Math.max(MIN_THINKING_BUDGET, asked)
  if (budget !== asked) body['thinking'] = { ...thinking, budget_tokens: budget }
  const max = body['max_tokens']
  if (typeof max === 'number' && max <= budget) body['max_tokens'] = maxTokensForBudget(max, budget)
}

function forcesTool(choice: unknown): boolean {
  return isObject(choice) && (choice['type'] === 'any' || choice['type'] === 'tool')
}

function isBlank(text: unknown): boolean {
  return typeof text === 'string' && text.trim() === ''
}
