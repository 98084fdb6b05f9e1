/**
 * Reasoning: the request's `reasoning` config and `reasoning` items.
 *
 * IR `reasoning` → wire `reasoning` (levels and budgets from common/reasoning.ts):
 *
 * | IR                                        | wire `reasoning`                                  |
 * |-------------------------------------------|---------------------------------------------------|
 * | `mode: 'off'`                             | `effort: 'none'`                                  |
 * | `effort` none/minimal/low/medium/high/xhigh | the same `effort`                               |
 * | `effort: 'max'` (from another dialect)    | `effort: 'xhigh'` (clamped; a Responses client's own `max` is kept) |
 * | `budgetTokens` only                       | `effortForBudget(budget)`, clamped as above        |
 * | `mode: 'auto'`, no effort or budget       | no `effort` (the model's default)                 |
 * | `summary`                                 | `summary`                                         |
 * | `includeThoughts: true`, no `summary`     | `summary: 'auto'` (so the client sees thinking)   |
 * Decoding: `effort` → `effort`; `summary` → `summary`, and `includeThoughts: true` unless `none`.
 *
 * A `reasoning` item becomes one thinking part per summary entry (or per `reasoning_text` when
 * there is no summary, or one empty part), all with `itemId`; `encrypted_content` sits on the
 * LAST part, as in streams, where it arrives with `output_item.done`.
 *
 * Encoding for another dialect's IR: reasoning is replayed only with encrypted content native to
 * this dialect (Codex runs with `store: false`); foreign or plain thinking is dropped, or becomes
 * text with `foreignThinking: 'text'` (content.ts).
 */
import { mintId } from '../common/ids.ts'
import { isObject, type JsonObject } from '../common/json.ts'
import { isNative, signatureFor, unwrapSignature } from '../common/provenance.ts'
import { clampEffort, effortOf } from '../common/reasoning.ts'
import { fillGaps, hintsOf, unknownFields } from '../common/round-trip.ts'
import {
  DialectError,
  type Part,
  type Provenance,
  type ReasoningEffort,
  type ReasoningRequest,
  type ThinkingPart,
} from '../ir.ts'
import type { ItemContext } from './content.ts'
import { DIALECT, fieldsOf, type Hints, takenKeySets, withHints } from './types.ts'

/** Prefix of foreign redacted thinking (Anthropic `redacted_thinking`) inside wrapped encrypted_content. */
export const REDACTED_PREFIX = 'redacted:'

const EFFORTS: ReadonlySet<string> = new Set(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'])

const SUMMARIES: ReadonlySet<string> = new Set(['auto', 'concise', 'detailed', 'none'])

/** What the Responses API and the Codex backend accept. */
const WIRE_EFFORTS: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh']

const REASONING_CONFIG_KEYS = takenKeySets([], ['effort', 'summary'])

/** The request's `reasoning` object → IR, and its fields the IR does not model. */
export function decodeReasoning(r: JsonObject): {
  reasoning: ReasoningRequest
  rest: JsonObject | undefined
} {
  const ir: ReasoningRequest = {}
  let taken = 0
  if (typeof r.effort === 'string' && EFFORTS.has(r.effort)) {
    ir.effort = r.effort as ReasoningEffort
    taken |= 1
  }
  if (typeof r.summary === 'string' && SUMMARIES.has(r.summary)) {
    ir.summary = r.summary as ReasoningRequest['summary']
    if (r.summary !== 'none') ir.includeThoughts = true
    taken |= 2
  }
  return { reasoning: ir, rest: unknownFields(r, REASONING_CONFIG_KEYS[taken]!) }
}

export function encodeReasoning(r: ReasoningRequest | undefined, ctx: ItemContext): JsonObject | undefined {
  if (!r) return undefined
  const out: JsonObject = {}
  const effort = effortOf(r)
  if (effort !== undefined)
    out.effort = ctx.ownSource && effort === r.effort ? effort : clampEffort(effort, WIRE_EFFORTS)
  if (r.summary !== undefined) out.summary = r.summary
  else if (r.includeThoughts && out.effort !== 'none') out.summary = 'auto'
  // From another dialect an empty object says nothing, and non-reasoning models reject it.
  if (!ctx.ownSource && out.effort === undefined && out.summary === undefined) return undefined
  return out
}

/**
 * A reasoning item → thinking parts (see the file comment). Encrypted content the gateway
 * wrapped for another dialect comes back as that dialect's `signature` (or `redacted`).
 */
export function decodeReasoningItem(item: JsonObject, path: string, prov: Provenance): ThinkingPart[] {
  const summary = item.summary
  if (!Array.isArray(summary)) throw new DialectError("A reasoning item needs 'summary'", `${path}.summary`)
  let taken = 0
  const parts: ThinkingPart[] = []
  for (let j = 0; j < summary.length; j++) {
    const s = summary[j]
    if (!isObject(s) || typeof s.text !== 'string') {
      throw new DialectError('Each summary entry needs a text', `${path}.summary.${j}`)
    }
    const part: ThinkingPart = { type: 'thinking', text: s.text, summary: true }
    parts.push(withHints(part, fieldsOf(s, TEXT_KEYS)))
  }
  const content = item.content
  if (parts.length === 0 && Array.isArray(content) && content.length > 0 && content.every(isReasoningText)) {
    taken |= 1
    for (const c of content) {
      const part: ThinkingPart = { type: 'thinking', text: c.text, summary: false }
      parts.push(withHints(part, fieldsOf(c, TEXT_KEYS)))
    }
  }
  if (parts.length === 0) parts.push({ type: 'thinking', text: '', summary: true })

  let provenance = prov
  const last = parts[parts.length - 1]!
  if (typeof item.encrypted_content === 'string') {
    taken |= 2
    const opened = unwrapSignature(item.encrypted_content, DIALECT)
    if (opened.signature === item.encrypted_content) {
      last.encrypted = opened.signature
    } else if (opened.provenance.dialect === DIALECT) {
      last.encrypted = opened.signature
      provenance = opened.provenance
    } else {
      provenance = opened.provenance
      if (opened.signature.startsWith(REDACTED_PREFIX))
        last.redacted = opened.signature.slice(REDACTED_PREFIX.length)
      else last.signature = opened.signature
    }
  }
  const itemId = typeof item.id === 'string' ? item.id : undefined
  if (itemId !== undefined) taken |= 4
  const first = parts[0]!
  const reasoning = fieldsOf(item, REASONING_ITEM_KEYS[taken]!)
  first.extra = { [DIALECT]: { ...hintsOf<Hints>(first.extra, DIALECT), reasoning } }
  for (const p of parts) {
    if (itemId !== undefined) p.itemId = itemId
    p.provenance = provenance
  }
  return parts
}

const TEXT_KEYS: ReadonlySet<string> = new Set(['type', 'text'])
const REASONING_ITEM_KEYS = takenKeySets(['type', 'summary'], ['content', 'encrypted_content', 'id'])

function isReasoningText(c: unknown): c is JsonObject & { text: string } {
  return isObject(c) && c.type === 'reasoning_text' && typeof c.text === 'string'
}

export function continuesReasoning(cur: Part, prev: Part, ctx: ItemContext): boolean {
  if (cur.type !== 'thinking' || prev.type !== 'thinking') return false
  if (ctx.ownSource) return hintsOf<Hints>(cur.extra, DIALECT)?.reasoning === undefined
  return cur.itemId !== undefined && cur.itemId === prev.itemId
}

/** One reasoning item from its thinking parts; undefined when it must not be sent. */
export function reasoningItem(group: ThinkingPart[], ctx: ItemContext): JsonObject | undefined {
  const first = group[0]!
  const itemId = first.itemId
  let opaque: string | undefined
  if (ctx.mode === 'request') {
    // Encrypted reasoning validates only where it was minted; anything else is rejected upstream.
    if (!group.every((p) => isNative(p.provenance, DIALECT, ctx.provider))) return undefined
    for (const p of group) {
      const v = p.encrypted ?? p.signature
      if (v !== undefined) opaque = v
    }
    const byReference = ctx.ownSource && itemId?.startsWith('rs_') === true
    if (opaque === undefined && !byReference) return undefined
  } else {
    for (const p of group) {
      const prov = p.provenance ?? ctx.provenance
      if (p.encrypted !== undefined) opaque = signatureFor(DIALECT, p.encrypted, prov)
      else if (p.signature !== undefined) opaque = signatureFor(DIALECT, p.signature, prov)
      else if (p.redacted !== undefined) opaque = signatureFor(DIALECT, REDACTED_PREFIX + p.redacted, prov)
    }
  }
  const summary: JsonObject[] = []
  const content: JsonObject[] = []
  for (const p of group) {
    const fields = hintsOf<Hints>(p.extra, DIALECT)?.fields
    if (p.summary === false) content.push(fillGaps({ type: 'reasoning_text', text: p.text }, fields))
    else if (p.text !== '') summary.push(fillGaps({ type: 'summary_text', text: p.text }, fields))
  }
  const item: JsonObject = {}
  const id = itemId?.startsWith('rs_') ? itemId : ctx.mode === 'response' ? mintId('rs_') : undefined
  if (id !== undefined) item.id = id
  item.type = 'reasoning'
  item.summary = summary
  if (content.length > 0) item.content = content
  if (opaque !== undefined) item.encrypted_content = opaque
  return fillGaps(item, hintsOf<Hints>(first.extra, DIALECT)?.reasoning?.fields)
}
