import { describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { OAuthError } from '../../src/oauth/errors.ts'
import { parsePastedRedirect } from '../../src/oauth/paste.ts'
import { challengeFor, createPkce, createState, createVerifier } from '../../src/oauth/pkce.ts'

describe('pkce', () => {
  test('verifier is 43 base64url chars from 32 random bytes, different every time', () => {
    const a = createVerifier()
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(a, 'base64url').length).toBe(32)
    expect(createVerifier()).not.toBe(a)
  })

  test('challenge is base64url(sha256(verifier)) without padding (RFC 7636 appendix B)', () => {
    expect(challengeFor('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    )
    const p = createPkce()
    expect(p.method).toBe('S256')
    expect(p.challenge).toBe(createHash('sha256').update(p.verifier).digest('base64url'))
    expect(p.challenge).not.toContain('=')
  })

  test('state is 32 lowercase hex chars', () => {
    expect(createState()).toMatch(/^[0-9a-f]{32}$/)
    expect(createState()).not.toBe(createState())
  })
})

describe('parsePastedRedirect', () => {
  const S = 'abc123state'
  const codeOf = (input: string) => parsePastedRedirect(input, S).code

  test('a full redirected URL', () => {
    expect(parsePastedRedirect(`http://localhost:54545/callback?code=the-code&state=${S}`, S)).toEqual({
      code: 'the-code',
      state: S,
    })
  })

  test('surrounding whitespace and quotes are ignored', () => {
    expect(codeOf(`  "http://localhost:1455/auth/callback?code=c%2B1&state=${S}"\n`)).toBe('c+1')
  })

  test('a bare query string', () => {
    expect(codeOf(`?code=q1&state=${S}`)).toBe('q1')
    expect(codeOf(`code=q2&state=${S}`)).toBe('q2')
  })

  test("Claude's code#state form", () => {
    expect(parsePastedRedirect(`claude-code-xyz#${S}`, S)).toEqual({ code: 'claude-code-xyz', state: S })
  })

  test('a bare code (nothing to check the state against)', () => {
    expect(parsePastedRedirect('4/0AbCdEf-gh', S)).toEqual({ code: '4/0AbCdEf-gh' })
  })

  const fails = (input: string, code: string) => {
    try {
      parsePastedRedirect(input, S)
    } catch (e) {
      expect(e).toBeInstanceOf(OAuthError)
      expect((e as OAuthError).code).toBe(code)
      return e as OAuthError
    }
    throw new Error(`accepted ${input}`)
  }

  test('a URL or code#state of another login is refused (CSRF)', () => {
    fails('http://localhost:54545/callback?code=c&state=other', 'state_mismatch')
    fails('c#other', 'state_mismatch')
    fails('http://localhost:54545/callback?code=c', 'state_mismatch')
  })

  test('an error redirect fails with the OAuth error and its description', () => {
    const e = fails(
      `http://localhost/cb?error=access_denied&error_description=User+said+no&state=${S}`,
      'access_denied',
    )
    expect(e.message).toContain('User said no')
  })

  test('empty input, a URL without code, prose', () => {
    fails('   ', 'no_code')
    fails(`http://localhost/cb?state=${S}`, 'no_code')
    fails('I could not log in', 'no_code')
  })
})
