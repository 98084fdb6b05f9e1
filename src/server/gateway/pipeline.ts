/**
 * One inference request, any inbound dialect to any upstream: resolve the model, pick a
 * credential, shape the upstream body (bytes passed through when the dialects match, translated
 * through the IR when they don't), call upstream, and answer in the client's dialect, streaming
 * without buffering. Every request leaves exactly one usage record, abandoned streams included.
 */
import type { Config } from '../../config/schema.ts'
import { carriesWrappedSignature } from '../../dialects/common/provenance.ts'
import { flattenToolNamespaces } from '../../dialects/common/tool-namespaces.ts'
import type { Dialect, DialectName, ErrorInfo, Request as IRRequest, StreamEvent } from '../../dialects/ir.ts'
import { dialects } from '../../dialects/registry.ts'
import { NeedsLoginError, RefreshFailedError, type TokenManager } from '../../oauth/index.ts'
import type { ProviderId } from '../../providers/ids.ts'
import { BUILTIN_PROVIDERS, providerFor } from '../../providers/registry.ts'
import { loginExtra } from '../../providers/shared/api-keys.ts'
import type { Credential, Provider } from '../../providers/types.ts'
import { credentialOrder, isRetryableStatus } from '../../routing/credential-order.ts'
import { applyPayloadRules, type Route, resolveModel } from '../../routing/index.ts'
import type { AccountStore, Store } from '../../store/types.ts'
import { contextOf, type RequestContext } from '../context.ts'
import { errorResponse, HttpError } from '../errors.ts'
import { type Collected, collectStream } from './collect-stream.ts'
import { roughRequestTokens } from './estimate.ts'
import { passthroughTap } from './passthrough-tap.ts'
import { Redactor } from './redact-errors.ts'
import { forwardedHeaders, SSE_HEADERS } from './response-headers.ts'
import { cachedRoute, type Routed } from './route-cache.ts'
import { mapUpstreamError } from './upstream-errors.ts'
import {
  ClientGone,
  failureDetail,
  fetchUpstream,
  type IdleWatchdog,
  idleWatchdog,
  readFailure,
  type UpstreamCallHandle,
  UpstreamTimeout,
} from './upstream-fetch.ts'
import { UsageMeter } from './usage-meter.ts'

export interface GenerateInput {
  dialect: DialectName
  request: Request
  body: Record<string, unknown>
  /** The model as the client named it (body field, or URL segment for Gemini). */
  model: string
  stream: boolean
  store: Store
  /** Keeps subscription (OAuth) credentials fresh. */
  tokens?: TokenManager
}

/** Providers that can be used right now (have a credential). */
export function isAvailable(config: Config, accounts?: AccountStore): (id: ProviderId) => boolean {
  return (id) => (BUILTIN_PROVIDERS[id]?.credentials(config, accounts).length ?? 0) > 0
}

/** Resolves the route and its provider, or throws the 404 the client should see. */
export function routeFor(model: string, config: Config, accounts?: AccountStore): Routed {
  return cachedRoute(config, model, (askedAvailability) => {
    const available = isAvailable(config, accounts)
    const route = resolveModel(model, {
      config,
      available: (id) => {
        askedAvailability()
        return available(id)
      },
    })
    const provider = providerFor(route.target, config)
    if (!provider) {
      const name = route.target.kind === 'provider' ? route.target.id : route.target.name
      throw new HttpError(
        'not_found',
        `Provider '${name}' for model '${model}' is not available yet in this byokey; GET /v1/models lists what is`,
        { code: 'model_not_found', param: 'model' },
      )
    }
    return { route, provider }
  })
}

export function credentialsOrThrow(
  provider: Provider,
  config: Config,
  accounts?: AccountStore,
): Credential[] {
  const creds = provider.credentials(config, accounts)
  if (creds.length === 0) {
    throw new HttpError(
      'authentication',
      `No credentials for provider '${provider.id}': set providers.${provider.id}.api_key in the config, or run 'byokey login ${provider.id}'`,
      { status: 401, code: 'no_credentials' },
    )
  }
  return creds
}

/**
 * The upstream body: the client's own bytes when the dialects match, else translated through the
 * IR. `toolNamespaces`: the Responses tool namespaces folded into function names for an upstream
 * without them, for the client's encoder to split back.
 */
export function upstreamBody(
  input: Pick<GenerateInput, 'dialect' | 'body' | 'model' | 'stream'>,
  inbound: Dialect,
  upstream: Dialect,
  route: Route,
  provider: Provider,
): { body: Record<string, unknown>; ir?: IRRequest; toolNamespaces?: string[] } {
  // Replayed thinking of another provider must be unwrapped or dropped by the codecs, not passed on.
  if (inbound.name === upstream.name && !route.reasoning && !carriesWrappedSignature(input.body)) {
    const body = { ...input.body }
    upstream.setModel(body, route.model)
    return { body }
  }
  const ir = inbound.decodeRequest(input.body, { model: input.model, stream: input.stream })
  ir.model = route.model
  ir.stream = input.stream
  if (route.reasoning) ir.reasoning = { ...ir.reasoning, ...route.reasoning }
  const namespaces = upstream.supportsToolNamespaces ? [] : flattenToolNamespaces(ir)
  const body = upstream.encodeRequest(ir, { provider: provider.id, model: route.model })
  return namespaces.length > 0 ? { body, ir, toolNamespaces: namespaces } : { body, ir }
}

export async function generate(input: GenerateInput): Promise<Response> {
  const ctx = contextOf(input.request)
  const config = ctx.config.config
  const inbound = dialects[input.dialect]
  const { route, provider } = routeFor(input.model, config, input.store.accounts)
  const creds = credentialsOrThrow(provider, config, input.store.accounts)
  const ordered = credentialOrder(provider.id, creds, config.providers[provider.id]?.routing ?? 'round_robin')
  // The first credential picks the upstream dialect; only credentials that speak it are tried.
  const upstream = dialects[provider.dialectFor(input.dialect, ordered[0])]
  const order = ordered.filter((c) => provider.dialectFor(input.dialect, c) === upstream.name)
  const shaped = upstreamBody(input, inbound, upstream, route, provider)
  let body = applyPayloadRules(shaped.body, route.model, config.payload)
  // Metering needs the usage of every stream; only clients that asked for it see it.
  const clientWantsUsage = inbound.clientWantsStreamUsage(input.body)
  if (input.stream) body = upstream.askStreamUsage(body)

  // Each attempt but the last may fail over to the next credential; the last one always answers.
  let refreshedAfter401 = false
  for (let i = 0; i < order.length; i++) {
    const last = i === order.length - 1
    let credential = order[i]!
    if (credential.kind === 'oauth') {
      try {
        const secret = await freshSecret(input.tokens, provider.id, credential.label)
        // A refresh may have changed the login's facts too (Copilot: the API base of the new token).
        const stored = input.store.accounts.get(provider.id, credential.label)
        const extra = stored ? loginExtra(stored.token) : credential.extra
        credential = { ...credential, secret, ...(extra ? { extra } : {}) }
      } catch (e) {
        if (!last) {
          ctx.log.warn(
            { provider: provider.id, account: credential.label, reason: (e as Error).message },
            'account unusable; trying the next credential',
          )
          continue
        }
        throw e
      }
    }
    const meter = new UsageMeter(
      {
        requestId: ctx.id,
        provider: provider.id,
        account: credential.label,
        model: route.model,
        dialect: input.dialect,
        stream: input.stream,
        start: ctx.start,
      },
      input.store,
    )
    const prep = provider.prepare({
      dialect: upstream.name,
      model: route.model,
      stream: input.stream,
      body,
      credential,
      inbound: input.request.headers,
      config,
    })
    let handle: UpstreamCallHandle
    try {
      handle = await fetchUpstream(prep, {
        clientSignal: input.request.signal,
        stream: input.stream,
        timeouts: config.timeouts,
        slots: ctx.upstream,
        queueMs: config.server.upstream_queue_ms,
      })
    } catch (e) {
      if (e instanceof ClientGone) {
        meter.finish(499)
        return new Response(null, { status: 499 })
      }
      // a transport error's text may hold the URL it called
      const info =
        e instanceof HttpError
          ? new Redactor(ctx.config.secrets, credential.secret).info({ ...e.info, status: e.status })
          : undefined
      if (info && info.status === 502) {
        ctx.log.warn(
          {
            provider: provider.id,
            account: credential.label,
            reason: info.message,
            detail: loggedDetail(e, new Redactor(ctx.config.secrets, credential.secret)),
          },
          last ? 'upstream call failed' : 'upstream failed; trying the next credential',
        )
        if (!last) continue
      }
      meter.finish(info?.status ?? 502)
      throw info ? new HttpError(info.kind, info.message, info) : e
    }
    const res = handle.response
    // A subscription token the upstream no longer takes: refresh it once and try the same account again.
    if (res.status === 401 && credential.kind === 'oauth' && input.tokens && !refreshedAfter401) {
      refreshedAfter401 = true
      await res.body?.cancel().catch(() => {})
      handle.done()
      try {
        await input.tokens.refresh(provider.id, credential.label)
        i--
        continue
      } catch (e) {
        if (!last) continue
        // the upstream was asked and refused: the request keeps its one usage record
        const failure = authFailure(e)
        meter.finish(failure.status)
        throw failure
      }
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '')
      handle.done()
      // upstreams quote the key they got (`Invalid API key: sk-…`); masked once decoded, so
      // JSON escapes (`\u2026`, `\/`) cannot hide an echo
      const info = new Redactor(ctx.config.secrets, credential.secret).info(
        mapUpstreamError(upstream, res.status, text, res.headers, `${provider.id} (${credential.label})`),
      )
      const headers = forwardedHeaders(res.headers)
      ctx.log.warn({ provider: provider.id, account: credential.label, status: res.status }, 'upstream error')
      if (isRetryableStatus(res.status) && !last) continue
      meter.finish(info.status ?? res.status)
      return errorResponse(input.dialect, info, Object.fromEntries(headers))
    }
    const provenance = { dialect: upstream.name, provider: provider.id, model: route.model }
    const toolNamespaces = shaped.toolNamespaces
    const redact = new Redactor(ctx.config.secrets, credential.secret)
    if (!input.stream && prep.stream)
      return respondCollected(handle, inbound, upstream, meter, provenance, toolNamespaces, redact)
    if (!input.stream)
      return respondJson(handle, inbound, upstream, meter, provenance, toolNamespaces, redact)
    const headers = forwardedHeaders(res.headers, new Headers(SSE_HEADERS))
    if (inbound.name === upstream.name && !shaped.ir) {
      return respondPassthrough(
        handle,
        inbound,
        meter,
        ctx,
        config,
        redact,
        headers,
        clientWantsUsage,
        input.request.signal,
      )
    }
    const estimate = inbound.streamNeedsInputTokens && shaped.ir ? roughRequestTokens(shaped.ir) : undefined
    return respondTranslated(
      handle,
      inbound,
      upstream,
      meter,
      ctx,
      config,
      redact,
      headers,
      input.request.signal,
      {
        includeUsage: clientWantsUsage,
        provenance,
        toolNamespaces,
        ...(estimate === undefined ? {} : { estimatedInputTokens: estimate }),
      },
    )
  }
  // credentialsOrThrow guarantees at least one attempt, and the last attempt always returns
  throw new HttpError('api_error', 'No upstream attempt was made', { status: 502 })
}

/** A fresh access token for a subscription account, or the error the client should see. */
export async function freshSecret(
  tokens: TokenManager | undefined,
  provider: string,
  accountId: string,
): Promise<string> {
  if (!tokens)
    throw new HttpError('authentication', `No token manager for subscription account '${accountId}'`, {
      status: 401,
    })
  try {
    return await tokens.getFresh(provider, accountId)
  } catch (e) {
    throw authFailure(e)
  }
}

/** Login and refresh failures as client errors: 401 naming the login command, or 503 while refresh backs off. */
function authFailure(e: unknown): HttpError {
  if (e instanceof NeedsLoginError)
    return new HttpError('authentication', e.message, { status: 401, code: 'needs_login' })
  if (e instanceof RefreshFailedError) {
    return new HttpError('overloaded', e.message, {
      status: 503,
      code: 'refresh_failed',
      retryAfter: Math.max(1, Math.ceil((e.retryAt - Date.now()) / 1000)),
    })
  }
  return new HttpError(
    'authentication',
    `Refreshing the subscription token failed: ${(e as Error).message}`,
    { status: 401 },
  )
}

async function respondJson(
  handle: UpstreamCallHandle,
  inbound: Dialect,
  upstream: Dialect,
  meter: UsageMeter,
  provenance: { dialect: DialectName; provider: string; model: string },
  toolNamespaces: string[] | undefined,
  redact: Redactor,
): Promise<Response> {
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
  if (inbound.name === upstream.name) {
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
async function respondCollected(
  handle: UpstreamCallHandle,
  inbound: Dialect,
  upstream: Dialect,
  meter: UsageMeter,
  provenance: { dialect: DialectName; provider: string; model: string },
  toolNamespaces: string[] | undefined,
  redact: Redactor,
): Promise<Response> {
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

/** The stream error event of a dialect, as bytes, for a passthrough stream that broke. */
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
function loggedDetail(e: unknown, redact: Redactor): string | undefined {
  const detail = failureDetail(e)
  return detail === undefined ? undefined : redact.text(detail)
}

/** Why a stream or a body read failed, in words fit for the client (a network error's text may hold a URL). */
function breakInfo(handle: UpstreamCallHandle, e: unknown, redact: Redactor): ErrorInfo {
  const cut = handle.cutReason
  if (cut instanceof UpstreamTimeout)
    return { kind: 'timeout', message: `Upstream timeout: ${cut.message}`, status: 504 }
  const detail = redact.text(readFailure(e))
  return { kind: 'api_error', message: `Upstream stream broke off: ${detail}`, status: 502 }
}

/**
 * A same-dialect stream, byte for byte. Its bytes are not searched for credentials: the upstream
 * took the credential (it answered 200), so an echo would need an in-stream error quoting the key
 * it just accepted, while a search would cost every chunk of every stream (a native `indexOf`
 * of one key in a 143-byte event: ~250 ns, measured with Bun 1.4.4) and would have to keep chunk
 * seams for a key cut in two. What byokey itself writes into the stream (the error when it
 * breaks) is redacted.
 */
function respondPassthrough(
  handle: UpstreamCallHandle,
  dialect: Dialect,
  meter: UsageMeter,
  ctx: RequestContext,
  config: Config,
  redact: Redactor,
  headers: Headers,
  clientWantsUsage: boolean,
  clientSignal: AbortSignal,
): Response {
  const tap = passthroughTap(dialect, (ev) => meter.observe(ev), { dropUsageChunk: !clientWantsUsage })
  const reader = handle.response.body!.getReader() as unknown as BunReader
  let watch: IdleWatchdog | undefined
  const finish = (status: number) => {
    watch?.stop()
    handle.done()
    tap.drain()
    meter.finish(status)
  }
  const body = new ReadableStream({
    type: 'direct',
    async pull(controller) {
      watch = idleWatchdog(handle, config.timeouts.idle_ms)
      try {
        for (;;) {
          let batch = reader.readMany()
          if (batch instanceof Promise) batch = await upstreamBatch(batch, controller, watch)
          if (clientSignal.aborted) return finish(499)
          if (batch.done) {
            finish(200)
            controller.close()
            return
          }
          meter.firstByte()
          for (const chunk of batch.value) {
            const pending = controller.write(tap.push(chunk))
            // the client reads slower than the upstream writes: wait for it rather than buffer
            if (pending instanceof Promise) await pending
          }
        }
      } catch (e) {
        if (clientSignal.aborted) return finish(499)
        const info = breakInfo(handle, e, redact)
        ctx.log.warn(
          { reason: info.message, detail: loggedDetail(e, redact) },
          'upstream stream failed mid-way',
        )
        meter.observe({ type: 'error', error: info })
        controller.write(streamErrorText(dialect, info))
        finish(200)
        controller.close()
      }
    },
    // Bun cancels the stream when the client goes away, so no abort listener is needed here.
    cancel(reason) {
      finish(499)
      return reader.cancel(reason)
    },
  })
  return new Response(body, { status: 200, headers })
}

function respondTranslated(
  handle: UpstreamCallHandle,
  inbound: Dialect,
  upstream: Dialect,
  meter: UsageMeter,
  ctx: RequestContext,
  config: Config,
  redact: Redactor,
  headers: Headers,
  clientSignal: AbortSignal,
  encodeOpts: Parameters<Dialect['encodeStream']>[0],
): Response {
  const decode = upstream.decodeStreamCore({ provenance: encodeOpts?.provenance })
  const encode = inbound.encodeStreamCore(encodeOpts)
  let watch: IdleWatchdog | undefined
  const finish = (status: number) => {
    watch?.stop()
    handle.done()
    meter.finish(status)
  }
  const fail = (e: unknown): StreamEvent => {
    const info = breakInfo(handle, e, redact)
    ctx.log.warn({ reason: info.message, detail: loggedDetail(e, redact) }, 'upstream stream failed mid-way')
    return { type: 'error', error: info }
  }
  // One pass per network read: decode, meter and encode run as plain calls inside a single
  // direct stream, instead of a stream hop per chunk for each of the three stages.
  const reader = handle.response.body!.getReader() as unknown as BunReader
  const body = new ReadableStream({
    type: 'direct',
    async pull(controller) {
      watch = idleWatchdog(handle, config.timeouts.idle_ms)
      // What one network read produced goes out as one write.
      let out = ''
      const write = (s: string) => {
        out += s
      }
      /** Sends what was written; a promise when the client is behind and must be waited for. */
      const send = (): Promise<number> | undefined => {
        if (!out) return undefined
        const pending = controller.write(out)
        out = ''
        return pending instanceof Promise ? pending : undefined
      }
      const onEvent = (ev: StreamEvent) => {
        // an upstream's in-stream error may quote the credential, like its error answers
        const out = ev.type === 'error' ? { type: ev.type, error: redact.info(ev.error) } : ev
        meter.observe(out)
        encode.push(out, write)
      }
      // Bun holds the status and headers back until the body's first byte: without this the
      // client would wait for the first translated event, forever behind an upstream that only
      // sends keep-alives. An empty line is no event to an SSE reader.
      controller.write('\n')
      try {
        for (;;) {
          let batch = reader.readMany()
          if (batch instanceof Promise) batch = await upstreamBatch(batch, controller, watch)
          if (clientSignal.aborted) return finish(499)
          if (batch.done) {
            decode.end(onEvent)
            encode.end(write)
            send()
            break
          }
          meter.firstByte()
          for (const chunk of batch.value) decode.push(chunk, onEvent)
          const pending = send()
          if (pending) await pending
        }
      } catch (e) {
        if (clientSignal.aborted) return finish(499)
        onEvent(fail(e))
        encode.end(write)
        send()
      }
      finish(200)
      controller.close()
    },
    cancel(reason) {
      finish(499)
      return reader.cancel(reason)
    },
  })
  return new Response(body, { status: 200, headers })
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

interface ReadMany {
  done: boolean
  value: Uint8Array[]
}

/** Bun's reader extension: every chunk already queued, in one call (without a promise when there is some). */
interface BunReader {
  readMany(): Promise<ReadMany> | ReadMany
  cancel(reason?: unknown): Promise<void>
}
