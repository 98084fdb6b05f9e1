/**
 * Responses request body ↔ IR request: the envelope (model, instructions, input, tools, reasoning,
 * `text.format`, the flat fields, stream), calling content.ts, tools.ts, reasoning.ts and
 * sampling.ts for the rest.
 *
 * Bookkeeping keys in `extra` (see common/extra.ts; honoured only when `source` is this dialect):
 * | key          | on                   | meaning                                                     |
 * |--------------|----------------------|-------------------------------------------------------------|
 * | `$input`     | the sole message     | `'string'`: the whole `input` was a string                  |
 * | `$content`   | message / `$message` | `'string'`: `content` was a string, not parts               |
 * | `$role`      | system message       | `'system'`: the wire role was `system` (default `developer`) |
 * | `$item`      | empty message        | an item the IR does not model, verbatim                      |
 * | `$message`   | first text part of an assistant message item | that item's other fields (id, status, phase…); starts a new item |
 * | `$reasoning` | first thinking part of a reasoning item | that item's other fields; starts a new item        |
 * | `$partType`  | text part            | the part type when not the role's default (`input_text` in an assistant message…) |
 * | `$refusal`   | text part            | the part was a `refusal`                                    |
 * | `$output`    | tool_result part     | `'array'`: `output` was an array of parts                   |
 * | `$fileData`  | file part            | `'raw'`: `file_data` was bare base64, not a data URL        |
 * | `$parameters`| function tool        | `'absent'`: the tool had no `parameters`                    |
 * | `$namespace` | first function of a `namespace` tool | that tool's other fields (description…); starts a new namespace tool |
 */
import { fillFromExtra, restOf } from '../common/extra.ts'
import { isObject, type JsonObject } from '../common/json.ts'
import { DialectError, type EncodeRequestOptions, type Request, type ResponseFormat } from '../ir.ts'
import { decodeItems, encodeInput, type ItemContext } from './content.ts'
import { decodeReasoning, encodeReasoning } from './reasoning.ts'
import { decodeSampling, encodeSampling, rejectInexpressible } from './sampling.ts'
import { decodeTool, decodeToolChoice, encodeToolChoice, encodeTools } from './tools.ts'
import { US } from './types.ts'

export function decodeRequest(body: unknown): Request {
  if (!isObject(body)) throw new DialectError('The request body must be a JSON object')
  const model = body.model
  if (typeof model !== 'string' || model === '') throw new DialectError("'model' is required", 'model')
  const req: Request = { source: US, model, system: [], messages: [], stream: false, extra: {} }
  const taken: string[] = ['model']
  const partial: JsonObject = {}

  const { instructions, input } = body
  if (typeof instructions === 'string') {
    req.system.push({ type: 'text', text: instructions })
    taken.push('instructions')
  }
  if (typeof input === 'string') {
    req.messages.push({ role: 'user', content: [{ type: 'text', text: input }], extra: { $input: 'string' } })
    taken.push('input')
  } else if (Array.isArray(input)) {
    req.messages = decodeItems(input)
    taken.push('input')
  } else if (input !== undefined && input !== null) {
    throw new DialectError("'input' must be a string or an array of items", 'input')
  }

  const tools = body.tools
  if (Array.isArray(tools)) {
    req.tools = tools.flatMap(decodeTool)
    taken.push('tools')
  } else if (tools !== undefined && tools !== null) {
    throw new DialectError("'tools' must be an array", 'tools')
  }

  const toolChoice = decodeToolChoice(body.tool_choice)
  if (toolChoice) {
    req.toolChoice = toolChoice
    taken.push('tool_choice')
  }
  if (typeof body.parallel_tool_calls === 'boolean') {
    req.parallelToolCalls = body.parallel_tool_calls
    taken.push('parallel_tool_calls')
  }

  if (isObject(body.reasoning)) {
    const { reasoning, rest } = decodeReasoning(body.reasoning)
    req.reasoning = reasoning
    taken.push('reasoning')
    if (rest) partial.reasoning = rest
  }

  if (isObject(body.text)) {
    const text = body.text
    let rest = restOf(text, ['format'])
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
    taken.push('text')
    if (rest) partial.text = rest
  }

  decodeSampling(body, req, taken)
  // An explicit `stream: false` stays in extra: the encoder writes only `stream: true`.
  if (body.stream === true) {
    req.stream = true
    taken.push('stream')
  }

  req.extra = restOf(body, taken) ?? {}
  for (const k in partial) req.extra[k] = partial[k]
  return req
}

function decodeFormat(f: JsonObject): { format: ResponseFormat; rest: JsonObject | undefined } | undefined {
  switch (f.type) {
    case 'text':
    case 'json_object':
      return { format: { type: f.type }, rest: restOf(f, ['type']) }
    case 'json_schema': {
      if (!isObject(f.schema)) return undefined
      const format: ResponseFormat = { type: 'json_schema', schema: f.schema }
      const used = ['type', 'schema']
      if (typeof f.name === 'string') {
        format.name = f.name
        used.push('name')
      }
      if (typeof f.strict === 'boolean') {
        format.strict = f.strict
        used.push('strict')
      }
      if (typeof f.description === 'string') {
        format.description = f.description
        used.push('description')
      }
      return { format, rest: restOf(f, used) }
    }
    default:
      return undefined
  }
}

export function encodeRequest(req: Request, opts: EncodeRequestOptions = {}): Record<string, unknown> {
  rejectInexpressible(req)
  const same = req.source === US
  const body: JsonObject = { model: opts.model ?? req.model }
  if (req.system.length > 0) {
    body.instructions =
      req.system.length === 1 ? req.system[0]!.text : req.system.map((p) => p.text).join('\n\n')
  }
  const ctx: ItemContext = { same, mode: 'request', foreignThinking: opts.foreignThinking ?? 'drop' }
  if (opts.provider !== undefined) ctx.provider = opts.provider
  const input = encodeInput(req.messages, ctx)
  if (input !== undefined) body.input = input
  if (req.tools) body.tools = encodeTools(req.tools, same)
  if (req.toolChoice) body.tool_choice = encodeToolChoice(req.toolChoice)
  if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls
  const reasoning = encodeReasoning(req.reasoning, same)
  if (reasoning) body.reasoning = reasoning
  if (req.responseFormat) body.text = { format: encodeFormat(req.responseFormat, same) }
  encodeSampling(req, body)
  if (req.stream) body.stream = true
  if (same) fillFromExtra(body, req.extra)
  return body
}

function encodeFormat(f: ResponseFormat, same: boolean): JsonObject {
  if (f.type !== 'json_schema') return { type: f.type }
  const out: JsonObject = { type: 'json_schema' }
  // `name` is required on the wire.
  if (f.name !== undefined) out.name = f.name
  else if (!same) out.name = 'response'
  out.schema = f.schema
  if (f.strict !== undefined) out.strict = f.strict
  if (f.description !== undefined) out.description = f.description
  return out
}
