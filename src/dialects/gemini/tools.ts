/**
 * Gemini function declarations, `toolConfig`, `functionCall` and `functionResponse` parts ↔ IR
 * tools, tool choice, tool calls and tool results.
 *
 * - Tool calls have no id on the public API: decoding mints `gemini_call_<n>` in order of
 *   appearance and pairs each `functionResponse` with the earliest unanswered call of its name.
 *   An id Gemini did send is kept (and re-emitted only to Gemini); minted and foreign ids are
 *   never sent, so a foreign turn's functionResponses go out in the order of their calls (a client
 *   may answer parallel calls of one function out of order). `functionResponse.name` comes from the
 *   tool result or, failing that, from the tool call with its id earlier in the history.
 * - Tool results: text → `response: {result: text}`, or the object itself when the text is a JSON
 *   object; `isError` → `{error: text|object}`; several texts are joined with `\n`. Decoding
 *   reverses it (`{result: "…"}`/`{error: "…"}` give their string, anything else its JSON).
 *   Images/files inside a foreign tool result become `inlineData`/`fileData` parts at the end of
 *   the same user turn; Gemini's own `functionResponse.parts` round-trip in place.
 * - Tools: `functionDeclarations` ↔ function tools (JSON Schema goes out as
 *   `parametersJsonSchema`; an OpenAPI `parameters` schema decodes with lower-cased `type`s and
 *   comes back as it was), `googleSearch` ↔ web_search, anything else ↔ Gemini server tools.
 *   Not expressible and dropped: `strict`, `cacheControl`, `parallelToolCalls`, `metadata`.
 * - A functionCall without `args` comes back with `args: {}` (empty arguments are never a
 *   missing field).
 */
import { isObject, type JsonObject, parseArguments, stringifyArguments } from '../common/json.ts'
import { isNative, unwrapSignature } from '../common/provenance.ts'
import { extraWith, fail, hintsFor, unknownFields } from '../common/round-trip.ts'
import type {
  FilePart,
  FunctionTool,
  ImagePart,
  Request,
  Tool,
  ToolCallPart,
  ToolChoice,
  ToolResultPart,
} from '../ir.ts'
import {
  decodeFileData,
  decodeInline,
  type EncodeState,
  encodeMedia,
  keptHints,
  type PartContext,
  payloadHints,
} from './content.ts'
import { jsonSchemaOf } from './json-schema.ts'
import { camel, objectAt } from './proto-json.ts'
import { DIALECT, type Hints } from './types.ts'

/** Prefix of the tool-call ids this dialect mints (Gemini's own ids never reach the wire otherwise). */
export const MINTED_ID_PREFIX = 'gemini_call_'

/** The object a JSON text holds, when it holds one. */
function parseObject(text: string): JsonObject | undefined {
  const c = text.charCodeAt(0)
  if (c !== 123 && c !== 32 && c !== 10 && c !== 9 && c !== 13) return undefined // fast path: not `{`
  try {
    const v: unknown = JSON.parse(text)
    return isObject(v) ? v : undefined
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------
// Tool results ↔ functionResponse.response

/** A functionResponse's `response` object as tool-result text (see the header). */
export function responseToText(r: JsonObject): { text: string; isError?: true } {
  let only: string | undefined
  for (const k in r) {
    if (only !== undefined) return { text: JSON.stringify(r) }
    only = k
  }
  if (only === 'result' || only === 'error') {
    const v = r[only]
    if (typeof v === 'string' && parseObject(v) === undefined)
      return only === 'error' ? { text: v, isError: true } : { text: v }
  }
  return { text: JSON.stringify(r) }
}

/** Tool-result text as a functionResponse `response` object. */
export function textToResponse(text: string, isError: boolean | undefined): JsonObject {
  const obj = parseObject(text)
  if (isError) return { error: obj ?? text }
  return obj ?? { result: text }
}

const CALL_KEYS = new Set(['functionCall', 'thoughtSignature'])
const CALL_INNER_KEYS = new Set(['name', 'args'])
const RESULT_KEYS = new Set(['functionResponse'])
const RESULT_INNER_KEYS = new Set(['name', 'response', 'parts'])

export function decodeCall(p: JsonObject, path: string, ctx: PartContext): ToolCallPart {
  const fc = objectAt(p.functionCall, `${path}.functionCall`) ?? {}
  if (typeof fc.name !== 'string') fail('functionCall.name must be a string', `${path}.functionCall.name`)
  if (fc.args !== undefined && fc.args !== null && !isObject(fc.args))
    fail('functionCall.args must be an object', `${path}.functionCall.args`)
  const part: ToolCallPart = {
    type: 'tool_call',
    id: ctx.onCall(fc.name, typeof fc.id === 'string' && fc.id !== '' ? fc.id : undefined),
    name: fc.name,
    arguments: stringifyArguments(fc.args),
  }
  if (typeof p.thoughtSignature === 'string') {
    const s = unwrapSignature(p.thoughtSignature, DIALECT, ctx.fallback)
    part.thoughtSignature = s.signature
    part.provenance = s.provenance
  }
  // `id` stays among the leftovers: re-emitted only to Gemini, never taken from a foreign IR.
  const extra = extraWith(DIALECT, payloadHints(p, CALL_KEYS, 'functionCall', fc, CALL_INNER_KEYS))
  if (extra) part.extra = extra
  return part
}

export function decodeResult(p: JsonObject, path: string, ctx: PartContext): ToolResultPart {
  const fr = objectAt(p.functionResponse, `${path}.functionResponse`) ?? {}
  if (typeof fr.name !== 'string')
    fail('functionResponse.name must be a string', `${path}.functionResponse.name`)
  const response = objectAt(fr.response, `${path}.functionResponse.response`)
  const part: ToolResultPart = {
    type: 'tool_result',
    toolCallId: ctx.onResult(fr.name, typeof fr.id === 'string' && fr.id !== '' ? fr.id : undefined),
    name: fr.name,
    content: [],
  }
  if (response) {
    const r = responseToText(response)
    part.content.push({ type: 'text', text: r.text })
    if (r.isError) part.isError = true
  }
  if (fr.parts !== undefined) {
    if (!Array.isArray(fr.parts))
      fail('functionResponse.parts must be an array', `${path}.functionResponse.parts`)
    for (let k = 0; k < fr.parts.length; k++) {
      const sub = fr.parts[k]
      const subPath = `${path}.functionResponse.parts.${k}`
      if (!isObject(sub)) fail('a part must be an object', subPath)
      const sp = camel(sub)
      if (sp.inlineData !== undefined) part.content.push(decodeInline(sp, subPath))
      else if (sp.fileData !== undefined) part.content.push(decodeFileData(sp, subPath))
      else fail('functionResponse.parts holds only inlineData or fileData', subPath)
    }
  }
  const h = payloadHints(p, RESULT_KEYS, 'functionResponse', fr, RESULT_INNER_KEYS)
  if (!response) h.noResponse = true
  const extra = extraWith(DIALECT, h)
  if (extra) part.extra = extra
  return part
}

const DECL_KEYS = new Set(['name', 'description', 'parameters', 'parametersJsonSchema'])
const TOOL_CONFIG_KEYS = new Set(['functionCallingConfig'])

/** Pairs calls and results: Gemini has no ids, so answers go to the earliest open call by name. */
export function requestPartContext(): PartContext {
  let minted = 0
  const open = new Map<string, string[]>()
  return {
    fallback: undefined,
    onCall(name, id) {
      const callId = id ?? `${MINTED_ID_PREFIX}${minted++}`
      const q = open.get(name)
      if (q) q.push(callId)
      else open.set(name, [callId])
      return callId
    },
    onResult(name, id) {
      const q = open.get(name)
      if (id !== undefined) {
        const at = q ? q.indexOf(id) : -1
        if (q && at !== -1) q.splice(at, 1)
        return id
      }
      return q?.shift() ?? `${MINTED_ID_PREFIX}${minted++}`
    },
  }
}

function decodeFunctionTool(raw: unknown, path: string): FunctionTool {
  const d = objectAt(raw, path)
  if (!d) fail('a function declaration must be an object', path)
  if (typeof d.name !== 'string') fail('name must be a string', `${path}.name`)
  if (d.description !== undefined && typeof d.description !== 'string')
    fail('description must be a string', `${path}.description`)
  const tool: FunctionTool = { kind: 'function', name: d.name, parameters: {} }
  if (typeof d.description === 'string') tool.description = d.description
  const h = hintsFor<Hints>(d, DECL_KEYS)
  if (d.parametersJsonSchema !== undefined) {
    if (!isObject(d.parametersJsonSchema))
      fail('parametersJsonSchema must be an object', `${path}.parametersJsonSchema`)
    tool.parameters = d.parametersJsonSchema
    // Both keys at once is invalid for Gemini, but keep the client's body whole.
    if (d.parameters !== undefined) h.schemaAsSent = d.parameters
  } else if (d.parameters !== undefined) {
    if (!isObject(d.parameters)) fail('parameters must be an object', `${path}.parameters`)
    const schema = jsonSchemaOf(d.parameters) as JsonObject
    tool.parameters = schema
    h.schemaField = 'parameters'
    if (schema !== d.parameters) h.schemaAsSent = d.parameters
  } else {
    tool.parameters = { type: 'object', properties: {} }
    h.schemaField = 'none'
  }
  const extra = extraWith(DIALECT, h)
  if (extra) tool.extra = extra
  return tool
}

/** Tool objects in canonical layout: all declarations in one object, every other tool alone. */
function canonicalGroups(tools: readonly Tool[]): number[] {
  let fn = -1
  let next = 0
  return tools.map((t) => {
    if (t.kind !== 'function') return next++
    if (fn === -1) fn = next++
    return fn
  })
}

export function decodeTools(v: unknown, req: Request, hints: Hints): void {
  if (v === undefined || v === null) return
  if (!Array.isArray(v)) fail('tools must be an array', 'tools')
  const tools: Tool[] = []
  const groups: number[] = []
  for (let g = 0; g < v.length; g++) {
    const t = objectAt(v[g], `tools.${g}`)
    if (!t) fail('a tool must be an object', `tools.${g}`)
    for (const key in t) {
      const value = t[key]
      if (key === 'functionDeclarations') {
        if (!Array.isArray(value))
          fail('functionDeclarations must be an array', `tools.${g}.functionDeclarations`)
        for (let k = 0; k < value.length; k++) {
          tools.push(decodeFunctionTool(value[k], `tools.${g}.functionDeclarations.${k}`))
          groups.push(g)
        }
      } else if (key === 'googleSearch') {
        tools.push({ kind: 'web_search', config: isObject(value) ? value : {}, dialect: DIALECT })
        groups.push(g)
      } else {
        tools.push({ kind: 'server', dialect: DIALECT, raw: { [key]: value } })
        groups.push(g)
      }
    }
  }
  req.tools = tools
  const canon = canonicalGroups(tools)
  if (canon.length !== groups.length || canon.some((c, i) => c !== groups[i])) hints.toolGroups = groups
}

export function decodeToolConfig(v: unknown, req: Request, hints: Hints): void {
  const tc = objectAt(v, 'toolConfig')
  if (!tc) return
  hints.toolConfig = unknownFields(tc, TOOL_CONFIG_KEYS) ?? {}
  const fcc = objectAt(tc.functionCallingConfig, 'toolConfig.functionCallingConfig')
  if (fcc) {
    const left: JsonObject = { ...fcc }
    const names = fcc.allowedFunctionNames
    if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string')))
      fail(
        'allowedFunctionNames must be an array of strings',
        'toolConfig.functionCallingConfig.allowedFunctionNames',
      )
    let choice: ToolChoice | undefined
    if (fcc.mode === 'AUTO') choice = { type: 'auto' }
    else if (fcc.mode === 'NONE') choice = { type: 'none' }
    else if (fcc.mode === 'ANY') {
      if (Array.isArray(names) && names.length === 1) {
        choice = { type: 'tool', name: names[0] as string }
        delete left.allowedFunctionNames
      } else choice = { type: 'required' }
    } else if (fcc.mode === 'VALIDATED') choice = { type: 'auto' } // the model decides; mode kept below
    if (choice) {
      req.toolChoice = choice
      if (fcc.mode !== 'VALIDATED') delete left.mode
    }
    hints.functionCallingConfig = left
  }
}

export function encodeCallPart(part: ToolCallPart, st: EncodeState): JsonObject {
  st.names.set(part.id, part.name)
  if (!st.order.has(part.id)) st.order.set(part.id, st.order.size)
  const h = keptHints(part.extra, st.same)
  const fc: JsonObject = { ...h?.functionCall }
  fc.name = part.name
  fc.args = parseArguments(part.arguments)
  const out: JsonObject = { ...h?.fields, functionCall: fc }
  if (
    part.thoughtSignature !== undefined &&
    isNative(part.provenance, DIALECT, st.opts.provider, st.opts.model)
  )
    out.thoughtSignature = part.thoughtSignature
  return out
}

export function encodeResultPart(
  part: ToolResultPart,
  param: string,
  st: EncodeState,
  trailing: JsonObject[],
): JsonObject {
  const name = part.name ?? st.names.get(part.toolCallId)
  if (name === undefined)
    fail(
      `tool result ${part.toolCallId} answers no tool call in the history, and Gemini needs the function name`,
      `${param}.toolCallId`,
    )
  let text: string | undefined
  const media: Array<ImagePart | FilePart> = []
  for (const c of part.content) {
    if (c.type === 'text') text = text === undefined ? c.text : `${text}\n${c.text}`
    else media.push(c)
  }
  const h = keptHints(part.extra, st.same)
  const fr: JsonObject = { ...h?.functionResponse }
  fr.name = name
  if (h?.noResponse !== true)
    fr.response =
      text === undefined ? (part.isError ? { error: '' } : {}) : textToResponse(text, part.isError)
  if (media.length > 0) {
    const encoded: JsonObject[] = []
    for (let k = 0; k < media.length; k++) {
      const m = media[k]!
      const e = encodeMedia(m.source, m.extra, `${param}.content.${k}`, st.same)
      if (e) encoded.push(e)
    }
    // Gemini's own multimodal results stay inside the call; foreign ones follow as plain parts.
    if (st.same) fr.parts = encoded
    else trailing.push(...encoded)
  }
  if (st.same) return { ...h?.fields, functionResponse: fr }
  const out: JsonObject = { functionResponse: fr }
  const at = st.order.get(part.toolCallId)
  if (at !== undefined) st.rank.set(out, at)
  return out
}

/**
 * Foreign ids are not sent, so Gemini pairs answers with calls by name and position: put a turn's
 * functionResponses in the order of their calls (a client may answer parallel calls out of order).
 */
export function orderResponses(parts: JsonObject[], rank: WeakMap<JsonObject, number>): void {
  const slots: number[] = []
  const responses: JsonObject[] = []
  parts.forEach((p, i) => {
    if (p.functionResponse === undefined) return
    slots.push(i)
    responses.push(p)
  })
  if (responses.length < 2 || !responses.every((p) => rank.has(p))) return
  responses.sort((x, y) => rank.get(x)! - rank.get(y)!)
  slots.forEach((at, k) => {
    parts[at] = responses[k]!
  })
}

export function encodeTools(req: Request, st: EncodeState): JsonObject[] | undefined {
  const tools = req.tools
  if (!tools || tools.length === 0) return tools ? [] : undefined
  const stored = st.hints?.toolGroups
  const groups =
    Array.isArray(stored) && stored.length === tools.length ? (stored as number[]) : canonicalGroups(tools)
  const out: JsonObject[] = []
  for (let k = 0; k < tools.length; k++) {
    const t = tools[k]!
    const g = groups[k]!
    while (out.length <= g) out.push({})
    const slot = out[g]!
    if (t.kind === 'function') {
      const h = keptHints(t.extra, st.same)
      const decl: JsonObject = { ...h?.fields }
      decl.name = t.name
      if (t.description !== undefined) decl.description = t.description
      const key = h?.schemaField
      if (key === 'parameters') decl.parameters = h?.schemaAsSent ?? t.parameters
      else if (key !== 'none') {
        decl.parametersJsonSchema = t.parameters
        if (h?.schemaAsSent !== undefined) decl.parameters = h.schemaAsSent
      }
      const list = (slot.functionDeclarations as JsonObject[] | undefined) ?? []
      list.push(decl)
      slot.functionDeclarations = list
    } else if (t.kind === 'web_search') {
      slot.googleSearch = t.dialect === DIALECT ? (t.config ?? {}) : {}
    } else if (t.dialect === DIALECT) Object.assign(slot, t.raw)
    else
      fail(
        `the ${t.dialect} server tool ${Object.keys(t.raw).join(',')} has no Gemini equivalent`,
        `tools.${k}`,
      )
  }
  return out
}

export function encodeToolConfig(req: Request, st: EncodeState): JsonObject | undefined {
  const bag = st.hints?.toolConfig
  const fccBag = bag ? st.hints?.functionCallingConfig : undefined
  const fcc: JsonObject = {}
  const choice = req.toolChoice
  if (choice?.type === 'auto') fcc.mode = 'AUTO'
  else if (choice?.type === 'none') fcc.mode = 'NONE'
  else if (choice?.type === 'required') fcc.mode = 'ANY'
  else if (choice?.type === 'tool') {
    fcc.mode = 'ANY'
    fcc.allowedFunctionNames = [choice.name]
  }
  Object.assign(fcc, fccBag)
  if (Object.keys(fcc).length === 0 && !fccBag && !bag) return undefined
  const out: JsonObject = { ...bag }
  if (Object.keys(fcc).length > 0 || fccBag) out.functionCallingConfig = fcc
  return out
}
