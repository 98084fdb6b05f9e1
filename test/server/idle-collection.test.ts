/**
 * The collection after a quiet spell (`server.idle_gc_ms`), in a real gateway: large bodies go
 * through, the gateway goes quiet, and one collection runs and shows in
 * `byokey_idle_collections_total`; a stream still sending keeps it from running; 0 turns it off.
 */
import { expect, test } from 'bun:test'
import parse from 'parse-prometheus-text-format'
import { type FakeServer, fakeOpenAI } from '../helpers/fakes/index.ts'
import { twoHalves } from '../helpers/fakes/silent-stream.ts'
import { testGateway } from '../helpers/gateway.ts'
import { waitFor } from '../helpers/tmp.ts'

const gatewayOn = (up: FakeServer, idleGcMs: number) =>
  testGateway({
    server: { idle_gc_ms: idleGcMs },
    upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${up.url}/v1`, api_key: 'k' }],
  })

/** A chat request of about `kb` KiB, most of it a long system prompt, as coding agents send. */
const largeBody = (kb: number) =>
  JSON.stringify({
    model: 'up/m',
    messages: [
      { role: 'system', content: 'You are a careful assistant. '.repeat(Math.ceil((kb * 1024) / 29)) },
      { role: 'user', content: 'hi' },
    ],
  })

const post = (url: string, body: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })

async function collectionsInMetrics(url: string): Promise<number> {
  const res = await fetch(`${url}/metrics`)
  expect(res.status).toBe(200)
  const family = parse(await res.text()).find((f) => f.name === 'byokey_idle_collections_total')
  expect(family?.type).toBe('COUNTER')
  return Number(family?.metrics[0]?.value)
}

test('after large bodies, the quiet gateway collects once and counts it', async () => {
  await using up = fakeOpenAI({ text: 'ok', usage: { input: 10, output: 1 } })
  await using gw = await gatewayOn(up, 20)
  expect(await collectionsInMetrics(gw.url)).toBe(0)
  const body = largeBody(256)
  const answers = await Promise.all(Array.from({ length: 4 }, () => post(gw.url, body)))
  for (const res of answers) {
    expect(res.status).toBe(200)
    expect(
      ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
    ).toBe('ok')
  }
  await waitFor(() => gw.gateway.idle.collections >= 1, 10_000)
  expect(up.requests).toHaveLength(4)
  expect(await collectionsInMetrics(gw.url)).toBeGreaterThanOrEqual(1)
})

test('a stream still sending keeps it from collecting; it collects once the stream ends', async () => {
  const { head, tail } = twoHalves('openai-chat')
  let release = () => {}
  const released = new Promise<void>((r) => {
    release = r
  })
  const encoder = new TextEncoder()
  await using up = fakeOpenAI(
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          async start(c) {
            c.enqueue(encoder.encode(head))
            await released
            c.enqueue(encoder.encode(tail))
            c.close()
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      ),
  )
  await using gw = await gatewayOn(up, 10)
  const res = await post(
    gw.url,
    JSON.stringify({ model: 'up/m', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  )
  expect(res.status).toBe(200)
  const reader = res.body!.getReader()
  const first = new TextDecoder().decode((await reader.read()).value)
  expect(first).toContain('Hello')
  await waitFor(() => gw.gateway.idle.ticks >= 5, 10_000)
  expect(gw.gateway.idle.collections).toBe(0)
  release()
  let rest = ''
  for (let part = await reader.read(); !part.done; part = await reader.read())
    rest += new TextDecoder().decode(part.value)
  expect(rest).toContain('[DONE]')
  await waitFor(() => gw.gateway.idle.collections >= 1, 10_000)
})

test('idle_gc_ms: 0 never arms it', async () => {
  await using up = fakeOpenAI({ text: 'ok', usage: { input: 10, output: 1 } })
  await using gw = await gatewayOn(up, 0)
  const res = await post(gw.url, largeBody(64))
  expect(res.status).toBe(200)
  await res.json()
  expect(gw.gateway.idle.ticks).toBe(0)
  expect(await collectionsInMetrics(gw.url)).toBe(0)
})
