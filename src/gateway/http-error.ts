/**
 * One error type for everything byokey answers with a failure (the gateway's and the server's),
 * turned into a response in one place: the error envelope of the client's dialect.
 */
import { type DialectName, type ErrorInfo, type ErrorKind, STATUS_OF_KIND } from '../dialects/ir.ts'
import { dialects } from '../dialects/registry.ts'

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
