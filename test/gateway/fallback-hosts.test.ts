import { describe, expect, test } from 'bun:test'
import { fetchAcrossHosts, hostMayRecover } from '../../src/gateway/fallback-hosts.ts'
import { HttpError } from '../../src/gateway/http-error.ts'
import type { UpstreamCallHandle } from '../../src/gateway/upstream-fetch.ts'
import type { PreparedRequest } from '../../src/providers/types.ts'

const PREP: PreparedRequest = {
  url: 'http://127.0.0.1:1/a',
  headers: {},
  body: {},
  fallbackUrls: ['http://127.0.0.1:2/a', 'http://127.0.0.1:3/a'],
}

/** A send whose answers (a status, or an error thrown) are given per URL, recording what it did. */
function sender(answers: Record<string, number | Error>) {
  const sent: string[] = []
  const released: string[] = []
  const send = async (p: PreparedRequest): Promise<UpstreamCallHandle> => {
    sent.push(p.url)
    const a = answers[p.url]
    if (a instanceof Error) throw a
    return {
      response: new Response(`from ${p.url}`, { status: a ?? 200 }),
      abort: () => {},
      cutReason: undefined,
      done: () => released.push(p.url),
    }
  }
  return { send, sent, released }
}

describe('fetchAcrossHosts', () => {
  test('the first host that answers well answers; hosts after it are not asked', async () => {
    const s = sender({ 'http://127.0.0.1:1/a': 503 })
    const skipped: Array<[string, number | Error]> = []
    const h = await fetchAcrossHosts(PREP, s.send, (url, why) => skipped.push([url, why]))
    expect(await h.response.text()).toBe('from http://127.0.0.1:2/a')
    expect(s.sent).toEqual(['http://127.0.0.1:1/a', 'http://127.0.0.1:2/a'])
    expect(skipped).toEqual([['http://127.0.0.1:1/a', 503]])
    // the skipped host's call is over: its upstream slot is back
    expect(s.released).toEqual(['http://127.0.0.1:1/a'])
  })

  test('a transport failure moves on; the last host answers whatever it answers', async () => {
    const down = new HttpError('api_error', 'Upstream unreachable', { status: 502 })
    const s = sender({
      'http://127.0.0.1:1/a': down,
      'http://127.0.0.1:2/a': 429,
      'http://127.0.0.1:3/a': 500,
    })
    const h = await fetchAcrossHosts(PREP, s.send, () => {})
    expect(h.response.status).toBe(500)
    expect(s.sent).toHaveLength(3)
  })

  test('a client error, an auth error and a queue timeout stay with the first host', async () => {
    for (const status of [400, 401, 403, 404]) {
      const s = sender({ 'http://127.0.0.1:1/a': status })
      const h = await fetchAcrossHosts(PREP, s.send, () => {})
      expect(h.response.status).toBe(status)
      expect(s.sent).toEqual(['http://127.0.0.1:1/a'])
    }
    const full = new HttpError('overloaded', 'queue full', { status: 503 })
    const s = sender({ 'http://127.0.0.1:1/a': full })
    await expect(fetchAcrossHosts(PREP, s.send, () => {})).rejects.toBe(full)
    expect(s.sent).toHaveLength(1)
  })

  test('without fallback URLs the one host answers, even a 503', async () => {
    const s = sender({ 'http://127.0.0.1:1/a': 503 })
    const h = await fetchAcrossHosts({ ...PREP, fallbackUrls: [] }, s.send, () => {})
    expect(h.response.status).toBe(503)
  })

  test('which statuses another host may cure', () => {
    expect([408, 429, 500, 502, 503, 504].every(hostMayRecover)).toBe(true)
    expect([200, 400, 401, 403, 404, 413, 422].some(hostMayRecover)).toBe(false)
  })
})
