import { describe, expect, test } from 'bun:test'
import type { ErrorInfo, ErrorKind } from '../../../src/dialects/ir.ts'
import { decodeError, encodeError } from '../../../src/dialects/openai-responses/index.ts'

describe('encodeError', () => {
  const table: [ErrorKind, number, string, string | null][] = [
    ['invalid_request', 400, 'invalid_request_error', null],
    ['authentication', 401, 'authentication_error', 'invalid_api_key'],
    ['billing', 402, 'insufficient_quota', 'insufficient_quota'],
    ['permission', 403, 'permission_error', null],
    ['not_found', 404, 'invalid_request_error', null],
    ['request_too_large', 413, 'invalid_request_error', null],
    ['rate_limit', 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['api_error', 500, 'server_error', null],
    ['overloaded', 503, 'server_error', 'server_is_overloaded'],
    ['timeout', 504, 'server_error', 'timeout'],
  ]
  for (const [kind, status, type, code] of table) {
    test(`${kind} → ${status} ${type}`, () => {
      expect(encodeError({ kind, message: 'm' })).toEqual({
        status,
        body: { error: { message: 'm', type, param: null, code } },
      })
    })
  }

  test('status, param and code given win', () => {
    expect(
      encodeError({
        kind: 'invalid_request',
        message: 'bad',
        status: 422,
        param: 'input.3.id',
        code: 'invalid_value',
      }),
    ).toEqual({
      status: 422,
      body: {
        error: { message: 'bad', type: 'invalid_request_error', param: 'input.3.id', code: 'invalid_value' },
      },
    })
  })

  test('a Codex usage limit keeps its type and reset time, so Codex CLI shows it', () => {
    expect(
      encodeError({
        kind: 'rate_limit',
        message: 'The usage limit has been reached',
        code: 'usage_limit_reached',
        retryAfter: 3600,
      }),
    ).toEqual({
      status: 429,
      body: {
        error: {
          message: 'The usage limit has been reached',
          type: 'usage_limit_reached',
          param: null,
          code: 'usage_limit_reached',
          resets_in_seconds: 3600,
        },
      },
    })
  })
})

describe('decodeError', () => {
  test('the OpenAI envelope with a param', () => {
    expect(
      decodeError(400, {
        error: {
          message: "Invalid 'input[3].id': 'call_1'. Expected an ID that begins with 'fc'.",
          type: 'invalid_request_error',
          param: 'input[3].id',
          code: 'invalid_value',
        },
      }),
    ).toEqual({
      kind: 'invalid_request',
      message: "Invalid 'input[3].id': 'call_1'. Expected an ID that begins with 'fc'.",
      status: 400,
      param: 'input[3].id',
      code: 'invalid_value',
    })
  })

  const cases: [number, unknown, Partial<ErrorInfo>][] = [
    [
      401,
      { error: { message: 'Incorrect API key', type: 'invalid_request_error', code: 'invalid_api_key' } },
      { kind: 'authentication' },
    ],
    [
      404,
      { error: { message: 'no model', type: 'invalid_request_error', code: 'model_not_found' } },
      { kind: 'not_found' },
    ],
    [404, { error: { message: 'gone', type: 'invalid_request_error', code: null } }, { kind: 'not_found' }],
    [
      429,
      { error: { message: 'quota', type: 'insufficient_quota', code: 'insufficient_quota' } },
      { kind: 'billing' },
    ],
    [
      429,
      {
        error: {
          message: 'Rate limit reached. Please try again in 20ms.',
          type: 'requests',
          code: 'rate_limit_exceeded',
        },
      },
      { kind: 'rate_limit', retryAfter: 1 },
    ],
    [
      429,
      {
        error: {
          type: 'usage_limit_reached',
          message: 'The usage limit has been reached',
          plan_type: 'plus',
          resets_at: 1750000000,
          resets_in_seconds: 3600,
        },
      },
      { kind: 'rate_limit', code: 'usage_limit_reached', retryAfter: 3600 },
    ],
    [
      400,
      { detail: 'Stream must be set to true' },
      { kind: 'invalid_request', message: 'Stream must be set to true' },
    ],
    [
      400,
      { detail: 'Store must be set to false' },
      { kind: 'invalid_request', message: 'Store must be set to false' },
    ],
    [
      503,
      { error: { message: 'The engine is currently overloaded', type: 'server_error', code: null } },
      { kind: 'overloaded' },
    ],
    [500, { error: { message: 'boom', type: 'server_error', code: 'server_error' } }, { kind: 'api_error' }],
    [502, '<html>Bad gateway</html>', { kind: 'api_error', message: '<html>Bad gateway</html>' }],
    [
      400,
      '{"detail":"Instructions are not valid"}',
      { kind: 'invalid_request', message: 'Instructions are not valid' },
    ],
    [403, { message: 'Forbidden' }, { kind: 'permission', message: 'Forbidden' }],
    [418, 42, { kind: 'invalid_request', message: 'Upstream error (HTTP 418)' }],
  ]
  for (const [status, body, expected] of cases) {
    test(`${status} ${JSON.stringify(body).slice(0, 60)}`, () => {
      expect(decodeError(status, body)).toMatchObject({ status, ...expected })
    })
  }

  test('decodes what encodeError wrote', () => {
    const info: ErrorInfo = {
      kind: 'billing',
      message: 'Out of credit',
      param: 'model',
      code: 'insufficient_quota',
    }
    const { status, body } = encodeError(info)
    expect(decodeError(status, body)).toEqual({ ...info, status: 402 })
  })
})
