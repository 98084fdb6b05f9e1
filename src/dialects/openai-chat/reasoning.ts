/**
 * Thinking in Chat: the request's `reasoning_effort`, and the non-standard
 * `reasoning_content`/`reasoning_signature` fields of assistant messages (DeepSeek, Kimi and
 * proxies spell thinking this way), with the rules for which thinking a receiver may see.
 *
 * Reasoning mapping (request field `reasoning_effort`, levels from `common/reasoning.ts`):
 *
 * | chat `reasoning_effort`            | IR `reasoning`                       |
 * |------------------------------------|--------------------------------------|
 * | `none`                             | `{ mode: 'off', effort: 'none' }`    |
 * | `minimal`/`low`/`medium`/`high`/`xhigh` | `{ effort }`                    |
 * | anything else (vendor values)      | kept verbatim in `extra`             |
 * | IR `mode: 'off'` / budget 0        | `none`                               |
 * | IR effort, or budget → `effortForBudget` | `clampEffort` to the six levels (`max` → `xhigh`) |
 * | IR `mode: 'auto'` without a level  | omitted (the model decides)          |
 * | IR `summary` / `includeThoughts`   | no Chat field; display hints only, not sent |
 */
import type { JsonObject } from '../common/json.ts'
import { isNative, signatureFor, unwrapSignature } from '../common/provenance.ts'
import { clampEffort, effortOf } from '../common/reasoning.ts'
import { keepField, withHints } from '../common/round-trip.ts'
import type { EncodeRequestOptions } from '../contract.ts'
import type { Message, Provenance, ReasoningEffort, Request, ThinkingPart } from '../ir.ts'
import { DIALECT, type Hints } from './types.ts'

/** The levels Chat models accept; anything else is clamped to the nearest of these. */
const EFFORTS: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh']

/** `reasoning_effort` → IR; undefined for a vendor value the IR has no level for (kept verbatim). */
export function decodeReasoningEffort(v: string): Request['reasoning'] {
  if (!(EFFORTS as readonly string[]).includes(v)) return undefined
  const effort = v as ReasoningEffort
  return effort === 'none' ? { mode: 'off', effort } : { effort }
}

/** IR reasoning → `reasoning_effort`, or undefined when the model decides. */
export function encodeReasoningEffort(r: Request['reasoning']): ReasoningEffort | undefined {
  const effort = effortOf(r)
  return effort === undefined ? undefined : clampEffort(effort, EFFORTS)
}

/**
 * The thinking of an assistant message → an IR thinking part (when it has text or a signature);
 * what the part cannot hold goes to the message's hints `h`. `fallback` is the provenance for
 * signatures the gateway did not wrap.
 */
export function decodeThinking(
  m: JsonObject,
  fallback: Provenance | undefined,
  h: Hints,
): ThinkingPart | undefined {
  const rc = m.reasoning_content
  const rs = m.reasoning_signature
  const hasText = typeof rc === 'string' && rc !== ''
  const hasSig = typeof rs === 'string' && rs !== ''
  if (hasText || hasSig) {
    const t: ThinkingPart = { type: 'thinking', text: hasText ? rc : '' }
    if (hasSig) {
      const s = unwrapSignature(rs, DIALECT, fallback)
      t.signature = s.signature
      t.provenance = s.provenance
    } else t.provenance = fallback ?? { dialect: DIALECT }
    if (rc === '' || rc === null) withHints<ThinkingPart, Hints>(t, DIALECT, { reasoningContent: rc })
    else if (rc === undefined) withHints<ThinkingPart, Hints>(t, DIALECT, { reasoningContent: 'absent' })
    if (rs !== undefined && !hasSig) keepField(h, 'reasoning_signature', rs)
    return t
  }
  if (rc !== undefined) keepField(h, 'reasoning_content', rc)
  if (rs !== undefined) keepField(h, 'reasoning_signature', rs)
  return undefined
}

/** What one IR thinking part becomes in a Chat assistant message. */
export type ThinkingOut =
  | { kind: 'reasoning'; text: string; signature?: string }
  | { kind: 'text' }
  | { kind: 'drop' }

/** Which thought signature (if any) a receiver may see on a tool call. */
export type Sign = (signature: string, prov: Provenance | undefined) => string | undefined

const hasOpaque = (p: ThinkingPart) =>
  p.signature !== undefined || p.redacted !== undefined || p.encrypted !== undefined

/**
 * Request-side thinking rule: plain text always; opaque only when native; else drop or text. A
 * reasoning item's opaque value rides on one of its parts (Responses: the last) but covers them
 * all, so every part sharing its `itemId` counts as opaque.
 */
export function requestThinking(
  opts: EncodeRequestOptions,
  messages: readonly Message[],
): (p: ThinkingPart) => ThinkingOut {
  const opaqueItems = new Set<string>()
  for (const m of messages)
    for (const p of m.content)
      if (p.type === 'thinking' && p.itemId !== undefined && hasOpaque(p)) opaqueItems.add(p.itemId)
  return (p) => {
    const opaque = hasOpaque(p) || (p.itemId !== undefined && opaqueItems.has(p.itemId))
    if (!opaque) return { kind: 'reasoning', text: p.text }
    if (isNative(p.provenance, DIALECT, opts.provider)) {
      const out: ThinkingOut = { kind: 'reasoning', text: p.text }
      if (p.signature !== undefined) out.signature = p.signature
      return out
    }
    return opts.foreignThinking === 'text' ? { kind: 'text' } : { kind: 'drop' }
  }
}

/** Request-side signature rule: only the provider that made a signature gets it back. */
export function requestSign(opts: EncodeRequestOptions): Sign {
  return (s, prov) => (isNative(prov, DIALECT, opts.provider) ? s : undefined)
}

/**
 * Response-side rule (thinking shown to a Chat client): show the text, and a signature wrapped
 * when it belongs elsewhere.
 */
export function responseThinking(fallback: Provenance | undefined): (p: ThinkingPart) => ThinkingOut {
  return (p) => {
    if (p.text === '' && p.signature === undefined) return { kind: 'drop' }
    const out: ThinkingOut = { kind: 'reasoning', text: p.text }
    if (p.signature !== undefined)
      out.signature = signatureFor(DIALECT, p.signature, p.provenance ?? fallback)
    return out
  }
}

export function responseSign(fallback: Provenance | undefined) {
  return (s: string, prov: Provenance | undefined): string => signatureFor(DIALECT, s, prov ?? fallback)
}
