import { describe, expect, test } from 'bun:test'
import { type ErrorKind, STATUS_OF_KIND } from '../../../src/dialects/ir.ts'
import { decodeError, encodeError } from '../../../src/dialects/openai-chat/index.ts'

describe('encodeError', () => {
  test('writes the OpenAI envelope with the status and type of each kind', () => {
    // The codes are what OpenAI itself sends, so clients that switch on them (SDK retries, Codex CLI) see them.
    const table: Record<ErrorKind, [number, string, string | null]> = {
      invalid_request: [400, 'invalid_request_error', null],
      authentication: [401, 'authentication_error', 'invalid_api_key'],
      billing: [402, 'insufficient_quota', 'insufficient_quota'],
      permission: [403, 'permission_error', null],
      not_found: [404, 'invalid_request_error', null],
      request_too_large: [413, 'invalid_request_error', null],
      rate_limit: [429, 'rate_limit_error', 'rate_limit_exceeded'],
      api_error: [500, 'server_error', null],
      overloaded: [503, 'server_error', 'server_is_overloaded'],
      timeout: [504, 'server_error', 'timeout'],
    }
    for (const kind of Object.keys(STATUS_OF_KIND) as ErrorKind[]) {
      const [status, type, code] = table[kind]
      expect(encodeError({ kind, message: `m-${kind}` })).toEqual({
        status,
        body: { error: { message: `m-${kind}`, type, param: null, code } },
      })
    }
  })

  test('keeps an explicit status, param and code', () => {
    expect(
      encodeError({
        kind: 'invalid_request',
        message: 'bad',
        status: 422,
        param: 'messages.3.content',
        code: 'invalid_value',
      }),
    ).toEqual({
      status: 422,
      body: {
        error: {
          message: 'bad',
          type: 'invalid_request_error',
          param: 'messages.3.content',
          code: 'invalid_value',
        },
      },
    })
  })
})

describe('decodeError', () => {
  test('reads the envelope, with the status deciding the kind', () => {
    expect(
      decodeError(401, {
        error: {
          message: 'Incorrect API key provided',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      }),
    ).toEqual({
      kind: 'authentication',
      status: 401,
      message: 'Incorrect API key provided',
      code: 'invalid_api_key',
    })
    expect(
      decodeError(400, {
        error: {
          message: 'too long',
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      }),
    ).toEqual({
      kind: 'invalid_request',
      status: 400,
      message: 'too long',
      param: 'messages',
      code: 'context_length_exceeded',
    })
    expect(
      decodeError(503, {
        error: {
          message: 'The engine is currently overloaded',
          type: 'server_error',
          param: null,
          code: null,
        },
      }),
    ).toEqual({
      kind: 'overloaded',
      status: 503,
      message: 'The engine is currently overloaded',
    })
  })

  test('codes refine a generic status: quota on a 429 is billing, an unknown model is not_found', () => {
    expect(
      decodeError(429, {
        error: { message: 'quota', type: 'insufficient_quota', param: null, code: 'insufficient_quota' },
      }).kind,
    ).toBe('billing')
    expect(
      decodeError(429, {
        error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' },
      }).kind,
    ).toBe('rate_limit')
    expect(
      decodeError(400, {
        error: { message: 'no model', type: 'invalid_request_error', param: null, code: 'model_not_found' },
      }),
    ).toEqual({
      kind: 'not_found',
      status: 400,
      message: 'no model',
      code: 'model_not_found',
    })
    expect(
      decodeError(500, { error: { message: 'x', type: 'server_error', code: 'insufficient_quota' } }).kind,
    ).toBe('api_error')
  })

  test('without a status (inside a stream) the type and code decide', () => {
    expect(decodeError(0, { error: { message: 'a', type: 'server_error' } }).kind).toBe('api_error')
    expect(decodeError(0, { error: { message: 'a', type: 'rate_limit_error' } }).kind).toBe('rate_limit')
    expect(decodeError(0, { error: { message: 'a', type: 'overloaded_error' } }).kind).toBe('overloaded')
    expect(
      decodeError(0, { error: { message: 'a', type: 'invalid_request_error', code: 'invalid_api_key' } })
        .kind,
    ).toBe('authentication')
    expect(decodeError(0, { error: { message: 'a' } })).toEqual({ kind: 'api_error', message: 'a' })
  })

  test('reads JSON text, bytes, plain text and vendor shapes', () => {
    const env = '{"error":{"message":"nope","type":"permission_error","param":null,"code":123}}'
    expect(decodeError(403, env)).toEqual({ kind: 'permission', status: 403, message: 'nope', code: '123' })
    expect(decodeError(403, new TextEncoder().encode(env))).toEqual({
      kind: 'permission',
      status: 403,
      message: 'nope',
      code: '123',
    })
    expect(decodeError(502, '<html>Bad Gateway</html>\n')).toEqual({
      kind: 'api_error',
      status: 502,
      message: '<html>Bad Gateway</html>',
    })
    expect(decodeError(500, '')).toEqual({
      kind: 'api_error',
      status: 500,
      message: 'Upstream error (HTTP 500)',
    })
    expect(decodeError(400, { error: 'bad thing' })).toEqual({
      kind: 'invalid_request',
      status: 400,
      message: 'bad thing',
    })
    expect(decodeError(400, { detail: 'Stream must be set to true' })).toEqual({
      kind: 'invalid_request',
      status: 400,
      message: 'Stream must be set to true',
    })
    expect(decodeError(404, [{ error: { message: 'gone', type: 'not_found_error' } }])).toEqual({
      kind: 'not_found',
      status: 404,
      message: 'gone',
    })
    expect(decodeError(429, null)).toEqual({
      kind: 'rate_limit',
      status: 429,
      message: 'Upstream error (HTTP 429)',
    })
  })

  test('an envelope survives decode → encode', () => {
    const body = {
      error: {
        message: 'Rate limit reached',
        type: 'rate_limit_error',
        param: null,
        code: 'rate_limit_exceeded',
      },
    }
    expect(encodeError(decodeError(429, body))).toEqual({ status: 429, body })
  })
})
