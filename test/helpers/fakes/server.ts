/**
 * Shared base of the fake upstream servers: a real `Bun.serve` on 127.0.0.1 port 0 that records
 * every request (and whether the client went away) and answers with whatever the handler builds.
 *
 * Measured on Bun 1.4.4 (see test/fakes.test.ts):
 * - `req.signal` fires within ~1 ms when the client disconnects, also while the handler is still
 *   awaiting (before headers), and never after a response completed normally.
 * - A streaming body's `cancel()` fires at the same moment when the client disconnects mid-stream.
 * - `controller.error()` inside a streaming body makes Bun drop the socket without the chunked
 *   terminator, so the client sees `ECONNRESET` after the frames already sent. With the default
 *   `development: true` Bun also prints the error, so the fakes run with `development: false`.
 * - Bun sends no header bytes before the first body chunk: a stream that waits before its first
 *   frame looks to the client like a server that has not answered yet (`commitHeaders` primes it
 *   with an SSE comment so headers go out at once).
 */
import type { Server } from 'bun'

export interface Recorded {
  method: string
  /** Path without the query string, e.g. `/v1/messages`. */
  path: string
  /** Query parameters (last value wins). */
  query: Record<string, string>
  /** Request headers with lower-cased names. */
  headers: Record<string, string>
  /** Parsed JSON body, the raw text when it is not JSON, `null` when empty. */
  body: unknown
  rawBody: string
  /** The client went away before the response was complete. */
  aborted: boolean
  /** `performance.now()` when the abort was noticed. */
  abortedAt?: number
  /** `performance.now()` when the request arrived. */
  receivedAt: number
  /** `performance.now()` when a stream built by these helpers ended normally. */
  finishedAt?: number
  /** The fake itself cut the connection (`resetMidStream`). */
  reset: boolean
}

export type Handler = (req: Request, rec: Recorded) => Response | Promise<Response>

export interface FakeServer {
  /** Origin, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly url: string
  readonly port: number
  readonly requests: Recorded[]
  /** The latest request; throws when there is none. */
  last(): Recorded
  stop(): Promise<void>
  [Symbol.dispose](): void
  [Symbol.asyncDispose](): Promise<void>
}

interface StreamHooks {
  onCancel?: () => void
  onFinish?: () => void
  onReset?: () => void
}

/** Responses built by the helpers below, so the server can tie their stream's fate to the request. */
const hooksByResponse = new WeakMap<Response, StreamHooks>()

function parseBody(raw: string): unknown {
  if (raw === '') return null
  try {
    return JSON.parse(raw) as unknown
  } catch {
    return raw
  }
}

/** Starts a loopback server; every request is recorded before `handler` runs. */
export function startFake(handler: Handler): FakeServer {
  const requests: Recorded[] = []
  const server: Server<undefined> = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    development: false,
    idleTimeout: 30,
    async fetch(req) {
      const receivedAt = performance.now()
      const url = new URL(req.url)
      const rawBody = await req.text()
      const headers: Record<string, string> = {}
      req.headers.forEach((v, k) => {
        headers[k.toLowerCase()] = v
      })
      const rec: Recorded = {
        method: req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body: parseBody(rawBody),
        rawBody,
        aborted: false,
        receivedAt,
        reset: false,
      }
      requests.push(rec)
      const markAborted = () => {
        if (rec.aborted || rec.finishedAt !== undefined || rec.reset) return
        rec.aborted = true
        rec.abortedAt = performance.now()
      }
      if (req.signal.aborted) markAborted()
      else req.signal.addEventListener('abort', markAborted, { once: true })
      let res: Response
      try {
        res = await handler(req, rec)
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e)
        return new Response(`fake handler threw: ${message}`, { status: 599 })
      }
      const hooks = hooksByResponse.get(res)
      if (hooks) {
        hooks.onCancel = markAborted
        hooks.onFinish = () => {
          rec.finishedAt = performance.now()
        }
        hooks.onReset = () => {
          rec.reset = true
        }
      }
      return res
    },
  })
  const url = server.url.origin
  const stop = () => server.stop(true)
  return {
    url,
    port: server.port ?? 0,
    requests,
    last() {
      const r = requests[requests.length - 1]
      if (!r) throw new Error('the fake upstream has received no request')
      return r
    },
    stop,
    [Symbol.dispose]: () => {
      void stop()
    },
    [Symbol.asyncDispose]: stop,
  }
}

export interface StreamOptions {
  /** Pause before every frame after the first. */
  delayMs?: number
  /** Pause before the first frame (Bun holds the headers back until then unless `commitHeaders`). */
  firstDelayMs?: number
  status?: number
  headers?: Record<string, string>
  /** Send an SSE comment (`:\n\n`) at once so the status and headers reach the client immediately. */
  commitHeaders?: boolean
  /** After this many frames, cut the connection instead of ending the stream. */
  resetAfter?: number
}

const encoder = new TextEncoder()
/** Pause before a reset so the frames already enqueued reach the socket (0 ms lost some in 1.5 % of runs). */
const RESET_FLUSH_MS = 10

/** Sleeps `ms`, waking early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * A pull-based streaming response: one chunk (frame) per pull, with optional pauses, so a client
 * can stop reading or abort at any point. Frames are sent verbatim (see `sseFrame`).
 */
export function streamResponse(
  frames: readonly string[],
  contentType: string,
  opts: StreamOptions = {},
): Response {
  const hooks: StreamHooks = {}
  const gone = new AbortController()
  let i = 0
  let over = false
  const finish = (c: ReadableStreamDefaultController<Uint8Array>) => {
    over = true
    c.close()
    hooks.onFinish?.()
  }
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        if (opts.commitHeaders) c.enqueue(encoder.encode(':\n\n'))
      },
      async pull(c) {
        if (over) return
        await sleep(i === 0 ? (opts.firstDelayMs ?? 0) : (opts.delayMs ?? 0), gone.signal)
        if (gone.signal.aborted) return
        if (opts.resetAfter !== undefined && i >= opts.resetAfter) {
          // Let Bun flush what was already enqueued, so the cut comes after those bytes.
          if (i > 0) await sleep(RESET_FLUSH_MS, gone.signal)
          if (gone.signal.aborted) return
          over = true
          hooks.onReset?.()
          c.error(new Error('fake upstream: connection reset mid-stream'))
          return
        }
        const frame = frames[i]
        if (frame === undefined) {
          finish(c)
          return
        }
        i++
        c.enqueue(encoder.encode(frame))
        if (i >= frames.length && opts.resetAfter === undefined) finish(c)
      },
      cancel() {
        over = true
        gone.abort()
        hooks.onCancel?.()
      },
    },
    { highWaterMark: 0 },
  )
  const res = new Response(body, {
    status: opts.status ?? 200,
    headers: { 'content-type': contentType, 'cache-control': 'no-cache', ...opts.headers },
  })
  hooksByResponse.set(res, hooks)
  return res
}

/** One SSE frame: optional `event:` line, one `data:` line, blank line. Strings are sent as-is. */
export function sseFrame(data: unknown, event?: string, eol = '\n'): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data)
  return (event === undefined ? '' : `event: ${event}${eol}`) + `data: ${payload}${eol}${eol}`
}

/** A `text/event-stream` response sending one frame per pull (frames are complete SSE events). */
export function sseResponse(frames: readonly string[], opts: StreamOptions = {}): Response {
  return streamResponse(frames, 'text/event-stream', opts)
}

/** Sends `afterFrames` frames (default: all), then drops the connection: the client sees a network error. */
export function resetMidStream(
  frames: readonly string[],
  opts: StreamOptions & { afterFrames?: number; contentType?: string } = {},
): Response {
  const { afterFrames, contentType, ...rest } = opts
  return streamResponse(frames, contentType ?? 'text/event-stream', {
    ...rest,
    resetAfter: afterFrames ?? frames.length,
  })
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

/**
 * Waits `ms` before answering (no status line or header is sent meanwhile), for timeout tests.
 * Pass the request's signal to stop waiting when the client gives up.
 */
export async function hangHeaders(
  ms: number,
  then: Response | (() => Response | Promise<Response>) = jsonResponse({}),
  signal?: AbortSignal,
): Promise<Response> {
  await sleep(ms, signal)
  return typeof then === 'function' ? then() : then
}
