/**
 * Responses request body ↔ IR request. The item ↔ part conversions here are shared with
 * response.ts (a response's `output` is one assistant turn of items).
 *
 * Reasoning (IR `reasoning` → wire `reasoning`, levels and budgets from common/reasoning.ts):
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
 * Tools: a `namespace` tool of function tools (Codex's `multi_agent_v1`) becomes its functions, each
 * with `namespace`; consecutive functions of one namespace are encoded back into one namespace
 * tool. A namespace holding custom tools stays an opaque server tool. `function_call` items carry
 * `namespace` ↔ `ToolCallPart.namespace`.
 *
 * Items ↔ messages:
 * - `instructions` ↔ `system`; a string `input` ↔ one user message.
 * - `message` items: user → user; system/developer → system (wire role `developer` unless the
 *   client wrote `system`); assistant → parts of an assistant turn.
 * - consecutive assistant-turn items (`reasoning`, assistant `message`, `function_call`) form ONE
 *   IR assistant message; each `function_call_output` becomes one IR `tool` message.
 * - a `reasoning` item becomes one thinking part per summary entry (or per `reasoning_text`
 *   when there is no summary, or one empty part), all with `itemId`; `encrypted_content` sits on
 *   the LAST part, as in streams, where it arrives with `output_item.done`.
 * - any other item (`item_reference`, `custom_tool_call`, `web_search_call`, …) becomes a
 *   message with empty `content` and `extra.$item` = the item verbatim: only this dialect puts it
 *   back, in place; other encoders see an empty message and skip it.
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
 *
 * Encoding for another dialect's IR: item ids are only sent when they carry the right prefix
 * (`fc` for function calls, `rs_` for reasoning, `msg_` for messages) — a `call_…`/`toolu_…` id in
 * `id` is a 400. Reasoning is replayed only with encrypted content native to this dialect (Codex
 * runs with `store: false`); foreign or plain thinking is dropped, or becomes text with
 * `foreignThinking: 'text'`.
 */
import { fillFromExtra, restOf } from '../common/extra.ts'
import { mintId } from '../common/ids.ts'
import { isObject, type JsonObject, stringifyArguments } from '../common/json.ts'
import { guessMediaType, mediaSourceFromUrl, mediaSourceToUrl } from '../common/media.ts'
import { isNative, signatureFor, unwrapSignature } from '../common/provenance.ts'
import { clampEffort, effortOf } from '../common/reasoning.ts'
import { splitNamespacedName } from '../common/tool-namespaces.ts'
import {
  type AudioPart,
  DialectError,
  type DialectName,
  type EncodeRequestOptions,
  type FilePart,
  type FunctionTool,
  type ImagePart,
  type MediaSource,
  type Message,
  type Part,
  type Provenance,
  type ReasoningEffort,
  type ReasoningRequest,
  type Request,
  type ResponseFormat,
  type TextPart,
  type ThinkingPart,
  type Tool,
  type ToolCallPart,
  type ToolChoice,
  type ToolResultContent,
  type ToolResultPart,
} from '../ir.ts'

export const US: DialectName = 'openai-responses'

/** Prefix of foreign redacted thinking (Anthropic `redacted_thinking`) inside wrapped encrypted_content. */
export const REDACTED_PREFIX = 'redacted:'

const EFFORTS: ReadonlySet<string> = new Set(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'])
const SUMMARIES: ReadonlySet<string> = new Set(['auto', 'concise', 'detailed', 'none'])
/** What the Responses API and the Codex backend accept. */
const WIRE_EFFORTS: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh']

// =============================================================================================
// Decode

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
    const r = body.reasoning
    const ir: ReasoningRequest = {}
    const used = []
    if (typeof r.effort === 'string' && EFFORTS.has(r.effort)) {
      ir.effort = r.effort as ReasoningEffort
      used.push('effort')
    }
    if (typeof r.summary === 'string' && SUMMARIES.has(r.summary)) {
      ir.summary = r.summary as ReasoningRequest['summary']
      if (r.summary !== 'none') ir.includeThoughts = true
      used.push('summary')
    }
    req.reasoning = ir
    taken.push('reasoning')
    const rest = restOf(r, used)
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

  if (typeof body.max_output_tokens === 'number') {
    req.maxOutputTokens = body.max_output_tokens
    taken.push('max_output_tokens')
  }
  if (typeof body.temperature === 'number') {
    req.temperature = body.temperature
    taken.push('temperature')
  }
  if (typeof body.top_p === 'number') {
    req.topP = body.top_p
    taken.push('top_p')
  }
  if (isObject(body.metadata)) {
    req.metadata = body.metadata
    taken.push('metadata')
  }
  if (typeof body.user === 'string') {
    req.user = body.user
    taken.push('user')
  }
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

function decodeToolChoice(v: unknown): ToolChoice | undefined {
  if (v === 'auto' || v === 'none' || v === 'required') return { type: v }
  // Only the plain function form is modelled; allowed_tools, hosted-tool and mcp choices stay in extra.
  if (isObject(v) && v.type === 'function' && typeof v.name === 'string' && Object.keys(v).length === 2) {
    return { type: 'tool', name: v.name }
  }
  return undefined
}

/** One tool; a namespace of functions becomes its functions, each carrying `namespace`. */
function decodeTool(t: unknown, i: number): Tool | Tool[] {
  if (!isObject(t) || typeof t.type !== 'string')
    throw new DialectError('Each tool needs a type', `tools.${i}`)
  if (t.type === 'function') return decodeFunctionTool(t, `tools.${i}`, undefined)
  if (t.type === 'namespace' && isFunctionNamespace(t)) {
    const fns = t.tools.map((f, j) => decodeFunctionTool(f, `tools.${i}.tools.${j}`, t.name))
    // The namespace's own fields ride on its first function, which starts the group again on encode.
    const first = fns[0]!
    first.extra = { $namespace: restOf(t, ['type', 'name', 'tools']) ?? {}, ...first.extra }
    return fns
  }
  // web_search, web_search_preview and their dated variants; the whole object is the config.
  if (t.type.startsWith('web_search')) return { kind: 'web_search', config: t, dialect: US }
  return { kind: 'server', dialect: US, raw: t }
}

/** A namespace holding only function tools; one with custom tools stays a server tool. */
function isFunctionNamespace(t: JsonObject): t is JsonObject & { name: string; tools: JsonObject[] } {
  return (
    typeof t.name === 'string' &&
    t.name !== '' &&
    Array.isArray(t.tools) &&
    t.tools.length > 0 &&
    t.tools.every((f) => isObject(f) && f.type === 'function')
  )
}

function decodeFunctionTool(t: JsonObject, path: string, namespace: string | undefined): FunctionTool {
  if (typeof t.name !== 'string' || t.name === '') {
    throw new DialectError('A function tool needs a name', `${path}.name`)
  }
  const tool: FunctionTool = { kind: 'function', name: t.name, parameters: {} }
  if (namespace !== undefined) tool.namespace = namespace
  const used = ['type', 'name']
  if (isObject(t.parameters)) {
    tool.parameters = t.parameters
    used.push('parameters')
  }
  if (typeof t.description === 'string') {
    tool.description = t.description
    used.push('description')
  }
  if (typeof t.strict === 'boolean') {
    tool.strict = t.strict
    used.push('strict')
  }
  let extra = restOf(t, used)
  if (t.parameters === undefined) {
    extra ??= {}
    extra.$parameters = 'absent'
  }
  if (extra) tool.extra = extra
  return tool
}

/** Input items → IR messages, grouping each assistant turn into one message. */
function decodeItems(items: unknown[]): Message[] {
  const out: Message[] = []
  const prov: Provenance = { dialect: US }
  /** Function names by call id, for tool results (Gemini's functionResponse needs the name). */
  const names = new Map<string, string>()
  let turn: Message | undefined
  const assistantTurn = (): Part[] => {
    if (!turn) {
      turn = { role: 'assistant', content: [] }
      out.push(turn)
    }
    return turn.content
  }
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    const path = `input.${i}`
    if (!isObject(item)) throw new DialectError('Each input item must be an object', path)
    const type = item.type
    if (type === 'message' || (type === undefined && item.role !== undefined)) {
      const role = item.role
      if (role === 'assistant') {
        if (decodeAssistantMessage(item, path, assistantTurn)) continue
      } else if (role === 'user' || role === 'system' || role === 'developer') {
        turn = undefined
        out.push(decodeInputMessage(item, role, path))
        continue
      } else {
        throw new DialectError(
          "A message's role must be user, assistant, system or developer",
          `${path}.role`,
        )
      }
    } else if (type === 'reasoning') {
      assistantTurn().push(...decodeReasoningItem(item, path, prov))
      continue
    } else if (type === 'function_call') {
      const call = decodeFunctionCall(item, path)
      names.set(call.id, call.name)
      assistantTurn().push(call)
      continue
    } else if (type === 'function_call_output') {
      turn = undefined
      out.push({ role: 'tool', content: [decodeToolResult(item, path, names)] })
      continue
    }
    turn = undefined
    out.push(rawItemMessage(item))
  }
  return out
}

/** An item the IR cannot model, carried verbatim in order. */
function rawItemMessage(item: JsonObject): Message {
  const type = typeof item.type === 'string' ? item.type : ''
  // Outputs and references are the client's side of the conversation; calls are the model's.
  const role = type.endsWith('_output') || type === 'item_reference' || type === '' ? 'user' : 'assistant'
  return { role, content: [], extra: { $item: item } }
}

function decodeInputMessage(item: JsonObject, role: 'user' | 'system' | 'developer', path: string): Message {
  const msg: Message = { role: role === 'user' ? 'user' : 'system', content: [] }
  let extra = restOf(item, ['role', 'content'])
  if (role === 'system') {
    extra ??= {}
    extra.$role = 'system'
  }
  const c = item.content
  if (typeof c === 'string') {
    msg.content.push({ type: 'text', text: c })
    extra ??= {}
    extra.$content = 'string'
  } else if (Array.isArray(c)) {
    for (let j = 0; j < c.length; j++)
      msg.content.push(decodeInputPart(c[j], `${path}.content.${j}`, 'input_text'))
  } else {
    throw new DialectError("A message needs 'content' (a string or an array of parts)", `${path}.content`)
  }
  if (extra) msg.extra = extra
  return msg
}

/** Returns false for an assistant message with no content (carried as a raw item instead). */
function decodeAssistantMessage(item: JsonObject, path: string, turn: () => Part[]): boolean {
  const marker: JsonObject = restOf(item, ['role', 'content']) ?? {}
  const c = item.content
  if (typeof c === 'string') {
    marker.$content = 'string'
    turn().push({ type: 'text', text: c, extra: { $message: marker } })
    return true
  }
  if (!Array.isArray(c)) {
    throw new DialectError("A message needs 'content' (a string or an array of parts)", `${path}.content`)
  }
  if (c.length === 0) return false
  const parts = turn()
  for (let j = 0; j < c.length; j++) {
    const part = decodeInputPart(c[j], `${path}.content.${j}`, 'output_text')
    if (part.type !== 'text') {
      throw new DialectError(
        'Assistant messages carry only output_text and refusal parts',
        `${path}.content.${j}`,
      )
    }
    if (j === 0) part.extra = { $message: marker, ...part.extra }
    parts.push(part)
  }
  return true
}

type InputContent = TextPart | ImagePart | FilePart | AudioPart

/** One content part; `defaultText` is the text part type the role normally uses. */
function decodeInputPart(p: unknown, path: string, defaultText: 'input_text' | 'output_text'): InputContent {
  if (!isObject(p)) throw new DialectError('Each content part must be an object', path)
  switch (p.type) {
    case 'input_text':
    case 'output_text': {
      if (typeof p.text !== 'string')
        throw new DialectError('A text part needs a string text', `${path}.text`)
      const part: TextPart = { type: 'text', text: p.text }
      const used = ['type', 'text']
      if (Array.isArray(p.annotations) && p.annotations.length > 0) {
        part.citations = p.annotations
        used.push('annotations')
      }
      let extra = restOf(p, used)
      if (p.type !== defaultText) {
        extra ??= {}
        extra.$partType = p.type
      }
      if (extra) part.extra = extra
      return part
    }
    case 'refusal': {
      if (typeof p.refusal !== 'string')
        throw new DialectError('A refusal part needs a string', `${path}.refusal`)
      return { type: 'text', text: p.refusal, extra: { $refusal: true, ...restOf(p, ['type', 'refusal']) } }
    }
    case 'input_image': {
      const used = ['type']
      let source: MediaSource
      if (typeof p.image_url === 'string') {
        source = mediaSourceFromUrl(p.image_url)
        used.push('image_url')
      } else if (typeof p.file_id === 'string') {
        source = { kind: 'file_id', fileId: p.file_id }
        used.push('file_id')
      } else {
        throw new DialectError('An input_image needs image_url or file_id', `${path}.image_url`)
      }
      const part: ImagePart = { type: 'image', source }
      if (p.detail === 'auto' || p.detail === 'low' || p.detail === 'high') {
        part.detail = p.detail
        used.push('detail')
      }
      const extra = restOf(p, used)
      if (extra) part.extra = extra
      return part
    }
    case 'input_file': {
      const used = ['type']
      const filename = typeof p.filename === 'string' ? p.filename : undefined
      let raw = false
      let source: MediaSource
      if (typeof p.file_data === 'string') {
        if (p.file_data.startsWith('data:')) {
          source = mediaSourceFromUrl(p.file_data)
        } else {
          source = { kind: 'base64', mediaType: guessMediaType(filename ?? ''), data: p.file_data }
          raw = true
        }
        used.push('file_data')
      } else if (typeof p.file_url === 'string') {
        source = { kind: 'url', url: p.file_url }
        used.push('file_url')
      } else if (typeof p.file_id === 'string') {
        source = { kind: 'file_id', fileId: p.file_id }
        used.push('file_id')
      } else {
        throw new DialectError('An input_file needs file_data, file_url or file_id', `${path}.file_data`)
      }
      const part: FilePart = { type: 'file', source }
      if (filename !== undefined) {
        part.filename = filename
        used.push('filename')
      }
      let extra = restOf(p, used)
      if (raw) {
        extra ??= {}
        extra.$fileData = 'raw'
      }
      if (extra) part.extra = extra
      return part
    }
    case 'input_audio': {
      const a = p.input_audio
      if (!isObject(a) || typeof a.data !== 'string' || typeof a.format !== 'string') {
        throw new DialectError(
          'An input_audio part needs input_audio.data and .format',
          `${path}.input_audio`,
        )
      }
      const part: AudioPart = { type: 'audio', data: a.data, format: a.format }
      let extra = restOf(p, ['type', 'input_audio'])
      const nested = restOf(a, ['data', 'format'])
      if (nested) {
        extra ??= {}
        extra.input_audio = nested
      }
      if (extra) part.extra = extra
      return part
    }
    default:
      throw new DialectError(`Unsupported content part type '${String(p.type)}'`, `${path}.type`)
  }
}

/**
 * A reasoning item → thinking parts (see the file comment). Encrypted content the gateway
 * wrapped for another dialect comes back as that dialect's `signature` (or `redacted`).
 */
export function decodeReasoningItem(item: JsonObject, path: string, prov: Provenance): ThinkingPart[] {
  const summary = item.summary
  if (!Array.isArray(summary)) throw new DialectError("A reasoning item needs 'summary'", `${path}.summary`)
  const used = ['type', 'summary']
  const parts: ThinkingPart[] = []
  for (let j = 0; j < summary.length; j++) {
    const s = summary[j]
    if (!isObject(s) || typeof s.text !== 'string') {
      throw new DialectError('Each summary entry needs a text', `${path}.summary.${j}`)
    }
    const part: ThinkingPart = { type: 'thinking', text: s.text, summary: true }
    const extra = restOf(s, ['type', 'text'])
    if (extra) part.extra = extra
    parts.push(part)
  }
  const content = item.content
  if (parts.length === 0 && Array.isArray(content) && content.length > 0 && content.every(isReasoningText)) {
    used.push('content')
    for (const c of content) {
      const part: ThinkingPart = { type: 'thinking', text: c.text, summary: false }
      const extra = restOf(c, ['type', 'text'])
      if (extra) part.extra = extra
      parts.push(part)
    }
  }
  if (parts.length === 0) parts.push({ type: 'thinking', text: '', summary: true })

  let provenance = prov
  const last = parts[parts.length - 1]!
  if (typeof item.encrypted_content === 'string') {
    used.push('encrypted_content')
    const opened = unwrapSignature(item.encrypted_content, US)
    if (opened.signature === item.encrypted_content) {
      last.encrypted = opened.signature
    } else if (opened.provenance.dialect === US) {
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
  if (itemId !== undefined) used.push('id')
  const first = parts[0]!
  first.extra = { $reasoning: restOf(item, used) ?? {}, ...first.extra }
  for (const p of parts) {
    if (itemId !== undefined) p.itemId = itemId
    p.provenance = provenance
  }
  return parts
}

function isReasoningText(c: unknown): c is JsonObject & { text: string } {
  return isObject(c) && c.type === 'reasoning_text' && typeof c.text === 'string'
}

export function decodeFunctionCall(item: JsonObject, path: string): ToolCallPart {
  if (typeof item.call_id !== 'string')
    throw new DialectError('A function_call needs a call_id', `${path}.call_id`)
  if (typeof item.name !== 'string') throw new DialectError('A function_call needs a name', `${path}.name`)
  const args = item.arguments
  if (args !== undefined && typeof args !== 'string' && !isObject(args)) {
    throw new DialectError("A function_call's arguments must be JSON text", `${path}.arguments`)
  }
  const part: ToolCallPart = {
    type: 'tool_call',
    id: item.call_id,
    name: item.name,
    arguments: stringifyArguments(args),
  }
  const used = ['type', 'call_id', 'name', 'arguments']
  if (typeof item.id === 'string') {
    part.itemId = item.id
    used.push('id')
  }
  if (typeof item.namespace === 'string') {
    part.namespace = item.namespace
    used.push('namespace')
  }
  const extra = restOf(item, used)
  if (extra) part.extra = extra
  return part
}

function decodeToolResult(item: JsonObject, path: string, names: Map<string, string>): ToolResultPart {
  if (typeof item.call_id !== 'string') {
    throw new DialectError('A function_call_output needs a call_id', `${path}.call_id`)
  }
  const part: ToolResultPart = { type: 'tool_result', toolCallId: item.call_id, content: [] }
  const name = names.get(item.call_id)
  if (name !== undefined) part.name = name
  let extra = restOf(item, ['type', 'call_id', 'output'])
  const out = item.output
  if (typeof out === 'string') {
    part.content.push({ type: 'text', text: out })
  } else if (Array.isArray(out)) {
    for (let j = 0; j < out.length; j++) {
      const c = decodeInputPart(out[j], `${path}.output.${j}`, 'input_text')
      if (c.type === 'audio') throw new DialectError('Tool output cannot carry audio', `${path}.output.${j}`)
      part.content.push(c)
    }
    extra ??= {}
    extra.$output = 'array'
  } else {
    throw new DialectError("A function_call_output needs 'output' (a string or parts)", `${path}.output`)
  }
  if (extra) part.extra = extra
  return part
}

// =============================================================================================
// Encode

/** How the assistant-turn encoder behaves: request history or a response's output. */
export interface ItemContext {
  /** The IR came from this dialect: honour `extra` and bookkeeping. */
  same: boolean
  mode: 'request' | 'response'
  provider?: string
  foreignThinking?: 'drop' | 'text'
  /** Response mode: provenance to wrap signatures with when a part has none. */
  provenance?: Provenance
  /** Response mode: the client's tool namespaces, to split flattened function names back. */
  toolNamespaces?: readonly string[]
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
  if (req.toolChoice) {
    const tc = req.toolChoice
    body.tool_choice = tc.type === 'tool' ? { type: 'function', name: tc.name } : tc.type
  }
  if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls
  const reasoning = encodeReasoning(req.reasoning, same)
  if (reasoning) body.reasoning = reasoning
  if (req.responseFormat) body.text = { format: encodeFormat(req.responseFormat, same) }
  if (req.maxOutputTokens !== undefined) body.max_output_tokens = req.maxOutputTokens
  if (req.temperature !== undefined) body.temperature = req.temperature
  if (req.topP !== undefined) body.top_p = req.topP
  if (req.metadata !== undefined) body.metadata = req.metadata
  if (req.user !== undefined) body.user = req.user
  if (req.stream) body.stream = true
  if (same) fillFromExtra(body, req.extra)
  return body
}

/**
 * What the Responses API cannot express and changes the answer's shape (several choices, stop
 * sequences) is refused naming the field. Pure sampling hints it lacks (top_k, seed, penalties)
 * are dropped: real clients send them by default (Gemini CLI sends topK) and refusing would
 * make those clients unusable for a knob that only nudges sampling.
 */
function rejectInexpressible(req: Request): void {
  if (req.n !== undefined && req.n > 1)
    throw new DialectError('The Responses API returns one choice (n > 1)', 'n')
  if (req.stop && req.stop.length > 0)
    throw new DialectError('The Responses API has no stop sequences', 'stop')
}

function encodeReasoning(r: ReasoningRequest | undefined, same: boolean): JsonObject | undefined {
  if (!r) return undefined
  const out: JsonObject = {}
  const effort = effortOf(r)
  if (effort !== undefined)
    out.effort = same && effort === r.effort ? effort : clampEffort(effort, WIRE_EFFORTS)
  if (r.summary !== undefined) out.summary = r.summary
  else if (r.includeThoughts && out.effort !== 'none') out.summary = 'auto'
  // From another dialect an empty object says nothing, and non-reasoning models reject it.
  if (!same && out.effort === undefined && out.summary === undefined) return undefined
  return out
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

/** Tools in order; consecutive functions of one namespace go back into one `namespace` tool. */
function encodeTools(tools: Tool[], same: boolean): JsonObject[] {
  const out: JsonObject[] = []
  let group: JsonObject | undefined
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i]!
    if (t.kind !== 'function' || t.namespace === undefined) {
      group = undefined
      out.push(encodeTool(t, i, same))
      continue
    }
    const marker = same && isObject(t.extra?.$namespace) ? t.extra.$namespace : undefined
    if (!group || group.name !== t.namespace || marker) {
      group = fillFromExtra({ type: 'namespace', name: t.namespace }, marker)
      // `description` is a required field of the wire tool.
      if (!same) group.description = ''
      group.tools = []
      out.push(group)
    }
    ;(group.tools as JsonObject[]).push(encodeTool(t, i, same))
  }
  return out
}

function encodeTool(t: Tool, i: number, same: boolean): JsonObject {
  switch (t.kind) {
    case 'function': {
      const x = same ? t.extra : undefined
      const out: JsonObject = { type: 'function', name: t.name }
      if (t.description !== undefined) out.description = t.description
      if (!(x && ('parameters' in x || x.$parameters === 'absent'))) out.parameters = t.parameters
      // Responses may apply strict validation when `strict` is omitted, and rejects the loose
      // schemas other dialects send; say non-strict explicitly for them.
      if (t.strict !== undefined) out.strict = t.strict
      else if (!same) out.strict = false
      return fillFromExtra(out, x)
    }
    case 'web_search':
      if (t.dialect === US && t.config) return t.config
      return foreignWebSearch(t.config)
    case 'server': {
      if (t.dialect === US) return t.raw
      const name =
        typeof t.raw.type === 'string' ? t.raw.type : typeof t.raw.name === 'string' ? t.raw.name : 'tool'
      throw new DialectError(
        `The ${t.dialect} server tool '${name}' has no Responses equivalent`,
        `tools.${i}`,
      )
    }
  }
}

/** Another dialect's web search settings, where Responses has the same notion. */
function foreignWebSearch(config: Record<string, unknown> | undefined): JsonObject {
  const out: JsonObject = { type: 'web_search' }
  if (!config) return out
  const domains = config.allowed_domains
  if (Array.isArray(domains) && domains.length > 0) out.filters = { allowed_domains: domains }
  if (isObject(config.user_location)) out.user_location = config.user_location
  return out
}

function encodeInput(messages: Message[], ctx: ItemContext): string | JsonObject[] | undefined {
  if (messages.length === 0) return undefined
  if (ctx.same && messages.length === 1) {
    const m = messages[0]!
    const only = m.content[0]
    if (
      m.role === 'user' &&
      m.extra?.$input === 'string' &&
      m.content.length === 1 &&
      only?.type === 'text'
    ) {
      return only.text
    }
  }
  const items: JsonObject[] = []
  for (let m = 0; m < messages.length; m++) {
    const msg = messages[m]!
    const x = ctx.same ? msg.extra : undefined
    if (x && isObject(x.$item)) {
      items.push(x.$item)
      continue
    }
    if (msg.role === 'assistant') encodeAssistantParts(msg.content, `messages.${m}.content`, items, ctx)
    else encodeClientMessage(msg, m, items, ctx)
  }
  return items
}

/** A user, system or tool message: message items for content, function_call_output items for results. */
function encodeClientMessage(msg: Message, m: number, items: JsonObject[], ctx: ItemContext): void {
  const x = ctx.same ? msg.extra : undefined
  const role = msg.role === 'system' ? (x?.$role === 'system' ? 'system' : 'developer') : 'user'
  let content: JsonObject[] | undefined
  for (let j = 0; j < msg.content.length; j++) {
    const p = msg.content[j]!
    const path = `messages.${m}.content.${j}`
    if (p.type === 'tool_result') {
      content = undefined
      items.push(encodeToolResult(p, path, ctx.same))
      continue
    }
    if (msg.role === 'tool') throw new DialectError('A tool message carries only tool results', path)
    if (p.type === 'thinking' || p.type === 'tool_call') {
      throw new DialectError(`A ${msg.role} message cannot carry a ${p.type} part`, path)
    }
    if (!content) {
      content = []
      items.push(messageItem(role, content, x, ctx.same))
    }
    content.push(encodeContentPart(p, path, ctx.same))
  }
  // A client's own empty message goes back as sent; another dialect's says nothing the API accepts.
  if (msg.content.length === 0 && ctx.same) items.push(messageItem(role, [], x, ctx.same))
  finishStringContent(items, x, ctx.same)
}

function messageItem(
  role: string,
  content: JsonObject[],
  x: JsonObject | undefined,
  same: boolean,
): JsonObject {
  if (!same) return { type: 'message', role, content }
  return fillFromExtra({ role, content }, x)
}

/** Restores `content: "…"` on the last item when the client wrote it that way. */
function finishStringContent(items: JsonObject[], marker: JsonObject | undefined, same: boolean): void {
  if (!same || marker?.$content !== 'string') return
  const item = items[items.length - 1]
  const content = item?.content
  if (!item || !Array.isArray(content) || content.length !== 1) return
  const only = content[0]
  if (isObject(only) && Object.keys(only).length === 2 && typeof only.text === 'string')
    item.content = only.text
}

function encodeContentPart(p: ToolResultContent | AudioPart, path: string, same: boolean): JsonObject {
  const x = same ? p.extra : undefined
  switch (p.type) {
    case 'text': {
      if (x?.$refusal === true) return fillFromExtra({ type: 'refusal', refusal: p.text }, x)
      const out: JsonObject = {
        type: typeof x?.$partType === 'string' ? x.$partType : 'input_text',
        text: p.text,
      }
      if (same && p.citations) out.annotations = p.citations
      return fillFromExtra(out, x)
    }
    case 'image': {
      const out: JsonObject = { type: 'input_image' }
      if (p.source.kind === 'file_id') out.file_id = p.source.fileId
      else out.image_url = mediaSourceToUrl(p.source)
      if (p.detail !== undefined) out.detail = p.detail
      return fillFromExtra(out, x)
    }
    case 'file': {
      const out: JsonObject = { type: 'input_file' }
      if (p.filename !== undefined) out.filename = p.filename
      const src = p.source
      if (src.kind === 'base64') out.file_data = x?.$fileData === 'raw' ? src.data : mediaSourceToUrl(src)
      else if (src.kind === 'url') out.file_url = src.url
      else out.file_id = src.fileId
      return fillFromExtra(out, x)
    }
    case 'audio':
      return fillFromExtra({ type: 'input_audio', input_audio: { data: p.data, format: p.format } }, x)
    default:
      throw new DialectError('Unsupported content part', path)
  }
}

function encodeToolResult(p: ToolResultPart, path: string, same: boolean): JsonObject {
  const x = same ? p.extra : undefined
  let output: string | JsonObject[]
  if (x?.$output !== 'array' && p.content.every((c) => c.type === 'text')) {
    // Plain text is what every upstream (the Codex backend included) accepts.
    output =
      p.content.length === 1
        ? (p.content[0] as TextPart).text
        : p.content.map((c) => (c as TextPart).text).join('\n')
  } else {
    output = p.content.map((c, k) => encodeContentPart(c, `${path}.content.${k}`, same))
  }
  return fillFromExtra({ type: 'function_call_output', call_id: p.toolCallId, output }, x)
}

/**
 * One assistant turn's parts → items: reasoning, assistant message (consecutive text parts share
 * one) and function_call items, in order. Shared by request history and response output.
 */
export function encodeAssistantParts(
  parts: Part[],
  path: string,
  items: JsonObject[],
  ctx: ItemContext,
): void {
  let message: JsonObject | undefined
  let marker: JsonObject | undefined
  const close = () => {
    if (message) finishStringContent(items, marker, ctx.same)
    message = undefined
    marker = undefined
  }
  const textPart = (p: TextPart): JsonObject => {
    const x = ctx.same ? p.extra : undefined
    if (x?.$refusal === true) return fillFromExtra({ type: 'refusal', refusal: p.text }, x)
    const out: JsonObject = {
      type: typeof x?.$partType === 'string' ? x.$partType : 'output_text',
      text: p.text,
    }
    if (ctx.mode === 'response') out.annotations = ctx.same && p.citations ? p.citations : []
    else if (ctx.same && p.citations) out.annotations = p.citations
    return fillFromExtra(out, x)
  }
  const append = (content: JsonObject, startMarker: JsonObject | undefined) => {
    if (!message || startMarker) {
      close()
      marker = startMarker
      message = openMessage(startMarker, ctx)
      items.push(message)
    }
    ;(message.content as JsonObject[]).push(content)
  }

  let j = 0
  while (j < parts.length) {
    const p = parts[j]!
    switch (p.type) {
      case 'text': {
        const m = ctx.same && isObject(p.extra?.$message) ? p.extra.$message : undefined
        append(textPart(p), m)
        j++
        break
      }
      case 'thinking': {
        let k = j + 1
        while (k < parts.length && continuesReasoning(parts[k]!, parts[k - 1]!, ctx.same)) k++
        const group = parts.slice(j, k) as ThinkingPart[]
        const item = reasoningItem(group, ctx)
        if (item) {
          close()
          items.push(item)
        } else if (ctx.foreignThinking === 'text') {
          for (const t of group)
            if (t.text !== '') append(textPart({ type: 'text', text: t.text }), undefined)
        }
        j = k
        break
      }
      case 'tool_call':
        close()
        items.push(functionCallItem(p, ctx))
        j++
        break
      default:
        throw new DialectError(`An assistant turn cannot carry a ${p.type} part`, `${path}.${j}`)
    }
  }
  close()
}

function openMessage(marker: JsonObject | undefined, ctx: ItemContext): JsonObject {
  if (ctx.mode === 'response') {
    const item: JsonObject = {
      id: typeof marker?.id === 'string' ? marker.id : mintId('msg_'),
      type: 'message',
      status: typeof marker?.status === 'string' ? marker.status : 'completed',
      role: 'assistant',
      content: [],
    }
    return fillFromExtra(item, marker)
  }
  if (!ctx.same) return { type: 'message', role: 'assistant', content: [] }
  return fillFromExtra({ role: 'assistant', content: [] }, marker)
}

function continuesReasoning(cur: Part, prev: Part, same: boolean): boolean {
  if (cur.type !== 'thinking' || prev.type !== 'thinking') return false
  if (same) return !isObject(cur.extra?.$reasoning)
  return cur.itemId !== undefined && cur.itemId === prev.itemId
}

/** One reasoning item from its thinking parts; undefined when it must not be sent. */
function reasoningItem(group: ThinkingPart[], ctx: ItemContext): JsonObject | undefined {
  const first = group[0]!
  const itemId = first.itemId
  let opaque: string | undefined
  if (ctx.mode === 'request') {
    // Encrypted reasoning validates only where it was minted; anything else is rejected upstream.
    if (!group.every((p) => isNative(p.provenance, US, ctx.provider))) return undefined
    for (const p of group) {
      const v = p.encrypted ?? p.signature
      if (v !== undefined) opaque = v
    }
    const byReference = ctx.same && itemId?.startsWith('rs_') === true
    if (opaque === undefined && !byReference) return undefined
  } else {
    for (const p of group) {
      const prov = p.provenance ?? ctx.provenance
      if (p.encrypted !== undefined) opaque = signatureFor(US, p.encrypted, prov)
      else if (p.signature !== undefined) opaque = signatureFor(US, p.signature, prov)
      else if (p.redacted !== undefined) opaque = signatureFor(US, REDACTED_PREFIX + p.redacted, prov)
    }
  }
  const summary: JsonObject[] = []
  const content: JsonObject[] = []
  for (const p of group) {
    const x = ctx.same ? p.extra : undefined
    if (p.summary === false) content.push(fillFromExtra({ type: 'reasoning_text', text: p.text }, x))
    else if (p.text !== '') summary.push(fillFromExtra({ type: 'summary_text', text: p.text }, x))
  }
  const item: JsonObject = {}
  const id = itemId?.startsWith('rs_') ? itemId : ctx.mode === 'response' ? mintId('rs_') : undefined
  if (id !== undefined) item.id = id
  item.type = 'reasoning'
  item.summary = summary
  if (content.length > 0) item.content = content
  if (opaque !== undefined) item.encrypted_content = opaque
  const marker = ctx.same ? first.extra?.$reasoning : undefined
  return fillFromExtra(item, isObject(marker) ? marker : undefined)
}

function functionCallItem(p: ToolCallPart, ctx: ItemContext): JsonObject {
  const x = ctx.same ? p.extra : undefined
  const args = stringifyArguments(p.arguments)
  const id = p.itemId?.startsWith('fc') ? p.itemId : undefined
  const { name, namespace } = namespacedName(p.name, p.namespace, ctx.toolNamespaces)
  if (ctx.mode === 'response') {
    const item: JsonObject = {
      id: id ?? mintId('fc_'),
      type: 'function_call',
      status: typeof x?.status === 'string' ? x.status : 'completed',
      call_id: p.id,
      name,
    }
    if (namespace !== undefined) item.namespace = namespace
    item.arguments = args
    return fillFromExtra(item, x)
  }
  const item: JsonObject = { type: 'function_call' }
  if (id !== undefined) item.id = id
  item.call_id = p.id
  item.name = name
  if (namespace !== undefined) item.namespace = namespace
  item.arguments = args
  return fillFromExtra(item, x)
}

/**
 * A function's wire `name` and `namespace`: its own namespace when it has one, else the split of
 * a name an upstream without namespaces saw flattened (`ns__name`).
 */
export function namespacedName(
  name: string,
  namespace: string | undefined,
  toolNamespaces: readonly string[] | undefined,
): { name: string; namespace?: string } {
  if (namespace !== undefined) return { name, namespace }
  return toolNamespaces ? splitNamespacedName(name, toolNamespaces) : { name }
}
