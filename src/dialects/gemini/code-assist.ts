/**
 * The Code Assist (`cloudcode-pa.googleapis.com/v1internal:*`) envelope that Gemini CLI and
 * Antigravity speak: the same `generateContent` body and answers, wrapped.
 *
 * - Request: `{model, project, user_prompt_id, request: {…body, session_id}}` (the model moves
 *   from the URL into the envelope; `session_id` stays snake_case inside `request`).
 * - Answer and every SSE chunk: `{"response": {…}, "traceId": "…"}`; the `traceId` stands in for
 *   `responseId` when the inner response has none, and comes back out as it was.
 * - Errors are Google's plain envelope, not wrapped.
 *
 * `codeAssist` is a Dialect-shaped codec (name `gemini`: same IR source, same extras) for a
 * gateway that serves or calls Code Assist; providers that only wrap a body use the helpers.
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { fail, unknownFields } from '../common/round-trip.ts'
import { withStreams } from '../common/stream.ts'
import type {
  DecodeRequestContext,
  DecodeStreamOptions,
  Dialect,
  EncodeRequestOptions,
  EncodeResponseOptions,
} from '../contract.ts'
import type { Request, Response } from '../ir.ts'
import { keptHints } from './content.ts'
import { decodeError, encodeError } from './errors.ts'
import { decodeRequest, encodeRequest } from './request.ts'
import { decodeInnerResponse, encodeResponse, responseUsage } from './response.ts'
import { createStreamDecoder } from './stream-decode.ts'
import { createStreamEncoder } from './stream-encode.ts'
import type { CodeAssistRequest, Hints } from './types.ts'
import { DIALECT } from './types.ts'
import { wireFacts } from './wire-facts.ts'

export interface CodeAssistWrapOptions {
  model: string
  project: string
  userPromptId?: string
  sessionId?: string
}

/** A Gemini body inside the Code Assist request envelope. */
export function wrapCodeAssistRequest(
  body: Record<string, unknown>,
  o: CodeAssistWrapOptions,
): CodeAssistRequest {
  const request = (
    o.sessionId === undefined ? { ...body } : { ...body, session_id: o.sessionId }
  ) as CodeAssistRequest['request']
  const env: CodeAssistRequest = { model: o.model, project: o.project, request }
  if (o.userPromptId !== undefined) env.user_prompt_id = o.userPromptId
  return env
}

export interface UnwrappedCodeAssistRequest {
  body: JsonObject
  model?: string
  project?: string
  userPromptId?: string
  sessionId?: string
}

export function unwrapCodeAssistRequest(envelope: unknown): UnwrappedCodeAssistRequest {
  if (!isObject(envelope)) fail('the Code Assist request must be a JSON object', 'body')
  if (!isObject(envelope.request)) fail('the Code Assist envelope needs a request object', 'request')
  const out: UnwrappedCodeAssistRequest = { body: envelope.request }
  if (typeof envelope.model === 'string') out.model = envelope.model
  if (typeof envelope.project === 'string') out.project = envelope.project
  if (typeof envelope.user_prompt_id === 'string') out.userPromptId = envelope.user_prompt_id
  if (typeof envelope.request.session_id === 'string') out.sessionId = envelope.request.session_id
  return out
}

/** The inner Gemini response of `{response, traceId}`; `traceId` becomes `responseId` when missing. */
export function unwrapCodeAssistResponse(obj: unknown): JsonObject {
  if (!isObject(obj)) fail('a Code Assist response must be a JSON object', 'body')
  if (!isObject(obj.response)) return obj
  const inner = obj.response
  if (inner.responseId === undefined && typeof obj.traceId === 'string')
    return { ...inner, responseId: obj.traceId }
  return inner
}

const ENVELOPE_KEYS = new Set(['request', 'model'])

export interface CodeAssistEncodeOptions extends EncodeRequestOptions {
  project?: string
  userPromptId?: string
  sessionId?: string
}

function decodeCodeAssistRequest(body: unknown, ctx: DecodeRequestContext = {}): Request {
  const u = unwrapCodeAssistRequest(body)
  const model = u.model ?? ctx.model
  const req = decodeRequest(u.body, model === undefined ? { ...ctx } : { ...ctx, model })
  const hints: Hints = keptHints(req.extra, true) ?? {}
  hints.codeAssist = unknownFields(body as JsonObject, ENVELOPE_KEYS) ?? {}
  req.extra[DIALECT] = hints
  return req
}

function encodeCodeAssistRequest(req: Request, opts: CodeAssistEncodeOptions = {}): Record<string, unknown> {
  const body = encodeRequest(req, opts)
  const stored = keptHints(req.extra, req.source === DIALECT)?.codeAssist
  const env: JsonObject = { ...stored, model: opts.model ?? req.model }
  if (opts.project !== undefined) env.project = opts.project
  if (opts.userPromptId !== undefined) env.user_prompt_id = opts.userPromptId
  if (opts.sessionId !== undefined) body.session_id = opts.sessionId
  env.request = body
  return env
}

function decodeCodeAssistResponse(body: unknown, opts?: DecodeStreamOptions): Response {
  if (!isObject(body)) fail('a Code Assist response must be a JSON object', 'body')
  if (!isObject(body.response)) return decodeInnerResponse(body, opts, undefined)
  const traceId = typeof body.traceId === 'string' ? body.traceId : undefined
  return decodeInnerResponse(body.response, opts, traceId)
}

function encodeCodeAssistResponse(res: Response, opts?: EncodeResponseOptions): Record<string, unknown> {
  const inner = encodeResponse(res, opts)
  const hints = keptHints(res.extra, res.source === DIALECT)
  if (hints?.omitResponseId === true) delete inner.responseId
  const traceId = typeof hints?.traceId === 'string' ? hints.traceId : res.id
  return { response: inner, traceId }
}

export const codeAssist: Dialect = withStreams({
  name: DIALECT,
  decodeRequest: decodeCodeAssistRequest,
  encodeRequest: encodeCodeAssistRequest,
  decodeResponse: decodeCodeAssistResponse,
  encodeResponse: encodeCodeAssistResponse,
  // the Code Assist envelope puts the generateContent body under `response`
  responseUsage: (body) => responseUsage(isObject(body) && isObject(body.response) ? body.response : body),
  decodeStreamCore: (opts) => createStreamDecoder(opts, true),
  encodeStreamCore: (opts) => createStreamEncoder(opts, true),
  encodeError,
  decodeError,
  ...wireFacts,
  // Code Assist's count endpoint has an envelope of its own, which this codec does not write
  countTokens: undefined,
})
