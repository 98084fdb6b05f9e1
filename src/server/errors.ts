/**
 * Which envelope a failure is answered in (the dialect whose endpoint was hit: OpenAI on OpenAI
 * routes, Anthropic on Anthropic routes, Gemini on Gemini routes), and what a thrown error means.
 * The error type and the envelope itself: `gateway/http-error.ts`.
 */

import { DialectError, type DialectName, type ErrorInfo } from '../dialects/ir.ts'
import { HttpError } from '../gateway/http-error.ts'
import { RouteError } from '../routing/index.ts'
import { servedPath } from './amp/paths.ts'

/**
 * For answers given before the request body was read (or while it still trickles in): without
 * it the runtime keeps the connection to drain the rest of the body, however long that takes.
 */
export const CLOSE_CONNECTION: Readonly<Record<string, string>> = Object.freeze({ connection: 'close' })

/** The dialect whose error envelope a path answers in (Amp's `/api/provider/…` as the endpoint serving it). */
export function dialectForPath(served: string): DialectName {
  const path = servedPath(served)
  if (path.startsWith('/v1/messages')) return 'anthropic-messages'
  if (path.startsWith('/v1beta/') || (path.startsWith('/v1/models/') && path.includes(':'))) return 'gemini'
  if (path.startsWith('/v1/responses')) return 'openai-responses'
  return 'openai-chat'
}

/** Whatever was thrown → the IR error it means. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof HttpError) return { ...err.info, status: err.status }
  if (err instanceof DialectError) return err.info
  if (err instanceof RouteError) return err.info
  return { kind: 'api_error', message: 'Internal error in byokey; see the server log for details' }
}
