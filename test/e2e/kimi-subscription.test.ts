/**
 * A Kimi CLI login from the device flow to served requests: the `x-msh-*` device headers on every
 * login, refresh and API call, with one device id made once in the data directory and reused by
 * later logins, model ids without the `kimi-` prefix upstream, one refresh for 50 concurrent
 * requests, and a revoked login answered with the command that fixes it. Fake OAuth and Kimi API
 * servers on 127.0.0.1; real SQLite; the real OpenAI and Anthropic SDKs.
 */
import { describe, expect, test } from 'bun:test'
import { readFileSync, statSync } from 'node:fs'
import { KIMI_DEVICE_ID_FILE, loginKimi } from '../../src/providers/kimi/login.ts'
import {
  anthropicRoundTrips,
  bearer,
  chatRig,
  expectOneRefresh,
  expectRevoked,
  fastClock,
  missingHeaders,
  openaiRoundTrips,
  seedExpired,
} from '../helpers/chat-subscription.ts'
import type { Recorded } from '../helpers/fakes/index.ts'

const MODEL = 'kimi-k2-0711'
const MSH = ['x-msh-platform', 'x-msh-version', 'x-msh-device-name', 'x-msh-device-model', 'x-msh-device-id']

function kimiProblem(rec: Recorded): string | undefined {
  const missing = missingHeaders(rec, MSH)
  if (missing) return missing
  if (!(rec.headers['user-agent'] ?? '').startsWith('KimiCLI/')) return 'not Kimi CLI'
  // the prefix byokey lists the model under never reaches Kimi
  if ((rec.body as { model?: string }).model !== 'k2-0711') return 'unknown model'
  return undefined
}

const setup = () =>
  chatRig({
    problem: kimiProblem,
    oauth: () => ({ requiredHeaders: MSH }),
    providers: (oauth, upUrl) => ({
      kimi: {
        base_url: `${upUrl}/v1`,
        oauth: { device_code_url: oauth.deviceCodeUrl, token_url: oauth.tokenUrl, client_id: oauth.clientId },
      },
    }),
  })

describe('Kimi login', () => {
  test('device login with the device headers → stored → text, stream and tool round trips with both SDKs', async () => {
    await using rig = await setup()
    const { oauth, up, gw } = rig
    const dataDir = gw.dir.join('data')
    const login = () =>
      loginKimi({ config: rig.config, dataDir, print: () => oauth.approveDevice(), ...fastClock() })
    const account = await login()
    const deviceId = readFileSync(`${dataDir}/${KIMI_DEVICE_ID_FILE}`, 'utf8').trim()
    expect(deviceId).toMatch(/^[0-9a-f-]{36}$/)
    expect(statSync(`${dataDir}/${KIMI_DEVICE_ID_FILE}`).mode & 0o777).toBe(0o600)
    expect(account.token['device_id']).toBe(deviceId)
    // the fake refuses auth calls without the headers; they all named this device
    const authCalls = oauth.server.requests.filter((r) => r.method === 'POST')
    expect(authCalls.map((r) => r.headers['x-msh-device-id'])).toEqual(authCalls.map(() => deviceId))
    // a second login on this machine names the same device
    expect((await login()).token['device_id']).toBe(deviceId)
    gw.store.accounts.upsert(account)

    await openaiRoundTrips(gw.url, MODEL)
    await anthropicRoundTrips(gw.url, MODEL)
    expect(up.requests.length).toBe(8)
    for (const rec of up.requests) {
      expect(kimiProblem(rec)).toBeUndefined()
      expect(rec.headers['x-msh-device-id']).toBe(deviceId)
      expect(bearer(rec)).toBe(String(account.token['access_token']))
    }
    expect(gw.logText()).not.toContain(String(account.token['access_token']))
  })

  test('an expired token is refreshed once for 50 concurrent requests, with the device headers', async () => {
    await using rig = await setup()
    const old = rig.oauth.issue()
    seedExpired(rig, 'kimi', 'default', { ...old, device_id: 'dev-1' })
    const acc = await expectOneRefresh(rig, MODEL, 'kimi', 'default')
    expect(rig.oauth.tokenRequests()[0]!.headers['x-msh-device-id']).toBe('dev-1')
    expect(acc.token['refresh_token']).not.toBe(old.refresh_token)
    expect(acc.token['device_id']).toBe('dev-1')
    expect(rig.up.requests.every((r) => r.headers['x-msh-device-id'] === 'dev-1' && !kimiProblem(r))).toBe(
      true,
    )
  })

  test('a revoked login is a 401 naming `byokey login kimi`; the upstream is never called', async () => {
    await using rig = await setup()
    seedExpired(rig, 'kimi', 'default', { ...rig.oauth.issue(), refresh_token: 'rt-revoked', device_id: 'd' })
    await expectRevoked(rig, MODEL, 'kimi', 'default')
  })
})
