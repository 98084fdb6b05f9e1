/** Shared by this dialect's tests: fixtures and running the stream codecs to completion. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { DecodeStreamOptions, EncodeStreamOptions } from '../../../src/dialects/contract.ts'
import type { StreamEvent } from '../../../src/dialects/ir.ts'
import { decodeStream, encodeStream } from '../../../src/dialects/openai-responses/index.ts'

const dir = join(import.meta.dir, '..', '..', 'fixtures', 'openai-responses')

export function fixtureText(name: string): string {
  return readFileSync(join(dir, name), 'utf8')
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(dir, name)))
}

export function fixtureJson(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>
}

async function collect<T>(readable: ReadableStream<T>): Promise<T[]> {
  const out: T[] = []
  const reader = readable.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return out
    out.push(value)
  }
}

/** Feeds `chunks` through the decoder; returns every IR event. */
export async function decodeChunks(chunks: Uint8Array[], opts?: DecodeStreamOptions): Promise<StreamEvent[]> {
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk)
      c.close()
    },
  })
  return collect(source.pipeThrough(decodeStream(opts)))
}

export function decodeBytes(bytes: Uint8Array, opts?: DecodeStreamOptions): Promise<StreamEvent[]> {
  return decodeChunks([bytes], opts)
}

/** Encodes IR events; returns the SSE text. */
export async function encodeEvents(events: StreamEvent[], opts?: EncodeStreamOptions): Promise<string> {
  const source = new ReadableStream<StreamEvent>({
    start(c) {
      for (const ev of events) c.enqueue(ev)
      c.close()
    },
  })
  const chunks = await collect(source.pipeThrough(encodeStream(opts)))
  return new TextDecoder().decode(Buffer.concat(chunks))
}

/** `data:` payloads of an SSE text, parsed, in order. */
export function sseData(text: string): Record<string, unknown>[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as Record<string, unknown>)
}

/** Minted ids (`msg_`, `rs_`, `fc_`, `resp_` + 24 random characters) → a stable placeholder. */
export function maskIds(text: string): string {
  return text.replace(/\b(msg|rs|fc|resp)_[A-Za-z0-9]{24}\b/g, '$1_*')
}

/** The `response` object of a lifecycle event payload. */
export function responseOf(data: Record<string, unknown> | undefined): Record<string, unknown> {
  const r = data?.response
  if (typeof r !== 'object' || r === null) throw new Error('not a lifecycle event')
  return r as Record<string, unknown>
}
