#!/usr/bin/env bun
/**
 * Throughput of every dialect's stream transforms, in IR events per second, against a baseline
 * measured in the same run: the bare SSE framing + JSON.parse of the same bytes (the least any
 * decoder must do). "decode time ÷ baseline time" is how many times longer decoding takes than
 * that floor. Usage: bun scripts/bench-dialects.ts [--events N] [--rounds R]
 */
import { DIALECTS, type StreamEvent } from '../src/dialects/ir.ts'
import { dialects } from '../src/dialects/registry.ts'
import { sseDecoder } from '../src/sse.ts'

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? dflt : Number(process.argv[i + 1])
}
const N = arg('events', 20_000)
const ROUNDS = arg('rounds', 5)

/** A realistic turn: thinking, text, two tool calls with argument deltas, usage, finish. */
function turn(n: number): StreamEvent[] {
  const ev: StreamEvent[] = [
    {
      type: 'start',
      id: 'msg_bench',
      model: 'bench-model',
      created: 1_700_000_000,
      usage: { inputTokens: 1200, outputTokens: 1 },
    },
  ]
  const per = Math.max(1, Math.floor((n - 12) / 4))
  ev.push({ type: 'block_start', index: 0, block: { kind: 'thinking' } })
  for (let i = 0; i < per; i++) ev.push({ type: 'thinking_delta', index: 0, text: `step ${i} of the plan, ` })
  ev.push({ type: 'signature', index: 0, signature: 'EqQBCgIYAhIMbenchsignature' })
  ev.push({ type: 'block_stop', index: 0 })
  ev.push({ type: 'block_start', index: 1, block: { kind: 'text' } })
  for (let i = 0; i < per * 2; i++) ev.push({ type: 'text_delta', index: 1, text: `word${i} ` })
  ev.push({ type: 'block_stop', index: 1 })
  ev.push({
    type: 'block_start',
    index: 2,
    block: { kind: 'tool_call', id: 'call_bench1', name: 'get_weather' },
  })
  ev.push({ type: 'tool_args_delta', index: 2, delta: '{"city":' })
  for (let i = 0; i < per - 2; i++) ev.push({ type: 'tool_args_delta', index: 2, delta: '"P' })
  ev.push({ type: 'tool_args_delta', index: 2, delta: '"}' })
  ev.push({ type: 'block_stop', index: 2 })
  ev.push({ type: 'usage', usage: { inputTokens: 1200, outputTokens: n, reasoningTokens: per } })
  ev.push({
    type: 'finish',
    stopReason: 'tool_use',
    usage: { inputTokens: 1200, outputTokens: n, reasoningTokens: per },
  })
  return ev
}

async function drain<T>(s: ReadableStream<T>): Promise<number> {
  let n = 0
  for await (const _ of s) n++
  return n
}

function eventsStream(events: StreamEvent[]): ReadableStream<StreamEvent> {
  let i = 0
  return new ReadableStream<StreamEvent>({
    pull(c) {
      // hand over in batches, as a network read would
      for (let k = 0; k < 64 && i < events.length; k++) c.enqueue(events[i++]!)
      if (i >= events.length) c.close()
    },
  })
}

function bytesStream(bytes: Uint8Array, chunk = 1400): ReadableStream<Uint8Array> {
  let at = 0
  return new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(bytes.subarray(at, at + chunk))
      at += chunk
      if (at >= bytes.length) c.close()
    },
  })
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const best: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now()
    await fn()
    best.push(performance.now() - t0)
  }
  best.sort((a, b) => a - b)
  return best[Math.floor(best.length / 2)]! // median
}

const events = turn(N)
const rows: string[] = []
const fmt = (n: number) => `${(n / 1000).toFixed(0)}k`
console.log(`${events.length} IR events per stream, median of ${ROUNDS} rounds\n`)
console.log(
  'dialect              encode ev/s   decode ev/s   baseline frames/s   decode time ÷ baseline time   translate→chat ev/s',
)
for (const name of DIALECTS) {
  const d = dialects[name]
  const wire = new Uint8Array(
    await new Response(eventsStream(events).pipeThrough(d.encodeStream())).arrayBuffer(),
  )
  const encMs = await timeIt(() => drain(eventsStream(events).pipeThrough(d.encodeStream())))
  let decoded = 0
  const decMs = await timeIt(async () => {
    decoded = await drain(bytesStream(wire).pipeThrough(d.decodeStream()))
  })
  let frames = 0
  const baseMs = await timeIt(async () => {
    frames = 0
    for await (const ev of bytesStream(wire).pipeThrough(sseDecoder())) {
      if (ev.data !== '[DONE]') JSON.parse(ev.data)
      frames++
    }
  })
  const chat = dialects['openai-chat']
  const trMs = await timeIt(() =>
    drain(
      bytesStream(wire)
        .pipeThrough(d.decodeStream())
        .pipeThrough(chat.encodeStream({ includeUsage: true })),
    ),
  )
  const enc = events.length / (encMs / 1000)
  const dec = decoded / (decMs / 1000)
  const base = frames / (baseMs / 1000)
  const tr = decoded / (trMs / 1000)
  rows.push(
    `${name.padEnd(20)} ${fmt(enc).padStart(11)}   ${fmt(dec).padStart(11)}   ${fmt(base).padStart(17)}   ${(decMs / baseMs).toFixed(2).padStart(27)}   ${fmt(tr).padStart(19)}`,
  )
  console.log(rows[rows.length - 1])
}
