/**
 * Responses request body ↔ IR request: the envelope (model, instructions, input, tools, reasoning,
 * `text.format`, the flat fields, stream), calling content.ts, tools.ts, reasoning.ts and
 * sampling.ts for the rest.
 *
 * Round trip: every object the decoders meet keeps the wire fields the IR does not model, and
 * how the wire spelled what the IR folds together, as `Hints` (types.ts) under
 * `extra['openai-responses']`; the encoders fill the gaps of what they built from them, so a
 * value the gateway changed (model, stream, reasoning effort…) is never overwritten.
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { extraWith, fillGaps, hintsOf, keepField, unknownFields } from '../common/round-trip.ts'
import type { EncodeRequestOptions } from '../contract.ts'
import { DialectError, type Request, type ResponseFormat } from '../ir.ts'
import { decodeItems, encodeInput, type ItemContext } from './content.ts'
import { decodeReasoning, encodeReasoning } from './reasoning.ts'
import { decodeSampling, encodeSampling, rejectInexpressible } from './sampling.ts'
import { decodeTool, decodeToolChoice, encodeToolChoice, encodeTools } from './tools.ts'
import { DIALECT, type Hints, takenKeySets } from './types.ts'

export function decodeRequest(body: unknown): Request {
  if (!isObject(body)) throw new DialectError('The request body must be a JSON object')
  const model = body.model
  if (typeof model !== 'string' || model === '') throw new DialectError("'model' is required", 'model')
  const req: Request = { source: DIALECT, model, system: [], messages: [], stream: false, extra: {} }
  const taken = new Set(['model'])
  const partial: JsonObject = {}

  const { instructions, input } = body
  if (typeof instructions === 'string') {
    req.system.push({ type: 'text', text: instructions })
    taken.add('instructions')
  }
  if (typeof input === 'string') {
    req.messages.push({
      role: 'user',
      content: [{ type: 'text', text: input }],
      extra: { [DIALECT]: { input: 'string' } satisfies Hints },
    })
    taken.add('input')
  } else if (Array.isArray(input)) {
    req.messages = decodeItems(input)
    taken.add('input')
  } else if (input !== undefined && input !== null) {
    throw new DialectError("'input' must be a string or an array of items", 'input')
  }

  const tools = body.tools
  if (Array.isArray(tools)) {
    req.tools = tools.flatMap(decodeTool)
    taken.add('tools')
  } else if (tools !== undefined && tools !== null) {
    throw new DialectError("'tools' must be an array", 'tools')
  }

  const toolChoice = decodeToolChoice(body.tool_choice)
  if (toolChoice) {
    req.toolChoice = toolChoice
    taken.add('tool_choice')
  }
  if (typeof body.parallel_tool_calls === 'boolean') {
    req.parallelToolCalls = body.parallel_tool_calls
    taken.add('parallel_tool_calls')
  }

  if (isObject(body.reasoning)) {
    const { reasoning, rest } = decodeReasoning(body.reasoning)
    req.reasoning = reasoning
    taken.add('reasoning')
    if (rest) partial.reasoning = rest
  }

  if (isObject(body.text)) {
    const text = body.text
    let rest = unknownFields(text, FORMAT_KEY)
    const format = text.format
    if (format !== undefined) {
      const decoded = isObject(format) ? decodeFormat(format) : undefined
      if (decoded) {
        req.responseFormat = decoded.format
        if (decoded.rest) {
          rest ??= {}
          rest.format = decoded.rest
        }
      } else {
        rest ??= {}
        rest.format = format
      }
    }
    taken.add('text')
    if (rest) partial.text = rest
  }

  decodeSampling(body, req, taken)
  // An explicit `stream: false` stays in extra: the encoder writes only `stream: true`.
  if (body.stream === true) {
    req.stream = true
    taken.add('stream')
  }

  const h: Hints = {}
  const fields = unknownFields(body, taken)
  if (fields) h.fields = fields
  for (const k in partial) keepField(h, k, partial[k])
  req.extra = extraWith(DIALECT, h) ?? {}
  return req
}

const FORMAT_KEY: ReadonlySet<string> = new Set(['format'])
const TYPE_KEY: ReadonlySet<string> = new Set(['type'])
const JSON_SCHEMA_KEYS = takenKeySets(['type', 'schema'], ['name', 'strict', 'description'])

function decodeFormat(f: JsonObject): { format: ResponseFormat; rest: JsonObject | undefined } | undefined {
  switch (f.type) {
    case 'text':
    case 'json_object':
      return { format: { type: f.type }, rest: unknownFields(f, TYPE_KEY) }
    case 'json_schema': {
      if (!isObject(f.schema)) return undefined
      const format: ResponseFormat = { type: 'json_schema', schema: f.schema }
      let taken = 0
      if (typeof f.name === 'string') {
        format.name = f.name
        taken |= 1
      }
      if (typeof f.strict === 'boolean') {
        format.strict = f.strict
        taken |= 2
      }
      if (typeof f.description === 'string') {
        format.description = f.description
        taken |= 4
      }
      return { format, rest: unknownFields(f, JSON_SCHEMA_KEYS[taken]!) }
    }
    default:
      return undefined
  }
}

export function encodeRequest(req: Request, opts: EncodeRequestOptions = {}): Record<string, unknown> {
  rejectInexpressible(req)
  const body: JsonObject = { model: opts.model ?? req.model }
  if (req.system.length > 0) {
    body.instructions =
      req.system.length === 1 ? req.system[0]!.text : req.system.map((p) => p.text).join('\n\n')
  }
  const ctx: ItemContext = {
    ownSource: req.source === DIALECT,
    mode: 'request',
    foreignThinking: opts.foreignThinking ?? 'drop',
  }
  if (opts.provider !== undefined) ctx.provider = opts.provider
  const input = encodeInput(req.messages, ctx)
  if (input !== undefined) body.input = input
  if (req.tools) body.tools = encodeTools(req.tools, ctx)
  if (req.toolChoice) body.tool_choice = encodeToolChoice(req.toolChoice)
  if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls
  const reasoning = encodeReasoning(req.reasoning, ctx)
  if (reasoning) body.reasoning = reasoning
  if (req.responseFormat) body.text = { format: encodeFormat(req.responseFormat, ctx) }
  encodeSampling(req, body)
  if (req.stream) body.stream = true
  fillGaps(body, hintsOf<Hints>(req.extra, DIALECT)?.fields)
  return body
}

function encodeFormat(f: ResponseFormat, ctx: ItemContext): JsonObject {
  if (f.type !== 'json_schema') return { type: f.type }
  const out: JsonObject = { type: 'json_schema' }
  // `name` is required on the wire.
  if (f.name !== undefined) out.name = f.name
  else if (!ctx.ownSource) out.name = 'response'
  out.schema = f.schema
  if (f.strict !== undefined) out.strict = f.strict
  if (f.description !== undefined) out.description = f.description
  return out
}
