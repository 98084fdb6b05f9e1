/**
 * `generationConfig` ↔ the IR's flat sampling fields and response format; its `thinkingConfig`
 * is `reasoning.ts`'s. The scalar fields are one two-way table that both directions walk, in
 * the order Gemini's own clients write them (the encoder's key order).
 *
 * Response format: `responseMimeType: application/json` with a `responseJsonSchema` (or an
 * OpenAPI `responseSchema`, read with lower-cased `type`s and sent back as it came) ↔
 * `json_schema`; without a schema ↔ `json_object`; `text/plain` ↔ `text`. Enum output
 * (`text/x.enum`) and other shapes ride along as they are. A json_schema format's
 * `name`/`strict`/`description` have no Gemini field and are dropped (its schema-constrained
 * output is always strict).
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { fail, unknownFields } from '../common/round-trip.ts'
import type { Request, ResponseFormat } from '../ir.ts'
import type { EncodeState } from './content.ts'
import { jsonSchemaOf } from './json-schema.ts'
import { numberAt, objectAt } from './proto-json.ts'
import { decodeThinking, encodeThinking } from './reasoning.ts'
import type { Hints } from './types.ts'

/** The IR's numeric sampling fields. */
type NumberField =
  | 'temperature'
  | 'topP'
  | 'topK'
  | 'n'
  | 'maxOutputTokens'
  | 'seed'
  | 'presencePenalty'
  | 'frequencyPenalty'

interface SamplingEntry {
  /** The `generationConfig` field. */
  wire: string
  /** The IR field; `stop` is a list of strings, every other one a number. */
  ir: NumberField | 'stop'
}

const SAMPLING: readonly SamplingEntry[] = [
  { wire: 'temperature', ir: 'temperature' },
  { wire: 'topP', ir: 'topP' },
  { wire: 'topK', ir: 'topK' },
  { wire: 'candidateCount', ir: 'n' },
  { wire: 'maxOutputTokens', ir: 'maxOutputTokens' },
  { wire: 'stopSequences', ir: 'stop' },
  { wire: 'seed', ir: 'seed' },
  { wire: 'presencePenalty', ir: 'presencePenalty' },
  { wire: 'frequencyPenalty', ir: 'frequencyPenalty' },
]

const GEN_KEYS = new Set([
  ...SAMPLING.map((e) => e.wire),
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'thinkingConfig',
])

const P = 'generationConfig'

export function decodeGeneration(v: unknown, req: Request, hints: Hints): void {
  const gc = objectAt(v, P)
  if (!gc) return
  const bag: JsonObject = unknownFields(gc, GEN_KEYS) ?? {}
  for (const e of SAMPLING) {
    if (e.ir === 'stop') {
      const stop = gc[e.wire]
      if (stop === undefined) continue
      if (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string'))
        fail('stopSequences must be an array of strings', `${P}.${e.wire}`)
      req.stop = stop as string[]
    } else {
      const n = numberAt(gc, e.wire, P)
      if (n !== undefined) req[e.ir] = n
    }
  }
  const format = decodeResponseFormat(gc, bag, hints)
  if (format) req.responseFormat = format
  const reasoning = decodeThinking(gc.thinkingConfig, hints)
  if (reasoning) req.reasoning = reasoning
  hints.generationConfig = bag
}

/** The response format; what the IR cannot hold goes into `bag` (the kept generationConfig fields). */
function decodeResponseFormat(gc: JsonObject, bag: JsonObject, hints: Hints): ResponseFormat | undefined {
  const mime = gc.responseMimeType
  if (mime !== undefined && typeof mime !== 'string')
    fail('responseMimeType must be a string', `${P}.responseMimeType`)
  let format: ResponseFormat | undefined
  if (mime === 'application/json') {
    if (isObject(gc.responseJsonSchema)) {
      format = { type: 'json_schema', schema: gc.responseJsonSchema }
      if (gc.responseSchema !== undefined) bag.responseSchema = gc.responseSchema
    } else if (isObject(gc.responseSchema) && gc.responseJsonSchema === undefined) {
      const schema = jsonSchemaOf(gc.responseSchema) as JsonObject
      format = { type: 'json_schema', schema }
      hints.schemaField = 'responseSchema'
      if (schema !== gc.responseSchema) hints.schemaAsSent = gc.responseSchema
    } else if (gc.responseSchema === undefined && gc.responseJsonSchema === undefined)
      format = { type: 'json_object' }
  } else if (mime === 'text/plain' && gc.responseSchema === undefined && gc.responseJsonSchema === undefined)
    format = { type: 'text' }
  if (!format) {
    // Enum output (`text/x.enum`) and other shapes the IR has no format for ride along as they are.
    if (mime !== undefined) bag.responseMimeType = mime
    if (gc.responseSchema !== undefined) bag.responseSchema = gc.responseSchema
    if (gc.responseJsonSchema !== undefined) bag.responseJsonSchema = gc.responseJsonSchema
  }
  return format
}

export function encodeGeneration(req: Request, st: EncodeState, gemini3: boolean): JsonObject | undefined {
  const bag = st.hints?.generationConfig
  const gc: JsonObject = { ...bag }
  for (const e of SAMPLING) {
    const v = req[e.ir]
    if (v !== undefined) gc[e.wire] = v
  }
  const f = req.responseFormat
  if (f?.type === 'text') gc.responseMimeType = 'text/plain'
  else if (f?.type === 'json_object') gc.responseMimeType = 'application/json'
  else if (f?.type === 'json_schema') {
    gc.responseMimeType = 'application/json'
    if (st.hints?.schemaField === 'responseSchema') gc.responseSchema = st.hints.schemaAsSent ?? f.schema
    else gc.responseJsonSchema = f.schema
  }
  const thinking = encodeThinking(req.reasoning, st.hints, st.same, gemini3)
  if (thinking) gc.thinkingConfig = thinking
  return Object.keys(gc).length > 0 || bag ? gc : undefined
}
