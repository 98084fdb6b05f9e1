/**
 * Response object ↔ IR response. `output` is one assistant turn of items (see request.ts);
 * items the IR does not model (web_search_call, image_generation_call…) ride in
 * the response's hints as `outputItems: [{index, item}]` and are put back at their index by
 * this dialect only.
 *
 * Stop reasons (docs/protocols/usage-and-stop-reasons.md, "Stop reasons"):
 * | wire                                        | IR                                  |
 * |---------------------------------------------|-------------------------------------|
 * | `completed`, a function_call in output      | `tool_use`                          |
 * | `completed`                                 | `end_turn`                          |
 * | `incomplete` + `max_output_tokens`          | `max_tokens`                        |
 * | `incomplete` + `content_filter`             | `content_filter`                    |
 * | `incomplete` + other reason                 | `other` (raw = the reason)          |
 * | `failed`                                    | `error`                             |
 * | `in_progress` / `queued` / `cancelled`      | `other` (raw = the status)          |
 * Encoding: end_turn, stop_sequence, tool_use, pause_turn → `completed`; max_tokens and
 * context_window_exceeded → `incomplete`/`max_output_tokens`; content_filter and refusal →
 * `incomplete`/`content_filter`; error → `failed`.
 *
 * Usage: `input_tokens` includes cached (and cache-written) tokens, the IR's does not:
 * IR input = input_tokens − cached_tokens − cache_write_tokens; output includes reasoning on both sides.
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { fillGaps, hintsFor, hintsOf, keepField, unknownFields, withHints } from '../common/round-trip.ts'
import type { DecodeStreamOptions, EncodeResponseOptions } from '../contract.ts'
import {
  DialectError,
  type Part,
  type Provenance,
  type Response,
  type StopReason,
  type TextPart,
  type Usage,
} from '../ir.ts'
import { encodeAssistantParts, type ItemContext } from './content.ts'
import { decodeReasoningItem } from './reasoning.ts'
import { decodeFunctionCall } from './tools.ts'
import { DIALECT, type Hints, takenKeySets } from './types.ts'

// =============================================================================================
// Stop reasons

export function stopReasonOf(
  status: unknown,
  incompleteReason: unknown,
  sawToolCall: boolean,
): { stopReason: StopReason; raw: string | undefined } {
  switch (status) {
    case 'completed':
      return { stopReason: sawToolCall ? 'tool_use' : 'end_turn', raw: 'completed' }
    case 'incomplete': {
      const reason = typeof incompleteReason === 'string' ? incompleteReason : undefined
      if (reason === 'max_output_tokens') return { stopReason: 'max_tokens', raw: reason }
      if (reason === 'content_filter') return { stopReason: 'content_filter', raw: reason }
      return { stopReason: 'other', raw: reason ?? 'incomplete' }
    }
    case 'failed':
      return { stopReason: 'error', raw: 'failed' }
    default:
      return { stopReason: 'other', raw: typeof status === 'string' ? status : undefined }
  }
}

const STATUSES: ReadonlySet<string> = new Set(['completed', 'in_progress', 'queued', 'cancelled', 'failed'])

/**
 * IR stop reason → `status` and, when incomplete, `incomplete_details.reason`. `raw` (this
 * dialect's own status or reason; undefined for another dialect's) only refines `other`.
 */
export function statusOf(
  stopReason: StopReason,
  raw: string | undefined,
): { status: string; reason?: string } {
  switch (stopReason) {
    case 'max_tokens':
    case 'context_window_exceeded':
      return { status: 'incomplete', reason: 'max_output_tokens' }
    case 'content_filter':
    case 'refusal':
      return { status: 'incomplete', reason: 'content_filter' }
    case 'error':
      return { status: 'failed' }
    case 'other':
      if (raw === undefined) return { status: 'completed' }
      if (raw === 'incomplete') return { status: 'incomplete' }
      return STATUSES.has(raw) ? { status: raw } : { status: 'incomplete', reason: raw }
    default:
      return { status: 'completed' }
  }
}

// =============================================================================================
// Usage

const USAGE_KEYS: ReadonlySet<string> = new Set([
  'input_tokens',
  'input_tokens_details',
  'output_tokens',
  'output_tokens_details',
  'total_tokens',
])
const INPUT_DETAIL_KEYS: ReadonlySet<string> = new Set(['cached_tokens', 'cache_write_tokens'])
const OUTPUT_DETAIL_KEYS: ReadonlySet<string> = new Set(['reasoning_tokens'])

/** Wire usage → IR; `withExtra` keeps unmodelled detail fields in the usage's hints. */
export function decodeUsage(u: unknown, withExtra: boolean): Usage | undefined {
  if (!isObject(u) || typeof u.input_tokens !== 'number' || typeof u.output_tokens !== 'number')
    return undefined
  const inDetails = isObject(u.input_tokens_details) ? u.input_tokens_details : undefined
  const outDetails = isObject(u.output_tokens_details) ? u.output_tokens_details : undefined
  const cached = typeof inDetails?.cached_tokens === 'number' ? inDetails.cached_tokens : undefined
  const written = typeof inDetails?.cache_write_tokens === 'number' ? inDetails.cache_write_tokens : undefined
  const reasoning = typeof outDetails?.reasoning_tokens === 'number' ? outDetails.reasoning_tokens : undefined
  const usage: Usage = {
    inputTokens: Math.max(0, u.input_tokens - (cached ?? 0) - (written ?? 0)),
    outputTokens: u.output_tokens,
  }
  if (cached !== undefined) usage.cacheReadTokens = cached
  if (written !== undefined) usage.cacheWriteTokens = written
  if (reasoning !== undefined) usage.reasoningTokens = reasoning
  if (withExtra) {
    const h = hintsFor<Hints>(u, USAGE_KEYS)
    const inRest = inDetails && unknownFields(inDetails, INPUT_DETAIL_KEYS)
    const outRest = outDetails && unknownFields(outDetails, OUTPUT_DETAIL_KEYS)
    if (inRest) keepField(h, 'input_tokens_details', inRest)
    if (outRest) keepField(h, 'output_tokens_details', outRest)
    withHints(usage, DIALECT, h)
  }
  return usage
}

/** IR usage → wire; `fields` (this dialect's own, kept or from a template) fill the gaps. */
export function encodeUsage(u: Usage, fields: JsonObject | undefined): JsonObject {
  const input = u.inputTokens + (u.cacheReadTokens ?? 0) + (u.cacheWriteTokens ?? 0)
  const inDetails: JsonObject = { cached_tokens: u.cacheReadTokens ?? 0 }
  if (u.cacheWriteTokens !== undefined) inDetails.cache_write_tokens = u.cacheWriteTokens
  const out: JsonObject = {
    input_tokens: input,
    input_tokens_details: inDetails,
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens ?? 0 },
    total_tokens: input + u.outputTokens,
  }
  return fillGaps(out, fields)
}

// =============================================================================================
// Decode

/** Output items → IR parts; unmodelled items come back as `[{index, item}]`. */
export function decodeOutputItems(
  output: unknown[],
  prov: Provenance,
): { parts: Part[]; raw: { index: number; item: JsonObject }[]; sawToolCall: boolean } {
  const parts: Part[] = []
  const raw: { index: number; item: JsonObject }[] = []
  let sawToolCall = false
  for (let i = 0; i < output.length; i++) {
    const item = output[i]
    const path = `output.${i}`
    if (!isObject(item)) throw new DialectError('Each output item must be an object', path)
    switch (item.type) {
      case 'reasoning':
        parts.push(...decodeReasoningItem(item, path, prov))
        break
      case 'function_call':
        parts.push(decodeFunctionCall(item, path))
        sawToolCall = true
        break
      case 'message': {
        const content = item.content
        if (!Array.isArray(content) || content.length === 0) {
          raw.push({ index: i, item })
          break
        }
        const message = hintsFor<Hints>(item, CONTENT_KEY)
        for (let j = 0; j < content.length; j++) {
          const c = content[j]
          const cpath = `${path}.content.${j}`
          if (!isObject(c)) throw new DialectError('Each content part must be an object', cpath)
          let part: Part
          if (c.type === 'output_text' && typeof c.text === 'string') {
            part = { type: 'text', text: c.text }
            let taken = 0
            if (Array.isArray(c.annotations) && c.annotations.length > 0) {
              part.citations = c.annotations
              taken |= 1
            }
            withHints(part, DIALECT, hintsFor<Hints>(c, TEXT_KEYS[taken]!))
          } else if (c.type === 'refusal' && typeof c.refusal === 'string') {
            const h = hintsFor<Hints>(c, REFUSAL_KEYS)
            h.refusal = true
            part = withHints<TextPart, Hints>({ type: 'text', text: c.refusal }, DIALECT, h)
          } else {
            throw new DialectError('Unsupported output content part', cpath)
          }
          if (j === 0) part.extra = { [DIALECT]: { ...hintsOf<Hints>(part.extra, DIALECT), message } }
          parts.push(part)
        }
        break
      }
      default:
        raw.push({ index: i, item })
    }
  }
  return { parts, raw, sawToolCall }
}

const CONTENT_KEY: ReadonlySet<string> = new Set(['content'])
const REFUSAL_KEYS: ReadonlySet<string> = new Set(['type', 'refusal'])
const TEXT_KEYS = takenKeySets(['type', 'text'], ['annotations'])
/** status/error/incomplete_details are re-derived from the stop reason; only what that loses is kept. */
const RESPONSE_KEYS = takenKeySets(
  ['id', 'object', 'created_at', 'model', 'output', 'usage', 'status'],
  ['error', 'incomplete_details'],
)

export function decodeResponse(body: unknown, opts: DecodeStreamOptions = {}): Response {
  if (!isObject(body)) throw new DialectError('The response body must be a JSON object')
  const output = Array.isArray(body.output) ? body.output : []
  const { parts, raw, sawToolCall } = decodeOutputItems(output, opts.provenance ?? { dialect: DIALECT })
  const incomplete = isObject(body.incomplete_details) ? body.incomplete_details : undefined
  const { stopReason, raw: rawStop } = stopReasonOf(body.status, incomplete?.reason, sawToolCall)
  const res: Response = {
    source: DIALECT,
    id: typeof body.id === 'string' ? body.id : '',
    model: typeof body.model === 'string' ? body.model : '',
    content: parts,
    stopReason,
  }
  if (typeof body.created_at === 'number') res.created = body.created_at
  if (rawStop !== undefined) res.rawStopReason = rawStop
  const usage = decodeUsage(body.usage, true)
  if (usage) res.usage = usage
  let taken = body.error === null ? 1 : 0
  if (body.incomplete_details === null || (incomplete && Object.keys(incomplete).length === 1)) taken |= 2
  const h = hintsFor<Hints>(body, RESPONSE_KEYS[taken]!)
  if (raw.length > 0) h.outputItems = raw
  res.extra = {}
  return withHints(res, DIALECT, h)
}

// =============================================================================================
// Encode

/** A response id as Responses clients expect it (`resp_…`), stable for the same IR id. */
export function responseIdFor(id: string): string {
  return id.startsWith('resp_') ? id : `resp_${id}`
}

/** The `error` object of a failed response when the IR has none. */
export const DEFAULT_FAILURE = { code: 'server_error', message: 'The upstream model failed to respond.' }

export function encodeResponse(res: Response, opts: EncodeResponseOptions = {}): Record<string, unknown> {
  const ownSource = res.source === DIALECT
  const h = hintsOf<Hints>(res.extra, DIALECT)
  const x = h?.fields
  const ctx: ItemContext = { ownSource, mode: 'response' }
  if (opts.provenance) ctx.provenance = opts.provenance
  if (opts.toolNamespaces) ctx.toolNamespaces = opts.toolNamespaces
  const output: JsonObject[] = []
  encodeAssistantParts(res.content, 'content', output, ctx)
  const raw = h?.outputItems
  if (Array.isArray(raw)) {
    for (const r of raw)
      if (isObject(r) && typeof r.index === 'number' && isObject(r.item)) output.splice(r.index, 0, r.item)
  }
  const { status, reason } = statusOf(res.stopReason, ownSource ? res.rawStopReason : undefined)
  const body: JsonObject = {
    id: ownSource ? res.id : responseIdFor(res.id),
    object: 'response',
    created_at: res.created ?? Math.floor(Date.now() / 1000),
    status,
    error: status === 'failed' ? (isObject(x?.error) ? x.error : DEFAULT_FAILURE) : null,
    incomplete_details:
      status !== 'incomplete'
        ? null
        : isObject(x?.incomplete_details)
          ? x.incomplete_details
          : reason === undefined
            ? null
            : { reason },
    model: opts.model ?? res.model,
    output,
    usage: res.usage ? encodeUsage(res.usage, hintsOf<Hints>(res.usage.extra, DIALECT)?.fields) : null,
  }
  return fillGaps(body, x)
}

/** The usage of a Responses response body, without decoding the rest. */
export function responseUsage(body: unknown): Usage | undefined {
  return isObject(body) ? decodeUsage(body.usage, false) : undefined
}
