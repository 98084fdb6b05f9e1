/**
 * Gemini `generateContent` request body ↔ IR: the envelope. The model and the stream flag live
 * in the URL (`models/{model}:streamGenerateContent?alt=sse`), so `decodeRequest` takes them from
 * the context and `encodeRequest` returns the body only; the caller builds the URL.
 *
 * Each top-level field belongs to the file of its concern: `contents` and `systemInstruction`
 * to `content.ts`, `tools` and `toolConfig` to `tools.ts`, `generationConfig` to `sampling.ts`
 * (its `thinkingConfig` to `reasoning.ts`). Not expressible and dropped: `user`, image `detail`.
 * proto-JSON snake_case input is accepted (`proto-json.ts`).
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { extraWith, fail, hintsFor } from '../common/round-trip.ts'
import type { DecodeRequestContext, EncodeRequestOptions } from '../contract.ts'
import type { Request } from '../ir.ts'
import {
  decodeContents,
  decodeSystem,
  type EncodeState,
  encodeContents,
  encodeSystem,
  keptHints,
} from './content.ts'
import { camel } from './proto-json.ts'
import { decodeGeneration, encodeGeneration } from './sampling.ts'
import { decodeToolConfig, decodeTools, encodeToolConfig, encodeTools, requestPartContext } from './tools.ts'
import { DIALECT, type Hints } from './types.ts'

/** `models/gemini-2.5-pro` → `gemini-2.5-pro`. */
export function bareModel(model: string): string {
  return model.startsWith('models/') ? model.slice(7) : model
}

/** `gemini-3…`, also behind a provider's catalogue prefix (Antigravity's `ag-gemini-3-flash`). */
export function isGemini3(model: string): boolean {
  return /^(?:[a-z]+-)?gemini-3/.test(bareModel(model))
}

const TOP_KEYS = new Set(['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig'])

export function decodeRequest(body: unknown, ctx: DecodeRequestContext = {}): Request {
  if (!isObject(body)) fail('the request body must be a JSON object', 'body')
  if (typeof ctx.model !== 'string' || ctx.model === '')
    fail('a Gemini request names its model in the URL (models/{model}:generateContent)', 'model')
  const b = camel(body)
  const req: Request = {
    source: DIALECT,
    model: bareModel(ctx.model),
    system: [],
    messages: [],
    stream: ctx.stream ?? false,
    extra: {},
  }
  const hints = hintsFor<Hints>(b, TOP_KEYS)
  if (b.contents === undefined) fail('contents is required', 'contents')
  decodeSystem(b.systemInstruction, req, hints)
  req.messages = decodeContents(b.contents, requestPartContext())
  decodeTools(b.tools, req, hints)
  decodeToolConfig(b.toolConfig, req, hints)
  decodeGeneration(b.generationConfig, req, hints)
  const extra = extraWith(DIALECT, hints)
  if (extra) req.extra = extra
  return req
}

export function encodeRequest(req: Request, opts: EncodeRequestOptions = {}): Record<string, unknown> {
  const same = req.source === DIALECT
  const hints = keptHints(req.extra, same)
  const st: EncodeState = {
    same,
    hints,
    opts,
    names: new Map(),
    order: new Map(),
    rank: new WeakMap(),
  }
  const gemini3 = isGemini3(opts.model ?? req.model)
  const body: JsonObject = { ...hints?.fields }
  const { contents, hoisted } = encodeContents(req, st, gemini3)
  body.contents = contents
  const system = encodeSystem(req, st, hoisted)
  if (system) body.systemInstruction = system
  const tools = encodeTools(req, st)
  if (tools) body.tools = tools
  const toolConfig = encodeToolConfig(req, st)
  if (toolConfig) body.toolConfig = toolConfig
  const gen = encodeGeneration(req, st, gemini3)
  if (gen) body.generationConfig = gen
  return body
}
