/**
 * Kiro's errors (docs/protocols/kiro.md, "Errors"): an HTTP error answer is AWS JSON
 * `{"__type": "…#ThrottlingException", "message": "…", "reason": "…"}`; inside a stream the same
 * exception types arrive as `exception` messages.
 */
import { isObject } from '../../dialects/common/json.ts'
import type { ErrorInfo, ErrorKind } from '../../dialects/ir.ts'

/** AWS exception type → what the client is told it means. */
const KIND_OF_EXCEPTION: Record<string, ErrorKind> = {
  ThrottlingException: 'rate_limit',
  ServiceQuotaExceededException: 'rate_limit',
  ValidationException: 'invalid_request',
  AccessDeniedException: 'permission',
  UnauthorizedException: 'authentication',
  ExpiredTokenException: 'authentication',
  ResourceNotFoundException: 'not_found',
  ContentLengthExceededException: 'request_too_large',
  InternalServerException: 'api_error',
  ServiceUnavailableException: 'overloaded',
}

/** The bare exception name of an AWS `__type` (`com.amazon…#ThrottlingException` → `ThrottlingException`). */
function bareType(t: string): string {
  const hash = t.lastIndexOf('#')
  const name = hash >= 0 ? t.slice(hash + 1) : t
  return name.split(':')[0] as string
}

export function exceptionInfo(type: string, message: string): ErrorInfo {
  const name = bareType(type)
  return { kind: KIND_OF_EXCEPTION[name] ?? 'api_error', message, code: name }
}

function kindOfStatus(status: number): ErrorKind {
  if (status === 401) return 'authentication'
  if (status === 403) return 'permission'
  if (status === 404) return 'not_found'
  if (status === 413) return 'request_too_large'
  if (status === 429) return 'rate_limit'
  if (status === 503) return 'overloaded'
  if (status >= 400 && status < 500) return 'invalid_request'
  return 'api_error'
}

/** An HTTP error answer of Kiro → IR; the AWS exception type wins over the status where it says more. */
export function decodeError(status: number, body: unknown): ErrorInfo {
  if (!isObject(body)) {
    const text = typeof body === 'string' && body.trim() !== '' ? body.trim().slice(0, 500) : `HTTP ${status}`
    return { kind: kindOfStatus(status), message: text, status }
  }
  const message =
    typeof body['message'] === 'string'
      ? body['message']
      : typeof body['Message'] === 'string'
        ? body['Message']
        : `HTTP ${status}`
  const type = typeof body['__type'] === 'string' ? bareType(body['__type']) : undefined
  const info: ErrorInfo = { kind: (type && KIND_OF_EXCEPTION[type]) || kindOfStatus(status), message, status }
  const reason = typeof body['reason'] === 'string' ? body['reason'] : undefined
  if (reason) info.code = reason
  else if (type) info.code = type
  return info
}
