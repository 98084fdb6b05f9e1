/**
 * The middle stage of a request: the plan's credentials tried in order until one answers. Each
 * attempt but the last may fail over to the next credential (a transport failure, a retryable
 * status, an account that cannot be used); the last one always answers the client. A
 * subscription token the upstream no longer takes is refreshed once and the same account tried
 * again (`TokenManager.withRefreshOn401`).
 */
import { failedWith, isRetryable, type Outcome, upstreamWaitSeconds } from '../accounts/index.ts'
import { type ErrorInfo, STATUS_OF_KIND } from '../dialects/ir.ts'
import {
  AccountUnavailableError,
  NeedsLoginError,
  RefreshFailedError,
  type TokenManager,
} from '../oauth/index.ts'
import { loginExtra } from '../providers/shared/api-keys.ts'
import type { Credential } from '../providers/types.ts'
import { AccountBusy, releaseWhenDone, takeAccountSlot } from './account-slot.ts'
import { type GaveUp, noticeDeadAnswer, noticeDeadStreamError, unavailableInfo } from './dead-accounts.ts'
import type { Attempt, Exchange } from './exchange.ts'
import { fetchAcrossHosts } from './fallback-hosts.ts'
import { holdFirstContent } from './first-content.ts'
import { errorResponse, HttpError } from './http-error.ts'
import { Redactor } from './redact-errors.ts'
import { breakInfo, loggedDetail, respond } from './respond.ts'
import { forwardedHeaders } from './response-headers.ts'
import { mapUpstreamError } from './upstream-errors.ts'
import { ClientGone, fetchUpstream } from './upstream-fetch.ts'
import { UsageMeter } from './usage-meter.ts'

/** The attempt did not answer the client: try the next credential. */
const NEXT = Symbol('next credential')

/** One upstream call: it answered (any status), or it failed before an answer. */
type Call =
  | { answered: Attempt }
  | { answered?: undefined; failure: unknown; credential: Credential; meter: UsageMeter; redact: Redactor }

/**
 * The plan's credentials tried in order. Resolves to `undefined` only when the exchange's chain
 * has a further step and every credential failed over (their errors kept in the chain).
 */
export function attempts(ex: Exchange & { chain?: undefined }): Promise<Response>
export function attempts(ex: Exchange): Promise<Response | undefined>
export async function attempts(ex: Exchange): Promise<Response | undefined> {
  const { credentials } = ex.plan
  const { chain } = ex
  const before = chain?.attempts ?? 0
  for (let i = 0; i < credentials.length; i++) {
    const last = i === credentials.length - 1 && !chain?.more
    const credential = credentials[i]!
    const attempt = before + i + 1
    const c =
      credential.kind === 'oauth'
        ? await subscriptionCall(ex, credential, last, attempt)
        : await call(ex, credential, attempt, last)
    if (c === NEXT) continue
    // an answer that goes out is settled without another promise; only error answers are read
    const settled = settle(ex, c, last)
    const answer = settled instanceof Promise ? await settled : settled
    if (answer !== NEXT) return answer
  }
  if (chain?.more) {
    chain.attempts = before + credentials.length
    return undefined
  }
  // the plan holds at least one credential, and the last attempt always answers
  throw new HttpError('api_error', 'No upstream attempt was made', { status: 502 })
}

/** A call with a subscription account's fresh token, refreshed once if the upstream refuses it. */
async function subscriptionCall(
  ex: Exchange,
  credential: Credential,
  last: boolean,
  attempt: number,
): Promise<Call | typeof NEXT> {
  const { provider } = ex.plan
  let latest: Call | undefined
  try {
    if (!ex.tokens) throw noTokenManager(credential.label)
    return await ex.tokens.withRefreshOn401(
      provider.id,
      credential.label,
      async (secret) => {
        latest = undefined
        latest = await setupAndCall(ex, credential, secret, attempt, last)
        return latest
      },
      {
        isUnauthorized: (c) => c.answered?.handle.response.status === 401,
        discard: async (c) => {
          await c.answered?.handle.response.body?.cancel().catch(() => {})
          c.answered?.handle.done()
        },
      },
    )
  } catch (e) {
    const failure = authFailure(e)
    if (latest === undefined) {
      // no token to send: the account cannot be used now
      if (last) throw failure
      keep(ex, failure.info)
      ex.ctx.log.warn(
        { provider: provider.id, account: credential.label, reason: failure.message },
        'account unusable; trying the next credential',
      )
      return NEXT
    }
    // the upstream was asked and refused: the attempt keeps its usage record
    const { meter } = latest.answered ?? latest
    if (!last) {
      meter.failedOver(failure.status)
      keep(ex, failure.info)
      return NEXT
    }
    meter.finish(failure.status)
    throw failure
  }
}

/**
 * A subscription call, after the provider's login setup (`Provider.loginSetup`) made sure the
 * account has what calls need; an answer saying it went stale drops it, sets it up again and
 * calls once more (the stale answer leaves no usage row, like a 401 before a refresh).
 */
async function setupAndCall(
  ex: Exchange,
  credential: Credential,
  secret: string,
  attempt: number,
  last: boolean,
): Promise<Call> {
  const setup = ex.plan.provider.loginSetup
  if (!setup) return call(ex, subscription(ex, credential, secret), attempt, last)
  await ensureSetup(ex, credential.label, secret)
  const first = await call(ex, subscription(ex, credential, secret), attempt, last)
  const res = first.answered?.handle.response
  // only error answers are read twice (cloned), and a 401 is the token's business first
  if (!res || res.ok || res.status === 401) return first
  const text = await res
    .clone()
    .text()
    .catch(() => '')
  if (!setup.stale(ex.config, res.status, text)) return first
  await res.body?.cancel().catch(() => {})
  first.answered!.handle.done()
  ex.ctx.log.warn(
    { provider: ex.plan.provider.id, account: credential.label, status: res.status },
    'stored login setup went stale; setting it up again',
  )
  setup.forget(ex.store.accounts, credential.label)
  await ensureSetup(ex, credential.label, secret)
  return call(ex, subscription(ex, credential, secret), attempt, last)
}

async function ensureSetup(ex: Exchange, accountId: string, secret: string): Promise<void> {
  const { provider } = ex.plan
  try {
    await provider.loginSetup!.ensure({
      config: ex.config,
      accounts: ex.store.accounts,
      accountId,
      accessToken: secret,
      signal: ex.request.signal,
    })
  } catch (e) {
    throw setupFailure(e, provider.id, accountId, new Redactor(ex.ctx.config.secrets, secret))
  }
}

/** A login setup's failure as the client's error; its 401 stays a 401 so the token is refreshed once. */
function setupFailure(e: unknown, provider: string, accountId: string, redact: Redactor): HttpError {
  const status = (e as { status?: unknown } | null)?.status
  const message = redact.text(`${provider} account '${accountId}': ${(e as Error).message ?? String(e)}`)
  if (status === 401) return new HttpError('authentication', message, { status: 401 })
  if (status === 403) return new HttpError('permission', message, { status: 403 })
  if (status === 429) return new HttpError('rate_limit', message, { status: 429 })
  return new HttpError('api_error', message, { status: 502 })
}

/** A subscription credential with a fresh token, and the login's facts as stored now (a refresh may change them: Copilot's API base). */
function subscription(ex: Exchange, credential: Credential, secret: string): Credential {
  const stored = ex.store.accounts.get(ex.plan.provider.id, credential.label)
  const extra = stored ? loginExtra(stored.token) : credential.extra
  return { ...credential, secret, ...(extra ? { extra } : {}) }
}

/** Sends the plan's body with `credential`; never throws. */
async function call(ex: Exchange, credential: Credential, attempt: number, last: boolean): Promise<Call> {
  const { ctx, config, plan } = ex
  const meter = new UsageMeter(
    {
      requestId: ctx.id,
      provider: plan.provider.id,
      account: credential.label,
      model: plan.route.model,
      dialect: plan.inbound.name,
      stream: ex.stream,
      start: ctx.start,
      attempt,
      ...(ctx.keyId === undefined ? {} : { keyId: ctx.keyId }),
    },
    ex.store,
    ctx.gateway.usage.for(config),
  )
  const prep = plan.provider.prepare({
    dialect: plan.upstream.name,
    model: plan.route.model,
    stream: ex.stream,
    body: plan.body,
    credential,
    inbound: ex.request.headers,
    config,
  })
  const redact = new Redactor(ctx.config.secrets, credential.secret)
  let releaseAccount: (() => void) | undefined
  try {
    releaseAccount = await takeAccountSlot(ex, credential, last)
    const options = {
      clientSignal: ex.request.signal,
      stream: ex.stream,
      timeouts: config.timeouts,
      slots: ctx.gateway.upstream,
      queueMs: config.server.upstream_queue_ms,
      proxy: credential.proxy,
    }
    const handle = await fetchAcrossHosts(
      prep,
      (p) => fetchUpstream(p, options),
      (url, why) =>
        ctx.log.warn(
          {
            provider: plan.provider.id,
            account: credential.label,
            host: new URL(url).origin,
            ...(typeof why === 'number' ? { status: why } : { reason: redact.text(why.message) }),
          },
          'upstream host failed; trying the fallback host',
        ),
    )
    if (releaseAccount) releaseWhenDone(handle, releaseAccount)
    ctx.gateway.quotas.capture(plan.provider, credential.label, handle.response.headers)
    return { answered: { credential, meter, redact, handle, upstreamStreams: prep.stream === true } }
  } catch (e) {
    releaseAccount?.()
    return { failure: e, credential, meter, redact }
  }
}

/** What one call means for the client: its answer, or the next credential. */
function settle(
  ex: Exchange,
  c: Call,
  last: boolean,
): Response | typeof NEXT | Promise<Response | typeof NEXT> {
  const { ctx, plan } = ex
  if (!c.answered) {
    const { failure: e, credential, meter, redact } = c
    if (e instanceof AccountBusy) {
      // never sent: no usage row, and a probe it held goes to the next request
      report(ex, credential.label, { kind: 'abandoned' })
      return NEXT
    }
    if (e instanceof ClientGone) {
      report(ex, credential.label, { kind: 'abandoned' })
      meter.finish(499)
      return new Response(null, { status: 499 })
    }
    // a transport error's text may hold the URL it called
    const info = e instanceof HttpError ? redact.info({ ...e.info, status: e.status }) : undefined
    // unreachable or silent past the timeout: the upstream's fault; byokey's own full queue is not
    const upstreamFault = info?.status === 502 || info?.status === 504
    report(
      ex,
      credential.label,
      upstreamFault ? { kind: 'failed', failure: 'upstream' } : { kind: 'abandoned' },
    )
    if (info && info.status === 502) {
      ctx.log.warn(
        {
          provider: plan.provider.id,
          account: credential.label,
          reason: info.message,
          detail: loggedDetail(e, redact),
        },
        last ? 'upstream call failed' : 'upstream failed; trying the next credential',
      )
      if (!last) {
        meter.failedOver(info.status)
        keep(ex, info)
        return NEXT
      }
    }
    meter.finish(info?.status ?? 502)
    throw info ? new HttpError(info.kind, info.message, info) : e
  }
  if (!c.answered.handle.response.ok) return refused(ex, c.answered, last)
  if (ex.stream && !last && ex.config.timeouts.first_content_ms > 0) return firstContent(ex, c.answered)
  report(ex, c.answered.credential.label, { kind: 'ok' })
  return respond(ex, c.answered)
}

/**
 * A stream that opened 200, held until its first content event: one that errs or ends before it
 * fails over like an error status (nothing reached the client yet); else it goes out, the chunks
 * read so far first. Only attempts with a next credential are held: the last one streams as it comes.
 */
async function firstContent(ex: Exchange, at: Attempt): Promise<Response | typeof NEXT> {
  const { ctx, plan, config } = ex
  const { handle, credential, meter, redact } = at
  const first = await holdFirstContent(
    handle.response.body!,
    plan.upstream,
    plan.provenance,
    config.timeouts.first_content_ms,
  )
  if (first.kind === 'content') {
    report(ex, credential.label, { kind: 'ok' })
    return respond(ex, at, first.held)
  }
  if (ex.request.signal.aborted) {
    await first.held.reader.cancel().catch(() => {})
    handle.done()
    report(ex, credential.label, { kind: 'abandoned' })
    meter.finish(499)
    return new Response(null, { status: 499 })
  }
  const info: ErrorInfo =
    first.kind === 'error'
      ? redact.info(first.error)
      : first.kind === 'broke'
        ? breakInfo(handle, first.failure, redact)
        : { kind: 'api_error', message: 'Upstream stream ended before any content', status: 502 }
  const status = info.status ?? STATUS_OF_KIND[info.kind]
  const dead = first.kind === 'error' ? noticeDeadStreamError(ex, credential, info) : undefined
  if (dead) {
    await first.held.reader.cancel().catch(() => {})
    handle.done()
    // only attempts with a next credential are held
    return gaveUp(ex, at, dead, false)
  }
  const outcome =
    first.kind === 'error'
      ? failedWith(status, info.code, info.retryAfter)
      : ({ kind: 'failed', failure: 'upstream' } as const)
  report(ex, credential.label, outcome)
  if (outcome.kind === 'failed' && !isRetryable(outcome.failure)) {
    // a client error is the client's answer, whichever account it went to: it goes out as it came
    return respond(ex, at, first.held)
  }
  ctx.log.warn(
    { provider: plan.provider.id, account: credential.label, status, reason: info.message },
    'upstream stream failed before its first content; trying the next credential',
  )
  await first.held.reader.cancel().catch(() => {})
  handle.done()
  meter.failedOver(status)
  keep(ex, { ...info, status })
  return NEXT
}

/** An upstream's error answer: the next credential, or the client's error in its own envelope. */
async function refused(ex: Exchange, at: Attempt, last: boolean): Promise<Response | typeof NEXT> {
  const { ctx, plan } = ex
  const { handle, credential, meter, redact } = at
  const res = handle.response
  const text = await res.text().catch(() => '')
  handle.done()
  // upstreams quote the key they got (`Invalid API key: sk-…`); masked once decoded, so
  // JSON escapes (`\u2026`, `\/`) cannot hide an echo
  const info = redact.info(
    mapUpstreamError(
      plan.upstream,
      res.status,
      text,
      res.headers,
      `${plan.provider.id} (${credential.label})`,
    ),
  )
  const headers = forwardedHeaders(res.headers)
  ctx.log.warn(
    { provider: plan.provider.id, account: credential.label, status: res.status },
    'upstream error',
  )
  const dead = noticeDeadAnswer(ex, credential, res.status, text, redact)
  if (dead) return gaveUp(ex, at, dead, last)
  const outcome = failedWith(res.status, info.code, upstreamWaitSeconds(res.headers, info.retryAfter))
  report(ex, credential.label, outcome)
  if (outcome.kind === 'failed' && isRetryable(outcome.failure) && !last) {
    meter.failedOver(info.status ?? res.status)
    keep(ex, { ...info, status: info.status ?? res.status }, Object.fromEntries(headers))
    return NEXT
  }
  meter.finish(info.status ?? res.status)
  return errorResponse(plan.inbound.name, info, Object.fromEntries(headers))
}

/**
 * An answer that means the account is done for: whatever its status, another credential may
 * serve (the account's fault, not the request's); on the last one the client gets the reason.
 */
function gaveUp(ex: Exchange, at: Attempt, dead: GaveUp, last: boolean): Response | typeof NEXT {
  const { credential, meter } = at
  const status = dead.info.status ?? 403
  // a key of the config stays the user's to remove: it rests as long as byokey lets any account
  report(
    ex,
    credential.label,
    dead.storedAccount ? { kind: 'abandoned' } : { kind: 'failed', failure: 'unavailable' },
  )
  if (!last) {
    meter.failedOver(status)
    keep(ex, dead.info)
    return NEXT
  }
  meter.finish(status)
  return errorResponse(ex.plan.inbound.name, dead.info)
}

/** Keeps the error of an attempt the request moved on from, for the chain's final answer. */
function keep(ex: Exchange, info: ErrorInfo, headers: Record<string, string> = {}): void {
  ex.chain?.failures.push({ info, headers })
}

/** Tells the accounts layer how an attempt went; a cooldown it starts is logged (and a capped upstream wait). */
function report(ex: Exchange, account: string, outcome: Outcome): void {
  const { ctx, config, plan } = ex
  const cooled = ctx.gateway.accounts.report(plan.provider.id, account, outcome, config, ex.session)
  if (!cooled) return
  const fields = {
    provider: plan.provider.id,
    account,
    reason: cooled.reason,
    seconds: cooled.seconds,
    until: new Date(cooled.untilMs).toISOString(),
    failures: cooled.failures,
  }
  if (cooled.cappedFrom !== undefined) {
    ctx.log.warn(
      { ...fields, asked_seconds: cooled.cappedFrom },
      'upstream asked for a longer wait than cooldown.max_seconds; capped',
    )
  }
  ctx.log.warn(fields, 'account cooling down')
}

/** A fresh access token for a subscription account, or the error the client should see. */
export async function freshSecret(
  tokens: TokenManager | undefined,
  provider: string,
  accountId: string,
): Promise<string> {
  if (!tokens) throw noTokenManager(accountId)
  try {
    return await tokens.getFresh(provider, accountId)
  } catch (e) {
    throw authFailure(e)
  }
}

function noTokenManager(accountId: string): HttpError {
  return new HttpError('authentication', `No token manager for subscription account '${accountId}'`, {
    status: 401,
  })
}

/** Login and refresh failures as client errors: 401 naming the login command, or 503 while refresh backs off. */
function authFailure(e: unknown): HttpError {
  if (e instanceof HttpError) return e
  if (e instanceof AccountUnavailableError) {
    const { kind, message, ...extra } = unavailableInfo(e.provider, e.accountId, e.reason)
    return new HttpError(kind, message, extra)
  }
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
