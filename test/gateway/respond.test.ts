/**
 * The respond stage's one streaming loop, with a step that shows what the loop asked of it:
 * the order of its calls, what reaches the client, the usage row however the stream ends.
 */
import { describe, expect, test } from 'bun:test'
import type { ErrorInfo } from '../../src/dialects/ir.ts'
import type { Attempt } from '../../src/gateway/exchange.ts'
import { Redactor } from '../../src/gateway/redact-errors.ts'
import { respondStream, type StreamStep } from '../../src/gateway/respond.ts'
import type { UpstreamCallHandle } from '../../src/gateway/upstream-fetch.ts'
import { UsageMeter } from '../../src/gateway/usage-meter.ts'
import { type Stage, stage } from '../helpers/stages.ts'

const YAML = `
upstreams:
  - { name: up, dialect: openai-chat, base_url: "http://127.0.0.1:9/v1", api_key: sk-cred-1 }
`
const utf8 = new TextEncoder()
const text = new TextDecoder()

function chatStage(): Stage {
  return stage({
    yaml: YAML,
    dialect: 'openai-chat',
    body: { model: 'up/m', messages: [{ role: 'user', content: 'hi' }], stream: true },
    stream: true,
    secrets: ['sk-cred-1'],
  })
}

/** A step that writes a mark for each call, and records the calls. */
function markingStep(calls: string[]): StreamStep {
  const mark = <T>(call: string, out: T): T => {
    calls.push(call)
    return out
  }
  return {
    open: () => mark('open', 'O|'),
    chunk: (bytes) => mark(`chunk ${text.decode(bytes)}`, bytes),
    read: () => mark('read', 'R|'),
    end: () => mark('end', 'E|'),
    broke: (info: ErrorInfo) => mark('broke', `B:${info.message}|`),
    close: () => mark('close', undefined),
    betweenEvents: () => true,
  }
}

function attemptOver(s: Stage, body: ReadableStream<Uint8Array>) {
  let done = 0
  const handle: UpstreamCallHandle = {
    response: new Response(body, {
      headers: { 'x-request-id': 'up-1', 'content-type': 'text/event-stream' },
    }),
    abort() {},
    cutReason: undefined,
    done: () => {
      done++
    },
  }
  const meter = new UsageMeter(
    {
      requestId: 'req_stage',
      provider: 'up',
      account: 'k',
      model: 'm',
      dialect: 'openai-chat',
      stream: true,
      start: performance.now(),
    },
    s.store,
  )
  const credential = s.ex.plan.credentials[0]!
  const at: Attempt = {
    credential,
    meter,
    redact: new Redactor(s.ex.ctx.config.secrets, credential.secret),
    handle,
    upstreamStreams: true,
  }
  return { at, doneCalls: () => done }
}

describe('respondStream', () => {
  test('opens, passes each chunk, writes once per read, ends; then closes the step and meters 200', async () => {
    using s = chatStage()
    const calls: string[] = []
    const upstream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(utf8.encode('a'))
        c.enqueue(utf8.encode('b'))
        c.close()
      },
    })
    const { at, doneCalls } = attemptOver(s, upstream)
    const res = respondStream(s.ex, at, markingStep(calls))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('text/event-stream')
    expect(await res.text()).toBe('O|abR|E|')
    expect(calls).toEqual(['open', 'chunk a', 'chunk b', 'read', 'end', 'close'])
    expect(doneCalls()).toBe(1)
    expect(await s.rows()).toEqual([expect.objectContaining({ status: 200, stream: true, provider: 'up' })])
  })

  test('an upstream that breaks off: the step writes the error, the log says why, without the key', async () => {
    using s = chatStage()
    const calls: string[] = []
    let sent = false
    const upstream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (!sent) {
          sent = true
          c.enqueue(utf8.encode('a'))
          return
        }
        c.error(new Error('socket closed by http://127.0.0.1/?key=sk-cred-1'))
      },
    })
    const { at } = attemptOver(s, upstream)
    const out = await respondStream(s.ex, at, markingStep(calls)).text()
    expect(out.startsWith('O|aR|B:Upstream stream broke off: ')).toBe(true)
    expect(out).not.toContain('sk-cred-1')
    expect(calls.slice(-2)).toEqual(['broke', 'close'])
    expect(calls).not.toContain('end')
    const warned = s.logs().find((l) => l.msg === 'upstream stream failed mid-way')
    expect(warned).toBeDefined()
    expect(JSON.stringify(warned)).not.toContain('sk-cred-1')
    expect(await s.rows()).toHaveLength(1)
  })

  test('a client that goes away: the step is closed, the upstream cancelled, the row says 499', async () => {
    using s = chatStage()
    const calls: string[] = []
    let cancelled = false
    const upstream = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(utf8.encode('x'))
      },
      cancel() {
        cancelled = true
      },
    })
    const { at } = attemptOver(s, upstream)
    const reader = respondStream(s.ex, at, markingStep(calls)).body!.getReader()
    await reader.read()
    await reader.cancel()
    for (let i = 0; i < 50 && !calls.includes('close'); i++) await Bun.sleep(5)
    expect(calls).toContain('close')
    expect(calls.filter((c) => c === 'close')).toHaveLength(1)
    expect(cancelled).toBe(true)
    expect(await s.rows()).toEqual([expect.objectContaining({ status: 499 })])
  })
})
