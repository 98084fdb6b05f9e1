/**
 * What an upstream failure says about the account that got it: which class of failure (and so
 * whether another account may get the request, and how long this one rests), and how long the
 * upstream itself asks to be left alone.
 */
import type { CooldownReason } from '../store/types.ts'

/** A cooldown reason, or `bad_request`: the request's fault, never retried on another account. */
export type FailureClass = CooldownReason | 'bad_request'

/**
 * An upstream status → its class. `code`: the decoded error's machine code, which tells a used-up
 * quota from a rate limit when both come as 429.
 */
export function classifyStatus(status: number, code?: string): FailureClass {
  if (status === 429) return code && /quota|usage_limit|billing/i.test(code) ? 'quota' : 'rate_limit'
  if (status === 402) return 'quota'
  if (status === 401 || status === 403) return 'auth'
  if (status === 503 || status === 529) return 'overloaded'
  if (status >= 500) return 'upstream'
  return 'bad_request'
}

/** Whether another account may get a request that failed so: anything but the request's own fault. */
export function isRetryable(failure: FailureClass): boolean {
  return failure !== 'bad_request'
}

/** Seconds from a Retry-After header (delta seconds or an HTTP date). */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.round((at - now) / 1000))
}

/** The Anthropic API's windows with `-remaining`/`-reset` (RFC 3339) headers. */
const ANTHROPIC_WINDOWS = ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const
/** The Codex backend's usage windows (`x-codex-<w>-used-percent`, `-reset-after-seconds`, `-reset-at`). */
const CODEX_WINDOWS = ['primary', 'secondary'] as const

/**
 * How long the upstream asks this account to wait, in seconds, from what it answered:
 * `retry-after`, else the decoded error's own hint (Gemini `RetryInfo`, Codex `resets_in_seconds`,
 * passed as `decoded`), else the reset of the exhausted window in Anthropic's
 * `anthropic-ratelimit-*` or the Codex backend's `x-codex-*` headers. Undefined: it did not say.
 */
export function upstreamWaitSeconds(
  headers: Headers,
  decoded: number | undefined,
  now = Date.now(),
): number | undefined {
  const header = retryAfterSeconds(headers.get('retry-after'), now)
  if (header !== undefined) return header
  if (decoded !== undefined) return decoded
  let until: number | undefined
  const later = (ms: number) => {
    if (!Number.isNaN(ms) && ms > now) until = Math.max(until ?? 0, ms)
  }
  const unified = headers.get('anthropic-ratelimit-unified-reset')
  if (unified !== null && headers.get('anthropic-ratelimit-unified-status') !== 'allowed') {
    later(Number(unified) * 1000)
  }
  for (const w of ANTHROPIC_WINDOWS) {
    const reset = headers.get(`anthropic-ratelimit-${w}-reset`)
    if (reset !== null && headers.get(`anthropic-ratelimit-${w}-remaining`) === '0') later(Date.parse(reset))
  }
  for (const w of CODEX_WINDOWS) {
    if (Number(headers.get(`x-codex-${w}-used-percent`) ?? 0) < 100) continue
    const after = headers.get(`x-codex-${w}-reset-after-seconds`)
    const at = headers.get(`x-codex-${w}-reset-at`)
    if (after !== null) later(now + Number(after) * 1000)
    else if (at !== null) later(Number(at) * 1000)
  }
  return until === undefined ? undefined : Math.ceil((until - now) / 1000)
}
