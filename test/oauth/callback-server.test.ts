import { describe, expect, test } from 'bun:test'
import { networkInterfaces } from 'node:os'
import { listenForCallback, waitForCallback } from '../../src/oauth/callback-server.ts'
import { OAuthError } from '../../src/oauth/errors.ts'

const STATE = 'f'.repeat(32)
const hit = (port: number, query: string, path = '/callback') =>
  fetch(`http://127.0.0.1:${port}${path}?${query}`)

async function rejection(p: Promise<unknown>): Promise<OAuthError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(OAuthError)
    return e as OAuthError
  }
  throw new Error('resolved')
}

describe('callback server', () => {
  test('returns the bound port and redirect URI before waiting, resolves with the code, answers a success page', async () => {
    const l = listenForCallback({ port: 0, path: '/callback', state: STATE, timeoutMs: 5000 })
    expect(l.port).toBeGreaterThan(0)
    expect(l.redirectUri).toBe(`http://localhost:${l.port}/callback`)
    const res = await hit(l.port, `code=abc&state=${STATE}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(await res.text()).toContain('Login successful')
    expect(await l.result).toEqual({ code: 'abc' })
  })

  test('closes after the one good callback', async () => {
    const l = listenForCallback({ port: 0, path: '/callback', state: STATE, timeoutMs: 5000 })
    await (await hit(l.port, `code=abc&state=${STATE}`)).text()
    await l.result
    await Bun.sleep(100)
    expect(hit(l.port, `code=again&state=${STATE}`)).rejects.toThrow()
  })

  test('is not reachable on a non-loopback address', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address
    const l = listenForCallback({ port: 0, path: '/callback', state: STATE, timeoutMs: 5000 })
    try {
      if (external) expect(fetch(`http://${external}:${l.port}/callback`)).rejects.toThrow()
      expect((await hit(l.port, 'code=x&state=wrong')).status).toBe(400)
    } finally {
      l.close()
    }
  })

  test('a wrong or missing state gets a 400 and the login keeps waiting for the real callback (CSRF never passes)', async () => {
    const l = listenForCallback({ port: 0, path: '/callback', state: STATE, timeoutMs: 5000 })
    const forged = await hit(l.port, 'code=evil&state=other')
    expect(forged.status).toBe(400)
    expect(await forged.text()).toContain('state')
    expect((await hit(l.port, 'code=evil')).status).toBe(400)
    // A forged error callback cannot abort the login either.
    expect((await hit(l.port, 'error=access_denied&state=other')).status).toBe(400)
    expect((await hit(l.port, `code=good&state=${STATE}`)).status).toBe(200)
    expect(await l.result).toEqual({ code: 'good' })
  })

  test('other paths get a 404 and do not count', async () => {
    const l = listenForCallback({ port: 0, path: '/auth/callback', state: STATE, timeoutMs: 5000 })
    expect((await fetch(`http://127.0.0.1:${l.port}/favicon.ico`)).status).toBe(404)
    expect((await hit(l.port, `code=x&state=${STATE}`, '/callback')).status).toBe(404)
    expect((await hit(l.port, `code=y&state=${STATE}`, '/auth/callback')).status).toBe(200)
    expect(await l.result).toEqual({ code: 'y' })
  })

  test('an OAuth error callback rejects with its code and description', async () => {
    const l = listenForCallback({ port: 0, path: '/callback', state: STATE, timeoutMs: 5000 })
    const res = await hit(l.port, `error=access_denied&error_description=The+user+denied&state=${STATE}`)
    expect(res.status).toBe(400)
    const e = await rejection(l.result)
    expect(e.code).toBe('access_denied')
    expect(e.message).toContain('The user denied')
  })

  test('times out', async () => {
    const started = performance.now()
    const e = await rejection(waitForCallback({ port: 0, path: '/callback', state: STATE, timeoutMs: 150 }))
    expect(e.code).toBe('login_timeout')
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
  })

  test('abort signal cancels and frees the port', async () => {
    const ac = new AbortController()
    const l = listenForCallback({
      port: 0,
      path: '/callback',
      state: STATE,
      timeoutMs: 5000,
      signal: ac.signal,
    })
    ac.abort()
    expect((await rejection(l.result)).code).toBe('login_cancelled')
    await Bun.sleep(100)
    const again = listenForCallback({ port: l.port, path: '/callback', state: STATE, timeoutMs: 5000 })
    expect(again.port).toBe(l.port)
    again.close()
  })

  test('a busy port fails with a clear error', () => {
    const a = listenForCallback({ port: 0, path: '/callback', state: STATE, timeoutMs: 5000 })
    try {
      expect(() => listenForCallback({ port: a.port, path: '/callback', state: STATE })).toThrow(
        `port ${a.port} is already in use`,
      )
    } finally {
      a.close()
    }
  })
})
