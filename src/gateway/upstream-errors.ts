/**
 * An upstream's error answer → what the client is told. Client faults (400, 404, 413, 422…)
 * stay 4xx with the upstream's own message; 401/403/429 pass through with Retry-After; only
 * upstream faults become 502/503/504.
 */

import { retryAfterSeconds } from '../accounts/index.ts'
import type { UpstreamCodec } from '../dialects/contract.ts'
import type { ErrorInfo } from '../dialects/ir.ts'

function statusFor(upstream: number): number {
  if (upstream === 408 || upstream === 504) return 504
  if (upstream === 503 || upstream === 529) return 503
  if (upstream >= 500) return 502
  return upstream
}

export function mapUpstreamError(
  upstream: UpstreamCodec,
  status: number,
  bodyText: string,
  headers: Headers,
  who: string,
): ErrorInfo {
  let body: unknown = bodyText
  try {
    body = JSON.parse(bodyText)
  } catch {
    // not JSON: the decoder gets the text
  }
  const decoded = upstream.decodeError(status, body)
  const info: ErrorInfo = { ...decoded, status: statusFor(status) }
  if (status >= 500) info.message = `Upstream ${who} failed (HTTP ${status}): ${decoded.message}`
  else if (status === 401 || status === 403)
    info.message = `Upstream ${who} rejected the credential: ${decoded.message}`
  const retry = retryAfterSeconds(headers.get('retry-after')) ?? decoded.retryAfter
  if (retry !== undefined) info.retryAfter = retry
  return info
}
