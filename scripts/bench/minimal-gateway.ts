#!/usr/bin/env bun
/**
 * The least a gateway must do per request on byokey's stack, for the benchmark to show how much
 * of the gap to the bare forwarder is the stack's and how much is byokey's own. Chat in, Chat
 * out, and only what the gateway issue requires of every request:
 *   - Elysia route with the Chat endpoint's TypeBox schema (and a body parse hook like byokey's);
 *   - the model rewritten and the body re-serialised (stream usage asked for);
 *   - Bun's fetch with an abort controller fed by the client's signal and one timeout timer;
 *   - usage read from the answer (the last chunk of a stream) and one row per request in SQLite.
 * No model resolution, credentials, payload rules, usage-chunk cutting, request ids or forwarded
 * headers. Usage: bun minimal-gateway.ts <upstream origin> <sqlite file>; prints its origin.
 */
import { Elysia } from 'elysia'
import { requestSchema } from '../../src/dialects/openai-chat/index.ts'
import { migrate } from '../../src/store/sqlite/migrations.ts'
import { openDatabase } from '../../src/store/sqlite/open.ts'
import { usageInserter } from '../../src/store/sqlite/usage-insert.ts'
import type { UsageRecord } from '../../src/store/types.ts'

const upstream = process.argv[2]!
const db = openDatabase(process.argv[3]!)
migrate(db)
const insert = usageInserter(db)
let rows: UsageRecord[] = []
setInterval(() => {
  if (rows.length === 0) return
  insert(rows)
  rows = []
}, 250)

function record(
  start: number,
  stream: boolean,
  usage: { prompt_tokens?: number; completion_tokens?: number },
) {
  rows.push({
    ts: Date.now(),
    provider: 'bench-chat',
    model: 'bench-model',
    dialect: 'openai-chat',
    inputTokens: usage.prompt_tokens ?? 0,
    outputTokens: usage.completion_tokens ?? 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    status: 200,
    latencyMs: Math.round(performance.now() - start),
    stream,
  })
}

/** The usage object of the last `"usage":{…}` in a text, or an empty one. */
function usageIn(text: string): { prompt_tokens?: number; completion_tokens?: number } {
  const at = text.lastIndexOf('"usage":{')
  if (at === -1) return {}
  const end = text.indexOf('}', at)
  try {
    return JSON.parse(text.slice(at + 8, end + 1))
  } catch {
    return {}
  }
}

interface Batch {
  done: boolean
  value: Uint8Array[]
}

const app = new Elysia({ normalize: false })
  .onParse(async ({ request }) => JSON.parse(new TextDecoder().decode(await request.arrayBuffer())))
  .onError(({ error }) =>
    Response.json({ error: { message: String(error), type: 'invalid_request_error' } }, { status: 400 }),
  )
  .post(
    '/v1/chat/completions',
    async ({ body, request }) => {
      const start = performance.now()
      const stream = body.stream === true
      const out = stream
        ? { ...body, model: 'bench-model', stream_options: { include_usage: true } }
        : { ...body, model: 'bench-model' }
      const ctl = new AbortController()
      const onGone = () => ctl.abort()
      request.signal.addEventListener('abort', onGone, { once: true })
      const timer = setTimeout(() => ctl.abort(), 600_000)
      const res = await fetch(`${upstream}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
        body: JSON.stringify(out),
        signal: ctl.signal,
      })
      const done = () => {
        clearTimeout(timer)
        request.signal.removeEventListener('abort', onGone)
      }
      if (!stream) {
        const text = await res.text()
        done()
        record(start, false, (JSON.parse(text) as { usage?: object }).usage ?? {})
        return new Response(text, { headers: { 'content-type': 'application/json' } })
      }
      const reader = res.body!.getReader() as unknown as { readMany(): Promise<Batch> | Batch }
      let last: Uint8Array | undefined
      const body$ = new ReadableStream({
        type: 'direct',
        async pull(c) {
          for (;;) {
            let batch = reader.readMany()
            if (batch instanceof Promise) {
              c.flush()
              batch = await batch
            }
            if (batch.done) break
            for (const chunk of batch.value) {
              last = chunk
              c.write(chunk)
            }
          }
          done()
          record(start, true, last ? usageIn(new TextDecoder().decode(last)) : {})
          c.close()
        },
      })
      return new Response(body$, { headers: { 'content-type': 'text/event-stream' } })
    },
    { body: requestSchema },
  )

const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req) => app.handle(req) })
console.log(server.url.origin)
