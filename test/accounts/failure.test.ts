/** Upstream failures → their class, and the wait the upstream asked for in each format it uses. */
import { describe, expect, test } from 'bun:test'
import { classifyStatus, isRetryable, upstreamWaitSeconds } from '../../src/accounts/failure.ts'

const NOW = Date.parse('2026-12-07T14:00:00Z')

describe('classifyStatus', () => {
  test('each status lands in its class; only a bad request is not retried', () => {
    expect(classifyStatus(429)).toBe('rate_limit')
    expect(classifyStatus(429, 'insufficient_quota')).toBe('quota')
    expect(classifyStatus(429, 'usage_limit_reached')).toBe('quota')
    expect(classifyStatus(402)).toBe('quota')
    expect(classifyStatus(401)).toBe('auth')
    expect(classifyStatus(403)).toBe('auth')
    expect(classifyStatus(529)).toBe('overloaded')
    expect(classifyStatus(503)).toBe('overloaded')
    expect(classifyStatus(500)).toBe('upstream')
    expect(classifyStatus(502)).toBe('upstream')
    for (const s of [400, 404, 413, 422]) {
      expect(classifyStatus(s)).toBe('bad_request')
      expect(isRetryable(classifyStatus(s))).toBe(false)
    }
    expect(isRetryable('rate_limit')).toBe(true)
  })
})

describe('upstreamWaitSeconds', () => {
  const wait = (h: Record<string, string>, decoded?: number) =>
    upstreamWaitSeconds(new Headers(h), decoded, NOW)

  test('Retry-After in seconds or as an HTTP date wins', () => {
    expect(wait({ 'retry-after': '2' }, 30)).toBe(2)
    expect(wait({ 'retry-after': new Date(NOW + 90_000).toUTCString() })).toBe(90)
  })

  test("the decoded error's own hint (Gemini RetryInfo, Codex resets_in_seconds) comes next", () => {
    expect(wait({}, 34)).toBe(34)
  })

  test("Anthropic's exhausted window resets; windows with room left are ignored", () => {
    expect(
      wait({
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': new Date(NOW + 40_000).toISOString(),
        'anthropic-ratelimit-tokens-remaining': '5000',
        'anthropic-ratelimit-tokens-reset': new Date(NOW + 600_000).toISOString(),
      }),
    ).toBe(40)
    expect(
      wait({
        'anthropic-ratelimit-unified-status': 'rejected',
        'anthropic-ratelimit-unified-reset': String((NOW + 7_200_000) / 1000),
      }),
    ).toBe(7200)
    expect(wait({ 'anthropic-ratelimit-tokens-reset': new Date(NOW + 60_000).toISOString() })).toBeUndefined()
  })

  test("the Codex backend's used-up window: reset-after-seconds, else reset-at", () => {
    expect(
      wait({ 'x-codex-primary-used-percent': '100', 'x-codex-primary-reset-after-seconds': '300' }),
    ).toBe(300)
    expect(
      wait({
        'x-codex-secondary-used-percent': '100.0',
        'x-codex-secondary-reset-at': String(NOW / 1000 + 50),
      }),
    ).toBe(50)
    expect(
      wait({ 'x-codex-primary-used-percent': '42', 'x-codex-primary-reset-after-seconds': '300' }),
    ).toBeUndefined()
  })
})
