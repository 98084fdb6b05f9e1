/**
 * A client that goes away must stop the upstream call at once (a thinking model left running
 * costs quota), and what was used until then is still recorded.
 */
import { describe, expect, test } from 'bun:test'
import { fakeAnthropic, fakeOpenAI } from '../helpers/fakes/index.ts'
import { testGateway } from '../helpers/gateway.ts'
import { waitFor } from '../helpers/tmp.ts'

const slow = { text: 'one two three four five six seven eight nine ten', chunkText: 4, delayMs: 50 }

describe('client disconnect', () => {
  test.each([
    ['passthrough (anthropic → anthropic)', 'anthropic-messages'],
    ['translated (anthropic → openai-chat)', 'openai-chat'],
  ] as const)(
    '%s: the upstream sees the abort within 100 ms, and usage is recorded',
    async (_name, upDialect) => {
      await using up =
        upDialect === 'anthropic-messages'
          ? fakeAnthropic({ ...slow, usage: { input: 40, output: 10 } })
          : fakeOpenAI({ ...slow, usage: { input: 40, output: 10 } })
      await using gw = await testGateway({
        upstreams: [
          {
            name: 'up',
            dialect: upDialect,
            base_url: upDialect === 'openai-chat' ? `${up.url}/v1` : up.url,
            api_key: 'k',
          },
        ],
      })
      const ac = new AbortController()
      const res = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({
          model: 'up/m',
          stream: true,
          max_tokens: 64,
          messages: [{ role: 'user', content: 'hi' }],
        }),
        signal: ac.signal,
      })
      expect(res.status).toBe(200)
      const reader = res.body!.getReader()
      await reader.read()
      await reader.read()
      const abortedAt = performance.now()
      ac.abort()
      const rec = await waitFor(async () => (up.requests[0]?.aborted ? up.requests[0] : undefined), 1000, 2)
      expect(rec.abortedAt! - abortedAt).toBeLessThan(100)
      await waitFor(async () => {
        await gw.store.usage.flush()
        return (await gw.store.usage.recent(1)).length === 1
      }, 1000)
      const row = (await gw.store.usage.recent(1))[0]!
      expect(row).toMatchObject({
        provider: 'up',
        model: 'm',
        dialect: 'anthropic-messages',
        status: 499,
        stream: true,
      })
      // Anthropic reports input tokens at the start: a stream abandoned mid-way still records them.
      if (upDialect === 'anthropic-messages') expect(row.inputTokens).toBe(40)
    },
  )

  test('a client that gives up while the upstream has not answered yet aborts it too', async () => {
    await using up = fakeOpenAI({ text: 'late', headersDelayMs: 3000 })
    await using gw = await testGateway({
      upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${up.url}/v1`, api_key: 'k' }],
    })
    const ac = new AbortController()
    const pending = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'up/m', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      signal: ac.signal,
    }).catch(() => undefined)
    await waitFor(async () => up.requests.length === 1)
    const abortedAt = performance.now()
    ac.abort()
    await pending
    const rec = await waitFor(async () => (up.requests[0]?.aborted ? up.requests[0] : undefined), 1000, 2)
    expect(rec.abortedAt! - abortedAt).toBeLessThan(100)
    await waitFor(async () => {
      await gw.store.usage.flush()
      return (await gw.store.usage.recent(1))[0]?.status === 499
    }, 1000)
  })
})
