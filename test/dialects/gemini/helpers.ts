/** Fixture loading and stream plumbing shared by the Gemini dialect tests. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { StreamEvent } from '../../../src/dialects/ir.ts'

const FIXTURES = join(import.meta.dir, '..', '..', 'fixtures', 'gemini')

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8')
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)))
}

export function fixtureJson(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>
}

/** A JSON round trip, so `undefined` fields and key order do not matter in comparisons. */
export function plain<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T
}

/** Feeds `chunks` through `transform` and collects everything it outputs. */
export async function pipe<I, O>(chunks: readonly I[], transform: TransformStream<I, O>): Promise<O[]> {
  const source = new ReadableStream<I>({
    start(c) {
      for (const ch of chunks) c.enqueue(ch)
      c.close()
    },
  })
  const out: O[] = []
  for await (const o of source.pipeThrough(transform)) out.push(o)
  return out
}

/** Bytes split at the given offsets. */
export function splitAt(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = []
  let from = 0
  for (const at of offsets) {
    out.push(bytes.slice(from, at))
    from = at
  }
  out.push(bytes.slice(from))
  return out
}

export function concatText(chunks: readonly Uint8Array[]): string {
  const dec = new TextDecoder()
  let s = ''
  for (const c of chunks) s += dec.decode(c, { stream: true })
  return s + dec.decode()
}

/**
 * Minted tool-call and response ids are random; replace them by their order of appearance so
 * two decodes of the same bytes compare equal.
 */
export function normalizeIds(events: StreamEvent[]): StreamEvent[] {
  const seen = new Map<string, string>()
  const name = (id: string) => {
    if (!/^gemini[-_]/.test(id)) return id
    let n = seen.get(id)
    if (!n) {
      n = `<id${seen.size}>`
      seen.set(id, n)
    }
    return n
  }
  return plain(events).map((e) => {
    if (e.type === 'start') return { ...e, id: name(e.id) }
    if (e.type === 'block_start' && e.block.kind === 'tool_call')
      return { ...e, block: { ...e.block, id: name(e.block.id) } }
    return e
  })
}
