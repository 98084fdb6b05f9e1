/**
 * The hold for a stream's first content event: it stops at the first block, at an error event or
 * at the end, or when the bound passes; whatever it read is handed on, in order, so the stream
 * loop loses no byte.
 */
import { describe, expect, test } from 'bun:test'
import { dialects } from '../../src/dialects/registry.ts'
import { type FirstContent, holdFirstContent, type ReadMany } from '../../src/gateway/first-content.ts'

const enc = new TextEncoder()
const dec = new TextDecoder()
const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
const START = frame('message_start', {
  type: 'message_start',
  message: {
    id: 'm1',
    type: 'message',
    role: 'assistant',
    model: 'm',
    content: [],
    usage: { input_tokens: 1, output_tokens: 0 },
  },
})
const BLOCK = frame('content_block_start', {
  type: 'content_block_start',
  index: 0,
  content_block: { type: 'text', text: '' },
})
const DELTA = frame('content_block_delta', {
  type: 'content_block_delta',
  index: 0,
  delta: { type: 'text_delta', text: 'hi' },
})
const OVERLOADED = frame('error', {
  type: 'error',
  error: { type: 'overloaded_error', message: 'Overloaded' },
})

/** A body that sends `frames` as separate chunks, then waits on `rest` (if any) before ending. */
function body(frames: string[], rest?: Promise<string>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async start(c) {
      for (const f of frames) c.enqueue(enc.encode(f))
      if (rest) c.enqueue(enc.encode(await rest))
      c.close()
    },
  })
}

const hold = (b: ReadableStream<Uint8Array>, ms = 5_000) =>
  holdFirstContent(b, dialects['anthropic-messages'], undefined, ms)

/** Everything the stream loop will get: the held batches, then the reader's rest. */
async function drain(first: FirstContent): Promise<string> {
  let text = ''
  const add = (b: ReadMany) => {
    for (const c of b.value) text += dec.decode(c)
  }
  for (const b of first.held.batches) add(await b)
  for (;;) {
    const b = await first.held.reader.readMany()
    if (b.done) return text
    add(b)
  }
}

describe('holdFirstContent', () => {
  test('stops at the first content block and hands on every byte read', async () => {
    let release = (_: string) => {}
    const rest = new Promise<string>((r) => {
      release = r
    })
    const first = await hold(body([START, BLOCK, DELTA], rest))
    expect(first.kind).toBe('content')
    release('tail')
    expect(await drain(first)).toBe(START + BLOCK + DELTA + 'tail')
  })

  test('an error event before content: the error, as decoded', async () => {
    const first = await hold(body([START, OVERLOADED]))
    expect(first).toMatchObject({ kind: 'error', error: { kind: 'overloaded' } })
  })

  test('an error after content is not its business', async () => {
    const first = await hold(body([START, BLOCK, OVERLOADED]))
    expect(first.kind).toBe('content')
  })

  test('the end before content: the decoder calls it a cut stream', async () => {
    const first = await hold(body([START]))
    expect(first).toMatchObject({ kind: 'error', error: { kind: 'api_error' } })
    expect(await drain(first)).toBe(START)
  })

  test('the bound passes: the stream is committed with the read still under way', async () => {
    let release = (_: string) => {}
    const rest = new Promise<string>((r) => {
      release = r
    })
    const first = await hold(body([START], rest), 20)
    expect(first.kind).toBe('content')
    release(BLOCK)
    expect(await drain(first)).toBe(START + BLOCK)
  })

  test.each([
    [
      'openai-chat',
      `data: ${JSON.stringify({ error: { message: 'Rate limited', type: 'rate_limit_error', code: 'rate_limit_exceeded' } })}\n\n`,
    ],
    [
      'openai-responses',
      frame('response.failed', {
        type: 'response.failed',
        response: {
          id: 'r',
          status: 'failed',
          error: { code: 'rate_limit_exceeded', message: 'Rate limited' },
        },
      }),
    ],
  ] as const)('%s: its own error event before content is an error', async (dialect, errorFrame) => {
    const first = await holdFirstContent(body([errorFrame]), dialects[dialect], undefined, 5_000)
    expect(first).toMatchObject({
      kind: 'error',
      error: { message: expect.stringContaining('Rate limited') },
    })
  })
})
