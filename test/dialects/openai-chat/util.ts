/** Fixture loading and stream plumbing for the openai-chat tests. */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { DecodeStreamOptions, EncodeStreamOptions } from '../../../src/dialects/contract.ts'
import type { StreamEvent } from '../../../src/dialects/ir.ts'
import { decodeStream, encodeStream } from '../../../src/dialects/openai-chat/index.ts'

export const FIXTURES = join(import.meta.dir, '../../fixtures/openai-chat')

export function fixtureNames(prefix: string, ext: string): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.startsWith(prefix) && f.endsWith(ext))
    .sort()
}

export function readJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'))
}

export function readBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)))
}

/** A JSON copy, so tests see exactly what would cross a process boundary. */
export function json<T>(v: T): T {
  return JSON.parse(JSON.stringify(v))
}

function source<T>(chunks: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const c of chunks) controller.enqueue(c)
      controller.close()
    },
  })
}

async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = []
  for await (const v of stream) out.push(v)
  return out
}

/** Cuts `bytes` at the given offsets. */
export function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = []
  let at = 0
  for (const c of [...cuts, bytes.length]) {
    pieces.push(bytes.slice(at, c))
    at = c
  }
  return pieces
}

export function decodeChunks(chunks: Uint8Array[], opts?: DecodeStreamOptions): Promise<StreamEvent[]> {
  return collect(source(chunks).pipeThrough(decodeStream(opts)))
}

export async function encodeEvents(events: StreamEvent[], opts?: EncodeStreamOptions): Promise<string> {
  const parts = await collect(source(events).pipeThrough(encodeStream(opts)))
  return Buffer.concat(parts).toString('utf8')
}

/** Upstream bytes → IR → Chat bytes in one pipe, as the gateway chains them. */
export async function reencode(bytes: Uint8Array, opts?: EncodeStreamOptions): Promise<string> {
  const parts = await collect(source([bytes]).pipeThrough(decodeStream()).pipeThrough(encodeStream(opts)))
  return Buffer.concat(parts).toString('utf8')
}

export const sse = (lines: string[]): Uint8Array =>
  new TextEncoder().encode(lines.map((l) => `data: ${l}\n\n`).join(''))
