/**
 * The last stage of a request: the upstream answered 2xx, and the client gets its answer in its
 * own dialect — as JSON (passed on, translated, or collected from a stream the upstream sent
 * anyway), or as a stream through one loop whose per-chunk step either passes the bytes on with
 * a usage tap or translates them through the IR.
 */

import type { Dialect } from '../dialects/contract.ts'
import type { ErrorInfo, StreamEvent } from '../dialects/ir.ts'
import { type Collected, collectStream } from './collect-stream.ts'
import { roughRequestTokens } from './estimate.ts'
import type { Attempt, Exchange } from './exchange.ts'
import type { BunReader, HeldStream, ReadMany } from './first-content.ts'
import { errorResponse, HttpError } from './http-error.ts'
import { passthroughTap } from './passthrough-tap.ts'
import type { Redactor } from './redact-errors.ts'
import { forwardedHeaders, SSE_HEADERS } from './response-headers.ts'
import { endsBlankLine } from './sse-bytes.ts'
import { type StreamKeepAlive, streamKeepAlive } from './stream-keepalive.ts'
import {
  failureDetail,
  type IdleWatchdog,
  idleWatchdog,
  readFailure,
  type UpstreamCallHandle,
  UpstreamTimeout,
} from './upstream-fetch.ts'

/** The client's answer to an upstream call that answered 2xx. */
export function respond(ex: Exchange, at: Attempt, held?: HeldStream): Promise<Response> | Response {
  if (!ex.stream) return at.upstreamStreams ? respondCollected(ex, at) : respondJson(ex, at)
  const { inbound, upstream, ir } = ex.plan
  // a variant codec (an envelope around the answers) never passes through
  const step = inbound === upstream && !ir ? passthroughStep(ex, at) : translatedStep(ex, at)
  return respondStream(ex, at, step, held)
}

async function respondJson(ex: Exchange, at: Attempt): Promise<Response> {
  const { handle, meter, redact } = at
  const { inbound, upstream, provenance, toolNamespaces } = ex.plan
  let text: string
  try {
    text = await handle.response.text()
  } catch (e) {
    meter.finish(handle.cutReason instanceof UpstreamTimeout ? 504 : 502)
    throw handle.cutReason instanceof UpstreamTimeout
      ? new HttpError('timeout', `Upstream timeout: ${handle.cutReason.message}`, { status: 504 })
      : new HttpError('api_error', redact.text(`Upstream response broke off: ${readFailure(e)}`), {
          status: 502,
        })
  } finally {
    handle.done()
  }
  meter.firstByte()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    meter.finish(502)
    throw new HttpError('api_error', 'Upstream answered with a body that is not JSON', { status: 502 })
  }
  const headers = forwardedHeaders(handle.response.headers)
  headers.set('content-type', 'application/json')
  if (inbound === upstream) {
    // the answer goes out as it came: only its usage is read
    meter.setUsage(upstream.responseUsage(json))
    meter.finish(200)
    return new Response(text, { status: 200, headers })
  }
  const decoded = upstream.decodeResponse(json, { provenance })
  meter.setUsage(decoded.usage)
  meter.finish(200)
  return new Response(JSON.stringify(inbound.encodeResponse(decoded, { provenance, toolNamespaces })), {
    status: 200,
    headers,
  })
}

/**
 * A JSON answer from an upstream that streamed although the client did not ask to (Codex
 * backend): the stream collected into one response (`collect-stream.ts`), or the error it carried
 * as the client's error envelope. The whole collection runs under the non-stream response timeout.
 */
async function respondCollected(ex: Exchange, at: Attempt): Promise<Response> {
  const { handle, meter, redact } = at
  const { inbound, upstream, provenance, toolNamespaces } = ex.plan
  let collected: Collected
  try {
    collected = await collectStream(handle.response.body!, upstream, provenance, (ev) => {
      meter.firstByte()
      meter.observe(ev)
    })
  } catch (e) {
    const info = breakInfo(handle, e, redact)
    meter.finish(info.status ?? 502)
    throw new HttpError(info.kind, info.message, { status: info.status ?? 502 })
  } finally {
    handle.done()
  }
  const headers = forwardedHeaders(handle.response.headers)
  if (!collected.ok) {
    const error = redact.info(collected.error)
    const { status } = inbound.encodeError(error)
    meter.finish(status)
    return errorResponse(inbound.name, error, Object.fromEntries(headers))
  }
  meter.finish(200)
  headers.set('content-type', 'application/json')
  const body = inbound.encodeResponse(collected.response, { provenance, toolNamespaces })
  return new Response(JSON.stringify(body), { status: 200, headers })
}

/**
 * What the stream loop does with the upstream's bytes: passed on (with a usage tap) or
 * translated. Each method returns what to write to the client, if anything.
 */
export interface StreamStep {
  /** Before the first read. */
  open(): string | undefined
  /** One chunk of a network read. */
  chunk(bytes: Uint8Array): Uint8Array | readonly Uint8Array[] | undefined
  /** After every chunk of one network read: what they produced together. */
  read(): string | undefined
  /** The upstream ended. */
  end(): string | undefined
  /** The upstream broke off (already logged): the error as this dialect's in-stream event. */
  broke(info: ErrorInfo): string | undefined
  /** The stream is over, however it ended. */
  close(): void
  /** Whether what went to the client so far ends with a whole event (a keep-alive may follow). */
  betweenEvents(): boolean
}

/**
 * A same-dialect stream, byte for byte. Its bytes are not searched for credentials: the upstream
 * took the credential (it answered 200), so an echo would need an in-stream error quoting the key
 * it just accepted, while a search would cost every chunk of every stream (a native `indexOf`
 * of one key in a 143-byte event: ~250 ns, measured with Bun 1.4.4) and would have to keep chunk
 * seams for a key cut in two. What byokey itself writes into the stream (the error when it
 * breaks) is redacted.
 */
function passthroughStep(ex: Exchange, at: Attempt): StreamStep {
  const { inbound } = ex.plan
  const tap = passthroughTap(inbound, (ev) => at.meter.observe(ev), {
    dropUsageChunk: !ex.plan.clientWantsUsage,
  })
  // the last bytes sent: a network read may end inside an event, where no keep-alive may go
  let last: Uint8Array | undefined
  return {
    open: () => undefined,
    chunk(bytes) {
      const out = tap.push(bytes)
      const end = out instanceof Uint8Array ? out : out.at(-1)
      if (end !== undefined && end.length > 0) last = end
      return out
    },
    betweenEvents: () => last === undefined || endsBlankLine(last),
    read: () => undefined,
    end: () => undefined,
    broke(info) {
      at.meter.observe({ type: 'error', error: info })
      return streamErrorText(inbound, info)
    },
    close: () => tap.drain(),
  }
}

/**
 * Another dialect's stream: decode, meter and encode run as plain calls on each chunk (the
 * dialects' stream cores), instead of a stream hop per chunk for each of the three stages.
 */
function translatedStep(ex: Exchange, at: Attempt): StreamStep {
  const { inbound, upstream, ir, provenance, toolNamespaces, clientWantsUsage } = ex.plan
  const estimate = inbound.streamNeedsInputTokens && ir ? roughRequestTokens(ir) : undefined
  const decode = upstream.decodeStreamCore({ provenance })
  const encode = inbound.encodeStreamCore({
    includeUsage: clientWantsUsage,
    provenance,
    toolNamespaces,
    ...(estimate === undefined ? {} : { estimatedInputTokens: estimate }),
  })
  // What one network read produced goes out as one write.
  let out = ''
  const write = (s: string) => {
    out += s
  }
  const take = (): string | undefined => {
    if (!out) return undefined
    const s = out
    out = ''
    return s
  }
  const onEvent = (ev: StreamEvent) => {
    // an upstream's in-stream error may quote the credential, like its error answers
    const e = ev.type === 'error' ? { type: ev.type, error: at.redact.info(ev.error) } : ev
    at.meter.observe(e)
    encode.push(e, write)
  }
  return {
    // Bun holds the status and headers back until the body's first byte: without this the
    // client would wait for the first translated event, forever behind an upstream that only
    // sends keep-alives. An empty line is no event to an SSE reader.
    open: () => '\n',
    chunk(bytes) {
      decode.push(bytes, onEvent)
      return undefined
    },
    read: take,
    // the encoder writes whole events only
    betweenEvents: () => true,
    end() {
      decode.end(onEvent)
      encode.end(write)
      return take()
    },
    broke(info) {
      onEvent({ type: 'error', error: info })
      encode.end(write)
      return take()
    },
    close() {},
  }
}

/** The one streaming loop: upstream reads through `step` to the client, without buffering. */
export function respondStream(ex: Exchange, at: Attempt, step: StreamStep, held?: HeldStream): Response {
  const { handle, meter, redact } = at
  const clientSignal = ex.request.signal
  const headers = forwardedHeaders(handle.response.headers, new Headers(SSE_HEADERS))
  const reader = held?.reader ?? (handle.response.body!.getReader() as unknown as BunReader)
  // what a hold for the first content event read already goes first
  const batches = held?.batches ?? []
  const keepAliveMs = ex.config.streaming.keepalive_seconds * 1000
  let watch: IdleWatchdog | undefined
  let keepAlive: StreamKeepAlive | undefined
  let over = false
  // once: a cancel ends the stream while the loop may still be reading
  const finish = (status: number) => {
    if (over) return
    over = true
    watch?.stop()
    keepAlive?.stop()
    handle.done()
    step.close()
    meter.finish(status)
  }
  const body = new ReadableStream({
    type: 'direct',
    async pull(controller) {
      watch = idleWatchdog(handle, ex.config.timeouts.idle_ms)
      const opening = step.open()
      if (opening) controller.write(opening)
      if (keepAliveMs > 0) {
        const text = ex.plan.inbound.keepAlive
        // runs only while the loop waits on the upstream, with everything before it flushed
        keepAlive = streamKeepAlive(watch, keepAliveMs, () => {
          if (over || !step.betweenEvents()) return
          controller.write(text)
          controller.flush()
        })
      }
      try {
        for (;;) {
          let batch = batches.length > 0 ? batches.shift()! : reader.readMany()
          if (batch instanceof Promise) batch = await upstreamBatch(batch, controller, watch)
          if (clientSignal.aborted) return finish(499)
          if (batch.done) {
            const last = step.end()
            if (last) controller.write(last)
            break
          }
          meter.firstByte()
          for (const chunk of batch.value) {
            const out = step.chunk(chunk)
            if (out === undefined) continue
            if (out instanceof Uint8Array) {
              const pending = controller.write(out)
              // the client reads slower than the upstream writes: wait for it rather than buffer
              if (pending instanceof Promise) await pending
              continue
            }
            for (const part of out) {
              const pending = controller.write(part)
              if (pending instanceof Promise) await pending
            }
          }
          const out = step.read()
          if (out) {
            const pending = controller.write(out)
            if (pending instanceof Promise) await pending
          }
        }
      } catch (e) {
        if (clientSignal.aborted) return finish(499)
        const info = breakInfo(handle, e, redact)
        ex.ctx.log.warn(
          { reason: info.message, detail: loggedDetail(e, redact) },
          'upstream stream failed mid-way',
        )
        const last = step.broke(info)
        if (last) controller.write(last)
      }
      finish(200)
      controller.close()
    },
    // Bun cancels the stream when the client goes away, so no abort listener is needed here.
    cancel(reason) {
      finish(499)
      return reader.cancel(reason)
    },
  })
  return new Response(body, { status: 200, headers })
}

/** The stream error event of a dialect, as text, for a passthrough stream that broke. */
function streamErrorText(dialect: Dialect, info: ErrorInfo): string {
  let text = ''
  const write = (s: string) => {
    text += s
  }
  const core = dialect.encodeStreamCore()
  core.push({ type: 'error', error: info }, write)
  core.end(write)
  return text
}

/** The runtime's own text of a failure, for the log, without credentials (a URL may carry `?key=`). */
export function loggedDetail(e: unknown, redact: Redactor): string | undefined {
  const detail = failureDetail(e)
  return detail === undefined ? undefined : redact.text(detail)
}

/** Why a stream or a body read failed, in words fit for the client (a network error's text may hold a URL). */
export function breakInfo(handle: UpstreamCallHandle, e: unknown, redact: Redactor): ErrorInfo {
  const cut = handle.cutReason
  if (cut instanceof UpstreamTimeout)
    return { kind: 'timeout', message: `Upstream timeout: ${cut.message}`, status: 504 }
  const detail = redact.text(readFailure(e))
  return { kind: 'api_error', message: `Upstream stream broke off: ${detail}`, status: 502 }
}

/**
 * Waits for the upstream's next chunks once none are queued (`readMany` hands queued ones over
 * without a promise). Only then does what was written go out, so a burst of chunks leaves as
 * one write and a lone chunk still leaves at once.
 */
function upstreamBatch(
  ready: Promise<ReadMany>,
  controller: ReadableStreamDirectController,
  watch: IdleWatchdog,
): Promise<ReadMany> {
  // Plain promise chaining, not an async function: this runs once per upstream read.
  const wait = (): Promise<ReadMany> => {
    watch.waiting()
    return ready.then((batch) => {
      watch.got()
      return batch
    })
  }
  const flushed = controller.flush()
  return flushed instanceof Promise ? flushed.then(wait) : wait()
}
