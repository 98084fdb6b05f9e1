/**
 * OpenAI's error envelope `{"error":{"message","type","param","code"}}` ↔ IR `ErrorInfo`, shared
 * by the Chat and Responses dialects (same envelope), with what the Codex backend adds:
 * `{"detail":"…"}` 400s and `usage_limit_reached` 429s (`resets_in_seconds`).
 *
 * | IR kind           | status | type                    | default code            |
 * |-------------------|--------|-------------------------|-------------------------|
 * | invalid_request   | 400    | invalid_request_error   | —                       |
 * | authentication    | 401    | authentication_error    | invalid_api_key         |
 * | billing           | 402    | insufficient_quota      | insufficient_quota      |
 * | permission        | 403    | permission_error        | —                       |
 * | not_found         | 404    | invalid_request_error   | —                       |
 * | request_too_large | 413    | invalid_request_error   | —                       |
 * | rate_limit        | 429    | rate_limit_error (`usage_limit_reached` for that code) | rate_limit_exceeded |
 * | api_error         | 500    | server_error            | —                       |
 * | overloaded        | 503 (OpenAI clients know no 529) | server_error | server_is_overloaded |
 * | timeout           | 504    | server_error            | timeout                 |
 *
 * Any kind answered with a 4xx status (a 408 `timeout`) has `invalid_request_error`.
 *
 * Decoding reads the HTTP status first; without one (an error inside a stream) the `type` and
 * `code` decide. Codes that say more than the status (`insufficient_quota` on a 429,
 * `model_not_found`, `invalid_api_key`) refine the kind.
 */
import { type ErrorInfo, type ErrorKind, kindOfStatus, STATUS_OF_KIND } from '../ir.ts'
import { isObject, type JsonObject } from './json.ts'

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

const CODE_OF_KIND: Partial<Record<ErrorKind, string>> = {
  authentication: 'invalid_api_key',
  billing: 'insufficient_quota',
  rate_limit: 'rate_limit_exceeded',
  overloaded: 'server_is_overloaded',
  timeout: 'timeout',
}

/** The machine code an OpenAI client switches on (Codex CLI reads these from `response.failed`). */
export function codeFor(err: ErrorInfo): string | null {
  return err.code ?? CODE_OF_KIND[err.kind] ?? null
}

/** The envelope alone, as a stream encoder writes it after HTTP 200. */
export function errorBody(err: ErrorInfo): { error: JsonObject } {
  const code = codeFor(err)
  const error: JsonObject = {
    message: err.message,
    type: code === 'usage_limit_reached' ? 'usage_limit_reached' : typeOf(err),
    param: err.param ?? null,
    code,
  }
  // Codex CLI shows when a usage limit resets.
  if (code === 'usage_limit_reached' && err.retryAfter !== undefined) error.resets_in_seconds = err.retryAfter
  return { error }
}

/** A 4xx is the client's to fix, so never a `server_error` (a 408 for a body sent too slowly). */
function typeOf(err: ErrorInfo): string {
  const type = TYPE_OF_KIND[err.kind]
  return type === 'server_error' && err.status !== undefined && err.status < 500
    ? 'invalid_request_error'
    : type
}

export function encodeError(err: ErrorInfo): { status: number; body: Record<string, unknown> } {
  const status = err.status ?? (err.kind === 'overloaded' ? 503 : STATUS_OF_KIND[err.kind])
  return { status, body: errorBody(err) }
}

/** The kind for a code or type, where it says more than the status. */
function kindOfCode(code: string | undefined): ErrorKind | undefined {
  switch (code) {
    case 'insufficient_quota':
      return 'billing'
    case 'usage_limit_reached':
    case 'rate_limit_exceeded':
    case 'rate_limit_error':
    case 'requests':
    case 'tokens':
      return 'rate_limit'
    case 'invalid_api_key':
    case 'authentication_error':
      return 'authentication'
    case 'permission_error':
      return 'permission'
    case 'model_not_found':
    case 'not_found_error':
      return 'not_found'
    case 'server_is_overloaded':
    case 'overloaded_error':
    case 'service_unavailable':
    case 'slow_down':
      return 'overloaded'
    case 'timeout':
      return 'timeout'
    case 'context_length_exceeded':
    case 'invalid_prompt':
    case 'invalid_request_error':
      return 'invalid_request'
    case 'server_error':
    case 'api_error':
      return 'api_error'
    default:
      return undefined
  }
}

/** "Please try again in 1.5s" / "in 20ms" → whole seconds. */
function retryAfterOf(message: string): number | undefined {
  const m = /try again in (\d+(?:\.\d+)?)\s*(ms|s)\b/i.exec(message)
  if (!m) return undefined
  const n = Number(m[1])
  return Math.max(1, Math.ceil(m[2] === 'ms' ? n / 1000 : n))
}

function str(v: unknown): string | undefined {
  if (typeof v === 'number') return String(v)
  return typeof v === 'string' && v !== '' ? v : undefined
}

/**
 * An error object (`{message, type, code, param, …}`) → IR. `status` is the HTTP status, or 0
 * for an error that arrived inside a stream.
 */
export function errorInfoOf(e: JsonObject, httpStatus: number): ErrorInfo {
  // Only an error status says anything (an error body found in a 200 response or a stream has none).
  const status = httpStatus >= 400 ? httpStatus : 0
  const code = str(e.code)
  const type = str(e.type)
  const message =
    str(e.message) ?? code ?? type ?? (status ? `Upstream error (HTTP ${status})` : 'Upstream error')
  // The status says more than a generic type (a 404 is `invalid_request_error` too). A code
  // refines only a vague status (400, 429: `insufficient_quota` on a 429 is billing) or none.
  let kind: ErrorKind = status ? kindOfStatus(status) : (kindOfCode(type) ?? 'api_error')
  const byCode = kindOfCode(code)
  if (byCode && (!status || kind === 'invalid_request' || kind === 'rate_limit')) kind = byCode
  const info: ErrorInfo = { kind, message }
  if (status) info.status = status
  if (typeof e.param === 'string') info.param = e.param
  if (type === 'usage_limit_reached') info.code = type
  else if (code !== undefined) info.code = code
  const retry =
    typeof e.resets_in_seconds === 'number'
      ? Math.max(0, Math.ceil(e.resets_in_seconds))
      : retryAfterOf(message)
  if (retry !== undefined) info.retryAfter = retry
  return info
}

const text = new TextDecoder()

/** An upstream error body (parsed JSON, raw text or bytes) → IR; `status` 0 means inside a stream. */
export function decodeError(status: number, body: unknown): ErrorInfo {
  let b: unknown = body instanceof Uint8Array ? text.decode(body) : body
  if (typeof b === 'string') {
    try {
      b = JSON.parse(b)
    } catch {
      const message = (b as string).trim() || `Upstream error (HTTP ${status})`
      return status ? { kind: kindOfStatus(status), message, status } : { kind: 'api_error', message }
    }
  }
  if (Array.isArray(b)) b = b[0]
  if (isObject(b)) {
    if (isObject(b.error)) return errorInfoOf(b.error, status)
    const detail = b.detail
    if (typeof detail === 'string') return errorInfoOf({ message: detail }, status)
    if (isObject(detail)) return errorInfoOf(detail, status)
    if (typeof b.error === 'string' || typeof b.message === 'string') {
      return errorInfoOf({ message: b.message ?? b.error, code: b.code, type: b.type }, status)
    }
  }
  return status
    ? { kind: kindOfStatus(status), message: `Upstream error (HTTP ${status})`, status }
    : { kind: 'api_error', message: 'Upstream error' }
}
