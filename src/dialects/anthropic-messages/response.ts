/**
 * Anthropic Messages response ↔ IR, plus the usage and stop-reason codecs the stream codecs share.
 *
 * Stop reasons:
 *
 * | `stop_reason`                   | IR `stopReason`                                    |
 * |---------------------------------|----------------------------------------------------|
 * | `end_turn`                      | `end_turn`                                         |
 * | `max_tokens`                    | `max_tokens`                                       |
 * | `stop_sequence` (+ value)       | `stop_sequence` (+ `stopSequence`)                 |
 * | `tool_use`                      | `tool_use`                                         |
 * | `pause_turn`                    | `pause_turn`                                       |
 * | `refusal`                       | `refusal`                                          |
 * | `model_context_window_exceeded` | `context_window_exceeded`                          |
 * | anything else                   | `other` + `rawStopReason` (written back only here) |
 * | IR only: `content_filter`       | `refusal`                                          |
 * | IR only: `error`, `other`       | `end_turn`                                         |
 *
 * From another dialect, `end_turn` with tool calls in the content becomes `tool_use` (Gemini reports
 * STOP for function calls; Anthropic clients run tools on `tool_use`).
 *
 * Usage (`input_tokens` already excludes cache reads and writes, as the IR does):
 *
 * | wire                                              | IR                          |
 * |---------------------------------------------------|-----------------------------|
 * | `input_tokens`                                    | `inputTokens`               |
 * | `output_tokens`                                   | `outputTokens`              |
 * | `cache_read_input_tokens`                         | `cacheReadTokens`           |
 * | `cache_creation_input_tokens`                     | `cacheWriteTokens`          |
 * | `cache_creation.ephemeral_5m/1h_input_tokens`     | `cacheWrite5mTokens`/`1h`   |
 * | `output_tokens_details.thinking_tokens`           | `reasoningTokens`           |
 * | `service_tier`, `server_tool_use`, …              | `extra` (this dialect only) |
 *
 * A usage object this dialect decoded goes back with exactly its keys, in their order; any other
 * gets `input_tokens`, `cache_creation_input_tokens`, `cache_read_input_tokens` (0 when unknown),
 * the 5m/1h breakdown when known, `output_tokens`, and `output_tokens_details` when reasoning is known.
 *
 * Response content another dialect produced that an Anthropic message cannot hold (images, files,
 * audio) is left out; thinking of another provenance gets a wrapped signature (`signatureFor`), an
 * empty one when it had none, so it is recognised when the client sends it back.
 */
import { mintId } from '../common/ids.ts'
import { isObject, type JsonObject, parseArguments } from '../common/json.ts'
import { extraWith, hintsOf, spreadFields, unknownFields } from '../common/round-trip.ts'
import type { DecodeStreamOptions, EncodeResponseOptions } from '../contract.ts'
import {
  DialectError,
  type Part,
  type Provenance,
  type Response,
  type StopReason,
  type Usage,
} from '../ir.ts'
import { decodeBlock } from './content.ts'
import { decodeErrorBody } from './errors.ts'
import { thinkingForClient } from './reasoning.ts'
import { DIALECT, type Hints } from './types.ts'

const RESPONSE_KEYS = new Set([
  'id',
  'type',
  'role',
  'model',
  'content',
  'stop_reason',
  'stop_sequence',
  'usage',
])
const USAGE_KEYS = new Set([
  'input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
  'cache_creation',
  'output_tokens_details',
])

const STOP_IN: Readonly<Record<string, StopReason>> = {
  end_turn: 'end_turn',
  max_tokens: 'max_tokens',
  stop_sequence: 'stop_sequence',
  tool_use: 'tool_use',
  pause_turn: 'pause_turn',
  refusal: 'refusal',
  model_context_window_exceeded: 'context_window_exceeded',
}

const STOP_OUT: Readonly<Record<StopReason, string>> = {
  end_turn: 'end_turn',
  max_tokens: 'max_tokens',
  stop_sequence: 'stop_sequence',
  tool_use: 'tool_use',
  pause_turn: 'pause_turn',
  refusal: 'refusal',
  context_window_exceeded: 'model_context_window_exceeded',
  content_filter: 'refusal',
  error: 'end_turn',
  other: 'end_turn',
}

export function decodeStopReason(raw: unknown): { stopReason: StopReason; rawStopReason?: string } {
  if (typeof raw !== 'string') return { stopReason: 'other' }
  const known = Object.hasOwn(STOP_IN, raw) ? STOP_IN[raw] : undefined
  return known ? { stopReason: known } : { stopReason: 'other', rawStopReason: raw }
}

/**
 * `own`: the reason came from this dialect (its raw value may go back); `toolCalls`: the content
 * holds tool calls.
 */
export function encodeStopReason(
  reason: StopReason,
  raw: string | undefined,
  own: boolean,
  toolCalls: boolean,
): string | null {
  if (reason === 'other' && own) return raw ?? null
  if (reason === 'end_turn' && toolCalls && !own) return 'tool_use'
  return STOP_OUT[reason]
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined
}

/**
 * A wire usage object → IR, on top of `base` (an earlier snapshot of the same message: the
 * `message_start` usage under a `message_delta` one, whose fields win where present).
 */
export function decodeUsage(raw: JsonObject, base?: Usage): Usage {
  const u: Usage = { inputTokens: base?.inputTokens ?? 0, outputTokens: base?.outputTokens ?? 0 }
  if (base) {
    if (base.cacheReadTokens !== undefined) u.cacheReadTokens = base.cacheReadTokens
    if (base.cacheWriteTokens !== undefined) u.cacheWriteTokens = base.cacheWriteTokens
    if (base.cacheWrite5mTokens !== undefined) u.cacheWrite5mTokens = base.cacheWrite5mTokens
    if (base.cacheWrite1hTokens !== undefined) u.cacheWrite1hTokens = base.cacheWrite1hTokens
    if (base.reasoningTokens !== undefined) u.reasoningTokens = base.reasoningTokens
  }
  let v = count(raw.input_tokens)
  if (v !== undefined) u.inputTokens = v
  v = count(raw.output_tokens)
  if (v !== undefined) u.outputTokens = v
  v = count(raw.cache_read_input_tokens)
  if (v !== undefined) u.cacheReadTokens = v
  v = count(raw.cache_creation_input_tokens)
  if (v !== undefined) u.cacheWriteTokens = v
  const cc = raw.cache_creation
  if (isObject(cc)) {
    v = count(cc.ephemeral_5m_input_tokens)
    if (v !== undefined) u.cacheWrite5mTokens = v
    v = count(cc.ephemeral_1h_input_tokens)
    if (v !== undefined) u.cacheWrite1hTokens = v
  }
  const od = raw.output_tokens_details
  if (isObject(od)) {
    v = count(od.thinking_tokens)
    if (v !== undefined) u.reasoningTokens = v
  }
  const h: Hints = { keys: Object.keys(raw) }
  const fields = unknownFields(raw, USAGE_KEYS)
  if (fields) h.fields = fields
  u.extra = extraWith(DIALECT, h)
  return u
}

function usageValue(u: Usage, key: string, fields: JsonObject | undefined): unknown {
  switch (key) {
    case 'input_tokens':
      return u.inputTokens
    case 'output_tokens':
      return u.outputTokens
    case 'cache_read_input_tokens':
      return u.cacheReadTokens ?? null
    case 'cache_creation_input_tokens':
      return u.cacheWriteTokens ?? null
    case 'cache_creation':
      return u.cacheWrite5mTokens === undefined && u.cacheWrite1hTokens === undefined
        ? null
        : {
            ephemeral_5m_input_tokens: u.cacheWrite5mTokens ?? 0,
            ephemeral_1h_input_tokens: u.cacheWrite1hTokens ?? 0,
          }
    case 'output_tokens_details':
      return u.reasoningTokens === undefined ? null : { thinking_tokens: u.reasoningTokens }
    default:
      return fields?.[key]
  }
}

/** IR usage → wire (see the table at the top). */
export function encodeUsage(u: Usage): JsonObject {
  const h = hintsOf<Hints>(u.extra, DIALECT)
  const out: JsonObject = {}
  if (h?.keys) {
    for (const k of h.keys) out[k] = usageValue(u, k, h.fields)
    return out
  }
  out.input_tokens = u.inputTokens
  out.cache_creation_input_tokens = u.cacheWriteTokens ?? 0
  out.cache_read_input_tokens = u.cacheReadTokens ?? 0
  if (u.cacheWrite5mTokens !== undefined || u.cacheWrite1hTokens !== undefined) {
    out.cache_creation = usageValue(u, 'cache_creation', undefined)
  }
  out.output_tokens = u.outputTokens
  if (u.reasoningTokens !== undefined) out.output_tokens_details = { thinking_tokens: u.reasoningTokens }
  return spreadFields(out, h)
}

/** An upstream Messages response → IR; an error envelope throws its DialectError. */
export function decodeResponse(body: unknown, opts: DecodeStreamOptions = {}): Response {
  if (!isObject(body)) throw new DialectError('the response body must be a JSON object')
  if (body.type === 'error') {
    const info = decodeErrorBody(body)
    throw new DialectError(info.message, undefined, info.kind)
  }
  if (typeof body.id !== 'string') throw new DialectError('id must be a string', 'id')
  if (!Array.isArray(body.content)) throw new DialectError('content must be an array', 'content')
  const prov = opts.provenance ?? { dialect: DIALECT }
  const content: Part[] = new Array(body.content.length)
  for (let i = 0; i < body.content.length; i++)
    content[i] = decodeBlock(body.content[i], `content.${i}`, prov)
  const stop = decodeStopReason(body.stop_reason)
  const res: Response = {
    source: DIALECT,
    id: body.id,
    model: typeof body.model === 'string' ? body.model : '',
    content,
    stopReason: stop.stopReason,
  }
  if (stop.rawStopReason !== undefined) res.rawStopReason = stop.rawStopReason
  if (typeof body.stop_sequence === 'string') res.stopSequence = body.stop_sequence
  if (isObject(body.usage)) res.usage = decodeUsage(body.usage)
  const fields = unknownFields(body, RESPONSE_KEYS)
  if (fields) res.extra = extraWith<Hints>(DIALECT, { fields })
  return res
}

/** IR → a Messages response for an Anthropic client. */
export function encodeResponse(res: Response, opts: EncodeResponseOptions = {}): Record<string, unknown> {
  // The one place this dialect's own answer is told apart for what is not a kept field.
  const own = res.source === DIALECT
  // Thinking another dialect produced without saying whose it is: that dialect's, then.
  const fallback: Provenance | undefined = opts.provenance ?? (own ? undefined : { dialect: res.source })
  const content: JsonObject[] = []
  let toolCalls = false
  for (const p of res.content) {
    switch (p.type) {
      case 'text': {
        const h = hintsOf<Hints>(p.extra, DIALECT)
        if (h?.block) content.push(h.block)
        else if (own || p.text !== '') {
          const b: JsonObject = { type: 'text', text: p.text }
          if (own && p.citations) b.citations = p.citations
          content.push(spreadFields(b, h))
        }
        break
      }
      case 'thinking':
        content.push(spreadFields(thinkingForClient(p, fallback), hintsOf<Hints>(p.extra, DIALECT)))
        break
      case 'tool_call':
        toolCalls = true
        content.push(
          spreadFields(
            { type: 'tool_use', id: p.id, name: p.name, input: parseArguments(p.arguments) },
            hintsOf<Hints>(p.extra, DIALECT),
          ),
        )
        break
    }
  }
  const body: JsonObject = {
    id: res.id || mintId('msg_'),
    type: 'message',
    role: 'assistant',
    model: opts.model ?? res.model,
    content,
    stop_reason: encodeStopReason(res.stopReason, res.rawStopReason, own, toolCalls),
    stop_sequence: res.stopSequence ?? null,
    usage: encodeUsage(res.usage ?? { inputTokens: 0, outputTokens: 0 }),
  }
  return spreadFields(body, hintsOf<Hints>(res.extra, DIALECT))
}

/** The usage of a Messages response body, without decoding the rest. */
export function responseUsage(body: unknown): Usage | undefined {
  return isObject(body) && isObject(body.usage) ? decodeUsage(body.usage) : undefined
}
