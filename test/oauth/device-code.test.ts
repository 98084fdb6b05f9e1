import { describe, expect, test } from 'bun:test'
import { type DeviceFlowOptions, runDeviceFlow, scaledSlowDown } from '../../src/oauth/device-code.ts'
import { OAuthError } from '../../src/oauth/errors.ts'
import { type FakeOAuth, type FakeOAuthOptions, startFakeOAuth } from '../helpers/fakes/oauth.ts'

/** A fake clock: `sleep` advances it at once; `onPoll` runs before each poll reaches the fake. */
function clocked(
  fake: FakeOAuth,
  onPoll: (n: number) => void = () => {},
  over: Partial<DeviceFlowOptions> = {},
) {
  let t = 1_000_000
  const polls: number[] = []
  const ticks: number[] = []
  const lines: string[] = []
  const opts: DeviceFlowOptions = {
    deviceCodeUrl: fake.deviceCodeUrl,
    tokenUrl: fake.tokenUrl,
    clientId: 'test-client',
    scope: 'read:user',
    print: (l) => lines.push(l),
    onTick: (s) => ticks.push(s),
    now: () => t,
    sleep: async (ms) => {
      t += ms
    },
    // Real requests; the wrapper only notes the fake time of each poll.
    fetch: ((url: string | URL | Request, init?: RequestInit) => {
      if (String(url) === fake.tokenUrl) {
        polls.push(t)
        onPoll(polls.length)
      }
      return fetch(url, init)
    }) as typeof fetch,
    ...over,
  }
  return { opts, polls, ticks, lines, start: t }
}

async function rejection(p: Promise<unknown>): Promise<OAuthError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(OAuthError)
    return e as OAuthError
  }
  throw new Error('resolved')
}

for (const deviceErrorStatus of [400, 200] as const) {
  const label = deviceErrorStatus === 200 ? 'errors as HTTP 200 (GitHub)' : 'errors as HTTP 400 (RFC 8628)'
  describe(`device flow, ${label}`, () => {
    const start = (o: FakeOAuthOptions = {}) => startFakeOAuth({ deviceErrorStatus, ...o })

    test('pending → slow_down (interval +5 s) → pending → approval', async () => {
      await using fake = start({ deviceInterval: 5, slowDownPolls: [2] })
      const c = clocked(fake, (n) => {
        if (n === 4) fake.approveDevice()
      })
      const token = await runDeviceFlow(c.opts)
      expect(fake.isValidAccess(token.access_token)).toBe(true)
      const gaps = c.polls.map((p, i) => p - (i === 0 ? c.start : c.polls[i - 1]!))
      expect(gaps).toEqual([5000, 5000, 10_000, 10_000])
      expect(c.lines[0]).toBe(`Open ${fake.url}/device and enter the code WDJB-MJHT`)
      expect(c.lines[1]).toContain('user_code=WDJB-MJHT')
      // The countdown ticks about once a second, going down from 900.
      expect(c.ticks[0]).toBe(900)
      expect(c.ticks.length).toBeGreaterThanOrEqual(29)
      expect(c.ticks.at(-1)).toBe(900 - 29)
      const poll = new URLSearchParams(fake.tokenRequests()[0]!.rawBody)
      expect(poll.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:device_code')
      expect(poll.get('client_id')).toBe('test-client')
      const req = new URLSearchParams(fake.server.requests[0]!.rawBody)
      expect(req.get('scope')).toBe('read:user')
    })

    test('expired_token from the server fails clearly', async () => {
      await using fake = start()
      const c = clocked(fake, (n) => {
        if (n === 2) fake.expireDevice()
      })
      const e = await rejection(runDeviceFlow(c.opts))
      expect(e.code).toBe('expired_token')
      expect(e.message).toContain('expired')
      expect(e.message).toContain('start the login again')
      expect(c.polls).toHaveLength(2)
    })

    test('access_denied fails clearly', async () => {
      await using fake = start()
      const c = clocked(fake, () => fake.denyDevice())
      const e = await rejection(runDeviceFlow(c.opts))
      expect(e.code).toBe('access_denied')
      expect(e.message).toContain('denied')
    })
  })
}

describe('device flow', () => {
  test('stops at expires_in even when the server keeps saying pending', async () => {
    await using fake = startFakeOAuth({ deviceExpiresIn: 12, deviceInterval: 5 })
    const c = clocked(fake)
    const e = await rejection(runDeviceFlow(c.opts))
    expect(e.code).toBe('expired_token')
    expect(c.polls.map((p) => p - c.start)).toEqual([5000, 10_000])
  })

  test('Qwen-style slow_down multiplier is pluggable', async () => {
    await using fake = startFakeOAuth({ deviceInterval: 2, slowDownPolls: [1] })
    const c = clocked(fake, (n) => n === 2 && fake.approveDevice(), {
      slowDown: (ms) => Math.min(ms * 1.5, 10_000),
    })
    await runDeviceFlow(c.opts)
    expect(c.polls.map((p) => p - c.start)).toEqual([2000, 5000])
  })

  test('scaledSlowDown multiplies each slow_down by 1.5 and stops at the cap', async () => {
    await using fake = startFakeOAuth({ deviceInterval: 4, slowDownPolls: [1, 2, 3] })
    const c = clocked(fake, (n) => n === 4 && fake.approveDevice(), {
      slowDown: scaledSlowDown(1.5, 10_000),
    })
    await runDeviceFlow(c.opts)
    // intervals 4 s, then 6 s, 9 s, and 10 s (13.5 s capped)
    expect(c.polls.map((p) => p - c.start)).toEqual([4000, 10_000, 19_000, 29_000])
    expect(scaledSlowDown(1.5, 10_000)(12_000)).toBe(12_000)
  })

  test('transient 5xx while polling is tolerated a few times', async () => {
    await using fake = startFakeOAuth({ deviceInterval: 1 })
    const c = clocked(fake, (n) => {
      if (n === 1) fake.failNext(2, 502, { message: 'bad gateway' })
      if (n === 3) fake.approveDevice()
    })
    const token = await runDeviceFlow(c.opts)
    expect(fake.isValidAccess(token.access_token)).toBe(true)
  })

  test('a real clock and sleep work too (interval 1 s)', async () => {
    await using fake = startFakeOAuth({ deviceInterval: 1 })
    const started = performance.now()
    const token = await runDeviceFlow({
      deviceCodeUrl: fake.deviceCodeUrl,
      tokenUrl: fake.tokenUrl,
      clientId: 'test-client',
      print: () => fake.approveDevice(),
    })
    expect(fake.isValidAccess(token.access_token)).toBe(true)
    expect(performance.now() - started).toBeGreaterThanOrEqual(950)
  })

  test('abort cancels the polling', async () => {
    await using fake = startFakeOAuth({ deviceInterval: 1 })
    const ac = new AbortController()
    const p = runDeviceFlow({
      deviceCodeUrl: fake.deviceCodeUrl,
      tokenUrl: fake.tokenUrl,
      clientId: 'test-client',
      print: () => setTimeout(() => ac.abort(), 20),
      signal: ac.signal,
    })
    expect((await rejection(p)).code).toBe('login_cancelled')
    expect(fake.counters.devicePolls).toBe(0)
  })

  test('an unknown client fails at the device-code request with the OAuth error', async () => {
    await using fake = startFakeOAuth()
    const c = clocked(fake, () => {}, { clientId: 'other' })
    const e = await rejection(runDeviceFlow(c.opts))
    expect(e.code).toBe('invalid_client')
  })
})
