/**
 * The management API, `/admin/v1/…`: JSON for a UI or a script. Who may call it is settled
 * before a request gets here (`gate.ts`). Errors come in the one envelope of the non-dialect
 * routes (OpenAI's shape); no answer carries a token, a key or a digest, apart from the new
 * gateway key `POST /keys` and `/keys/{id}/rotate` hand out once.
 */
import { Elysia } from 'elysia'
import { credentialFacts, providersOverview } from '../../accounts/overview.ts'
import type { ConfigRef } from '../../config/snapshot.ts'
import { HttpError } from '../../gateway/http-error.ts'
import type { Logger } from '../../log.ts'
import type { GatewayKey, Store, UsageDimension, UsageRecord } from '../../store/types.ts'
import { USAGE_DIMENSIONS } from '../../store/types.ts'
import { periodEnd, periodStart } from '../key-budgets.ts'
import type { GatewayNotices } from '../notices.ts'
import { decodePathSegment } from '../routes/path-segment.ts'
import { processStatus } from '../status.ts'
import { LoginSessions } from './logins.ts'
import {
  KeyCreateBody,
  LoginCodeBody,
  LoginStartBody,
  RequestsQueryString,
  UsageQueryString,
} from './schemas.ts'

export interface AdminDeps {
  config: ConfigRef
  store: Store
  log: Logger
  version: string
  logins: LoginSessions
  /** Tells the other instances what changed here (none: this instance is alone). */
  notices?: GatewayNotices
}

const DAY_MS = 86_400_000

/** `2026-12-01T00:00:00Z` or `1764547200000` → Unix ms; `fallback` when absent. */
function timeParam(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw)
  if (!Number.isFinite(ms)) {
    throw new HttpError('invalid_request', `${name} must be an ISO 8601 time or Unix ms`, { param: name })
  }
  return ms
}

function dimensionsParam(raw: string | undefined): UsageDimension[] {
  if (raw === undefined || raw === '') return []
  const dims = raw.split(',').map((d) => d.trim())
  for (const d of dims) {
    if (!(USAGE_DIMENSIONS as readonly string[]).includes(d)) {
      throw new HttpError(
        'invalid_request',
        `group_by: '${d.slice(0, 40)}' is not one of ${USAGE_DIMENSIONS.join(', ')}`,
        {
          param: 'group_by',
        },
      )
    }
  }
  if (dims.length > 2 || new Set(dims).size !== dims.length) {
    throw new HttpError('invalid_request', 'group_by takes at most two different dimensions', {
      param: 'group_by',
    })
  }
  return dims as UsageDimension[]
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString())

/** A usage row as the API shows it: no body was ever stored, so none can be shown. */
function requestJson(r: UsageRecord) {
  return {
    ts: iso(r.ts),
    request_id: r.requestId ?? null,
    provider: r.provider,
    account: r.account ?? null,
    key_id: r.keyId ?? null,
    model: r.model,
    dialect: r.dialect,
    status: r.status,
    stream: r.stream,
    latency_ms: r.latencyMs,
    ttfb_ms: r.ttfbMs ?? null,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cache_read_tokens: r.cacheReadTokens,
    cache_write_tokens: r.cacheWriteTokens,
    reasoning_tokens: r.reasoningTokens,
    cost_usd: r.cost?.total ?? null,
  }
}

/** A gateway key as listed: its shown prefix, limits, and what it spent; never its secret or digest. */
function keyJson(
  k: GatewayKey,
  spend: { day: Map<string, number>; month: Map<string, number> },
  now: number,
) {
  const period = k.budgetPeriod
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    models: k.models ?? null,
    rpm: k.rpm ?? null,
    budget_usd: k.budgetUsd ?? null,
    period: period ?? null,
    expires_at: iso(k.expiresAt),
    created_at: iso(k.createdAt),
    rotated_at: iso(k.rotatedAt),
    revoked_at: iso(k.revokedAt),
    spend_today_usd: spend.day.get(k.id) ?? 0,
    spend_month_usd: spend.month.get(k.id) ?? 0,
    spend_period_usd: period ? ((period === 'day' ? spend.day : spend.month).get(k.id) ?? 0) : null,
    budget_resets_at: period ? iso(periodEnd(period, now)) : null,
  }
}

function noSuch(what: string, id: string): HttpError {
  return new HttpError('not_found', `No ${what} '${id.slice(0, 200)}'`, { code: 'not_found' })
}

export function adminRoutes(deps: AdminDeps) {
  const { store, config } = deps
  const spendNow = async (now: number) => {
    // what is queued counts too
    await store.usage.flush()
    const [day, month] = await Promise.all([
      store.usage.spendByKey(periodStart('day', now)),
      store.usage.spendByKey(periodStart('month', now)),
    ])
    return { day, month }
  }
  return new Elysia({ prefix: '/admin/v1' })
    .get('/status', () => ({
      ...processStatus(deps.version, config.current),
      database: store.ping() ? 'open' : 'closed',
    }))
    .post('/reload', () => {
      const r = deps.notices ? deps.notices.reload() : config.reload()
      if (r.error) {
        throw new HttpError(
          'invalid_request',
          `The config was not reloaded, the previous one stays live: ${r.error}`,
          {
            status: 422,
            code: 'config_invalid',
          },
        )
      }
      return { changed: r.changed, config_version: r.version }
    })
    .get('/accounts', () => ({ providers: providersOverview(credentialFacts(store)) }))
    .post('/accounts/:provider/:account/activate', ({ params }) => {
      const provider = decodePathSegment(params.provider)
      const account = decodePathSegment(params.account)
      if (!store.accounts.setActive(provider, account)) throw noSuch(`${provider} account`, account)
      deps.notices?.accountsChanged(provider)
      return { provider, active: account }
    })
    .delete('/accounts/:provider/:account', ({ params }) => {
      const provider = decodePathSegment(params.provider)
      const account = decodePathSegment(params.account)
      if (!store.accounts.remove(provider, account)) throw noSuch(`${provider} account`, account)
      store.cooldowns.clear(provider, account)
      deps.notices?.accountsChanged(provider)
      return { provider, removed: account, active: store.accounts.active(provider)?.accountId ?? null }
    })
    .get('/logins', () => ({ providers: LoginSessions.providers }))
    .post(
      '/logins',
      ({ body, set }) => {
        const wanted = {
          ...(body.account !== undefined ? { account: body.account } : {}),
          ...(body.label !== undefined ? { label: body.label } : {}),
        }
        set.status = 202
        return deps.logins.start(body.provider, config.current, wanted)
      },
      { body: LoginStartBody },
    )
    .get('/logins/:id', ({ params }) => deps.logins.get(params.id))
    .post('/logins/:id/code', ({ params, body }) => deps.logins.paste(params.id, body.code), {
      body: LoginCodeBody,
    })
    .delete('/logins/:id', ({ params }) => deps.logins.cancel(params.id))
    .get(
      '/usage',
      async ({ query }) => {
        const now = Date.now()
        const toMs = timeParam(query.to, 'to', now)
        const fromMs = timeParam(query.from, 'from', toMs - 30 * DAY_MS)
        if (fromMs > toMs) throw new HttpError('invalid_request', 'from is after to', { param: 'from' })
        const groupBy = dimensionsParam(query.group_by)
        await store.usage.flush()
        const report = await store.usage.report({ fromMs, toMs, groupBy })
        return { from: iso(fromMs), to: iso(toMs), group_by: groupBy, ...report }
      },
      { query: UsageQueryString },
    )
    .get(
      '/requests',
      async ({ query }) => {
        const limit = Math.min(1000, Math.max(1, Number(query.limit ?? 50)))
        await store.usage.flush()
        return { requests: (await store.usage.recent(limit)).map(requestJson) }
      },
      { query: RequestsQueryString },
    )
    .get('/keys', async () => {
      const now = Date.now()
      const spend = await spendNow(now)
      return { keys: store.keys.list().map((k) => keyJson(k, spend, now)) }
    })
    .post(
      '/keys',
      async ({ body, set }) => {
        if ((body.budget_usd === undefined) !== (body.period === undefined)) {
          throw new HttpError('invalid_request', 'budget_usd and period go together', { param: 'period' })
        }
        const expiresAt = body.expires_at === undefined ? undefined : Date.parse(body.expires_at)
        if (expiresAt !== undefined && !Number.isFinite(expiresAt)) {
          throw new HttpError('invalid_request', 'expires_at must be an ISO 8601 time', {
            param: 'expires_at',
          })
        }
        const issued = store.keys.create({
          name: body.name,
          ...(body.models ? { models: body.models } : {}),
          ...(body.rpm !== undefined ? { rpm: body.rpm } : {}),
          ...(body.budget_usd !== undefined ? { budgetUsd: body.budget_usd } : {}),
          ...(body.period !== undefined ? { budgetPeriod: body.period } : {}),
          ...(expiresAt !== undefined ? { expiresAt } : {}),
        })
        deps.log.info({ keyId: issued.key.id }, 'gateway key created through the management API')
        deps.notices?.keysChanged()
        set.status = 201
        const now = Date.now()
        return { key: keyJson(issued.key, await spendNow(now), now), secret: issued.secret }
      },
      { body: KeyCreateBody },
    )
    .post('/keys/:id/rotate', async ({ params }) => {
      const issued = store.keys.rotate(params.id)
      if (!issued) throw noSuch('gateway key', params.id)
      deps.log.info({ keyId: issued.key.id }, 'gateway key rotated through the management API')
      deps.notices?.keysChanged()
      const now = Date.now()
      return { key: keyJson(issued.key, await spendNow(now), now), secret: issued.secret }
    })
    .delete('/keys/:id', async ({ params }) => {
      if (!store.keys.revoke(params.id)) throw noSuch('gateway key', params.id)
      deps.log.info({ keyId: params.id }, 'gateway key revoked through the management API')
      deps.notices?.keysChanged()
      const now = Date.now()
      const k = store.keys.get(params.id)
      return { key: k ? keyJson(k, await spendNow(now), now) : null }
    })
}
