#!/usr/bin/env bun
/**
 * The least a gateway must do per request on byokey's stack, for the benchmark to show how much
 * of the gap to the bare forwarder is the stack's and how much is byokey's own. Only what the
 * gateway issue requires of every request:
 *   - Elysia routes with the endpoints' TypeBox schemas (and a body parse hook like byokey's);
 *   - the model rewritten and the body re-serialised (stream usage asked for);
 *   - Bun's fetch with an abort controller fed by the client's signal and one timeout timer;
 *   - usage read from the answer (the tail of a stream) and one row per request in SQLite.
 * `/v1/chat/completions` passes Chat through; `/v1/messages` translates Anthropic ↔ Chat for
 * plain text only (no tools, thinking, images or extras): one JSON.parse per upstream event and
 * one template per client event. No model resolution, credentials, payload rules, usage-chunk
 * cutting, request ids or forwarded headers.
 * Usage: bun minimal-gateway.ts <upstream origin> <sqlite file>; prints its origin.
 */
import { Elysia } from 'elysia'
import { requestSchema as messagesSchema } from '../../src/dialects/anthropic-messages/index.ts'
import { requestSchema as chatSchema } from '../../src/dialects/openai-chat/index.ts'
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
}, 50)

interface ChatUsage {
  prompt_tokens?: number
  completion_tokens?: number
}

function record(start: number, stream: boolean, usage: ChatUsage) {
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
function usageIn(text: string): ChatUsage {
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
type Reader = { readMany(): Promise<Batch> | Batch }

/** The Chat call upstream, cut by the client leaving or a timeout; `done` stops both watches. */
async function callChat(body: object, signal: AbortSignal): Promise<{ res: Response; done: () => void }> {
  const ctl = new AbortController()
  const onGone = () => ctl.abort()
  signal.addEventListener('abort', onGone, { once: true })
  const timer = setTimeout(() => ctl.abort(), 600_000)
  const res = await fetch(`${upstream}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
    body: JSON.stringify(body),
    signal: ctl.signal,
  })
  return {
    res,
    done: () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onGone)
    },
  }
}

/** A direct stream that runs `onChunk` over each upstream read and `onEnd` once, writing what they return. */
function pipe(res: Response, onChunk: (chunk: Uint8Array) => string | Uint8Array, onEnd: () => string) {
  const reader = res.body!.getReader() as unknown as Reader
  return new ReadableStream({
    type: 'direct',
    async pull(c) {
      for (;;) {
        let batch = reader.readMany()
        if (batch instanceof Promise) {
          c.flush()
          batch = await batch
        }
        if (batch.done) break
        for (const chunk of batch.value) c.write(onChunk(chunk))
      }
      c.write(onEnd())
      c.close()
    },
  })
}

const SSE = { 'content-type': 'text/event-stream' }
const event = (type: string, data: string) => `event: ${type}\ndata: ${data}\n\n`

const app = new Elysia({ normalize: false })
  .onParse(({ request }) => request.json())
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
      const { res, done } = await callChat(out, request.signal)
      if (!stream) {
        const text = await res.text()
        done()
        record(start, false, (JSON.parse(text) as { usage?: ChatUsage }).usage ?? {})
        return new Response(text, { headers: { 'content-type': 'application/json' } })
      }
      // the usage chunk and `[DONE]` may come in separate reads: the last two hold both
      let last: Uint8Array | undefined
      let before: Uint8Array | undefined
      const out$ = pipe(
        res,
        (chunk) => {
          before = last
          last = chunk
          return chunk
        },
        () => {
          done()
          const tail = new TextDecoder().decode(before ? Buffer.concat([before, last!]) : last)
          record(start, true, usageIn(tail))
          return ''
        },
      )
      return new Response(out$, { headers: SSE })
    },
    { body: chatSchema },
  )
  .post(
    '/v1/messages',
    async ({ body, request }) => {
      const start = performance.now()
      const stream = body.stream === true
      const text = (c: unknown) =>
        typeof c === 'string' ? c : (c as { text?: string }[]).map((b) => b.text ?? '').join('')
      const messages = body.messages.map((m) => ({ role: m.role, content: text(m.content) }))
      if (body.system) messages.unshift({ role: 'system', content: text(body.system) })
      const chat = {
        model: 'bench-model',
        messages,
        max_tokens: body.max_tokens,
        ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      }
      const { res, done } = await callChat(chat, request.signal)
      if (!stream) {
        const r = (await res.json()) as {
          id: string
          choices: { message: { content: unknown }; finish_reason: string }[]
          usage: ChatUsage
        }
        done()
        record(start, false, r.usage)
        return Response.json({
          id: r.id,
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: [{ type: 'text', text: text(r.choices[0]?.message.content ?? '') }],
          stop_reason: r.choices[0]?.finish_reason === 'length' ? 'max_tokens' : 'end_turn',
          usage: { input_tokens: r.usage.prompt_tokens ?? 0, output_tokens: r.usage.completion_tokens ?? 0 },
        })
      }
      const decoder = new TextDecoder()
      let carry = ''
      let started = false
      let usage: ChatUsage = {}
      const out$ = pipe(
        res,
        (chunk) => {
          const events = (carry + decoder.decode(chunk, { stream: true })).split('\n\n')
          carry = events.pop()!
          let out = ''
          for (const e of events) {
            const data = e.slice(6)
            if (data === '[DONE]') continue
            const c = JSON.parse(data) as {
              id: string
              choices: { delta: { content?: string } }[]
              usage?: ChatUsage
            }
            if (!started) {
              started = true
              out += event(
                'message_start',
                `{"type":"message_start","message":{"id":${JSON.stringify(c.id)},"type":"message","role":"assistant","model":${JSON.stringify(body.model)},"content":[],"stop_reason":null,"usage":{"input_tokens":0,"output_tokens":0}}}`,
              )
              out += event(
                'content_block_start',
                '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
              )
            }
            if (c.usage) usage = c.usage
            const t = c.choices[0]?.delta.content
            if (t)
              out += event(
                'content_block_delta',
                `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(t)}}}`,
              )
          }
          return out
        },
        () => {
          done()
          record(start, true, usage)
          return (
            event('content_block_stop', '{"type":"content_block_stop","index":0}') +
            event(
              'message_delta',
              `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":${usage.prompt_tokens ?? 0},"output_tokens":${usage.completion_tokens ?? 0}}}`,
            ) +
            event('message_stop', '{"type":"message_stop"}')
          )
        },
      )
      return new Response(out$, { headers: SSE })
    },
    { body: messagesSchema },
  )

const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req) => app.handle(req) })
console.log(server.url.origin)
