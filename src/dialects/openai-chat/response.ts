/**
 * `chat.completion` ↔ IR, and the finish-reason and usage tables the stream codecs share.
 *
 * | Chat `finish_reason` | IR `stopReason`  | back to Chat                                   |
 * |----------------------|------------------|------------------------------------------------|
 * | `stop`               | `end_turn`       | `end_turn`, `stop_sequence`, `pause_turn` → `stop` |
 * | `length`             | `max_tokens`     | `max_tokens`, `context_window_exceeded` → `length` |
 * | `tool_calls`         | `tool_use`       | `tool_use` → `tool_calls`                      |
 * | `function_call`      | `tool_use` (raw kept) | raw when the source is Chat               |
 * | `content_filter`     | `content_filter` | `content_filter`, `refusal` → `content_filter` |
 * | anything else        | `other` (raw kept) | `other`, `error` → raw for Chat, else `stop` |
 *
 * Usage: `prompt_tokens = input + cacheRead + cacheWrite`, `cached_tokens = cacheRead`,
 * `completion_tokens = output` (reasoning included), `reasoning_tokens = reasoningTokens`,
 * `total_tokens = prompt + completion`. Decoding: `input = prompt_tokens − cached_tokens`
 * (Chat cannot tell cache writes apart, so none are reported).
 *
 * Thinking a client of Chat cannot hold (Anthropic `redacted_thinking` data, Responses
 * `encrypted_content`) has no field here and is not shown; its text, when any, is.
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { hintsFor, keepField, spreadFields, unknownFields, withHints } from '../common/round-trip.ts'
import type { DecodeStreamOptions, EncodeResponseOptions } from '../contract.ts'
import { DialectError, type Response, type StopReason, type Usage } from '../ir.ts'
import { decodeAssistant, encodeAssistant } from './content.ts'
import { decodeError } from './errors.ts'
import { responseSign, responseThinking } from './reasoning.ts'
import { chatHints, DIALECT, type Hints } from './types.ts'

// ---------------------------------------------------------------------------------------------
// Finish reasons

export function decodeFinishReason(raw: string): { stopReason: StopReason; rawStopReason?: string } {
  switch (raw) {
    case 'stop':
      return { stopReason: 'end_turn' }
    case 'length':
      return { stopReason: 'max_tokens' }
    case 'tool_calls':
      return { stopReason: 'tool_use' }
    case 'content_filter':
      return { stopReason: 'content_filter' }
    case 'function_call':
      return { stopReason: 'tool_use', rawStopReason: raw }
    default:
      return { stopReason: 'other', rawStopReason: raw }
  }
}

/** `raw` (the source's own value) wins only when the source is Chat (`own`). */
export function encodeFinishReason(stop: StopReason, raw: string | undefined, own: boolean): string {
  if (own && raw !== undefined) return raw
  switch (stop) {
    case 'max_tokens':
    case 'context_window_exceeded':
      return 'length'
    case 'tool_use':
      return 'tool_calls'
    case 'content_filter':
    case 'refusal':
      return 'content_filter'
    default:
      return 'stop'
  }
}

// ---------------------------------------------------------------------------------------------
// Usage

const USAGE_KEYS = new Set([
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'prompt_tokens_details',
  'completion_tokens_details',
])
const CACHED = new Set(['cached_tokens'])
const REASONING = new Set(['reasoning_tokens'])

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0
}

/** Chat usage → IR (input without the cached share). */
export function decodeUsage(u: JsonObject): Usage {
  const prompt = count(u.prompt_tokens)
  const completion = count(u.completion_tokens)
  const ptd = u.prompt_tokens_details
  const ctd = u.completion_tokens_details
  const cached = isObject(ptd) && typeof ptd.cached_tokens === 'number' ? ptd.cached_tokens : undefined
  const usage: Usage = { inputTokens: Math.max(0, prompt - (cached ?? 0)), outputTokens: completion }
  if (cached !== undefined) usage.cacheReadTokens = cached
  if (isObject(ctd) && typeof ctd.reasoning_tokens === 'number') usage.reasoningTokens = ctd.reasoning_tokens
  const h = hintsFor<Hints>(u, USAGE_KEYS)
  if (u.total_tokens === undefined) h.total = 'absent'
  else if (u.total_tokens !== prompt + completion) keepField(h, 'total_tokens', u.total_tokens)
  if (isObject(ptd)) h.promptDetails = unknownFields(ptd, CACHED) ?? {}
  else if (ptd !== undefined) keepField(h, 'prompt_tokens_details', ptd)
  if (isObject(ctd)) h.completionDetails = unknownFields(ctd, REASONING) ?? {}
  else if (ctd !== undefined) keepField(h, 'completion_tokens_details', ctd)
  return withHints(usage, DIALECT, h)
}

/**
 * IR usage → Chat, keys in OpenAI's order (the stream encoder stringifies it as is). `h`: the
 * usage's hints, given only when it came from Chat.
 */
export function encodeUsage(u: Usage, h: Hints | undefined): JsonObject {
  const prompt = u.inputTokens + (u.cacheReadTokens ?? 0) + (u.cacheWriteTokens ?? 0)
  const out: JsonObject = {
    prompt_tokens: prompt,
    completion_tokens: u.outputTokens,
    total_tokens: prompt + u.outputTokens,
  }
  const pd = h?.promptDetails
  if (u.cacheReadTokens !== undefined || pd) {
    const d: JsonObject = u.cacheReadTokens === undefined ? {} : { cached_tokens: u.cacheReadTokens }
    out.prompt_tokens_details = pd ? Object.assign(d, pd) : d
  }
  const cd = h?.completionDetails
  if (u.reasoningTokens !== undefined || cd) {
    const d: JsonObject = u.reasoningTokens === undefined ? {} : { reasoning_tokens: u.reasoningTokens }
    out.completion_tokens_details = cd ? Object.assign(d, cd) : d
  }
  if (h) {
    spreadFields(out, h)
    if (h.total === 'absent') delete out.total_tokens
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Response

const RESPONSE_KEYS = new Set(['id', 'object', 'created', 'model', 'choices', 'usage'])
const CHOICE_KEYS = new Set(['index', 'message', 'finish_reason'])

export function decodeResponse(body: unknown, opts: DecodeStreamOptions = {}): Response {
  if (!isObject(body)) throw new DialectError('response body must be a JSON object')
  if (body.error !== undefined && body.choices === undefined) {
    const info = decodeError(200, body)
    throw new DialectError(info.message, info.param, info.kind)
  }
  if (!Array.isArray(body.choices)) throw new DialectError('response has no `choices` array', 'choices')
  const h = hintsFor<Hints>(body, RESPONSE_KEYS)
  if (body.object !== 'chat.completion') h.object = body.object === undefined ? 'absent' : body.object
  const res: Response = {
    source: DIALECT,
    id: typeof body.id === 'string' ? body.id : '',
    model: typeof body.model === 'string' ? body.model : '',
    content: [],
    stopReason: 'other',
  }
  if (typeof body.created === 'number') res.created = body.created
  const [choice, ...rest] = body.choices as unknown[]
  if (rest.length > 0) h.choices = rest
  if (choice === undefined) h.choices = []
  else {
    if (!isObject(choice) || !isObject(choice.message))
      throw new DialectError('choice needs a `message`', 'choices.0.message')
    const a = decodeAssistant(choice.message, 'choices.0.message', opts.provenance)
    res.content = a.parts
    if (Object.keys(a.hints).length > 0) h.message = a.hints
    const choiceExtra = unknownFields(choice, CHOICE_KEYS) ?? {}
    if (choice.index !== 0) choiceExtra.index = choice.index
    if (typeof choice.finish_reason === 'string') {
      const f = decodeFinishReason(choice.finish_reason)
      res.stopReason = f.stopReason
      if (f.rawStopReason !== undefined) res.rawStopReason = f.rawStopReason
    } else choiceExtra.finish_reason = choice.finish_reason ?? null
    h.choice = choiceExtra
  }
  if (isObject(body.usage)) res.usage = decodeUsage(body.usage)
  else if (body.usage !== undefined) keepField(h, 'usage', body.usage)
  return withHints(res, DIALECT, h)
}

export function encodeResponse(res: Response, opts: EncodeResponseOptions = {}): Record<string, unknown> {
  // A Chat upstream's answer to a Chat client: its content keeps its shapes, its raw stop reason.
  const own = res.source === DIALECT
  const h = chatHints(res.extra, own)
  const out: JsonObject = { id: res.id }
  if (h?.object === undefined) out.object = 'chat.completion'
  else if (h.object !== 'absent') out.object = h.object
  out.created = res.created ?? Math.floor(Date.now() / 1000)
  out.model = opts.model ?? res.model
  spreadFields(out, h)
  const choices: unknown[] = []
  const noChoice = h?.choices?.length === 0 && res.content.length === 0
  if (!noChoice) {
    const message = encodeAssistant(res.content, h?.message, 'content', {
      own,
      thinking: responseThinking(opts.provenance),
      sign: responseSign(opts.provenance),
    })
    const cx = h?.choice ?? { logprobs: null }
    const choice: JsonObject = { index: 0, message, ...cx }
    if (!('finish_reason' in cx))
      choice.finish_reason = encodeFinishReason(res.stopReason, res.rawStopReason, own)
    choices.push(choice)
  }
  if (h?.choices) choices.push(...h.choices)
  out.choices = choices
  if (res.usage) out.usage = encodeUsage(res.usage, chatHints(res.usage.extra, own))
  return out
}

/** The usage of a Chat response body, without decoding the rest. */
export function responseUsage(body: unknown): Usage | undefined {
  return isObject(body) && isObject(body.usage) ? decodeUsage(body.usage) : undefined
}
