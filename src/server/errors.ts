/**
 * One error type for everything the server answers with a failure, turned into a response in
 * one place, in the envelope of the dialect whose endpoint was hit (OpenAI on OpenAI routes,
 * Anthropic on Anthropic routes, Gemini on Gemini routes).
 */

import {
  DialectError,
  type DialectName,
  type ErrorInfo,
  type ErrorKind,
  STATUS_OF_KIND,
} from '../dialects/ir.ts'
import { dialects } from '../dialects/registry.ts'
import { RouteError } from '../routing/index.ts'

export class HttpError extends Error {
  readonly info: ErrorInfo
  /** Response headers the answer must carry (`connection: close` when the body was left unread). */
  readonly headers: Record<string, string> | undefined
  constructor(
    kind: ErrorKind,
    message: string,
    extra: Partial<ErrorInfo> = {},
    headers?: Record<string, string>,
  ) {
    super(message)
    this.name = 'HttpError'
    this.info = { kind, message, ...extra }
    this.headers = headers
  }
  get status(): number {
    return this.info.status ?? STATUS_OF_KIND[this.info.kind]
  }
}

/**
 * For answers given before the request body was read (or while it still trickles in): without
 * it the runtime keeps the connection to drain the rest of the body, however long that takes.
 */
export const CLOSE_CONNECTION: Readonly<Record<string, string>> = Object.freeze({ connection: 'close' })

/** The dialect whose error envelope a path answers in. */
export function dialectForPath(path: string): DialectName {
  if (path.startsWith('/v1/messages')) return 'anthropic-messages'
  if (path.startsWith('/v1beta/') || (path.startsWith('/v1/models/') && path.includes(':'))) return 'gemini'
  if (path.startsWith('/v1/responses')) return 'openai-responses'
  return 'openai-chat'
}

/** An error as the response a client of `dialect` expects; Retry-After forwarded when known. */
export function errorResponse(
  dialect: DialectName,
  info: ErrorInfo,
  headers?: Record<string, string>,
): Response {
  const { status, body } = dialects[dialect].encodeError(info)
  const h = new Headers(headers)
  h.set('content-type', 'application/json')
  if (info.retryAfter !== undefined) h.set('retry-after', String(Math.max(0, Math.ceil(info.retryAfter))))
  return new Response(JSON.stringify(body), { status, headers: h })
}

/** Whatever was thrown → the IR error it means. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof HttpError) return { ...err.info, status: err.status }
  if (err instanceof DialectError) return err.info
  if (err instanceof RouteError) return err.info
  return { kind: 'api_error', message: 'Internal error in byokey; see the server log for details' }
}
