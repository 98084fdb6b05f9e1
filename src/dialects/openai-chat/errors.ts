/**
 * OpenAI's error envelope `{"error":{"message","type","param","code"}}` ↔ IR `ErrorInfo`.
 *
 * | IR kind            | HTTP (unless `status` given) | `type`                  |
 * |--------------------|------------------------------|-------------------------|
 * | invalid_request    | 400                          | `invalid_request_error` |
 * | authentication     | 401                          | `authentication_error`  |
 * | billing            | 402                          | `insufficient_quota`    |
 * | permission         | 403                          | `permission_error`      |
 * | not_found          | 404                          | `invalid_request_error` |
 * | request_too_large  | 413                          | `invalid_request_error` |
 * | rate_limit         | 429                          | `rate_limit_error`      |
 * | api_error          | 500                          | `server_error`          |
 * | overloaded         | 503 (Chat clients know no 529) | `server_error`        |
 * | timeout            | 504                          | `server_error`          |
 *
 * Decoding reads the HTTP status first; without one (errors inside a stream) the `type` and
 * `code` decide. `code`s that say more than the status (`insufficient_quota` on a 429,
 * `model_not_found`, `invalid_api_key`) refine the kind.
 */
import { isObject } from '../common/json.ts'
import { type ErrorInfo, type ErrorKind, kindOfStatus, STATUS_OF_KIND } from '../ir.ts'

const TYPE_OF_KIND: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  billing: 'insufficient_quota',
  permission: 'permission_error',
  not_found: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  rate_limit: 'rate_limit_error',
  api_error: 'server_error',
  overloaded: 'server_error',
  timeout: 'server_error',
}

const KIND_OF_TYPE: Record<string, ErrorKind> = {
  invalid_request_error: 'invalid_request',
  authentication_error: 'authentication',
  permission_error: 'permission',
  not_found_error: 'not_found',
  rate_limit_error: 'rate_limit',
  requests: 'rate_limit',
  tokens: 'rate_limit',
  insufficient_quota: 'billing',
  server_error: 'api_error',
  api_error: 'api_error',
  overloaded_error: 'overloaded',
  service_unavailable: 'overloaded',
  timeout: 'timeout',
}

const KIND_OF_CODE: Record<string, ErrorKind> = {
  invalid_api_key: 'authentication',
  model_not_found: 'not_found',
  rate_limit_exceeded: 'rate_limit',
  insufficient_quota: 'billing',
}

export function encodeError(err: ErrorInfo): { status: number; body: Record<string, unknown> } {
  const status = err.status ?? (err.kind === 'overloaded' ? 503 : STATUS_OF_KIND[err.kind])
  return { status, body: errorBody(err) }
}

/** The envelope alone, as the stream encoder writes it after HTTP 200. */
export function errorBody(err: ErrorInfo): { error: Record<string, unknown> } {
  return {
    error: {
      message: err.message,
      type: TYPE_OF_KIND[err.kind],
      param: err.param ?? null,
      code: err.code ?? null,
    },
  }
}

const text = new TextDecoder()

/**
 * An upstream error body (parsed JSON, raw text or bytes) → IR. `status` 0 means unknown (an
 * error inside a stream).
 */
export function decodeError(status: number, body: unknown): ErrorInfo {
  let obj: unknown = body
  let message: string | undefined
  if (body instanceof Uint8Array) obj = text.decode(body)
  if (typeof obj === 'string') {
    const raw = obj
    try {
      obj = JSON.parse(raw)
    } catch {
      message = raw.trim()
      obj = undefined
    }
  }
  if (Array.isArray(obj)) obj = obj[0]
  let type: string | undefined
  let code: string | undefined
  let param: string | undefined
  if (isObject(obj)) {
    const e = obj.error
    if (isObject(e)) {
      if (typeof e.message === 'string') message = e.message
      if (typeof e.type === 'string') type = e.type
      if (typeof e.code === 'string' || typeof e.code === 'number') code = String(e.code)
      if (typeof e.param === 'string') param = e.param
    } else if (typeof e === 'string') message = e
    else if (typeof obj.message === 'string') message = obj.message
    else if (typeof obj.detail === 'string') message = obj.detail
  }
  let kind: ErrorKind =
    status >= 400
      ? kindOfStatus(status)
      : ((type === undefined ? undefined : KIND_OF_TYPE[type]) ?? 'api_error')
  const byCode: ErrorKind | undefined =
    (code === undefined ? undefined : KIND_OF_CODE[code]) ??
    (type === 'insufficient_quota' ? 'billing' : undefined)
  if (byCode && (status < 400 || kind === 'invalid_request' || kind === 'rate_limit')) kind = byCode
  const info: ErrorInfo = { kind, message: message || (status >= 400 ? `HTTP ${status}` : 'upstream error') }
  if (status >= 400) info.status = status
  if (param !== undefined) info.param = param
  if (code !== undefined) info.code = code
  return info
}
