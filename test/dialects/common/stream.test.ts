import { describe, expect, test } from 'bun:test'
import { decoderStream, encoderStream, withStreams } from '../../../src/dialects/common/stream.ts'
import type { DialectCodec, StreamCore } from '../../../src/dialects/contract.ts'
import { DIALECTS } from '../../../src/dialects/ir.ts'
import { dialects } from '../../../src/dialects/registry.ts'
import { textTurn } from '../../helpers/ir-turn.ts'

const utf8 = new TextEncoder()
const decode = new TextDecoder()

async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = []
  for await (const v of stream) out.push(v)
  return out
}

function readable<T>(items: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(c) {
      for (const i of items) c.enqueue(i)
      c.close()
    },
  })
}

/** A core that logs every call and emits a marker per push and two at the end. */
function loggingCore<I>(log: string[], show: (i: I) => string): StreamCore<I, string> {
  return {
    push(input, emit) {
      log.push(`push ${show(input)}`)
      emit(`<${show(input)}>`)
    },
    end(emit) {
      log.push('end')
      emit('[end-a]')
      emit('[end-b]')
    },
  }
}

describe('decoderStream', () => {
  test('runs the core once per chunk and ends it once, passing every output on in order', async () => {
    const log: string[] = []
    const core = loggingCore<Uint8Array>(log, (b) => decode.decode(b))
    const out = await collect(
      readable([utf8.encode('a'), utf8.encode('bc')]).pipeThrough(decoderStream(core)),
    )
    expect(out).toEqual(['<a>', '<bc>', '[end-a]', '[end-b]'])
    expect(log).toEqual(['push a', 'push bc', 'end'])
  })
})

describe('encoderStream', () => {
  test('sends what one input wrote as one chunk of UTF-8, and the end as one more', async () => {
    const log: string[] = []
    const core = loggingCore<number>(log, String)
    const chunks = await collect(readable([1, 2]).pipeThrough(encoderStream(core)))
    expect(chunks.map((c) => decode.decode(c))).toEqual(['<1>', '<2>', '[end-a][end-b]'])
    expect(log).toEqual(['push 1', 'push 2', 'end'])
  })

  test('sends no empty chunk for an input that wrote nothing', async () => {
    const silent: StreamCore<number, string> = {
      push(n, write) {
        if (n % 2 === 0) write(`é${n}`)
      },
      end() {},
    }
    const chunks = await collect(readable([1, 2, 3, 4]).pipeThrough(encoderStream(silent)))
    expect(chunks.map((c) => decode.decode(c))).toEqual(['é2', 'é4'])
    expect(chunks[0]).toEqual(utf8.encode('é2'))
  })
})

describe('withStreams', () => {
  test("builds the contract's TransformStreams from the codec's cores, with the options passed through", async () => {
    const seen: unknown[] = []
    const base = dialects['openai-chat']
    const codec: DialectCodec = {
      ...base,
      decodeStreamCore(opts) {
        seen.push(opts)
        return base.decodeStreamCore(opts)
      },
      encodeStreamCore(opts) {
        seen.push(opts)
        return base.encodeStreamCore(opts)
      },
    }
    const d = withStreams(codec)
    const provenance = { dialect: 'openai-chat' as const, provider: 'p' }
    const events = await collect(
      readable([
        utf8.encode('data: {"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n'),
      ])
        .pipeThrough(d.decodeStream({ provenance }))
        .pipeThrough(d.encodeStream({ model: 'shown' })),
    )
    expect(seen).toEqual([{ provenance }, { model: 'shown' }])
    expect(decode.decode(events[0])).toContain('"model":"shown"')
    expect(decode.decode(events[1])).toContain('"content":"hi"')
  })

  test.each(DIALECTS)(
    '%s: the stream shapes give the same bytes as the cores driven by hand',
    async (name) => {
      const d = dialects[name]
      const events = textTurn('hello', { created: 1_700_000_000 }, { inputTokens: 3, outputTokens: 1 })
      let byHand = ''
      const write = (s: string) => {
        byHand += s
      }
      const core = d.encodeStreamCore()
      for (const ev of events) core.push(ev, write)
      core.end(write)
      const streamed = await new Response(readable(events).pipeThrough(d.encodeStream())).text()
      // ids minted per stream and `created` stamps differ only where the dialect makes them up
      const minted = (s: string) => s.replace(/\d{10}/g, 'T').replace(/_[A-Za-z0-9]{20,}/g, '_ID')
      expect(minted(streamed)).toEqual(minted(byHand))

      const decodedByHand: unknown[] = []
      const dec = d.decodeStreamCore()
      dec.push(utf8.encode(byHand), (ev) => decodedByHand.push(ev))
      dec.end((ev) => decodedByHand.push(ev))
      const decoded = await collect(readable([utf8.encode(byHand)]).pipeThrough(d.decodeStream()))
      expect(decoded).toEqual(decodedByHand as typeof decoded)
      expect(decoded.length).toBeGreaterThan(3)
    },
  )
})
