/**
 * One upstream call with the timeouts a gateway needs: until the first byte of a stream, until
 * the whole answer of a non-stream call, the longest silence inside a stream, and the longest a
 * whole stream may run. The call first takes one of byokey's upstream slots (waiting in byokey's
 * queue when all are busy); the timers start only once it has one, when the call really leaves.
 * The client going away aborts the call at once (its signal is part of the fetch's), also while
 * it waits for a slot.
 */
import type { Config } from '../config/schema.ts'
import type { PreparedRequest } from '../providers/types.ts'
import { HttpError } from './http-error.ts'
import { SlotWaitTimeout, type UpstreamSlots } from './upstream-slots.ts'

/** Why an upstream call was cut short by us rather than failing by itself. */
export class UpstreamTimeout extends Error {
  constructor(
    readonly phase: 'first_byte' | 'response' | 'idle' | 'total',
    readonly ms: number,
  ) {
    super(UpstreamTimeout.describe(phase, ms))
    this.name = 'UpstreamTimeout'
  }

  static describe(phase: UpstreamTimeout['phase'], ms: number): string {
    switch (phase) {
      case 'idle':
        return `upstream sent nothing for ${ms} ms`
      case 'first_byte':
        return `upstream did not answer within ${ms} ms`
      case 'response':
        return `upstream did not finish its answer within ${ms} ms`
      case 'total':
        return `upstream stream did not end within ${ms} ms`
    }
  }
}

export interface UpstreamCallHandle {
  response: Response
  /** Aborts the upstream call (used by the idle watchdog). */
  abort(reason: Error): void
  /** The reason we aborted, if we did. */
  readonly cutReason: Error | undefined
  /**
   * The call is over (body read, stream ended or abandoned): stops its timer and its watch on
   * the client and gives its slot back. Later calls do nothing.
   */
  done(): void
}

export interface UpstreamCallOptions {
  clientSignal: AbortSignal
  stream: boolean
  timeouts: Config['timeouts']
  /** byokey's upstream slots, and the longest a call may wait for one. */
  slots: UpstreamSlots
  queueMs: number
  /** The HTTP(S) proxy of the call's credential (`proxy_url`). */
  proxy?: string | undefined
}

/**
 * Sends the call; throws `HttpError` for transport failures and timeouts before headers (502,
 * 504), and for a wait in the queue that outlasted its deadline (503), or `ClientGone`.
 */
export async function fetchUpstream(
  prep: PreparedRequest,
  opts: UpstreamCallOptions,
): Promise<UpstreamCallHandle> {
  const client = opts.clientSignal
  const { slots } = opts
  if (!slots.tryTake()) await waitForSlot(slots, client, opts.queueMs)
  let holding = true
  const release = () => {
    if (holding) {
      holding = false
      slots.release()
    }
  }
  const ctl = new AbortController()
  let cutReason: Error | undefined
  const cut = (reason: Error) => {
    if (!ctl.signal.aborted) {
      cutReason = reason
      ctl.abort(reason)
    }
  }
  // The client's signal feeds ours by a listener: AbortSignal.any costs more than the rest of the call setup.
  const onClientGone = () => ctl.abort(client.reason)
  if (client.aborted) ctl.abort(client.reason)
  else client.addEventListener('abort', onClientGone, { once: true })
  const { timeouts } = opts
  const sentAt = performance.now()
  let answered = false
  // One timer per call, as before streams had an overall deadline: a stream's first-byte timer
  // is not replaced when the headers come but, when it fires after them, re-armed for the rest
  // of the stream's total time (a stream that ends first never pays for a second timer).
  const onTimer = () => {
    if (!opts.stream) return cut(new UpstreamTimeout('response', timeouts.response_ms))
    if (!answered && timeouts.first_byte_ms <= timeouts.stream_total_ms) {
      return cut(new UpstreamTimeout('first_byte', timeouts.first_byte_ms))
    }
    const left = timeouts.stream_total_ms - (performance.now() - sentAt)
    if (left <= 0) return cut(new UpstreamTimeout('total', timeouts.stream_total_ms))
    timer = setTimeout(onTimer, left)
  }
  let timer = setTimeout(
    onTimer,
    opts.stream ? Math.min(timeouts.first_byte_ms, timeouts.stream_total_ms) : timeouts.response_ms,
  )
  let response: Response
  const fail = (e: Error) => {
    clearTimeout(timer)
    client.removeEventListener('abort', onClientGone)
    release()
    return e
  }
  try {
    response = await fetch(prep.url, {
      method: 'POST',
      headers: prep.headers,
      body: JSON.stringify(prep.body),
      signal: ctl.signal,
      proxy: opts.proxy,
    })
  } catch (e) {
    throw fail(transportError(e, cutReason, client, prep.url, opts.proxy))
  }
  // A proxy that refuses an http target answers in the upstream's place; no upstream says 407.
  if (response.status === 407 && opts.proxy) {
    void response.body?.cancel()
    throw fail(unreachable(`the proxy refused the call (HTTP 407)`, prep.url, opts.proxy))
  }
  answered = true
  return {
    response,
    abort: cut,
    get cutReason() {
      return cutReason
    },
    done: () => {
      clearTimeout(timer)
      client.removeEventListener('abort', onClientGone)
      release()
    },
  }
}

/** Seconds a client is told to wait (Retry-After) when byokey's queue for upstream calls is full. */
const QUEUE_RETRY_AFTER_S = 1

/** The slow path: waits in byokey's queue for a slot, or fails the way the client should see. */
async function waitForSlot(slots: UpstreamSlots, client: AbortSignal, ms: number): Promise<void> {
  try {
    await slots.wait(client, ms)
  } catch (e) {
    if (client.aborted) throw new ClientGone()
    if (e instanceof SlotWaitTimeout) {
      throw new HttpError(
        'overloaded',
        `byokey is at its limit of upstream calls: ${e.message}. Retry shortly, or raise server.max_upstream_requests`,
        { status: 503, code: 'upstream_queue_timeout', retryAfter: QUEUE_RETRY_AFTER_S },
      )
    }
    throw e
  }
}

/** The client left: nothing to answer, but the pipeline must stop and record what it saw. */
export class ClientGone extends Error {
  constructor() {
    super('client closed the connection')
    this.name = 'ClientGone'
  }
}

/**
 * A failed fetch as the error the client should see: what failed and where (the upstream's
 * origin, never its path, query or credentials), never the runtime's own message, which carries
 * hints meant for developers. That message stays on the error as its `cause`, for the log.
 */
export function transportError(
  e: unknown,
  cutReason: Error | undefined,
  clientSignal: AbortSignal,
  url: string,
  proxy?: string,
): Error {
  if (clientSignal.aborted) return new ClientGone()
  if (cutReason instanceof UpstreamTimeout) {
    return new HttpError('timeout', `Upstream timeout: ${cutReason.message}`, { status: 504 })
  }
  const err = unreachable(transportFailure(e), url, proxy)
  err.cause = e
  return err
}

/** A 502 naming what failed and where: the upstream's origin, and the proxy's (never its credentials). */
function unreachable(what: string, url: string, proxy: string | undefined): HttpError {
  const where = proxy ? `${originOf(url)} via proxy ${originOf(proxy)}` : originOf(url)
  return new HttpError('api_error', `Upstream unreachable: ${what} (${where})`, {
    status: 502,
    code: 'upstream_unreachable',
  })
}

/** What went wrong on the wire, in a few words a client can act on; the runtime's text stays out. */
export function transportFailure(e: unknown): string {
  const code = e && typeof e === 'object' ? (e as { code?: unknown }).code : undefined
  if (typeof code !== 'string') return 'the connection failed'
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection closed unexpectedly'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
    case 'DNSException':
      return 'host name not found (DNS)'
    case 'ETIMEDOUT':
      return 'connection timed out'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'network unreachable'
    case 'EPROTO':
      return 'TLS handshake failed'
    case 'ERR_INVALID_URL':
      return 'invalid upstream URL'
    case 'ERR_PROXY_TUNNEL':
      return 'the proxy refused to open a tunnel'
  }
  if (/CERT|TLS|SSL|ISSUER|SIGNATURE|SELF_SIGNED/.test(code)) return `TLS certificate not accepted (${code})`
  return /^[A-Z][A-Z0-9_]+$/.test(code) ? `the connection failed (${code})` : 'the connection failed'
}

/**
 * Why reading an upstream answer failed, for a client: the runtime's transport errors (they carry
 * a `code`) in plain words, anything else (a decoder's complaint about the bytes) as it is.
 */
export function readFailure(e: unknown): string {
  if (e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string')
    return transportFailure(e)
  return e instanceof Error ? e.message : String(e)
}

/** The runtime's own text of a failure, for the log only. */
export function failureDetail(e: unknown): string | undefined {
  const inner = e instanceof HttpError ? e.cause : e
  return inner instanceof Error ? inner.message : inner === undefined ? undefined : String(inner)
}

function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return 'an invalid URL'
  }
}

/**
 * The idle timeout of a stream: one timer for the whole stream instead of one per read. It
 * only counts time spent waiting on the upstream, never time spent waiting on a slow client.
 */
export function idleWatchdog(handle: UpstreamCallHandle, ms: number): IdleWatchdog {
  let waitingSince = -1
  let timer: ReturnType<typeof setTimeout> | undefined
  const check = () => {
    const quiet = waitingSince < 0 ? 0 : performance.now() - waitingSince
    if (quiet >= ms) handle.abort(new UpstreamTimeout('idle', ms))
    else timer = setTimeout(check, ms - quiet)
  }
  timer = setTimeout(check, ms)
  return {
    get waitingSince() {
      return waitingSince
    },
    waiting() {
      waitingSince = performance.now()
    },
    got() {
      waitingSince = -1
    },
    stop() {
      clearTimeout(timer)
    },
  }
}

export interface IdleWatchdog {
  /** When the stream started waiting for the upstream (`performance.now()`), or -1 while it is not. */
  readonly waitingSince: number
  /** The stream now waits for the upstream. */
  waiting(): void
  /** The upstream sent something. */
  got(): void
  stop(): void
}
