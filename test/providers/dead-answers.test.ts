/**
 * The tables of answers that mean an account will not work again: each provider's known answer
 * (in its own error envelope) is recognised, ordinary refusals are not, statuses narrow an entry,
 * the config adds entries, and a failed refresh is recognised by its OAuth code and message.
 */
import { describe, expect, test } from 'bun:test'
import { defaultConfig, parseConfig } from '../../src/config/load.ts'
import { AccountUnavailableError, InvalidGrantError, OAuthError } from '../../src/oauth/errors.ts'
import { PROVIDER_IDS } from '../../src/providers/ids.ts'
import {
  DEAD_ANSWERS,
  deadAnswerOf,
  deadRefreshError,
  unavailableReason,
} from '../../src/providers/shared/dead-answers.ts'

const config = defaultConfig()
const json = (v: unknown) => JSON.stringify(v)
const google = (code: number, status: string, message: string, details: unknown[] = []) =>
  json({ error: { code, status, message, details } })

/** Each provider's answers as its upstream sends them (bodies from the provider's own envelope). */
const KNOWN: Array<{ provider: string; status: number; body: string; means: RegExp }> = [
  {
    provider: 'qwen',
    status: 403,
    body: json({
      error: {
        message: 'Qwen OAuth free tier has been discontinued. Run qwen auth to configure.',
        type: 'invalid_request_error',
        code: 'free_tier_discontinued',
      },
    }),
    means: /Qwen's OAuth free tier has ended/,
  },
  {
    provider: 'iflow',
    status: 434,
    body: json({
      status: '434',
      msg: 'Access to the current AK has been blocked due to unauthorized requests',
      body: null,
    }),
    means: /iFlow blocked/,
  },
  {
    provider: 'gemini',
    status: 403,
    body: google(
      403,
      'PERMISSION_DENIED',
      'This client is no longer supported for Gemini Code Assist for individuals. To continue using Gemini, please migrate to Antigravity.',
      [{ reasonCode: 'UNSUPPORTED_CLIENT', tierId: 'free-tier' }],
    ),
    means: /no longer serves this client/,
  },
  {
    provider: 'gemini',
    status: 403,
    body: google(
      403,
      'PERMISSION_DENIED',
      'Your account is not eligible for Gemini Code Assist at this time.',
    ),
    means: /not eligible/,
  },
  {
    provider: 'gemini',
    status: 403,
    body: google(
      403,
      'PERMISSION_DENIED',
      "You're restricted from using Gemini Code Assist for individuals in your organization.",
    ),
    means: /organization does not allow/,
  },
  {
    provider: 'antigravity',
    status: 403,
    body: google(
      403,
      'PERMISSION_DENIED',
      'Your account is not eligible for Gemini Code Assist at this time.',
    ),
    means: /not eligible for Antigravity/,
  },
  {
    provider: 'kiro',
    status: 403,
    body: json({
      __type: 'AccessDeniedException',
      message:
        "Your User ID (d-1234.abcd) temporarily is suspended. We've locked your account as a security precaution.",
    }),
    means: /AWS suspended this Kiro account/,
  },
  {
    provider: 'claude',
    status: 400,
    body: json({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message:
          'This credential is only authorized for use with Claude Code and cannot be used for other API requests.',
      },
    }),
    means: /outside Claude Code/,
  },
  {
    provider: 'claude',
    status: 400,
    body: json({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'This organization has been disabled.' },
    }),
    means: /disabled the account's organization/,
  },
  {
    provider: 'codex',
    status: 401,
    body: json({
      error: {
        message: 'Your OpenAI account has been deactivated.',
        type: 'invalid_request_error',
        code: 'account_deactivated',
      },
    }),
    means: /OpenAI deactivated/,
  },
  // any provider: an explicit end of the free tier
  {
    provider: 'copilot',
    status: 403,
    body: json({ error_details: { message: 'The free tier has ended for this account.' } }),
    means: /free tier this account used has ended/,
  },
  {
    provider: 'kimi',
    status: 404,
    body: json({ error: { message: 'Free tier discontinued', type: 'not_found' } }),
    means: /free tier this account used has ended/,
  },
]

describe('known answers', () => {
  for (const k of KNOWN) {
    test(`${k.provider} ${k.status}: ${k.means.source}`, () => {
      const verdict = deadAnswerOf(k.provider, 'api', k.status, k.body, config)
      expect(verdict?.meaning).toMatch(k.means)
      expect(verdict?.advice.length).toBeGreaterThan(0)
    })
  }

  test('every table is keyed by a provider id (or * for all of them)', () => {
    for (const id of Object.keys(DEAD_ANSWERS)) expect(['*', ...PROVIDER_IDS]).toContain(id)
    for (const entries of Object.values(DEAD_ANSWERS)) {
      for (const e of entries) for (const c of e.contains) expect(c).toBe(c.toLowerCase())
    }
  })

  test("one provider's answer does not mark another's account", () => {
    const kiro = KNOWN.find((k) => k.provider === 'kiro')!
    expect(deadAnswerOf('claude', 'api', 403, kiro.body, config)).toBeUndefined()
    const iflow = KNOWN.find((k) => k.provider === 'iflow')!
    expect(deadAnswerOf('qwen', 'api', 434, iflow.body, config)).toBeUndefined()
  })
})

describe('answers that heal are not dead', () => {
  const ordinary: Array<[string, number, string]> = [
    ['claude', 429, json({ type: 'error', error: { type: 'rate_limit_error', message: 'Rate limited' } })],
    ['claude', 403, json({ type: 'error', error: { type: 'permission_error', message: 'Forbidden' } })],
    ['qwen', 401, json({ error: { message: 'invalid access token or token expired' } })],
    ['gemini', 429, google(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).')],
    [
      'codex',
      402,
      json({ error: { message: 'free tier usage limit reached', code: 'usage_limit_reached' } }),
    ],
    ['copilot', 500, ''],
    // one model leaving a free tier is not the account's end
    ['codex', 404, json({ error: { message: 'The model gpt-x is no longer available on the free tier.' } })],
  ]
  for (const [provider, status, body] of ordinary) {
    test(`${provider} ${status}`, () => {
      expect(deadAnswerOf(provider, 'api', status, body, config)).toBeUndefined()
    })
  }

  test("an entry's status list narrows it: Gemini's 'not eligible' only counts as a 403", () => {
    const body = google(400, 'INVALID_ARGUMENT', 'Your account is not eligible for Gemini Code Assist.')
    expect(deadAnswerOf('gemini', 'api', 400, body, config)).toBeUndefined()
    expect(deadAnswerOf('gemini', 'api', 403, body, config)).toBeDefined()
  })

  test('an api answer is not a refresh answer, nor the other way round', () => {
    expect(deadAnswerOf('qwen', 'refresh', 403, 'qwen oauth discontinued', config)).toBeUndefined()
    expect(deadAnswerOf('qwen', 'api', 401, 'invalid_client', config)).toBeUndefined()
  })

  test('an ended free tier counts from the token endpoint too (Copilot quotes GitHub there)', () => {
    const copilot = new OAuthError(
      'copilot_forbidden',
      'Copilot token exchange failed (HTTP 403): Your Copilot free tier has ended.',
      403,
    )
    expect(deadRefreshError('copilot', 'gh', copilot, config)).toBeInstanceOf(AccountUnavailableError)
  })
})

describe('providers.<id>.dead_answers', () => {
  const withEntries = parseConfig(
    json({
      providers: {
        kimi: {
          dead_answers: [
            { status: [410], contains: ['Coding Plan', 'ENDED'], advice: 'subscribe again' },
            { on: 'refresh', contains: ['account_closed'] },
          ],
        },
      },
    }),
    'c.yaml',
  ).config

  test('adds answers of its own, any case, with its advice or a default', () => {
    const body = json({ error: { message: 'Your coding plan has ended' } })
    expect(deadAnswerOf('kimi', 'api', 410, body, withEntries)).toEqual({
      meaning: 'the upstream says this account no longer works',
      advice: 'subscribe again',
    })
    expect(deadAnswerOf('kimi', 'api', 403, body, withEntries)).toBeUndefined()
    expect(deadAnswerOf('kimi', 'api', 410, body, config)).toBeUndefined()
    expect(deadAnswerOf('kimi', 'refresh', 400, 'account_closed refresh failed', withEntries)).toBeDefined()
    // the built-in answers still apply beside them
    expect(deadAnswerOf('kimi', 'api', 403, 'free tier discontinued', withEntries)).toBeDefined()
  })

  test('a wrong shape is a config error naming the key', () => {
    expect(() =>
      parseConfig(json({ providers: { kimi: { dead_answers: [{ contains: [] }] } } }), 'c.yaml'),
    ).toThrow(/dead_answers/)
  })
})

describe('refresh errors', () => {
  test('a revoked OAuth client marks the account; a revoked refresh token still asks for a login', () => {
    const revoked = new OAuthError(
      'invalid_client',
      'refresh failed with invalid_client (HTTP 401): The OAuth client was deleted.',
      401,
    )
    const e = deadRefreshError('gemini', 'me', revoked, config)
    expect(e).toBeInstanceOf(AccountUnavailableError)
    const u = e as AccountUnavailableError
    expect(u.provider).toBe('gemini')
    expect(u.accountId).toBe('me')
    expect(u.reason).toContain('no longer accepts the OAuth client')
    expect(u.reason).toContain('The OAuth client was deleted.')
    expect(u.message).toContain('gemini account "me" is unavailable')
    const grant = new InvalidGrantError('refresh failed with invalid_grant (HTTP 400)', 400)
    expect(deadRefreshError('gemini', 'me', grant, config)).toBe(grant)
    const transient = new OAuthError('temporarily_unavailable', 'refresh failed (HTTP 503)', 503)
    expect(deadRefreshError('gemini', 'me', transient, config)).toBe(transient)
    const other = new Error('socket hang up')
    expect(deadRefreshError('gemini', 'me', other, config)).toBe(other)
  })
})

test('the reason says what happened, what the upstream said (on one line) and what clears it', () => {
  const reason = unavailableReason(
    'qwen',
    { meaning: 'it ended', advice: 'pay' },
    'Free tier\n  discontinued',
  )
  expect(reason).toBe(
    'it ended (upstream: "Free tier discontinued"); pay; `byokey login qwen` clears the mark',
  )
})
