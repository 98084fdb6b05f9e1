import { describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import {
  checkTokensOpen,
  keyringFromEnv,
  openToken,
  parseSecretKey,
  SEALED_PREFIX,
  SecretKeyError,
  sealCounts,
  sealedKeyId,
  sealToken,
  tokenCipher,
} from '../../src/store/token-seal.ts'

const KEY_A = randomBytes(32)
const KEY_B = randomBytes(32)
const TOKEN = JSON.stringify({ access_token: 'sk-ant-oat01-SECRETACCESS', refresh_token: 'SECRETREFRESH' })

describe('token sealing', () => {
  test('a sealed token holds no token text, names its key and opens back', () => {
    const ring = keyringFromEnv('K', { K: KEY_A.toString('base64') })
    const sealed = sealToken(TOKEN, ring)
    expect(sealed.startsWith(`${SEALED_PREFIX}${ring.current!.id}:`)).toBe(true)
    expect(sealed).not.toContain('SECRET')
    expect(sealedKeyId(sealed)).toBe(ring.current!.id)
    expect(openToken(sealed, ring)).toBe(TOKEN)
    // a fresh IV per write: the same token seals differently
    expect(sealToken(TOKEN, ring)).not.toBe(sealed)
  })

  test('the key is read as hex, base64 or base64url alike, and its id is stable', () => {
    const hex = parseSecretKey(KEY_A.toString('hex'), 'K')
    expect(parseSecretKey(KEY_A.toString('base64'), 'K')).toEqual(hex)
    expect(parseSecretKey(KEY_A.toString('base64url'), 'K')).toEqual(hex)
    expect(hex.id).toMatch(/^[0-9a-f]{8}$/)
    expect(parseSecretKey(KEY_B.toString('hex'), 'K').id).not.toBe(hex.id)
  })

  test('a malformed key is an error naming the variable, never echoing the value', () => {
    for (const bad of ['short', randomBytes(16).toString('hex'), randomBytes(31).toString('base64')]) {
      const e = (() => {
        try {
          keyringFromEnv('MY_TOKEN_KEY', { MY_TOKEN_KEY: bad })
        } catch (err) {
          return err as Error
        }
      })()
      expect(e).toBeInstanceOf(SecretKeyError)
      expect(e!.message).toContain('MY_TOKEN_KEY')
      expect(e!.message).not.toContain(bad)
    }
  })

  test('no key: tokens are written in clear and clear ones read as they are', () => {
    expect(keyringFromEnv('K', {})).toEqual({ envName: 'K', byId: new Map() })
    expect(sealToken(TOKEN, keyringFromEnv('K', {}))).toBe(TOKEN)
    expect(sealToken(TOKEN, undefined)).toBe(TOKEN)
    expect(openToken(TOKEN, undefined)).toBe(TOKEN)
  })

  test('a token of a key that is not set, or of another key, is an error naming the variable', () => {
    const a = keyringFromEnv('K', { K: KEY_A.toString('hex') })
    const b = keyringFromEnv('K', { K: KEY_B.toString('hex') })
    const sealed = sealToken(TOKEN, a)
    expect(() => openToken(sealed, keyringFromEnv('K', {}))).toThrow(/but K is not set/)
    expect(() => openToken(sealed, undefined)).toThrow(/but BYOKEY_SECRET_KEY is not set/)
    expect(() => openToken(sealed, b)).toThrow(
      new RegExp(`key ${a.current!.id}, which neither K nor K_PREVIOUS`),
    )
  })

  test('an altered token does not open, whatever part was changed', () => {
    const ring = keyringFromEnv('K', { K: KEY_A.toString('hex') })
    const sealed = sealToken(TOKEN, ring)
    const flipped = sealed.slice(0, -3) + (sealed.at(-3) === 'A' ? 'B' : 'A') + sealed.slice(-2)
    expect(() => openToken(flipped, ring)).toThrow(/altered or corrupted/)
    expect(() => openToken(sealed.slice(0, SEALED_PREFIX.length + 12), ring)).toThrow(SecretKeyError)
  })

  test('previous keys open old rows; only the current one seals', () => {
    const old = keyringFromEnv('K', { K: KEY_A.toString('hex') })
    const sealedOld = sealToken(TOKEN, old)
    const ring = keyringFromEnv('K', {
      K: KEY_B.toString('hex'),
      K_PREVIOUS: ` ${KEY_A.toString('base64')} ,`,
    })
    expect(openToken(sealedOld, ring)).toBe(TOKEN)
    expect(sealedKeyId(sealToken(TOKEN, ring))).toBe(ring.current!.id)
    // previous keys alone: old rows are read, new ones written in clear (for `rotate --decrypt`)
    const only = keyringFromEnv('K', { K_PREVIOUS: KEY_A.toString('hex') })
    expect(only.current).toBeUndefined()
    expect(openToken(sealedOld, only)).toBe(TOKEN)
    expect(sealToken(TOKEN, only)).toBe(TOKEN)
  })

  test('the cipher memoises what it opened, and counts and checks stored tokens', () => {
    const ring = keyringFromEnv('K', { K: KEY_A.toString('hex') })
    const cipher = tokenCipher(ring)
    const sealed = cipher.seal(TOKEN)
    expect(cipher.open(sealed)).toBe(TOKEN)
    expect(cipher.open(sealed)).toBe(TOKEN)
    expect(cipher.open(TOKEN)).toBe(TOKEN)
    expect(sealCounts([sealed, sealed, TOKEN])).toEqual({ [ring.current!.id]: 2, clear: 1 })
    expect(() => checkTokensOpen([sealed, TOKEN], cipher)).not.toThrow()
    const other = tokenCipher(keyringFromEnv('K', { K: KEY_B.toString('hex') }))
    expect(() => checkTokensOpen([sealed, TOKEN, sealed], other)).toThrow(
      /^2 of 3 account tokens cannot be read: .*K/,
    )
  })
})
