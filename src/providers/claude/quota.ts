/**
 * Claude's limits on every answer (docs/protocols/anthropic-messages.md, and
 * docs/protocols/claude-subscription.md "Limits"): with an API key `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-
 * {limit,remaining,reset}` (reset as RFC 3339), with a subscription the unified headers
 * `anthropic-ratelimit-unified-{status,reset}` and per plan window (`5h`, `7d`) `-status`/`-reset`
 * (reset as unix seconds).
 */
import { headerNumber, isoFromDate, isoFromUnixSeconds, quotaOf, quotaWindow } from '../shared/quota.ts'
import type { Quota } from '../types.ts'

const PREFIX = 'anthropic-ratelimit-'
const RATE_LIMITS = ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const
const PLAN_WINDOWS = ['5h', '7d'] as const

export function claudeQuotaFrom(headers: Headers): Quota | undefined {
  const windows = [
    ...RATE_LIMITS.map((kind) =>
      quotaWindow(kind.replace('-', '_'), {
        limit: headerNumber(headers, `${PREFIX}${kind}-limit`),
        remaining: headerNumber(headers, `${PREFIX}${kind}-remaining`),
        resetsAt: isoFromDate(headers.get(`${PREFIX}${kind}-reset`)),
      }),
    ),
    ...PLAN_WINDOWS.map((w) =>
      quotaWindow(w, {
        status: headers.get(`${PREFIX}unified-${w}-status`) ?? undefined,
        resetsAt: isoFromUnixSeconds(headerNumber(headers, `${PREFIX}unified-${w}-reset`)),
      }),
    ),
  ]
  return quotaOf(windows, {
    status: headers.get(`${PREFIX}unified-status`) ?? undefined,
    resetsAt: isoFromUnixSeconds(headerNumber(headers, `${PREFIX}unified-reset`)),
  })
}
