import { describe, expect, test } from 'bun:test'
import { forwardedRequestHeaders, forwardedResponseHeaders } from '../../src/server/amp/headers.ts'
import { redirectTarget } from '../../src/server/amp/layer.ts'
import { ampRouteOf, servedPath } from '../../src/server/amp/paths.ts'
import { dialectForPath } from '../../src/server/errors.ts'

describe('ampRouteOf', () => {
  test("Amp's model calls map to byokey's own endpoints", () => {
    expect(ampRouteOf('POST', '/api/provider/anthropic/v1/messages')).toEqual({
      kind: 'serve',
      path: '/v1/messages',
    })
    expect(ampRouteOf('POST', '/api/provider/openai/v1/chat/completions')).toEqual({
      kind: 'serve',
      path: '/v1/chat/completions',
    })
    expect(ampRouteOf('POST', '/api/provider/openai/v1/responses')).toEqual({
      kind: 'serve',
      path: '/v1/responses',
    })
    expect(ampRouteOf('POST', '/api/provider/google/v1beta/models/gemini-2.5-pro:generateContent')).toEqual({
      kind: 'serve',
      path: '/v1beta/models/gemini-2.5-pro:generateContent',
    })
  })

  test("the rest of Amp's API is forwarded, login pages redirected, byokey's own paths untouched", () => {
    expect(ampRouteOf('GET', '/api/threads/T-1')).toEqual({ kind: 'forward' })
    expect(ampRouteOf('POST', '/api/provider/xai/v1/chat/completions')).toEqual({ kind: 'forward' })
    expect(ampRouteOf('DELETE', '/v0/management/auth-files')).toEqual({ kind: 'forward' })
    expect(ampRouteOf('GET', '/auth/cli-login')).toEqual({ kind: 'redirect', path: '/auth/cli-login' })
    expect(ampRouteOf('GET', '/v1/login')).toEqual({ kind: 'redirect', path: '/login' })
    expect(ampRouteOf('POST', '/v1/login')).toBeUndefined()
    for (const own of [
      '/v1/messages',
      '/v1/models',
      '/v1beta/models/x:generateContent',
      '/healthz',
      '/api',
      '/v0/x',
    ]) {
      expect(ampRouteOf('POST', own)).toBeUndefined()
    }
  })

  test('errors on a served path answer in the envelope of the endpoint serving it', () => {
    expect(servedPath('/api/provider/google/v1beta/models/m:x')).toBe('/v1beta/models/m:x')
    expect(dialectForPath('/api/provider/anthropic/v1/messages')).toBe('anthropic-messages')
    expect(dialectForPath('/api/provider/openai/v1/responses')).toBe('openai-responses')
    expect(dialectForPath('/api/provider/google/v1beta/models/m:generateContent')).toBe('gemini')
    expect(dialectForPath('/api/threads')).toBe('openai-chat')
  })
})

describe('forwarded headers', () => {
  const client = new Headers({
    connection: 'keep-alive, X-Private',
    'keep-alive': 'timeout=5',
    'x-private': 'hop only',
    'proxy-authorization': 'Basic abc',
    host: '127.0.0.1:8018',
    'x-forwarded-for': '10.0.0.1',
    'sec-ch-ua-mobile': '?0',
    'sec-fetch-site': 'none',
    authorization: 'Bearer client-key',
    'x-goog-api-key': 'client-google-key',
    'x-amp-thread': 'T-1',
  })

  test('hop-by-hop and fingerprint headers stay behind; the credential replaces the clients', () => {
    const out = Object.fromEntries(forwardedRequestHeaders(client, 'amp-token'))
    expect(out).toEqual({
      authorization: 'Bearer amp-token',
      'x-api-key': 'amp-token',
      'x-amp-thread': 'T-1',
    })
  })

  test("without a credential the client's own passes", () => {
    const out = Object.fromEntries(forwardedRequestHeaders(client, undefined))
    expect(out).toEqual({
      authorization: 'Bearer client-key',
      'x-goog-api-key': 'client-google-key',
      'x-amp-thread': 'T-1',
    })
  })

  test("the answer keeps Amp's headers but the hop-by-hop ones", () => {
    const out = forwardedResponseHeaders(
      new Headers({
        'transfer-encoding': 'chunked',
        connection: 'close',
        'content-encoding': 'gzip',
        'x-amp': '1',
      }),
    )
    expect(Object.fromEntries(out)).toEqual({ 'content-encoding': 'gzip', 'x-amp': '1' })
  })
})

describe('redirectTarget', () => {
  const base = 'https://ampcode.com'
  test("relative redirects to Amp's pages go to Amp; into its API or absolute ones are kept", () => {
    expect(redirectTarget('/login?next=x', base)).toBe('https://ampcode.com/login?next=x')
    expect(redirectTarget('/api/threads', base)).toBe('/api/threads')
    expect(redirectTarget('/v0/management/x', base)).toBe('/v0/management/x')
    expect(redirectTarget('https://github.com/login', base)).toBe('https://github.com/login')
    expect(redirectTarget('//evil.example/x', base)).toBe('//evil.example/x')
  })
})
