#!/usr/bin/env bun
import type { Response as IRResponse, StreamEvent } from '../../src/dialects/ir.ts'
/**
 * The benchmark's fake upstream: fixed, pre-encoded answers (so it costs as little as possible)
 * in two dialects, JSON and SSE. SSE answers are 50 content chunks enqueued one per pull; with
 * `/gap/MS/` in front of the path the chunks are MS apart (to measure time to first byte), and
 * `/gap/MSxN/` makes it N content chunks (a stream of N × MS, for many long-lived streams).
 * Prints its origin on stdout.
 */
import { dialects } from '../../src/dialects/registry.ts'

const CHUNKS = 50
const usage = { inputTokens: 120, outputTokens: CHUNKS }

const irResponse: IRResponse = {
  source: 'openai-chat',
  id: 'bench_1',
  model: 'bench-model',
  created: 1_700_000_000,
  content: [{ type: 'text', text: 'Hello from the benchmark upstream. '.repeat(8) }],
  stopReason: 'end_turn',
  usage,
}

const irEvents = (chunks: number): StreamEvent[] => [
  {
    type: 'start',
    id: 'bench_1',
    model: 'bench-model',
    created: 1_700_000_000,
    usage: { inputTokens: 120, outputTokens: 0 },
  },
  { type: 'block_start', index: 0, block: { kind: 'text' } },
  ...Array.from(
    { length: chunks },
    (_, i): StreamEvent => ({ type: 'text_delta', index: 0, text: `token${i} ` }),
  ),
  { type: 'block_stop', index: 0 },
  { type: 'finish', stopReason: 'end_turn', usage },
]

/** The SSE frames of a dialect, one string per wire event. */
async function frames(name: 'openai-chat' | 'anthropic-messages', chunks = CHUNKS): Promise<Uint8Array[]> {
  const d = dialects[name]
  const src = new ReadableStream<StreamEvent>({
    start(c) {
      for (const e of irEvents(chunks)) c.enqueue(e)
      c.close()
    },
  })
  const text = await new Response(src.pipeThrough(d.encodeStream({ includeUsage: true }))).text()
  const enc = new TextEncoder()
  return text
    .split(/\n\n/)
    .filter(Boolean)
    .map((f) => enc.encode(`${f}\n\n`))
}

const json = {
  'openai-chat': JSON.stringify(dialects['openai-chat'].encodeResponse(irResponse)),
  'anthropic-messages': JSON.stringify(
    dialects['anthropic-messages'].encodeResponse({ ...irResponse, source: 'anthropic-messages' }),
  ),
}
const sse = {
  'openai-chat': await frames('openai-chat'),
  'anthropic-messages': await frames('anthropic-messages'),
}
/** Longer streams by chunk count, built on first use. */
const longer = new Map<string, Uint8Array[]>()
async function sseOf(dialect: 'openai-chat' | 'anthropic-messages', chunks: number): Promise<Uint8Array[]> {
  if (chunks === CHUNKS) return sse[dialect]
  const key = `${dialect}:${chunks}`
  let parts = longer.get(key)
  if (!parts) {
    parts = await frames(dialect, chunks)
    longer.set(key, parts)
  }
  return parts
}

function stream(parts: Uint8Array[], gap: number): Response {
  let i = 0
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        if (gap > 0 && i > 0) await Bun.sleep(gap)
        c.enqueue(parts[i++]!)
        if (i >= parts.length) c.close()
      },
    },
    { highWaterMark: 0 },
  )
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } })
}

const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  async fetch(req) {
    const url = new URL(req.url)
    // byokey asks for the model list at start: there is none to give
    if (req.method !== 'POST') return new Response('{"data":[]}', { status: 404 })
    const body = (await req.json()) as { stream?: boolean }
    const spaced = /^\/gap\/(\d+)(?:x(\d+))?\//.exec(url.pathname)
    const gap = Number(spaced?.[1] ?? 0)
    const chunks = Number(spaced?.[2] ?? CHUNKS)
    const dialect = url.pathname.endsWith('/v1/messages') ? 'anthropic-messages' : 'openai-chat'
    if (body.stream) return stream(await sseOf(dialect, chunks), gap)
    return new Response(json[dialect], { headers: { 'content-type': 'application/json' } })
  },
})
console.log(server.url.origin)
