/**
 * `/metrics` read by a Prometheus text parser: the families are there, and requests move them —
 * answers by endpoint and status, requests, latency and time to first byte, tokens and cost by
 * model, upstream errors by class, streams in flight — without a model a client made up becoming
 * a label. Two gateways in one process count apart.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import parse, { type Family, type Sample } from 'parse-prometheus-text-format'
import { type EveryUpstream, gatewayWithEveryUpstream, postJson } from '../e2e/support.ts'
import { fakeAnthropic } from '../helpers/fakes/index.ts'
import { testGateway } from '../helpers/gateway.ts'
import { waitFor } from '../helpers/tmp.ts'

let env: EveryUpstream

beforeAll(async () => {
  env = await gatewayWithEveryUpstream({
    text: 'hello there',
    usage: { input: 1000, output: 500, cacheRead: 200 },
  })
})
afterAll(async () => {
  await env[Symbol.asyncDispose]()
})

interface Scrape {
  families: Map<string, Family>
  text: string
}

async function scrape(url = env.gw.url): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toStartWith('text/plain')
  const text = await res.text()
  return { families: new Map(parse(text).map((f) => [f.name, f])), text }
}

/**
 * The value of the series of `family` whose labels include `labels` (0 when there is none yet);
 * for a histogram, its count. The parser folds a histogram's labelled series into one, so a
 * histogram's `_count` line is read from the text.
 */
function value(m: Scrape, family: string, labels: Record<string, string> = {}): number {
  const f = m.families.get(family)
  if (!f) throw new Error(`no metric family ${family}`)
  const matches = (l: Record<string, string> | undefined) =>
    Object.entries(labels).every(([k, v]) => l?.[k] === v)
  if (f.type === 'HISTOGRAM') {
    const line = m.text.split('\n').find((l) => l.startsWith(`${family}_count{`) && matches(labelsOf(l)))
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0
  }
  const sample: Sample | undefined = f.metrics.find((s) => matches(s.labels))
  return sample ? Number(sample.value) : 0
}

function labelsOf(line: string): Record<string, string> {
  const inside = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'))
  return Object.fromEntries([...inside.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]))
}

const chat = (model: string, stream = false) =>
  postJson(`${env.gw.url}/v1/chat/completions`, {
    model,
    stream,
    messages: [{ role: 'user', content: 'hi' }],
  })

test('every family is there, with its type', async () => {
  const m = await scrape()
  const types = Object.fromEntries([...m.families.values()].map((f) => [f.name, f.type]))
  expect(types).toMatchObject({
    byokey_http_requests_total: 'COUNTER',
    byokey_requests_total: 'COUNTER',
    byokey_request_duration_seconds: 'HISTOGRAM',
    byokey_time_to_first_byte_seconds: 'HISTOGRAM',
    byokey_tokens_total: 'COUNTER',
    byokey_cost_usd_total: 'COUNTER',
    byokey_upstream_errors_total: 'COUNTER',
    byokey_token_refreshes_total: 'COUNTER',
    byokey_cooldowns: 'GAUGE',
    byokey_store_up: 'GAUGE',
    byokey_usage_rows_pending: 'GAUGE',
    byokey_usage_rows_dropped: 'GAUGE',
    byokey_streams_in_flight: 'GAUGE',
    byokey_upstream_calls_in_flight: 'GAUGE',
  })
  // the store answers and has given up no usage row
  expect(value(m, 'byokey_store_up', {})).toBe(1)
  expect(value(m, 'byokey_usage_rows_dropped', {})).toBe(0)
  // nothing of prom-client's process-wide default registry
  expect(m.families.has('process_cpu_seconds_total')).toBe(false)
})

test('requests move the counters: answers, requests, latency, tokens and cost', async () => {
  const before = await scrape()
  const model = { endpoint: 'openai-chat', provider: 'claude', model: 'claude-haiku-4-5' }
  const r1 = await chat('claude-haiku-4-5')
  expect(r1.status).toBe(200)
  await r1.text()
  const r2 = await chat('claude-haiku-4-5', true)
  expect(r2.status).toBe(200)
  await r2.text()
  const missing = await chat('no-such-model-anywhere')
  expect(missing.status).toBe(404)
  await missing.text()

  const after = await waitFor(async () => {
    const m = await scrape()
    return value(m, 'byokey_requests_total', { ...model, status: '200' }) >=
      value(before, 'byokey_requests_total', { ...model, status: '200' }) + 2
      ? m
      : undefined
  })
  const moved = (family: string, labels: Record<string, string>) =>
    value(after, family, labels) - value(before, family, labels)
  expect(moved('byokey_http_requests_total', { endpoint: 'chat_completions', status: '200' })).toBe(2)
  expect(moved('byokey_http_requests_total', { endpoint: 'chat_completions', status: '404' })).toBe(1)
  expect(moved('byokey_requests_total', { ...model, status: '200' })).toBe(2)
  expect(moved('byokey_request_duration_seconds', { endpoint: 'openai-chat', provider: 'claude' })).toBe(2)
  // the stream's first byte, and the JSON answer's
  expect(moved('byokey_time_to_first_byte_seconds', { endpoint: 'openai-chat', provider: 'claude' })).toBe(2)
  // claude-haiku-4-5: 1000 input ($1/M), 200 cache reads ($0.10/M), 500 output ($5/M) per request
  expect(moved('byokey_tokens_total', { provider: 'claude', model: 'claude-haiku-4-5', type: 'input' })).toBe(
    2000,
  )
  expect(
    moved('byokey_tokens_total', { provider: 'claude', model: 'claude-haiku-4-5', type: 'cache_read' }),
  ).toBe(400)
  expect(
    moved('byokey_tokens_total', { provider: 'claude', model: 'claude-haiku-4-5', type: 'output' }),
  ).toBe(1000)
  expect(moved('byokey_cost_usd_total', { provider: 'claude', model: 'claude-haiku-4-5' })).toBeCloseTo(
    2 * (0.001 + 0.00002 + 0.0025),
    10,
  )
  expect(value(after, 'byokey_streams_in_flight')).toBe(0)
})

test('a model a client makes up is counted as other, not as a label of its own', async () => {
  const res = await chat('up-chat/made-up-model-1234')
  expect(res.status).toBe(200)
  await res.text()
  const m = await waitFor(async () => {
    const s = await scrape()
    return value(s, 'byokey_requests_total', { provider: 'up-chat', model: 'other' }) > 0 ? s : undefined
  })
  expect(m.text).not.toContain('made-up-model-1234')
})

test('upstream errors count by class', async () => {
  await using fake = fakeAnthropic({ kind: 'error', status: 429, message: 'slow down', retryAfter: 3 })
  await using gw = await testGateway({ providers: { claude: { api_key: 'k', base_url: fake.url } } })
  const res = await postJson(`${gw.url}/v1/messages`, {
    model: 'claude-haiku-4-5',
    max_tokens: 8,
    messages: [{ role: 'user', content: 'hi' }],
  })
  expect(res.status).toBe(429)
  await res.text()
  const m = await waitFor(async () => {
    const s = await scrape(gw.url)
    return value(s, 'byokey_upstream_errors_total', { provider: 'claude', class: 'rate_limit' }) === 1
      ? s
      : undefined
  })
  expect(value(m, 'byokey_requests_total', { provider: 'claude', status: '429' })).toBe(1)
  expect(value(m, 'byokey_cooldowns', { provider: 'claude', reason: 'rate_limit' })).toBe(1)
  // its own registry: the other gateway's requests are not here
  expect(value(m, 'byokey_requests_total', { endpoint: 'openai-chat' })).toBe(0)
})

test('server.metrics: off answers 404', async () => {
  await using gw = await testGateway({ server: { metrics: 'off' } })
  const res = await fetch(`${gw.url}/metrics`)
  expect(res.status).toBe(404)
  await res.body?.cancel()
})

test('a stream counts as in flight from its first byte until it ends', async () => {
  await using fake = fakeAnthropic({ text: 'abcdef', chunkText: 1, delayMs: 150 })
  await using gw = await testGateway({ providers: { claude: { api_key: 'k', base_url: fake.url } } })
  const res = await postJson(`${gw.url}/v1/messages`, {
    model: 'claude-haiku-4-5',
    max_tokens: 8,
    stream: true,
    messages: [{ role: 'user', content: 'hi' }],
  })
  const reader = res.body!.getReader()
  await reader.read()
  expect(value(await scrape(gw.url), 'byokey_streams_in_flight')).toBe(1)
  while (!(await reader.read()).done) {}
  const after = await waitFor(async () => {
    const s = await scrape(gw.url)
    return value(s, 'byokey_requests_total', { provider: 'claude', status: '200' }) === 1 ? s : undefined
  })
  expect(value(after, 'byokey_streams_in_flight')).toBe(0)
})
