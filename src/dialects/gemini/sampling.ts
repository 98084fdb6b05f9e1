/**
 * `generationConfig` ↔ the IR's flat sampling fields and response format; its `thinkingConfig`
 * is `reasoning.ts`'s.
 *
 * Response format: `responseMimeType: application/json` with a `responseJsonSchema` (or an
 * OpenAPI `responseSchema`, read with lower-cased `type`s and sent back as it came) ↔
 * `json_schema`; without a schema ↔ `json_object`; `text/plain` ↔ `text`. Enum output
 * (`text/x.enum`) and other shapes ride along as they are. A json_schema format's
 * `name`/`strict`/`description` have no Gemini field and are dropped (its schema-constrained
 * output is always strict).
 */
import { isObject, type JsonObject, pickExtra } from '../common/json.ts'
import { fail } from '../common/round-trip.ts'
import type { Request, ResponseFormat } from '../ir.ts'
import { bagOf, type EncodeState, wireExtra } from './content.ts'
import { jsonSchemaOf } from './json-schema.ts'
import { numberAt, objectAt } from './proto-json.ts'
import { decodeThinking, encodeThinking } from './reasoning.ts'

const GEN_KEYS = new Set([
  'temperature',
  'topP',
  'topK',
  'candidateCount',
  'maxOutputTokens',
  'stopSequences',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'thinkingConfig',
])

export function decodeGeneration(v: unknown, req: Request): void {
  const gc = objectAt(v, 'generationConfig')
  if (!gc) return
  const P = 'generationConfig'
  const bag: JsonObject = pickExtra(gc, GEN_KEYS) ?? {}
  const temperature = numberAt(gc, 'temperature', P)
  if (temperature !== undefined) req.temperature = temperature
  const topP = numberAt(gc, 'topP', P)
  if (topP !== undefined) req.topP = topP
  const topK = numberAt(gc, 'topK', P)
  if (topK !== undefined) req.topK = topK
  const n = numberAt(gc, 'candidateCount', P)
  if (n !== undefined) req.n = n
  const max = numberAt(gc, 'maxOutputTokens', P)
  if (max !== undefined) req.maxOutputTokens = max
  const seed = numberAt(gc, 'seed', P)
  if (seed !== undefined) req.seed = seed
  const pp = numberAt(gc, 'presencePenalty', P)
  if (pp !== undefined) req.presencePenalty = pp
  const fp = numberAt(gc, 'frequencyPenalty', P)
  if (fp !== undefined) req.frequencyPenalty = fp
  if (gc.stopSequences !== undefined) {
    if (!Array.isArray(gc.stopSequences) || gc.stopSequences.some((s) => typeof s !== 'string'))
      fail('stopSequences must be an array of strings', `${P}.stopSequences`)
    req.stop = gc.stopSequences as string[]
  }
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
      bag.$schema = 'responseSchema'
      if (schema !== gc.responseSchema) bag.$responseSchema = gc.responseSchema
    } else if (gc.responseSchema === undefined && gc.responseJsonSchema === undefined)
      format = { type: 'json_object' }
  } else if (mime === 'text/plain' && gc.responseSchema === undefined && gc.responseJsonSchema === undefined)
    format = { type: 'text' }
  if (format) req.responseFormat = format
  else {
    // Enum output (`text/x.enum`) and other shapes the IR has no format for ride along as they are.
    if (mime !== undefined) bag.responseMimeType = mime
    if (gc.responseSchema !== undefined) bag.responseSchema = gc.responseSchema
    if (gc.responseJsonSchema !== undefined) bag.responseJsonSchema = gc.responseJsonSchema
  }
  const reasoning = decodeThinking(gc.thinkingConfig, bag)
  if (reasoning) req.reasoning = reasoning
  req.extra.$generationConfig = bag
}

export function encodeGeneration(req: Request, st: EncodeState, gemini3: boolean): JsonObject | undefined {
  const bag = st.same ? bagOf(req.extra, '$generationConfig') : undefined
  const gc: JsonObject = { ...wireExtra(bag) }
  if (req.temperature !== undefined) gc.temperature = req.temperature
  if (req.topP !== undefined) gc.topP = req.topP
  if (req.topK !== undefined) gc.topK = req.topK
  if (req.n !== undefined) gc.candidateCount = req.n
  if (req.maxOutputTokens !== undefined) gc.maxOutputTokens = req.maxOutputTokens
  if (req.stop !== undefined) gc.stopSequences = req.stop
  if (req.seed !== undefined) gc.seed = req.seed
  if (req.presencePenalty !== undefined) gc.presencePenalty = req.presencePenalty
  if (req.frequencyPenalty !== undefined) gc.frequencyPenalty = req.frequencyPenalty
  const f = req.responseFormat
  if (f?.type === 'text') gc.responseMimeType = 'text/plain'
  else if (f?.type === 'json_object') gc.responseMimeType = 'application/json'
  else if (f?.type === 'json_schema') {
    gc.responseMimeType = 'application/json'
    if (bag?.$schema === 'responseSchema') gc.responseSchema = bag.$responseSchema ?? f.schema
    else gc.responseJsonSchema = f.schema
  }
  const thinking = encodeThinking(
    req.reasoning,
    bag ? bagOf(bag, '$thinkingConfig') : undefined,
    st.same,
    gemini3,
  )
  if (thinking) gc.thinkingConfig = thinking
  return Object.keys(gc).length > 0 || bag ? gc : undefined
}
