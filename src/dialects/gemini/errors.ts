/**
 * Google's error envelope `{"error":{"code","message","status","details"}}` ↔ IR `ErrorInfo`.
 *
 * | IR kind           | HTTP | status                 |
 * |-------------------|------|------------------------|
 * | invalid_request   | 400  | `INVALID_ARGUMENT`     |
 * | request_too_large | 400  | `INVALID_ARGUMENT` (what Google answers for oversized payloads) |
 * | billing           | 400  | `FAILED_PRECONDITION` (Google's "enable billing") |
 * | authentication    | 401  | `UNAUTHENTICATED`      |
 * | permission        | 403  | `PERMISSION_DENIED`    |
 * | not_found         | 404  | `NOT_FOUND`            |
 * | rate_limit        | 429  | `RESOURCE_EXHAUSTED`   |
 * | api_error         | 500  | `INTERNAL`             |
 * | overloaded        | 503  | `UNAVAILABLE` (529 is never sent: Gemini clients do not know it) |
 * | timeout           | 504  | `DEADLINE_EXCEEDED`    |
 *
 * `details`: `RetryInfo.retryDelay` ("34s", "1.5s") ↔ `retryAfter` seconds (falling back to
 * `ErrorInfo.metadata.quotaResetDelay`), `ErrorInfo.reason` ↔ `code`, `BadRequest`
 * `fieldViolations[0].field` ↔ `param`. A status name that is not the default for its HTTP code
 * (e.g. `FAILED_PRECONDITION` on a 400) decodes into `code` so it comes back unchanged.
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { type ErrorInfo, type ErrorKind, kindOfStatus } from '../ir.ts'

const STATUS_NAME: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
}

const KIND_OF_NAME: Record<string, ErrorKind> = {
  INVALID_ARGUMENT: 'invalid_request',
  FAILED_PRECONDITION: 'invalid_request',
  OUT_OF_RANGE: 'invalid_request',
  ALREADY_EXISTS: 'invalid_request',
  UNIMPLEMENTED: 'invalid_request',
  UNAUTHENTICATED: 'authentication',
  PERMISSION_DENIED: 'permission',
  NOT_FOUND: 'not_found',
  RESOURCE_EXHAUSTED: 'rate_limit',
  ABORTED: 'api_error',
  CANCELLED: 'api_error',
  UNKNOWN: 'api_error',
  INTERNAL: 'api_error',
  DATA_LOSS: 'api_error',
  UNAVAILABLE: 'overloaded',
  DEADLINE_EXCEEDED: 'timeout',
}

const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid_request: 400,
  request_too_large: 400,
  billing: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  rate_limit: 429,
  api_error: 500,
  overloaded: 503,
  timeout: 504,
}

const NAME_OF_KIND: Record<ErrorKind, string> = {
  invalid_request: 'INVALID_ARGUMENT',
  request_too_large: 'INVALID_ARGUMENT',
  billing: 'FAILED_PRECONDITION',
  authentication: 'UNAUTHENTICATED',
  permission: 'PERMISSION_DENIED',
  not_found: 'NOT_FOUND',
  rate_limit: 'RESOURCE_EXHAUSTED',
  api_error: 'INTERNAL',
  overloaded: 'UNAVAILABLE',
  timeout: 'DEADLINE_EXCEEDED',
}

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo'
const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo'
const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest'

/** `"34s"`, `"1.5s"` (protobuf Duration) or Go-style `"1m2.5s"`, `"500ms"` → seconds. */
export function parseDelay(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g
  let total = 0
  let matched = 0
  for (let m = re.exec(v); m; m = re.exec(v)) {
    matched += m[0].length
    const n = Number(m[1])
    const unit = m[2]
    total +=
      unit === 'h'
        ? n * 3600
        : unit === 'm'
          ? n * 60
          : unit === 's'
            ? n
            : unit === 'ms'
              ? n / 1e3
              : unit === 'ns'
                ? n / 1e9
                : n / 1e6
  }
  return matched > 0 && matched === v.trim().length ? total : undefined
}

function httpStatusOf(err: ErrorInfo): number {
  const status = err.status ?? STATUS_OF_KIND[err.kind]
  return status === 529 ? 503 : status
}

export function encodeError(err: ErrorInfo): { status: number; body: Record<string, unknown> } {
  const status = httpStatusOf(err)
  const namedByCode = err.code !== undefined && Object.hasOwn(KIND_OF_NAME, err.code)
  const name = namedByCode
    ? (err.code as string)
    : err.status === undefined
      ? NAME_OF_KIND[err.kind]
      : (STATUS_NAME[status] ?? NAME_OF_KIND[err.kind])
  const details: JsonObject[] = []
  if (err.retryAfter !== undefined) details.push({ '@type': RETRY_INFO, retryDelay: `${err.retryAfter}s` })
  if (err.code !== undefined && !namedByCode) details.push({ '@type': ERROR_INFO, reason: err.code })
  if (err.param !== undefined)
    details.push({ '@type': BAD_REQUEST, fieldViolations: [{ field: err.param, description: err.message }] })
  const error: JsonObject = { code: status, message: err.message, status: name }
  if (details.length > 0) error.details = details
  return { status, body: { error } }
}

/** The `error` object of Google's envelope → IR; `httpStatus` 0 means "take the body's code". */
export function decodeErrorObject(e: JsonObject, httpStatus: number): ErrorInfo {
  const code = typeof e.code === 'number' ? e.code : undefined
  const status = httpStatus > 0 ? httpStatus : (code ?? 500)
  const name = typeof e.status === 'string' ? e.status : undefined
  const info: ErrorInfo = {
    kind:
      (name !== undefined && Object.hasOwn(KIND_OF_NAME, name) ? KIND_OF_NAME[name] : undefined) ??
      kindOfStatus(status),
    message: typeof e.message === 'string' && e.message !== '' ? e.message : `Gemini error ${status}`,
    status,
  }
  let quotaReset: number | undefined
  if (Array.isArray(e.details)) {
    for (const d of e.details) {
      if (!isObject(d)) continue
      const type = d['@type']
      if (type === RETRY_INFO) {
        const s = parseDelay(d.retryDelay)
        if (s !== undefined) info.retryAfter = s
      } else if (type === ERROR_INFO) {
        if (typeof d.reason === 'string') info.code = d.reason
        if (isObject(d.metadata)) quotaReset = parseDelay(d.metadata.quotaResetDelay)
      } else if (type === BAD_REQUEST && Array.isArray(d.fieldViolations)) {
        const v = d.fieldViolations[0]
        if (isObject(v) && typeof v.field === 'string') info.param = v.field
      }
    }
  }
  if (info.retryAfter === undefined && quotaReset !== undefined) info.retryAfter = quotaReset
  if (info.code === undefined && name !== undefined && name !== STATUS_NAME[status]) info.code = name
  return info
}

export function decodeError(status: number, body: unknown): ErrorInfo {
  let b = body
  if (typeof body === 'string') {
    try {
      b = JSON.parse(body)
    } catch {
      return { kind: kindOfStatus(status), message: body || `Gemini error ${status}`, status }
    }
  }
  // streamGenerateContent without alt=sse answers errors as a one-element array.
  if (Array.isArray(b)) b = b[0]
  if (isObject(b) && isObject(b.response) && !isObject(b.error)) b = b.response
  if (isObject(b) && isObject(b.error)) return decodeErrorObject(b.error, status)
  return { kind: kindOfStatus(status), message: `Gemini error ${status}`, status }
}
