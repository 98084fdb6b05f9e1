import { describe, expect, test } from 'bun:test'
import { decodeError, encodeError } from '../../../src/dialects/anthropic-messages/index.ts'
import type { ErrorKind } from '../../../src/dialects/ir.ts'

const TABLE: Array<[ErrorKind, number, string]> = [
  ['invalid_request', 400, 'invalid_request_error'],
  ['authentication', 401, 'authentication_error'],
  ['billing', 402, 'billing_error'],
  ['permission', 403, 'permission_error'],
  ['not_found', 404, 'not_found_error'],
  ['request_too_large', 413, 'request_too_large'],
  ['rate_limit', 429, 'rate_limit_error'],
  ['api_error', 500, 'api_error'],
  ['timeout', 504, 'timeout_error'],
  ['overloaded', 529, 'overloaded_error'],
]

describe('anthropic-messages errors', () => {
  test('encodeError: the status and error.type table', () => {
    for (const [kind, status, type] of TABLE) {
      expect(encodeError({ kind, message: `m-${kind}` })).toEqual({
        status,
        body: { type: 'error', error: { type, message: `m-${kind}` } },
      })
    }
  })

  test('encodeError keeps an explicit status and echoes the request id', () => {
    expect(encodeError({ kind: 'overloaded', message: 'busy', status: 503, requestId: 'req_011C' })).toEqual({
      status: 503,
      body: { type: 'error', error: { type: 'overloaded_error', message: 'busy' }, request_id: 'req_011C' },
    })
  })

  test('decodeError reads the envelope and request_id', () => {
    for (const [kind, status, type] of TABLE) {
      const info = decodeError(status, {
        type: 'error',
        error: { type, message: 'Something' },
        request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy',
      })
      expect(info).toEqual({ kind, status, message: 'Something', requestId: 'req_011CSHoEeqs5C35K2UUqR7Fy' })
    }
  })

  test('decodeError trusts a known error.type over the status', () => {
    expect(
      decodeError(503, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }).kind,
    ).toBe('overloaded')
    expect(
      decodeError(401, {
        type: 'error',
        error: {
          type: 'authentication_error',
          message: 'OAuth access token has expired. Re-authenticate to continue.',
        },
      }),
    ).toEqual({
      kind: 'authentication',
      status: 401,
      message: 'OAuth access token has expired. Re-authenticate to continue.',
    })
  })

  test('decodeError: an unknown type falls back to the status and is kept as the code', () => {
    expect(
      decodeError(429, { type: 'error', error: { type: 'quota_exhausted', message: 'Weekly limit' } }),
    ).toEqual({
      kind: 'rate_limit',
      status: 429,
      message: 'Weekly limit',
      code: 'quota_exhausted',
    })
  })

  test('decodeError: raw JSON text, HTML, other vendors’ shapes, empty bodies', () => {
    expect(
      decodeError(400, '{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}'),
    ).toEqual({
      kind: 'invalid_request',
      status: 400,
      message: 'bad',
    })
    expect(decodeError(502, '<html><body>Bad Gateway</body></html>')).toEqual({
      kind: 'api_error',
      status: 502,
      message: '<html><body>Bad Gateway</body></html>',
    })
    expect(
      decodeError(404, { error: { message: 'model not found', type: 'invalid_request_error' } }),
    ).toMatchObject({
      kind: 'invalid_request',
      message: 'model not found',
    })
    expect(decodeError(500, '')).toEqual({
      kind: 'api_error',
      status: 500,
      message: 'upstream error (HTTP 500)',
    })
    expect(decodeError(413, null)).toEqual({
      kind: 'request_too_large',
      status: 413,
      message: 'upstream error (HTTP 413)',
    })
    expect(decodeError(401, { message: 'nope' })).toMatchObject({ kind: 'authentication', message: 'nope' })
  })
})
