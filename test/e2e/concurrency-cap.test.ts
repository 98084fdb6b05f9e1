/**
 * Per-account concurrency caps end to end: Claude keys behind a fake Anthropic upstream that
 * counts the calls it holds per key at once. Under 50 concurrent requests no key ever sees more
 * than `max_concurrency`; every request is answered 200 or the documented 429 in its dialect;
 * slots come back on every path (answers, streams, clients that leave).
 */
import { expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { fakeAnthropic } from '../helpers/fakes/index.ts'
import { type Recorded, sleep } from '../helpers/fakes/server.ts'
import { testGateway } from '../helpers/gateway.ts'
import { CLIENT_KEY, postJson } from './support.ts'

const MODEL = 'claude-sonnet-4-6'

/** A fake that holds each call `holdMs` before answering, counting calls in flight per key. */
function countingUpstream(holdMs: number) {
  const now = new Map<string, number>()
  const most = new Map<string, number>()
  const up = fakeAnthropic(async (rec: Recorded, req: Request) => {
    const key = rec.headers['x-api-key']!
    const n = (now.get(key) ?? 0) + 1
    now.set(key, n)
    most.set(key, Math.max(most.get(key) ?? 0, n))
    // a call the gateway gave up on (its client left) ends here too
    await sleep(holdMs, req.signal).catch(() => {})
    now.set(key, now.get(key)! - 1)
    return { text: `from ${key}` }
  })
  const idle = () => [...now.values()].every((n) => n === 0)
  return { up, most, idle }
}

const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ api_key: `sk-key-${i}`, label: `k${i}` }))

/** A request in the Anthropic dialect, a conversation of its own. */
const ask = (url: string, stream: boolean, signal?: AbortSignal) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': CLIENT_KEY },
    body: JSON.stringify({
      model: MODEL,
      stream,
      max_tokens: 16,
      messages: [{ role: 'user', content: `question ${crypto.randomUUID()}` }],
    }),
    ...(signal ? { signal } : {}),
  })

test('50 concurrent requests over 3 keys capped at 2: no key sees more than 2, all answered', async () => {
  const { up, most } = countingUpstream(30)
  await using _up = up
  await using gw = await testGateway({
    providers: { claude: { base_url: up.url, api_keys: keys(3), max_concurrency: 2 } },
  })
  const sdk = new Anthropic({ baseURL: gw.url, apiKey: CLIENT_KEY, maxRetries: 0 })
  const results = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      if (i % 3 === 0) {
        // the real SDK, its answer read whole
        const m = await sdk.messages.create({
          model: MODEL,
          max_tokens: 16,
          messages: [{ role: 'user', content: `sdk question ${i}` }],
        })
        return { status: 200, text: m.content.map((b) => (b.type === 'text' ? b.text : '')).join('') }
      }
      const res = await (i % 3 === 1
        ? ask(gw.url, true)
        : postJson(
            `${gw.url}/v1/chat/completions`,
            { model: MODEL, messages: [{ role: 'user', content: `chat ${i}` }] },
            { authorization: `Bearer ${CLIENT_KEY}` },
          ))
      return { status: res.status, text: await res.text() }
    }),
  )
  // the default wait (5 s) is far longer than the queue takes to drain: every request answered
  expect(results.map((r) => r.status)).toEqual(results.map(() => 200))
  expect(results.every((r) => r.text.includes('from sk-key-'))).toBe(true)
  expect(up.requests.length).toBe(50)
  const peaks = [...most.values()]
  expect(peaks.length).toBe(3)
  expect(Math.max(...peaks)).toBe(2)
})

test('with no wait, an account over its cap answers 429 in the dialect; slots come back on every path', async () => {
  const { up, most, idle } = countingUpstream(150)
  await using _up = up
  await using gw = await testGateway({
    providers: {
      claude: { base_url: up.url, api_keys: keys(2), max_concurrency: 1, max_concurrency_wait_ms: 0 },
    },
  })
  // clients that leave while their call is upstream (a stream and not) must give their slots
  // back: two, one per key, so neither is turned away first
  const leaving = Array.from({ length: 2 }, (_, i) => {
    const ctl = new AbortController()
    const done = ask(gw.url, i % 2 === 0, ctl.signal).then(
      (r) => r.status,
      () => 0,
    )
    return { ctl, done }
  })
  await sleep(20)
  for (const l of leaving) l.ctl.abort()
  expect(await Promise.all(leaving.map((l) => l.done))).toEqual([0, 0])
  // the fake hears of a cancelled call later than the gateway gives its slot back: count afresh
  // and on a loaded machine the gateway may see the aborts late: wait until both requests have
  // ended there too (their 499 rows are written as they finish) and no upstream call is left
  const settled = async () => {
    await gw.store.usage.flush()
    const gone = (await gw.store.usage.recent(10)).filter((r) => r.status === 499).length
    return idle() && gone === 2 && gw.gateway.upstream.inFlight === 0
  }
  for (let i = 0; i < 100 && !(await settled()); i++) await sleep(20)
  expect(await settled()).toBe(true)
  most.clear()

  const results = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const res = await ask(gw.url, i % 2 === 0)
      return { status: res.status, body: res.status === 200 ? undefined : await res.json(), res }
    }),
  )
  for (const r of results) {
    if (r.status === 200) await r.res.text()
  }
  const statuses = new Set(results.map((r) => r.status))
  expect([...statuses].sort()).toEqual([200, 429])
  for (const r of results.filter((x) => x.status === 429)) {
    expect(r.res.headers.get('retry-after')).toBe('1')
    expect(r.body).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: expect.stringContaining('max_concurrency of 1') },
    })
  }
  expect(Math.max(...most.values())).toBe(1)
  await gw.store.usage.flush()
  // each 429 is one request's usage row; passing a busy key over leaves none
  expect((await gw.store.usage.recent(200)).filter((u) => u.status === 429).length).toBe(
    results.filter((r) => r.status === 429).length,
  )

  // everything answered or gone: both slots are free again, so two at once are both served
  for (let i = 0; i < 100 && gw.gateway.upstream.inFlight > 0; i++) await sleep(20)
  expect(gw.gateway.upstream.inFlight).toBe(0)
  const pair = await Promise.all([ask(gw.url, false), ask(gw.url, true)])
  expect(pair.map((r) => r.status)).toEqual([200, 200])
  await Promise.all(pair.map((r) => r.text()))
})
