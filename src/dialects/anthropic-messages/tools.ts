/**
 * Anthropic Messages tools ↔ IR: tool declarations (function tools, `web_search_*` and other
 * server tools), `tool_choice` with `disable_parallel_tool_use`, and the tool_use / tool_result
 * content blocks.
 *
 * Tool ids from another dialect go through `sanitizeToolId`, one mapping per request, so a
 * tool_use and its tool_result always agree. A tool_result's content is a content list: its blocks
 * are decoded and encoded by `content.ts`. Another dialect's server tools throw DialectError naming
 * the tool.
 */
import { sanitizeToolId } from '../common/ids.ts'
import { isObject, type JsonObject, parseArguments } from '../common/json.ts'
import { fail, hintsOf, keepField, spreadFields, unknownFields } from '../common/round-trip.ts'
import type {
  FunctionTool,
  Part,
  Provenance,
  Request,
  TextPart,
  Tool,
  ToolCallPart,
  ToolChoice,
  ToolResultContent,
  ToolResultPart,
} from '../ir.ts'
import {
  decodeBlock,
  type EncodeContext,
  encodeCacheControl,
  encodeFile,
  encodeImage,
  encodeText,
  isPlainText,
  rawPart,
  str,
  withCacheAndHints,
} from './content.ts'
import { DIALECT, type Hints } from './types.ts'

const TOOL_USE_KEYS = new Set(['type', 'id', 'name', 'input', 'cache_control'])
const TOOL_RESULT_KEYS = new Set(['type', 'tool_use_id', 'content', 'is_error', 'cache_control'])
const TOOL_KEYS = new Set(['name', 'description', 'input_schema', 'cache_control', 'strict'])
const TOOL_CHOICE_KEYS = new Set(['type', 'name', 'disable_parallel_tool_use'])

// ---------------------------------------------------------------------------------------------
// Decoding

export function decodeToolUseBlock(raw: JsonObject, path: string): ToolCallPart {
  const input = raw.input
  if (input !== undefined && !isObject(input)) fail(`${path}.input must be an object`, `${path}.input`)
  const fields = unknownFields(raw, TOOL_USE_KEYS)
  const h: Hints = fields ? { fields } : {}
  const part: ToolCallPart = {
    type: 'tool_call',
    id: str(raw.id, `${path}.id`),
    name: str(raw.name, `${path}.name`),
    arguments: input === undefined ? '{}' : JSON.stringify(input),
  }
  return withCacheAndHints(part, raw, h)
}

export function decodeToolResultBlock(raw: JsonObject, path: string, prov: Provenance | undefined): Part {
  const fields = unknownFields(raw, TOOL_RESULT_KEYS)
  const h: Hints = fields ? { fields } : {}
  const part: ToolResultPart = {
    type: 'tool_result',
    toolCallId: str(raw.tool_use_id, `${path}.tool_use_id`),
    content: [],
  }
  const c = raw.content
  if (c === undefined) h.form = 'absent'
  else if (typeof c === 'string') {
    h.form = 'string'
    part.content.push({ type: 'text', text: c })
  } else if (Array.isArray(c)) {
    for (let i = 0; i < c.length; i++) {
      const p = decodeBlock(c[i], `${path}.content.${i}`, prov)
      if (p.type === 'text' || p.type === 'image' || p.type === 'file') part.content.push(p)
      else part.content.push(rawPart(c[i] as JsonObject))
    }
  } else fail(`${path}.content must be a string or an array of blocks`, `${path}.content`)
  if (typeof raw.is_error === 'boolean') part.isError = raw.is_error
  else if (raw.is_error !== undefined) keepField(h, 'is_error', raw.is_error)
  return withCacheAndHints(part, raw, h)
}

export function decodeTool(raw: unknown, i: number): Tool {
  const path = `tools.${i}`
  if (!isObject(raw)) fail(`${path} must be an object`, path)
  const type = raw.type
  if (type === undefined || type === null || type === 'custom') {
    const schema = raw.input_schema
    if (!isObject(schema)) fail(`${path}.input_schema must be an object`, `${path}.input_schema`)
    const fields = unknownFields(raw, TOOL_KEYS)
    const h: Hints = fields ? { fields } : {}
    const tool: FunctionTool = { kind: 'function', name: str(raw.name, `${path}.name`), parameters: schema }
    if (typeof raw.description === 'string') tool.description = raw.description
    else if (raw.description !== undefined) keepField(h, 'description', raw.description)
    if (typeof raw.strict === 'boolean') tool.strict = raw.strict
    else if (raw.strict !== undefined) keepField(h, 'strict', raw.strict)
    return withCacheAndHints(tool, raw, h)
  }
  if (typeof type !== 'string') fail(`${path}.type must be a string`, `${path}.type`)
  if (type.startsWith('web_search_') && raw.name === 'web_search') {
    const config: JsonObject = {}
    for (const k in raw) if (k !== 'name') config[k] = raw[k]
    return { kind: 'web_search', config, dialect: DIALECT }
  }
  return { kind: 'server', dialect: DIALECT, raw }
}

export function decodeToolChoice(raw: unknown, h: Hints): { choice: ToolChoice; parallel?: boolean } {
  if (!isObject(raw)) fail('tool_choice must be an object', 'tool_choice')
  let choice: ToolChoice
  switch (raw.type) {
    case 'auto':
      choice = { type: 'auto' }
      break
    case 'any':
      choice = { type: 'required' }
      break
    case 'none':
      choice = { type: 'none' }
      break
    case 'tool':
      choice = { type: 'tool', name: str(raw.name, 'tool_choice.name') }
      break
    default:
      fail('tool_choice.type must be "auto", "any", "tool" or "none"', 'tool_choice.type')
  }
  const rest = unknownFields(raw, TOOL_CHOICE_KEYS)
  if (rest) h.toolChoice = rest
  const d = raw.disable_parallel_tool_use
  if (typeof d === 'boolean') return { choice, parallel: !d }
  if (d !== undefined) fail('tool_choice.disable_parallel_tool_use must be a boolean', 'tool_choice')
  return { choice }
}

/** A request's `tools` array → IR tools. */
export function decodeTools(raw: unknown): Tool[] {
  if (!Array.isArray(raw)) fail('tools must be an array', 'tools')
  const tools: Tool[] = new Array(raw.length)
  for (let i = 0; i < raw.length; i++) tools[i] = decodeTool(raw[i], i)
  return tools
}

// ---------------------------------------------------------------------------------------------
// Encoding

function toolId(ctx: EncodeContext, id: string): string {
  let out = ctx.ids.get(id)
  if (out === undefined) {
    out = sanitizeToolId(id)
    ctx.ids.set(id, out)
  }
  return out
}

export function encodeToolCall(part: ToolCallPart, ctx: EncodeContext): JsonObject {
  const b: JsonObject = {
    type: 'tool_use',
    id: toolId(ctx, part.id),
    name: part.name,
    input: parseArguments(part.arguments),
  }
  if (part.cacheControl) b.cache_control = encodeCacheControl(part.cacheControl)
  return spreadFields(b, hintsOf<Hints>(part.extra, DIALECT))
}

export function encodeToolResult(part: ToolResultPart, path: string, ctx: EncodeContext): JsonObject {
  const b: JsonObject = { type: 'tool_result', tool_use_id: toolId(ctx, part.toolCallId) }
  const content = encodeResultContent(part, path, ctx)
  if (content !== undefined) b.content = content
  if (part.isError !== undefined) b.is_error = part.isError
  if (part.cacheControl) b.cache_control = encodeCacheControl(part.cacheControl)
  return spreadFields(b, hintsOf<Hints>(part.extra, DIALECT))
}

function encodeResultContent(part: ToolResultPart, path: string, ctx: EncodeContext): unknown {
  const h = hintsOf<Hints>(part.extra, DIALECT)
  if (h?.form === 'string' && part.content.every((c) => c.type === 'text' && !c.extra && !c.cacheControl)) {
    return part.content.map((c) => (c as TextPart).text).join('')
  }
  const blocks: JsonObject[] = []
  for (let i = 0; i < part.content.length; i++) {
    const c: ToolResultContent = part.content[i]!
    const p = `${path}.content.${i}`
    let b: JsonObject | undefined
    if (c.type === 'text') b = encodeText(c, ctx)
    else if (c.type === 'image') b = encodeImage(c, p, ctx)
    else b = encodeFile(c, p, ctx)
    if (b) blocks.push(b)
  }
  if (blocks.length === 0) return undefined
  if (!ctx.own && blocks.length === 1 && isPlainText(blocks[0]!)) return blocks[0]!.text
  return blocks
}

function objectSchema(params: Record<string, unknown>, path: string): JsonObject {
  if (params.type === 'object') return params
  if (params.type === undefined) return { type: 'object', ...params }
  return fail(`${path}: Anthropic input_schema must be an object schema`, path)
}

export function encodeTool(t: Tool, i: number, ctx: EncodeContext): JsonObject {
  switch (t.kind) {
    case 'function': {
      const b: JsonObject = { name: t.name }
      if (t.description !== undefined) b.description = t.description
      b.input_schema = objectSchema(t.parameters, `tools.${i}.parameters`)
      if (t.strict === true || (ctx.own && t.strict !== undefined)) b.strict = t.strict
      if (t.cacheControl) b.cache_control = encodeCacheControl(t.cacheControl)
      return spreadFields(b, hintsOf<Hints>(t.extra, DIALECT))
    }
    case 'web_search':
      return {
        type: 'web_search_20250305',
        name: 'web_search',
        ...(t.dialect === DIALECT ? t.config : undefined),
      }
    case 'server':
      if (t.dialect !== DIALECT)
        fail(`tools.${i}: a ${t.dialect} server tool has no Anthropic form`, `tools.${i}`)
      return t.raw
  }
}

export function encodeToolChoice(
  req: Request,
  hasTools: boolean,
  h: Hints | undefined,
): JsonObject | undefined {
  let tc: JsonObject | undefined
  switch (req.toolChoice?.type) {
    case 'auto':
      tc = { type: 'auto' }
      break
    case 'required':
      tc = { type: 'any' }
      break
    case 'tool':
      tc = { type: 'tool', name: req.toolChoice.name }
      break
    case 'none':
      tc = { type: 'none' }
      break
  }
  if (tc?.type !== 'none') {
    if (req.parallelToolCalls === false && (tc || hasTools)) {
      tc ??= { type: 'auto' }
      tc.disable_parallel_tool_use = true
    } else if (req.parallelToolCalls === true && tc) tc.disable_parallel_tool_use = false
  }
  if (tc && h?.toolChoice) spreadFields(tc, { fields: h.toolChoice })
  return tc
}
