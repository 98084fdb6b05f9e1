/** Fixture loading and stream plumbing for the anthropic-messages tests. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeStream, encodeStream } from '../../../src/dialects/anthropic-messages/index.ts'
import type { DecodeStreamOptions, EncodeStreamOptions } from '../../../src/dialects/contract.ts'
import type { StreamEvent } from '../../../src/dialects/ir.ts'

const DIR = join(import.meta.dir, '../../fixtures/anthropic-messages')

export function fixtureText(name: string): string {
  return readFileSync(join(DIR, name), 'utf8')
}

export function fixtureJson(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(DIR, name)))
}

/** Runs `chunks` through `ts` and collects what comes out. */
export async function pipeAll<I, O>(chunks: readonly I[], ts: TransformStream<I, O>): Promise<O[]> {
  const input = new ReadableStream<I>({
    start(c) {
      for (const x of chunks) c.enqueue(x)
      c.close()
    },
  })
  const out: O[] = []
  for await (const o of input.pipeThrough(ts)) out.push(o)
  return out
}

export function decodeChunks(
  chunks: readonly Uint8Array[],
  opts?: DecodeStreamOptions,
): Promise<StreamEvent[]> {
  return pipeAll(chunks, decodeStream(opts))
}

/** IR events → the SSE text an Anthropic client would read. */
export async function encodeEvents(
  events: readonly StreamEvent[],
  opts?: EncodeStreamOptions,
): Promise<string> {
  const parts = await pipeAll(events, encodeStream(opts))
  return Buffer.concat(parts).toString('utf8')
}

/** `bytes` cut at the given offsets. */
export function splitAt(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = []
  let prev = 0
  for (const o of [...offsets].sort((a, b) => a - b)) {
    out.push(bytes.subarray(prev, o))
    prev = o
  }
  out.push(bytes.subarray(prev))
  return out
}

/** A JSON copy without `undefined` members, so equality checks see exactly the wire form. */
export function wire<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T
}

/** `v` without any `extra` bags, for comparing the typed IR fields only. */
export function withoutExtra<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (k, x) => (k === 'extra' ? undefined : x))) as T
}

export const STREAM_FIXTURES = [
  'stream-protocols.sse',
  'stream-parallel-tools.sse',
  'stream-error.sse',
  'stream-server-tool.sse',
  'stream-text.sse',
] as const
