/**
 * Anthropic Messages request envelope ↔ IR: the top-level keys, `metadata`, `stream`, structured
 * output, and the calls into `content.ts` (messages, system), `tools.ts`, `reasoning.ts` (thinking
 * and effort) and `sampling.ts` (the flat scalar fields).
 *
 * Structured output: IR `json_schema` ↔ `output_config.format` `{type:'json_schema', schema}` (the
 * beta top-level `output_format` is read too and written back only to a client that used it);
 * `name`/`strict`/`description` have no field there. `json_object` has no Anthropic form: DialectError.
 *
 * Dropped without error, by choice: `includeUsage` (usage is always reported), another dialect's
 * `metadata` (Anthropic accepts only `user_id`). `n > 1` throws DialectError naming the field.
 *
 * `count_tokens` bodies (no `max_tokens`) decode like any request; `encodeCountTokensRequest` writes
 * one (the fields that endpoint takes).
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { maxTokensForBudget } from '../common/reasoning.ts'
import { extraWith, fail, hintsFor, hintsOf, spreadFields, unknownFields } from '../common/round-trip.ts'
import type { DecodeRequestContext, EncodeRequestOptions } from '../contract.ts'
import type { Request, ResponseFormat } from '../ir.ts'
import {
  decodeMessages,
  decodeSystem,
  type EncodeContext,
  encodeMessages,
  encodeSystem,
  trimFinalAssistant,
  turnToWire,
} from './content.ts'
import { decodeEffort, decodeThinking, lacksLeadingThinking, planThinking } from './reasoning.ts'
import {
  decodeMaxTokens,
  decodeSampling,
  decodeStop,
  encodeSampling,
  encodeStop,
  maxTokensOf,
} from './sampling.ts'
import { decodeToolChoice, decodeTools, encodeTool, encodeToolChoice } from './tools.ts'
import { DIALECT, type Hints } from './types.ts'

const REQUEST_KEYS = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'output_format',
])
const OUTPUT_CONFIG_KEYS = new Set(['effort', 'format'])
const FORMAT_KEYS = new Set(['type', 'schema'])

/** Fields `POST /v1/messages/count_tokens` takes; the rest of a request body is left out. */
const COUNT_TOKENS_KEYS = new Set([
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'cache_control',
  'context_management',
  'mcp_servers',
  'speed',
])

function decodeFormat(raw: unknown, param: string, h: Hints): ResponseFormat {
  if (!isObject(raw) || raw.type !== 'json_schema' || !isObject(raw.schema)) {
    fail(`${param} must be {"type":"json_schema","schema":{…}}`, param)
  }
  const rest = unknownFields(raw, FORMAT_KEYS)
  if (rest) h.format = rest
  return { type: 'json_schema', schema: raw.schema }
}

/**
 * A Messages (or count_tokens) body → IR. Throws DialectError naming the field for a malformed
 * body. `max_tokens` may be absent (count_tokens); `ctx.model`/`ctx.stream` fill in missing ones.
 */
export function decodeRequest(body: unknown, ctx: DecodeRequestContext = {}): Request {
  if (!isObject(body)) fail('the request body must be a JSON object')
  const h = hintsFor<Hints>(body, REQUEST_KEYS)
  const model = body.model ?? ctx.model
  if (typeof model !== 'string' || model === '') fail('model must be a non-empty string', 'model')
  const messages = decodeMessages(body.messages)

  const req: Request = {
    source: DIALECT,
    model,
    system: decodeSystem(body.system, h),
    messages,
    stream: false,
    extra: {},
  }

  decodeMaxTokens(body, req)

  if (body.stream === true) req.stream = true
  else if (body.stream === false) h.streamFalse = true
  else if (body.stream !== undefined) fail('stream must be a boolean', 'stream')
  else if (ctx.stream) req.stream = true

  decodeSampling(body, req)
  decodeStop(body, req)

  if (body.metadata !== undefined) {
    const m = body.metadata
    if (!isObject(m)) fail('metadata must be an object', 'metadata')
    const rest: JsonObject = {}
    let restCount = 0
    for (const k in m) {
      if (k === 'user_id' && typeof m.user_id === 'string') req.user = m.user_id
      else {
        rest[k] = m[k]
        restCount++
      }
    }
    if (restCount > 0 || req.user === undefined) req.metadata = rest
  }

  if (body.tools !== undefined) req.tools = decodeTools(body.tools)

  if (body.tool_choice !== undefined) {
    const tc = decodeToolChoice(body.tool_choice, h)
    req.toolChoice = tc.choice
    if (tc.parallel !== undefined) req.parallelToolCalls = tc.parallel
  }

  if (body.thinking !== undefined) req.reasoning = decodeThinking(body.thinking, h)

  if (body.output_config !== undefined) {
    const oc = body.output_config
    if (!isObject(oc)) fail('output_config must be an object', 'output_config')
    const rest = unknownFields(oc, OUTPUT_CONFIG_KEYS) ?? {}
    const reasoning = decodeEffort(oc.effort, req.reasoning, rest)
    if (reasoning) req.reasoning = reasoning
    if (oc.format !== undefined) req.responseFormat = decodeFormat(oc.format, 'output_config.format', h)
    // An empty output_config still comes back, so the hint keeps even an empty rest.
    h.outputConfig = rest
  }
  if (body.output_format !== undefined) {
    req.responseFormat = decodeFormat(body.output_format, 'output_format', h)
    h.formatField = 'output_format'
  }

  req.extra = extraWith(DIALECT, h) ?? {}
  return req
}

function encodeFormat(f: ResponseFormat, h: Hints | undefined): JsonObject | undefined {
  switch (f.type) {
    case 'text':
      return undefined
    case 'json_object':
      return fail(
        'responseFormat json_object has no Anthropic form; send a json_schema instead',
        'responseFormat',
      )
    case 'json_schema': {
      const out: JsonObject = { type: 'json_schema', schema: f.schema }
      return h?.format ? spreadFields(out, { fields: h.format }) : out
    }
  }
}

/** IR → Messages body for the upstream (or for a client, in tests). */
export function encodeRequest(req: Request, opts: EncodeRequestOptions = {}): Record<string, unknown> {
  // The one place a same-dialect request is told apart for what is not a kept field.
  const own = req.source === DIALECT
  const h = hintsOf<Hints>(req.extra, DIALECT)
  if (req.n !== undefined && req.n > 1) fail('Anthropic returns one choice per request; n must be 1', 'n')

  const ctx: EncodeContext = {
    own,
    provider: opts.provider,
    foreignThinking: opts.foreignThinking ?? 'drop',
    ids: new Map(),
  }
  const hoisted: JsonObject[] = []
  const turns = encodeMessages(req.messages, ctx, hoisted)
  if (!own) trimFinalAssistant(turns)

  const body: JsonObject = { model: opts.model ?? req.model, max_tokens: 0 }

  const system = encodeSystem(req.system, hoisted, h, ctx)
  if (system !== undefined) body.system = system

  body.messages = turns.map((t) => turnToWire(t))

  if (own && req.metadata !== undefined) {
    body.metadata = req.user === undefined ? req.metadata : { ...req.metadata, user_id: req.user }
  } else if (req.user !== undefined) body.metadata = { user_id: req.user }

  encodeStop(req, body)
  if (req.stream) body.stream = true
  else if (h?.streamFalse) body.stream = false

  const hasTools = req.tools !== undefined && req.tools.length > 0
  if (req.tools !== undefined) body.tools = req.tools.map((t, i) => encodeTool(t, i, ctx))
  const toolChoice = encodeToolChoice(req, hasTools, h)
  if (toolChoice) body.tool_choice = toolChoice

  const plan = planThinking(req.reasoning, own)
  let thinking = plan.thinking
  const on = (t: JsonObject | undefined) => t?.type === 'enabled' || t?.type === 'adaptive'
  if (on(thinking) && (toolChoice?.type === 'any' || toolChoice?.type === 'tool')) thinking = undefined
  if (on(thinking) && !own && lacksLeadingThinking(turns)) thinking = undefined
  if (thinking && h?.thinking && (thinking.type !== 'disabled' || h.thinking.type !== undefined)) {
    spreadFields(thinking, { fields: h.thinking })
  }
  const thinkingOn = on(thinking)

  const maxTokens = maxTokensOf(req)
  body.max_tokens =
    thinking?.type === 'enabled' && plan.budget !== undefined
      ? maxTokensForBudget(maxTokens, plan.budget)
      : maxTokens

  encodeSampling(req, body, thinkingOn)
  if (thinking) body.thinking = thinking

  const format = req.responseFormat ? encodeFormat(req.responseFormat, h) : undefined
  const outputConfig: JsonObject = {}
  if (plan.effort) outputConfig.effort = plan.effort
  if (format && h?.formatField === 'output_format') body.output_format = format
  else if (format) outputConfig.format = format
  if (h?.outputConfig) spreadFields(outputConfig, { fields: h.outputConfig })
  if (Object.keys(outputConfig).length > 0 || h?.outputConfig) body.output_config = outputConfig

  return spreadFields(body, h)
}

/** IR → `POST /v1/messages/count_tokens` body: the request without the fields that endpoint refuses. */
export function encodeCountTokensRequest(
  req: Request,
  opts: EncodeRequestOptions = {},
): Record<string, unknown> {
  const full = encodeRequest(req, opts)
  const body: JsonObject = {}
  for (const k in full) if (COUNT_TOKENS_KEYS.has(k)) body[k] = full[k]
  return body
}
