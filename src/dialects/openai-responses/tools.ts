/**
 * Tool declarations, tool choice, function calls and their results.
 *
 * A `namespace` tool of function tools (Codex's `multi_agent_v1`) becomes its functions, each
 * with `namespace`; consecutive functions of one namespace are encoded back into one namespace
 * tool. A namespace holding custom tools stays an opaque server tool. `function_call` items carry
 * `namespace` ↔ `ToolCallPart.namespace`. Each `function_call_output` item is one IR `tool` message.
 */
import { mintId } from '../common/ids.ts'
import { isObject, type JsonObject, stringifyArguments } from '../common/json.ts'
import { fillGaps, hintsOf } from '../common/round-trip.ts'
import { splitNamespacedName } from '../common/tool-namespaces.ts'
import {
  DialectError,
  type FunctionTool,
  type TextPart,
  type Tool,
  type ToolCallPart,
  type ToolChoice,
  type ToolResultPart,
} from '../ir.ts'
import { decodeInputPart, encodeContentPart, type ItemContext } from './content.ts'
import { DIALECT, fieldsOf, type Hints, takenKeySets, withHints } from './types.ts'

/** The wire `tool_choice` of an IR choice. */
export function encodeToolChoice(tc: ToolChoice): JsonObject | string {
  return tc.type === 'tool' ? { type: 'function', name: tc.name } : tc.type
}

/** One tool; a namespace of functions becomes its functions, each carrying `namespace`. */
export function decodeTool(t: unknown, i: number): Tool | Tool[] {
  if (!isObject(t) || typeof t.type !== 'string')
    throw new DialectError('Each tool needs a type', `tools.${i}`)
  if (t.type === 'function') return decodeFunctionTool(t, `tools.${i}`, undefined)
  if (t.type === 'namespace' && isFunctionNamespace(t)) {
    const fns = t.tools.map((f, j) => decodeFunctionTool(f, `tools.${i}.tools.${j}`, t.name))
    // The namespace's own fields ride on its first function, which starts the group again on encode.
    const first = fns[0]!
    const namespace = fieldsOf(t, NAMESPACE_KEYS)
    first.extra = { [DIALECT]: { ...hintsOf<Hints>(first.extra, DIALECT), namespace } }
    return fns
  }
  // web_search, web_search_preview and their dated variants; the whole object is the config.
  if (t.type.startsWith('web_search')) return { kind: 'web_search', config: t, dialect: DIALECT }
  return { kind: 'server', dialect: DIALECT, raw: t }
}

const NAMESPACE_KEYS: ReadonlySet<string> = new Set(['type', 'name', 'tools'])
const FUNCTION_TOOL_KEYS = takenKeySets(['type', 'name'], ['parameters', 'description', 'strict'])
const FUNCTION_CALL_KEYS = takenKeySets(['type', 'call_id', 'name', 'arguments'], ['id', 'namespace'])

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
  let taken = 0
  if (isObject(t.parameters)) {
    tool.parameters = t.parameters
    taken |= 1
  }
  if (typeof t.description === 'string') {
    tool.description = t.description
    taken |= 2
  }
  if (typeof t.strict === 'boolean') {
    tool.strict = t.strict
    taken |= 4
  }
  const h = fieldsOf(t, FUNCTION_TOOL_KEYS[taken]!)
  if (t.parameters === undefined) h.parameters = 'absent'
  return withHints(tool, h)
}

/** Tools in order; consecutive functions of one namespace go back into one `namespace` tool. */
export function encodeTools(tools: Tool[], ctx: ItemContext): JsonObject[] {
  const out: JsonObject[] = []
  let group: JsonObject | undefined
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i]!
    if (t.kind !== 'function' || t.namespace === undefined) {
      group = undefined
      out.push(encodeTool(t, i, ctx))
      continue
    }
    const marker = hintsOf<Hints>(t.extra, DIALECT)?.namespace
    if (!group || group.name !== t.namespace || marker) {
      group = fillGaps({ type: 'namespace', name: t.namespace }, marker?.fields)
      // `description` is a required field of the wire tool.
      if (!ctx.ownSource) group.description = ''
      group.tools = []
      out.push(group)
    }
    ;(group.tools as JsonObject[]).push(encodeTool(t, i, ctx))
  }
  return out
}

function encodeTool(t: Tool, i: number, ctx: ItemContext): JsonObject {
  switch (t.kind) {
    case 'function': {
      const h = hintsOf<Hints>(t.extra, DIALECT)
      const out: JsonObject = { type: 'function', name: t.name }
      if (t.description !== undefined) out.description = t.description
      // A client's own `parameters` the IR could not take (null…), or none at all, comes back as sent.
      const keptParameters =
        h?.parameters === 'absent' || (h?.fields !== undefined && 'parameters' in h.fields)
      if (!keptParameters) out.parameters = t.parameters
      // Responses may apply strict validation when `strict` is omitted, and rejects the loose
      // schemas other dialects send; say non-strict explicitly for them.
      if (t.strict !== undefined) out.strict = t.strict
      else if (!ctx.ownSource) out.strict = false
      return fillGaps(out, h?.fields)
    }
    case 'web_search':
      if (t.dialect === DIALECT && t.config) return t.config
      return foreignWebSearch(t.config)
    case 'server': {
      if (t.dialect === DIALECT) return t.raw
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

export function decodeToolChoice(v: unknown): ToolChoice | undefined {
  if (v === 'auto' || v === 'none' || v === 'required') return { type: v }
  // Only the plain function form is modelled; allowed_tools, hosted-tool and mcp choices stay in extra.
  if (isObject(v) && v.type === 'function' && typeof v.name === 'string' && Object.keys(v).length === 2) {
    return { type: 'tool', name: v.name }
  }
  return undefined
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
  let taken = 0
  if (typeof item.id === 'string') {
    part.itemId = item.id
    taken |= 1
  }
  if (typeof item.namespace === 'string') {
    part.namespace = item.namespace
    taken |= 2
  }
  return withHints(part, fieldsOf(item, FUNCTION_CALL_KEYS[taken]!))
}

export function functionCallItem(p: ToolCallPart, ctx: ItemContext): JsonObject {
  const fields = hintsOf<Hints>(p.extra, DIALECT)?.fields
  const args = stringifyArguments(p.arguments)
  const id = p.itemId?.startsWith('fc') ? p.itemId : undefined
  const { name, namespace } = namespacedName(p.name, p.namespace, ctx.toolNamespaces)
  if (ctx.mode === 'response') {
    const item: JsonObject = {
      id: id ?? mintId('fc_'),
      type: 'function_call',
      status: typeof fields?.status === 'string' ? fields.status : 'completed',
      call_id: p.id,
      name,
    }
    if (namespace !== undefined) item.namespace = namespace
    item.arguments = args
    return fillGaps(item, fields)
  }
  const item: JsonObject = { type: 'function_call' }
  if (id !== undefined) item.id = id
  item.call_id = p.id
  item.name = name
  if (namespace !== undefined) item.namespace = namespace
  item.arguments = args
  return fillGaps(item, fields)
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

export function decodeToolResult(item: JsonObject, path: string, names: Map<string, string>): ToolResultPart {
  if (typeof item.call_id !== 'string') {
    throw new DialectError('A function_call_output needs a call_id', `${path}.call_id`)
  }
  const part: ToolResultPart = { type: 'tool_result', toolCallId: item.call_id, content: [] }
  const name = names.get(item.call_id)
  if (name !== undefined) part.name = name
  const h = fieldsOf(item, TOOL_RESULT_KEYS)
  const out = item.output
  if (typeof out === 'string') {
    part.content.push({ type: 'text', text: out })
  } else if (Array.isArray(out)) {
    for (let j = 0; j < out.length; j++) {
      const c = decodeInputPart(out[j], `${path}.output.${j}`, 'input_text')
      if (c.type === 'audio') throw new DialectError('Tool output cannot carry audio', `${path}.output.${j}`)
      part.content.push(c)
    }
    h.output = 'array'
  } else {
    throw new DialectError("A function_call_output needs 'output' (a string or parts)", `${path}.output`)
  }
  return withHints(part, h)
}

const TOOL_RESULT_KEYS: ReadonlySet<string> = new Set(['type', 'call_id', 'output'])

export function encodeToolResult(p: ToolResultPart, path: string, ctx: ItemContext): JsonObject {
  const h = hintsOf<Hints>(p.extra, DIALECT)
  let output: string | JsonObject[]
  if (h?.output !== 'array' && p.content.every((c) => c.type === 'text')) {
    // Plain text is what every upstream (the Codex backend included) accepts.
    output =
      p.content.length === 1
        ? (p.content[0] as TextPart).text
        : p.content.map((c) => (c as TextPart).text).join('\n')
  } else {
    output = p.content.map((c, k) => encodeContentPart(c, `${path}.content.${k}`, ctx))
  }
  return fillGaps({ type: 'function_call_output', call_id: p.toolCallId, output }, h?.fields)
}
