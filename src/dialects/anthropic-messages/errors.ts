/**
 * The Anthropic error envelope `{"type":"error","error":{"type","message"},"request_id"?}` ↔ IR.
 *
 * | HTTP | `error.type`            | IR `kind`          |
 * |------|-------------------------|--------------------|
 * | 400  | `invalid_request_error` | `invalid_request`  |
 * | 401  | `authentication_error`  | `authentication`   |
 * | 402  | `billing_error`         | `billing`          |
 * | 403  | `permission_error`      | `permission`       |
 * | 404  | `not_found_error`       | `not_found`        |
 * | 413  | `request_too_large`     | `request_too_large`|
 * | 429  | `rate_limit_error`      | `rate_limit`       |
 * | 500  | `api_error`             | `api_error`        |
 * | 504  | `timeout_error`         | `timeout`          |
 * | 529  | `overloaded_error`      | `overloaded`       |
 *
 * Decoding trusts a known `error.type` over the status (a 529 and a 503 both say overloaded); an
 * unknown type or a body that is not this envelope (a proxy's HTML, another vendor's JSON) falls
 * back to the status.
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { type ErrorInfo, type ErrorKind, kindOfStatus, STATUS_OF_KIND } from '../ir.ts'
import type { ErrorType } from './types.ts'

const TYPE_OF_KIND: Readonly<Record<ErrorKind, ErrorType>> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  billing: 'billing_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  api_error: 'api_error',
  timeout: 'timeout_error',
  overloaded: 'overloaded_error',
}

const KIND_OF_TYPE: Readonly<Record<string, ErrorKind>> = {
  invalid_request_error: 'invalid_request',
  authentication_error: 'authentication',
  billing_error: 'billing',
  permission_error: 'permission',
  not_found_error: 'not_found',
  request_too_large: 'request_too_large',
  rate_limit_error: 'rate_limit',
  api_error: 'api_error',
  timeout_error: 'timeout',
  overloaded_error: 'overloaded',
}

/** Longest slice of a non-JSON error body kept as the message. */
const MAX_TEXT = 500

export function errorTypeOf(kind: ErrorKind): ErrorType {
  return TYPE_OF_KIND[kind]
}

/** The envelope body, also the data of an in-stream `error` event. */
export function encodeErrorBody(err: ErrorInfo): JsonObject {
  const body: JsonObject = { type: 'error', error: { type: TYPE_OF_KIND[err.kind], message: err.message } }
  if (err.requestId !== undefined) body.request_id = err.requestId
  return body
}

export function encodeError(err: ErrorInfo): { status: number; body: Record<string, unknown> } {
  return { status: err.status ?? STATUS_OF_KIND[err.kind], body: encodeErrorBody(err) }
}

/** An error object (envelope, or in-stream `error` event data) → IR; `status` when known. */
export function decodeErrorBody(body: JsonObject, status?: number): ErrorInfo {
  const e = body.error
  let type: unknown
  let message: unknown
  if (isObject(e)) {
    type = e.type
    message = e.message
  } else if (typeof e === 'string') message = e
  else message = body.message
  const known = typeof type === 'string' && Object.hasOwn(KIND_OF_TYPE, type) ? KIND_OF_TYPE[type] : undefined
  const kind = known ?? (status === undefined ? 'api_error' : kindOfStatus(status))
  const info: ErrorInfo = {
    kind,
    message:
      typeof message === 'string' && message !== ''
        ? message
        : `upstream error${status === undefined ? '' : ` (HTTP ${status})`}`,
  }
  if (status !== undefined) info.status = status
  if (typeof type === 'string' && !known) info.code = type
  if (typeof body.request_id === 'string') info.requestId = body.request_id
  return info
}

/** An upstream error response (parsed JSON, or its raw text) → IR. */
export function decodeError(status: number, body: unknown): ErrorInfo {
  let value = body
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body)
    } catch {
      const text = body.trim()
      return {
        kind: kindOfStatus(status),
        status,
        message: text === '' ? `upstream error (HTTP ${status})` : text.slice(0, MAX_TEXT),
      }
    }
  }
  if (isObject(value)) return decodeErrorBody(value, status)
  return { kind: kindOfStatus(status), status, message: `upstream error (HTTP ${status})` }
}
