/**
 * OAuth servers that spell their fields in camelCase (AWS SSO OIDC, Kiro's auth service) and the
 * one that takes only the PKCE parts: the request side (`fieldCase`, `refreshTokenOnly`,
 * `pkceOnly`) and the answer side (`withSnakeCaseFields`), against a recording loopback server.
 */
import { expect, test } from 'bun:test'
import {
  buildAuthorizeUrl,
  oauthRefresher,
  readTokenResponse,
  withSnakeCaseFields,
} from '../../src/oauth/index.ts'
import { encodeBody } from '../../src/oauth/token-response.ts'
import type { Account } from '../../src/store/types.ts'
import { jsonResponse, startFake } from '../helpers/fakes/server.ts'

test('camelCase answers are readable under their snake_case names; snake_case ones win', () => {
  expect(withSnakeCaseFields({ accessToken: 'a', expiresIn: 60, access_token: 'kept' })).toEqual({
    accessToken: 'a',
    expiresIn: 60,
    access_token: 'kept',
    expires_in: 60,
  })
  expect(withSnakeCaseFields('text')).toBe('text')
})

test('readTokenResponse takes a camelCase token answer', async () => {
  const t = await readTokenResponse(
    new Response(JSON.stringify({ accessToken: 'at', refreshToken: 'rt', expiresIn: 3600 })),
    'x',
  )
  expect(t).toMatchObject({ access_token: 'at', refresh_token: 'rt', expires_in: 3600 })
})

test('encodeBody in camelCase renames every field', () => {
  const { body } = encodeBody(
    'json',
    { grant_type: 'refresh_token', client_id: 'c', device_code: 'd' },
    {},
    'camel',
  )
  expect(JSON.parse(body)).toEqual({ grantType: 'refresh_token', clientId: 'c', deviceCode: 'd' })
})

test('a refresher that sends the refresh token alone, in camelCase', async () => {
  await using server = startFake(() =>
    jsonResponse({ accessToken: 'new', refreshToken: 'rt2', expiresIn: 60 }),
  )
  const r = oauthRefresher({
    tokenUrl: `${server.url}/refreshToken`,
    clientId: '',
    style: 'json',
    fieldCase: 'camel',
    refreshTokenOnly: true,
  })
  const out = await r.refresh({ token: { refresh_token: 'rt1' } } as unknown as Account)
  expect(server.last().body).toEqual({ refreshToken: 'rt1' })
  expect(out.token).toMatchObject({ access_token: 'new', refresh_token: 'rt2' })
})

test('a PKCE-only authorize URL carries no client id, response type or scope', () => {
  const url = new URL(
    buildAuthorizeUrl(
      {
        authorizeUrl: 'https://auth.example/login',
        clientId: 'ignored',
        scopes: ['a'],
        extraParams: { idp: 'Google' },
        pkceOnly: true,
      },
      'http://localhost:9876/oauth/callback',
      'st',
      'ch',
    ),
  )
  expect(Object.fromEntries(url.searchParams)).toEqual({
    redirect_uri: 'http://localhost:9876/oauth/callback',
    state: 'st',
    code_challenge: 'ch',
    code_challenge_method: 'S256',
    idp: 'Google',
  })
})
