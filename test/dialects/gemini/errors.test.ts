import { describe, expect, test } from 'bun:test'
import { parseDelay } from '../../../src/dialects/gemini/errors.ts'
import { decodeError, encodeError } from '../../../src/dialects/gemini/index.ts'
import type { ErrorInfo, ErrorKind } from '../../../src/dialects/ir.ts'
import { fixtureJson } from './helpers.ts'

describe('gemini errors', () => {
  test('each IR kind gets Google’s HTTP status and status name', () => {
    const table: Array<[ErrorKind, number, string]> = [
      ['invalid_request', 400, 'INVALID_ARGUMENT'],
      ['request_too_large', 400, 'INVALID_ARGUMENT'],
      ['billing', 400, 'FAILED_PRECONDITION'],
      ['authentication', 401, 'UNAUTHENTICATED'],
      ['permission', 403, 'PERMISSION_DENIED'],
      ['not_found', 404, 'NOT_FOUND'],
      ['rate_limit', 429, 'RESOURCE_EXHAUSTED'],
      ['api_error', 500, 'INTERNAL'],
      ['overloaded', 503, 'UNAVAILABLE'],
      ['timeout', 504, 'DEADLINE_EXCEEDED'],
    ]
    for (const [kind, status, name] of table) {
      expect(encodeError({ kind, message: 'm' })).toEqual({
        status,
        body: { error: { code: status, message: 'm', status: name } },
      })
    }
  })

  test('529 from an Anthropic upstream becomes 503 UNAVAILABLE', () => {
    expect(encodeError({ kind: 'overloaded', message: 'Overloaded', status: 529 })).toEqual({
      status: 503,
      body: { error: { code: 503, message: 'Overloaded', status: 'UNAVAILABLE' } },
    })
  })

  test('retryAfter, code and param go into details', () => {
    const out = encodeError({
      kind: 'rate_limit',
      message: 'slow',
      retryAfter: 34,
      code: 'insufficient_quota',
      param: 'contents',
    })
    expect(out.body).toEqual({
      error: {
        code: 429,
        message: 'slow',
        status: 'RESOURCE_EXHAUSTED',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34s' },
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'insufficient_quota' },
          {
            '@type': 'type.googleapis.com/google.rpc.BadRequest',
            fieldViolations: [{ field: 'contents', description: 'slow' }],
          },
        ],
      },
    })
  })

  test('decodes the 429 RESOURCE_EXHAUSTED envelope with RetryInfo', () => {
    expect(decodeError(429, fixtureJson('error-429.json'))).toEqual({
      kind: 'rate_limit',
      message: 'Resource has been exhausted (e.g. check quota).',
      status: 429,
      retryAfter: 34,
      code: 'RATE_LIMIT_EXCEEDED',
    })
  })

  test('quotaResetDelay is the fallback when RetryInfo is missing', () => {
    const info = decodeError(429, {
      error: {
        code: 429,
        message: 'quota',
        status: 'RESOURCE_EXHAUSTED',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', metadata: { quotaResetDelay: '1m30.5s' } },
        ],
      },
    })
    expect(info.retryAfter).toBe(90.5)
  })

  test('status names decide the kind; a non-default name comes back unchanged', () => {
    const info = decodeError(400, {
      error: { code: 400, message: 'enable billing', status: 'FAILED_PRECONDITION' },
    })
    expect(info).toEqual({
      kind: 'invalid_request',
      message: 'enable billing',
      status: 400,
      code: 'FAILED_PRECONDITION',
    })
    expect(encodeError(info).body).toEqual({
      error: { code: 400, message: 'enable billing', status: 'FAILED_PRECONDITION' },
    })
    expect(decodeError(503, { error: { code: 503, message: 'x', status: 'UNAVAILABLE' } }).kind).toBe(
      'overloaded',
    )
    expect(decodeError(504, { error: { code: 504, message: 'x', status: 'DEADLINE_EXCEEDED' } }).kind).toBe(
      'timeout',
    )
    expect(decodeError(403, { error: { code: 403, message: 'x', status: 'PERMISSION_DENIED' } }).kind).toBe(
      'permission',
    )
  })

  test('array bodies (no alt=sse), JSON text, plain text and empty bodies', () => {
    expect(decodeError(400, [{ error: { code: 400, message: 'bad', status: 'INVALID_ARGUMENT' } }])).toEqual({
      kind: 'invalid_request',
      message: 'bad',
      status: 400,
    })
    expect(decodeError(401, '{"error":{"code":401,"message":"key","status":"UNAUTHENTICATED"}}')).toEqual({
      kind: 'authentication',
      message: 'key',
      status: 401,
    })
    expect(decodeError(502, '<html>Bad Gateway</html>')).toEqual({
      kind: 'api_error',
      message: '<html>Bad Gateway</html>',
      status: 502,
    })
    expect(decodeError(500, undefined)).toEqual({
      kind: 'api_error',
      message: 'Gemini error 500',
      status: 500,
    })
  })

  test('encode → decode keeps what the IR carries', () => {
    const cases: ErrorInfo[] = [
      { kind: 'rate_limit', message: 'a', status: 429, retryAfter: 1.5 },
      { kind: 'invalid_request', message: 'b', status: 400, param: 'generationConfig.topK' },
      { kind: 'not_found', message: 'c', status: 404, code: 'model_not_found' },
    ]
    for (const info of cases) {
      const { status, body } = encodeError(info)
      expect(decodeError(status, body)).toEqual(info)
    }
  })

  test('durations', () => {
    expect(parseDelay('34s')).toBe(34)
    expect(parseDelay('1.5s')).toBe(1.5)
    expect(parseDelay('500ms')).toBe(0.5)
    expect(parseDelay('1h2m3s')).toBe(3723)
    expect(parseDelay('soon')).toBeUndefined()
    expect(parseDelay('3s later')).toBeUndefined()
    expect(parseDelay(34)).toBeUndefined()
  })
})
