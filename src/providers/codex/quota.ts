/**
 * OpenAI's limits on every answer: with an API key `x-ratelimit-{limit,remaining,reset}-
 * {requests,tokens}` (reset as a delay such as `6m0s`; docs/protocols/openai-chat.md), from the
 * Codex backend the plan windows `x-codex-{primary,secondary}-used-percent`, `-window-minutes`
 * and `-reset-at` (unix seconds) or `-reset-after-seconds` (docs/protocols/codex-subscription.md).
 */
import { parseDelay } from '../../dialects/gemini/errors.ts'
import { headerNumber, isoFromUnixSeconds, quotaOf, quotaWindow } from '../shared/quota.ts'
import type { Quota } from '../types.ts'

export function openaiQuotaFrom(headers: Headers, receivedAt: number): Quota | undefined {
  const rate = (['requests', 'tokens'] as const).map((kind) => {
    // the same Go-style durations as Google's RetryInfo delays
    const delay = parseDelay(headers.get(`x-ratelimit-reset-${kind}`))
    return quotaWindow(kind, {
      limit: headerNumber(headers, `x-ratelimit-limit-${kind}`),
      remaining: headerNumber(headers, `x-ratelimit-remaining-${kind}`),
      resetsAt: delay === undefined ? undefined : new Date(receivedAt + delay * 1000).toISOString(),
    })
  })
  const plan = (['primary', 'secondary'] as const).map((w) => {
    const at = headerNumber(headers, `x-codex-${w}-reset-at`)
    const after = headerNumber(headers, `x-codex-${w}-reset-after-seconds`)
    return quotaWindow(w, {
      usedPercent: headerNumber(headers, `x-codex-${w}-used-percent`),
      windowMinutes: headerNumber(headers, `x-codex-${w}-window-minutes`),
      resetsAt:
        at !== undefined
          ? isoFromUnixSeconds(at)
          : after !== undefined
            ? new Date(receivedAt + after * 1000).toISOString()
            : undefined,
    })
  })
  return quotaOf([...rate, ...plan])
}
