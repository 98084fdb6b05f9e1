import { describe, expect, test } from 'bun:test'
import { claude } from '../../src/providers/claude/upstream.ts'
import { codex } from '../../src/providers/codex/upstream.ts'
import { copilotProvider } from '../../src/providers/copilot/upstream.ts'
import { gemini } from '../../src/providers/gemini/upstream.ts'

const AT = Date.parse('2026-12-07T13:00:00Z')

describe('limits read from answer headers', () => {
  test('Anthropic API key: requests, tokens, input and output tokens, resets as RFC 3339', () => {
    const h = new Headers({
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '49',
      'anthropic-ratelimit-requests-reset': '2026-12-07T13:00:01Z',
      'anthropic-ratelimit-input-tokens-limit': '40000',
      'anthropic-ratelimit-input-tokens-remaining': '39000',
      'anthropic-ratelimit-input-tokens-reset': '2026-12-07T13:00:02+00:00',
      'request-id': 'req_1',
    })
    expect(claude.quotaFrom?.(h, AT)).toEqual({
      windows: [
        { name: 'requests', limit: 50, remaining: 49, resetsAt: '2026-12-07T13:00:01.000Z' },
        { name: 'input_tokens', limit: 40000, remaining: 39000, resetsAt: '2026-12-07T13:00:02.000Z' },
      ],
    })
  })

  test('Claude subscription: the unified status and its 5h and 7d windows, resets as unix seconds', () => {
    const h = new Headers({
      'anthropic-ratelimit-unified-status': 'allowed_warning',
      'anthropic-ratelimit-unified-reset': '1796650000',
      'anthropic-ratelimit-unified-5h-status': 'allowed',
      'anthropic-ratelimit-unified-5h-reset': '1796650000',
      'anthropic-ratelimit-unified-7d-status': 'allowed_warning',
      'anthropic-ratelimit-unified-7d-reset': '1797000000',
    })
    expect(claude.quotaFrom?.(h, AT)).toEqual({
      status: 'allowed_warning',
      resetsAt: new Date(1796650000 * 1000).toISOString(),
      windows: [
        { name: '5h', status: 'allowed', resetsAt: new Date(1796650000 * 1000).toISOString() },
        { name: '7d', status: 'allowed_warning', resetsAt: new Date(1797000000 * 1000).toISOString() },
      ],
    })
  })

  test('OpenAI API key: x-ratelimit-* with resets as delays from when the answer came', () => {
    const h = new Headers({
      'x-ratelimit-limit-requests': '10000',
      'x-ratelimit-remaining-requests': '9999',
      'x-ratelimit-reset-requests': '6ms',
      'x-ratelimit-limit-tokens': '2000000',
      'x-ratelimit-remaining-tokens': '1999990',
      'x-ratelimit-reset-tokens': '1m30.5s',
    })
    expect(codex.quotaFrom?.(h, AT)).toEqual({
      windows: [
        { name: 'requests', limit: 10000, remaining: 9999, resetsAt: '2026-12-07T13:00:00.006Z' },
        { name: 'tokens', limit: 2000000, remaining: 1999990, resetsAt: '2026-12-07T13:01:30.500Z' },
      ],
    })
  })

  test('Codex backend: primary and secondary windows as percent used; reset-at, else reset-after', () => {
    const h = new Headers({
      'x-codex-primary-used-percent': '42.5',
      'x-codex-primary-window-minutes': '300',
      'x-codex-primary-reset-after-seconds': '600',
      'x-codex-secondary-used-percent': '7',
      'x-codex-secondary-window-minutes': '10080',
      'x-codex-secondary-reset-at': '1797000000',
    })
    expect(codex.quotaFrom?.(h, AT)).toEqual({
      windows: [
        { name: 'primary', usedPercent: 42.5, windowMinutes: 300, resetsAt: '2026-12-07T13:10:00.000Z' },
        {
          name: 'secondary',
          usedPercent: 7,
          windowMinutes: 10080,
          resetsAt: new Date(1797000000 * 1000).toISOString(),
        },
      ],
    })
  })

  test('answers without limit headers, or with unreadable values, report nothing', () => {
    const none = new Headers({ 'content-type': 'application/json', 'x-ratelimit-limit-requests': 'lots' })
    expect(claude.quotaFrom?.(none, AT)).toBeUndefined()
    expect(codex.quotaFrom?.(none, AT)).toBeUndefined()
    // the Gemini API sends no limit headers; Copilot's quota is not read yet
    expect(gemini.quotaFrom).toBeUndefined()
    expect(copilotProvider().quotaFrom).toBeUndefined()
  })
})
