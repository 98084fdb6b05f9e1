/**
 * Gemini `generateContent` answer ↔ IR, plus the usage and finish-reason tables the stream
 * codecs share.
 *
 * Usage (docs/protocols/usage-and-stop-reasons.md, "Usage"): Gemini's `promptTokenCount` includes
 * cached tokens and `candidatesTokenCount` excludes thoughts, so
 *
 * | IR                 | from Gemini                                   | back to Gemini                         |
 * |--------------------|-----------------------------------------------|----------------------------------------|
 * | `inputTokens`      | prompt − cachedContent + toolUsePrompt        | prompt = input + cacheRead + cacheWrite − toolUsePrompt |
 * | `cacheReadTokens`  | `cachedContentTokenCount`                     | `cachedContentTokenCount`              |
 * | `outputTokens`     | candidates + thoughts                         | candidates = output − reasoning        |
 * | `reasoningTokens`  | `thoughtsTokenCount`                          | `thoughtsTokenCount`                   |
 * | —                  | `totalTokenCount` (checked, not stored)       | prompt + candidates + thoughts + toolUsePrompt |
 *
 * Zero counts are left out, as Google's proto-JSON does. Detail arrays (`promptTokensDetails`…)
 * ride in `usage.extra.gemini`.
 *
 * Stop reasons (docs/protocols/usage-and-stop-reasons.md, "Stop reasons"): `STOP` → `end_turn`, or
 * `tool_use` when the candidate holds a functionCall; `MAX_TOKENS` → `max_tokens`; `SAFETY`,
 * `RECITATION`, `BLOCKLIST`, `PROHIBITED_CONTENT`, `SPII`, `IMAGE_SAFETY` (and the other `IMAGE_*`
 * filters) → `content_filter`; anything else (`MALFORMED_FUNCTION_CALL`, `LANGUAGE`, `OTHER`…) →
 * `other`; a prompt blocked by `promptFeedback.blockReason` (no candidates) → `content_filter`.
 * The raw value is kept in `rawStopReason` whenever the IR folds it, and re-emitted only to
 * Gemini. Other dialects' reasons: end_turn/stop_sequence/tool_use/pause_turn → `STOP`, max_tokens
 * and context_window_exceeded → `MAX_TOKENS`, content_filter/refusal → `SAFETY`, the rest →
 * `OTHER`.
 *
 * Only the first candidate maps to the IR; further ones (`candidateCount` > 1) ride in `extra`
 * back to Gemini clients only. Model-generated images decode as image parts; code-execution
 * parts ride in `extra`.
 */
import { mintId, randomId } from '../common/ids.ts'
import { isObject, type JsonObject, parseArguments } from '../common/json.ts'
import { signatureFor } from '../common/provenance.ts'
import { extraWith, fail, hintsFor, unknownFields } from '../common/round-trip.ts'
import type { DecodeStreamOptions, EncodeResponseOptions } from '../contract.ts'
import type { Part, Provenance, Response, StopReason, Usage } from '../ir.ts'
import { decodeParts, encodeMedia, insertRawParts, keptHints, type PartContext } from './content.ts'
import { camel } from './proto-json.ts'
import { MINTED_ID_PREFIX } from './tools.ts'
import { DIALECT, type Hints } from './types.ts'

// ---------------------------------------------------------------------------------------------
// Usage

const USAGE_KNOWN = new Set([
  'promptTokenCount',
  'candidatesTokenCount',
  'thoughtsTokenCount',
  'cachedContentTokenCount',
  'totalTokenCount',
])

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

export function decodeUsage(raw: JsonObject): Usage {
  const m = camel(raw)
  const prompt = count(m.promptTokenCount) ?? 0
  const cached = count(m.cachedContentTokenCount)
  const candidates = count(m.candidatesTokenCount) ?? 0
  const thoughts = count(m.thoughtsTokenCount)
  const toolUse = count(m.toolUsePromptTokenCount) ?? 0
  const usage: Usage = {
    inputTokens: Math.max(0, prompt - (cached ?? 0)) + toolUse,
    outputTokens: candidates + (thoughts ?? 0),
  }
  if (cached !== undefined) usage.cacheReadTokens = cached
  if (thoughts !== undefined) usage.reasoningTokens = thoughts
  let extra = unknownFields(m, USAGE_KNOWN)
  const total = count(m.totalTokenCount)
  if (total !== undefined && total !== prompt + candidates + (thoughts ?? 0) + toolUse) {
    extra ??= {}
    extra.totalTokenCount = total
  }
  if (extra) usage.extra = { [DIALECT]: extra }
  return usage
}

/** Key order of Google's proto-JSON (field numbers), so re-encoded chunks match the upstream's. */
const DETAIL_ORDER = ['promptTokensDetails', 'cacheTokensDetails', 'candidatesTokensDetails'] as const

export function encodeUsage(u: Usage): JsonObject {
  // Usage details ride as Gemini wrote them (proto-JSON), not as round-trip hints.
  const details = u.extra?.[DIALECT]
  const x = isObject(details) ? details : undefined
  const toolUse = count(x?.toolUsePromptTokenCount) ?? 0
  const thoughts = Math.max(0, u.reasoningTokens ?? 0)
  const prompt = Math.max(0, u.inputTokens + (u.cacheReadTokens ?? 0) + (u.cacheWriteTokens ?? 0) - toolUse)
  const candidates = Math.max(0, u.outputTokens - thoughts)
  const total = count(x?.totalTokenCount) ?? prompt + candidates + thoughts + toolUse
  const out: JsonObject = {}
  if (prompt > 0) out.promptTokenCount = prompt
  if (candidates > 0) out.candidatesTokenCount = candidates
  if (total > 0) out.totalTokenCount = total
  if ((u.cacheReadTokens ?? 0) > 0) out.cachedContentTokenCount = u.cacheReadTokens
  if (x) {
    for (const k of DETAIL_ORDER) if (x[k] !== undefined) out[k] = x[k]
    if (x.toolUsePromptTokenCount !== undefined) out.toolUsePromptTokenCount = x.toolUsePromptTokenCount
    if (x.toolUsePromptTokensDetails !== undefined)
      out.toolUsePromptTokensDetails = x.toolUsePromptTokensDetails
  }
  if (thoughts > 0) out.thoughtsTokenCount = thoughts
  if (x) for (const k in x) if (!(k in out) && k !== 'totalTokenCount') out[k] = x[k]
  return out
}

// ---------------------------------------------------------------------------------------------
// Finish reasons

const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
])

export function stopOf(
  finishReason: string,
  sawCall: boolean,
): { stopReason: StopReason; rawStopReason?: string } {
  if (finishReason === 'STOP') return { stopReason: sawCall ? 'tool_use' : 'end_turn' }
  if (finishReason === 'MAX_TOKENS') return { stopReason: 'max_tokens' }
  if (FILTERED.has(finishReason)) return { stopReason: 'content_filter', rawStopReason: finishReason }
  return { stopReason: 'other', rawStopReason: finishReason }
}

export function finishReasonOf(stop: StopReason, raw: string | undefined, same: boolean): string {
  if (same && raw) return raw
  switch (stop) {
    case 'end_turn':
    case 'stop_sequence':
    case 'tool_use':
    case 'pause_turn':
      return 'STOP'
    case 'max_tokens':
    case 'context_window_exceeded':
      return 'MAX_TOKENS'
    case 'content_filter':
    case 'refusal':
      return 'SAFETY'
    default:
      return 'OTHER'
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Tool calls of an answer get fresh ids: they must not repeat across turns of a conversation. */
export function mintCallId(): string {
  return MINTED_ID_PREFIX + randomId(16)
}

export function responsePartContext(fallback: Provenance): PartContext {
  return {
    fallback,
    onCall: (_name, id) => id ?? mintCallId(),
    onResult: (_name, id) => id ?? mintCallId(),
  }
}

const TOP_KEYS = new Set(['candidates', 'promptFeedback', 'usageMetadata', 'modelVersion', 'responseId'])
const CANDIDATE_KEYS = new Set(['content', 'finishReason'])
const CONTENT_KEYS = new Set(['parts', 'role'])

/**
 * The shared body of `decodeResponse`; Code Assist passes its `traceId`, which becomes the id
 * when the inner response has none.
 */
export function decodeInnerResponse(
  body: unknown,
  opts: DecodeStreamOptions | undefined,
  traceId: string | undefined,
): Response {
  if (!isObject(body)) fail('a Gemini response must be a JSON object', 'body')
  const b = camel(body)
  const fallback = opts?.provenance ?? { dialect: DIALECT }
  const h = hintsFor<Hints>(b, TOP_KEYS)
  const responseId = typeof b.responseId === 'string' ? b.responseId : undefined
  if (responseId === undefined) h.omitResponseId = true
  if (traceId !== undefined) h.traceId = traceId
  const res: Response = {
    source: DIALECT,
    id: responseId ?? traceId ?? mintId('gemini-', 24),
    model: typeof b.modelVersion === 'string' ? b.modelVersion : '',
    content: [],
    stopReason: 'end_turn',
  }
  const candidates = Array.isArray(b.candidates) ? b.candidates : undefined
  const first = candidates && isObject(candidates[0]) ? camel(candidates[0]) : undefined
  if (first) {
    const content = isObject(first.content) ? camel(first.content) : undefined
    const parts = content && Array.isArray(content.parts) ? content.parts : []
    const decoded = decodeParts(parts, 'candidates.0.content.parts', responsePartContext(fallback))
    res.content = decoded.content
    if (decoded.raw) h.rawParts = decoded.raw
    if (content) {
      const cx = unknownFields(content, CONTENT_KEYS)
      if (cx) h.content = cx
      if (content.role !== 'model') h.role = content.role ?? null
      if (!Array.isArray(content.parts)) h.noParts = true
    } else h.noContent = true
    const cand = unknownFields(first, CANDIDATE_KEYS)
    if (cand) h.candidate = cand
    const sawCall = res.content.some((p) => p.type === 'tool_call')
    if (typeof first.finishReason === 'string') Object.assign(res, stopOf(first.finishReason, sawCall))
    else {
      res.stopReason = sawCall ? 'tool_use' : 'end_turn'
      h.noFinishReason = true
    }
    if (candidates && candidates.length > 1) h.candidates = candidates.slice(1)
  } else {
    if (candidates) h.candidates = []
    else h.noCandidates = true
    const blocked = isObject(b.promptFeedback) ? b.promptFeedback.blockReason : undefined
    res.stopReason = typeof blocked === 'string' ? 'content_filter' : 'other'
    if (typeof blocked === 'string') res.rawStopReason = blocked
  }
  if (b.promptFeedback !== undefined) h.promptFeedback = b.promptFeedback
  if (isObject(b.usageMetadata)) res.usage = decodeUsage(b.usageMetadata)
  const extra = extraWith(DIALECT, h)
  if (extra) res.extra = extra
  return res
}

export function decodeResponse(body: unknown, opts?: DecodeStreamOptions): Response {
  return decodeInnerResponse(body, opts, undefined)
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** IR answer parts as Gemini parts for a client; signatures of other dialects are wrapped. */
export function encodeAnswerParts(
  content: readonly Part[],
  same: boolean,
  prov: Provenance | undefined,
): JsonObject[] {
  const parts: JsonObject[] = []
  for (const p of content) {
    switch (p.type) {
      case 'text': {
        const out: JsonObject = { ...keptHints(p.extra, same)?.fields, text: p.text }
        if (p.thoughtSignature !== undefined)
          out.thoughtSignature = signatureFor(DIALECT, p.thoughtSignature, p.provenance ?? prov)
        parts.push(out)
        break
      }
      case 'thinking': {
        // Redacted and encrypted reasoning have no Gemini form; a thought needs text or a signature.
        if (p.text === '' && p.signature === undefined) break
        const out: JsonObject = { ...keptHints(p.extra, same)?.fields, text: p.text, thought: true }
        if (p.signature !== undefined)
          out.thoughtSignature = signatureFor(DIALECT, p.signature, p.provenance ?? prov)
        parts.push(out)
        break
      }
      case 'tool_call': {
        const h = keptHints(p.extra, same)
        const fc: JsonObject = { ...h?.functionCall }
        fc.name = p.name
        fc.args = parseArguments(p.arguments)
        const out: JsonObject = { ...h?.fields, functionCall: fc }
        if (p.thoughtSignature !== undefined)
          out.thoughtSignature = signatureFor(DIALECT, p.thoughtSignature, p.provenance ?? prov)
        parts.push(out)
        break
      }
      case 'image':
      case 'file': {
        const out = encodeMedia(p.source, p.extra, 'content', same, false)
        if (out) parts.push(out)
        break
      }
      case 'audio':
        parts.push({
          inlineData: { mimeType: p.format.includes('/') ? p.format : `audio/${p.format}`, data: p.data },
        })
        break
      case 'tool_result':
        break
    }
  }
  return parts
}

export function encodeResponse(res: Response, opts: EncodeResponseOptions = {}): Record<string, unknown> {
  const same = res.source === DIALECT
  const x = keptHints(res.extra, same)
  const out: JsonObject = {}
  if (x?.noCandidates !== true) {
    const candidates: JsonObject[] = []
    if (!Array.isArray(x?.candidates) || x.candidates.length > 0 || res.content.length > 0) {
      const cand: JsonObject = {}
      if (x?.noContent !== true) {
        const parts = encodeAnswerParts(res.content, same, opts.provenance)
        insertRawParts(parts, x?.rawParts)
        const content: JsonObject = { ...x?.content }
        if (x?.noParts !== true || parts.length > 0) content.parts = parts
        if (x?.role === undefined) content.role = 'model'
        else if (x.role !== null) content.role = x.role
        cand.content = content
      }
      if (x?.noFinishReason !== true)
        cand.finishReason = finishReasonOf(res.stopReason, res.rawStopReason, same)
      Object.assign(cand, x?.candidate)
      candidates.push(cand)
    }
    if (Array.isArray(x?.candidates)) candidates.push(...(x.candidates as JsonObject[]))
    out.candidates = candidates
  }
  if (x?.promptFeedback !== undefined) out.promptFeedback = x.promptFeedback
  if (res.usage) out.usageMetadata = encodeUsage(res.usage)
  const model = opts.model ?? res.model
  if (model !== '') out.modelVersion = model
  // Code Assist's traceId stood in for a missing responseId: public clients still get one.
  if (x?.omitResponseId !== true || x.traceId !== undefined) out.responseId = res.id
  Object.assign(out, x?.fields)
  return out
}

/** The usage of a generateContent response body, without decoding the rest. */
export function responseUsage(body: unknown): Usage | undefined {
  return isObject(body) && isObject(body.usageMetadata) ? decodeUsage(body.usageMetadata) : undefined
}
