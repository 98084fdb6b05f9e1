/**
 * Anthropic Messages thinking ↔ IR: the request's `thinking` config and `output_config.effort`,
 * and thinking / redacted_thinking blocks with their signatures.
 *
 * Reasoning (IR → wire; decoding is the inverse: `enabled` → `{mode:'on', budgetTokens}`,
 * `disabled` → `{mode:'off'}`, `adaptive` → `{mode:'auto'}`, `output_config.effort` → `effort`):
 *
 * | IR `reasoning`                                  | `thinking`                                   | `output_config.effort`       |
 * |-------------------------------------------------|----------------------------------------------|------------------------------|
 * | absent                                          | absent                                       | absent                       |
 * | `mode:'off'`, effort `none`, or budget 0        | `{type:'disabled'}`                          | same dialect only            |
 * | `mode:'auto'`                                   | `{type:'adaptive'}`                          | effort, clamped to low…max   |
 * | `mode:'on'` or a `budgetTokens`                 | `{type:'enabled', budget_tokens}`            | same dialect only            |
 * | effort only, from another dialect               | `enabled`, budget from `common/reasoning.ts` | absent                       |
 * | effort only, from this dialect                  | absent (effort without thinking is valid)    | effort                       |
 *
 * Budgets are at least 1024 (`minimal` → 1024); `mode:'on'` without a level means `medium` (8192).
 * With `enabled`, `max_tokens = maxTokensForBudget(max_tokens ?? 32000, budget)`.
 *
 * What the API refuses with thinking on, and what the request encoder does instead:
 * - `temperature` (must be 1) and `top_k` are dropped; `top_p` is kept only at ≥ 0.95 (`sampling.ts`);
 * - a forced `tool_choice` (any/tool) drops `thinking` (the forced tool is what the client asked for);
 * - from another dialect, a last assistant tool_use turn that does not start with a native thinking
 *   block drops `thinking` ("a final assistant message must start with a thinking block").
 *
 * Thinking history: a thinking part goes upstream only when its provenance is native
 * (`isNative`, narrowed by `opts.provider`) and it carries a signature (or redacted data); anything
 * else is dropped, or with `foreignThinking: 'text'` becomes plain text. A signature the gateway
 * wrapped for another dialect comes back unwrapped with that provenance; one from the Responses API
 * lands in `encrypted` (that is where its encoder keeps opaque reasoning). Towards a client, thinking
 * of another provenance gets a wrapped signature (`thinkingForClient`).
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { isNative, signatureFor, unwrapSignature } from '../common/provenance.ts'
import { budgetForEffort, clampEffort } from '../common/reasoning.ts'
import { extraWith, fail, hintsOf, spreadFields, unknownFields } from '../common/round-trip.ts'
import type { Provenance, ReasoningEffort, ReasoningRequest, ThinkingPart } from '../ir.ts'
import { type EncodeContext, str, type Turn } from './content.ts'
import { DIALECT, type Hints, MIN_THINKING_BUDGET } from './types.ts'

/** The effort levels `output_config.effort` accepts. */
const EFFORTS: readonly ReasoningEffort[] = ['low', 'medium', 'high', 'xhigh', 'max']
const IR_EFFORTS: ReadonlySet<string> = new Set(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'])

const THINKING_KEYS = new Set(['type', 'thinking', 'signature'])
const REDACTED_KEYS = new Set(['type', 'data'])
const THINKING_CONFIG_KEYS = new Set(['type', 'budget_tokens'])

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * An opaque signature (or redacted data) and who produced it: a value the gateway wrapped for a
 * client comes back with its original provenance; an unwrapped one is this dialect's, attributed
 * to `fallback` (the upstream's provenance for responses and streams) when given.
 */
export function attributeSignature(
  opaque: string,
  fallback: Provenance | undefined,
): { value: string; provenance: Provenance } {
  const u = unwrapSignature(opaque, DIALECT)
  if (u.signature !== opaque || !fallback) return { value: u.signature, provenance: u.provenance }
  return { value: opaque, provenance: fallback }
}

/** A thinking part's opaque field: the Responses API's opaque reasoning lives in `encrypted`. */
function setOpaque(part: ThinkingPart, value: string, provenance: Provenance): void {
  if (provenance.dialect === 'openai-responses') part.encrypted = value
  else part.signature = value
}

export function decodeThinkingBlock(
  raw: JsonObject,
  path: string,
  prov: Provenance | undefined,
): ThinkingPart {
  const part: ThinkingPart = { type: 'thinking', text: str(raw.thinking, `${path}.thinking`) }
  const sig = raw.signature === undefined ? '' : str(raw.signature, `${path}.signature`)
  const a = attributeSignature(sig, prov)
  // A wrapped empty signature is the placeholder foreign thinking without one was given
  // (see `thinkingForClient`): it stays without one, rather than becoming an empty opaque
  // value that Gemini, Chat or Responses upstreams would be sent.
  const placeholder = a.value === '' && sig !== ''
  if (raw.signature !== undefined && !placeholder) setOpaque(part, a.value, a.provenance)
  part.provenance = a.provenance
  const fields = unknownFields(raw, THINKING_KEYS)
  if (fields) part.extra = extraWith<Hints>(DIALECT, { fields })
  return part
}

export function decodeRedactedThinkingBlock(
  raw: JsonObject,
  path: string,
  prov: Provenance | undefined,
): ThinkingPart {
  const a = attributeSignature(str(raw.data, `${path}.data`), prov)
  const part: ThinkingPart = { type: 'thinking', text: '', redacted: a.value, provenance: a.provenance }
  const fields = unknownFields(raw, REDACTED_KEYS)
  if (fields) part.extra = extraWith<Hints>(DIALECT, { fields })
  return part
}

/**
 * `output_config.effort` over the request's reasoning; an effort the IR does not know goes to
 * `rest` (the `output_config` keys kept as they came) and leaves the reasoning as it was.
 */
export function decodeEffort(
  effort: unknown,
  reasoning: ReasoningRequest | undefined,
  rest: JsonObject,
): ReasoningRequest | undefined {
  if (typeof effort === 'string' && IR_EFFORTS.has(effort)) {
    return { ...reasoning, effort: effort as ReasoningEffort }
  }
  if (effort !== undefined) rest.effort = effort
  return reasoning
}

export function decodeThinking(raw: unknown, h: Hints): ReasoningRequest {
  if (!isObject(raw)) fail('thinking must be an object', 'thinking')
  const rest = unknownFields(raw, THINKING_CONFIG_KEYS)
  let r: ReasoningRequest
  switch (raw.type) {
    case 'enabled': {
      const b = raw.budget_tokens
      if (typeof b !== 'number' || !Number.isInteger(b)) {
        fail('thinking.budget_tokens must be an integer', 'thinking.budget_tokens')
      }
      r = { mode: 'on', budgetTokens: b }
      break
    }
    case 'disabled':
      r = { mode: 'off' }
      break
    case 'adaptive':
      r = { mode: 'auto' }
      break
    default:
      // A thinking type this codec does not know: the model decides; the type itself rides along.
      if (typeof raw.type !== 'string') fail('thinking.type must be a string', 'thinking.type')
      h.thinking = { ...rest, type: raw.type }
      return { mode: 'auto' }
  }
  if (rest) h.thinking = rest
  return r
}

// ---------------------------------------------------------------------------------------------
// Encoding

export function encodeThinkingPart(part: ThinkingPart, ctx: EncodeContext): JsonObject | undefined {
  const native = isNative(part.provenance, DIALECT, ctx.provider)
  if (part.redacted !== undefined) {
    // Redacted data is only readable by the provider that minted it, and has no text to keep.
    if (!native || part.redacted === '') return undefined
    return spreadFields(
      { type: 'redacted_thinking', data: part.redacted },
      hintsOf<Hints>(part.extra, DIALECT),
    )
  }
  // An unsigned or foreign block would be rejected ("Invalid signature in thinking block").
  if (native && part.signature) {
    return spreadFields(
      { type: 'thinking', thinking: part.text, signature: part.signature },
      hintsOf<Hints>(part.extra, DIALECT),
    )
  }
  if (ctx.foreignThinking === 'text' && part.text.trim() !== '') return { type: 'text', text: part.text }
  return undefined
}

/**
 * A thinking part as a block for an Anthropic client: opaque values of another provenance are
 * wrapped, and thinking that had no signature gets a wrapped empty one, so that when the client
 * sends the block back it is recognised as foreign and never forwarded to Anthropic.
 */
export function thinkingForClient(part: ThinkingPart, fallback: Provenance | undefined): JsonObject {
  const prov = part.provenance ?? fallback
  if (part.redacted !== undefined) {
    return { type: 'redacted_thinking', data: signatureFor(DIALECT, part.redacted, prov) }
  }
  const opaque = part.signature ?? part.encrypted ?? ''
  return { type: 'thinking', thinking: part.text, signature: signatureFor(DIALECT, opaque, prov) }
}

/** Whether the last assistant turn calls tools without opening with a thinking block. */
export function lacksLeadingThinking(turns: Turn[]): boolean {
  for (let i = turns.length - 1; i >= 0; i--) {
    const t = turns[i]!
    if (t.role !== 'assistant') continue
    if (!t.blocks.some((b) => b.type === 'tool_use')) return false
    const first = t.blocks[0]!.type
    return first !== 'thinking' && first !== 'redacted_thinking'
  }
  return false
}

export interface ThinkingPlan {
  thinking?: JsonObject
  effort?: ReasoningEffort
  budget?: number
}

/**
 * The request's reasoning as `thinking` + `output_config.effort`: the table at the top. `own`: the
 * request is this dialect's, so an effort beside (or without) `thinking` is the client's own.
 */
export function planThinking(r: ReasoningRequest | undefined, own: boolean): ThinkingPlan {
  if (!r) return {}
  const effort = r.effort && r.effort !== 'none' ? clampEffort(r.effort, EFFORTS) : undefined
  const off =
    r.mode === 'off' ||
    (r.mode === undefined && (r.budgetTokens === 0 || (r.budgetTokens === undefined && r.effort === 'none')))
  if (off) return { thinking: { type: 'disabled' }, effort: own ? effort : undefined }
  if (r.mode === 'auto') return { thinking: { type: 'adaptive' }, effort }
  if (r.mode === 'on' || r.budgetTokens !== undefined) {
    const asked = r.budgetTokens ?? budgetForEffort(r.effort && r.effort !== 'none' ? r.effort : 'medium')
    const budget = Math.max(MIN_THINKING_BUDGET, asked)
    return { thinking: { type: 'enabled', budget_tokens: budget }, budget, effort: own ? effort : undefined }
  }
  if (!r.effort) return {}
  if (own) return { effort }
  const budget = Math.max(MIN_THINKING_BUDGET, budgetForEffort(r.effort))
  return { thinking: { type: 'enabled', budget_tokens: budget }, budget }
}
