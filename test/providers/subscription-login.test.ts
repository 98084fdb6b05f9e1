/**
 * The pieces the Qwen, Kimi and iFlow logins share: device endpoints with config overrides, the
 * token a login or refresh stores (an answer without a refresh token keeps the old one), and the
 * account made from it; and Kimi's device id file, made once.
 */
import { describe, expect, test } from 'bun:test'
import { readFileSync, statSync } from 'node:fs'
import { validate } from '../../src/config/load.ts'
import { KIMI_DEVICE_ID_FILE, kimiDeviceId } from '../../src/providers/kimi/login.ts'
import { loginAccount, resolveDeviceApp, storedLogin } from '../../src/providers/shared/subscription-login.ts'
import { tempDir } from '../helpers/tmp.ts'

const DEFAULTS = { deviceCodeUrl: 'https://v/device', tokenUrl: 'https://v/token', clientId: 'c' }

describe('subscription logins', () => {
  test('device endpoints: the vendor’s, each overridable under providers.<id>.oauth', () => {
    expect(resolveDeviceApp(validate({}, 't').config, 'kimi', DEFAULTS)).toEqual(DEFAULTS)
    const config = validate(
      { providers: { kimi: { oauth: { token_url: 'http://127.0.0.1:1/t' } } } },
      't',
    ).config
    expect(resolveDeviceApp(config, 'kimi', DEFAULTS)).toEqual({
      ...DEFAULTS,
      tokenUrl: 'http://127.0.0.1:1/t',
    })
  })

  test('storedLogin: the answer over the old token, expires_at in seconds, the old refresh token kept', () => {
    const now = 1_700_000_000_000
    const first = storedLogin({ access_token: 'a1', refresh_token: 'r1', expires_in: 60 }, now, {
      device_id: 'd',
    })
    expect(first).toEqual({
      token: { access_token: 'a1', refresh_token: 'r1', device_id: 'd', expires_at: 1_700_000_060 },
      expiresAt: now + 60_000,
    })
    const again = storedLogin({ access_token: 'a2' }, now, first.token)
    expect(again.token).toMatchObject({ access_token: 'a2', refresh_token: 'r1', device_id: 'd' })
    expect(again.expiresAt).toBeUndefined()
    expect(loginAccount('qwen', 'default', again)).toEqual({
      provider: 'qwen',
      accountId: 'default',
      kind: 'oauth',
      token: again.token,
    })
    expect(loginAccount('qwen', 'x', first).expiresAt).toBe(now + 60_000)
  })

  test('kimi: the device id is made once, mode 0600, and read back after', () => {
    using dir = tempDir()
    const data = dir.join('nested', 'data')
    const id = kimiDeviceId(data)
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(kimiDeviceId(data)).toBe(id)
    expect(readFileSync(`${data}/${KIMI_DEVICE_ID_FILE}`, 'utf8')).toBe(`${id}\n`)
    expect(statSync(`${data}/${KIMI_DEVICE_ID_FILE}`).mode & 0o777).toBe(0o600)
    expect(kimiDeviceId(dir.join('other'))).not.toBe(id)
  })
})
