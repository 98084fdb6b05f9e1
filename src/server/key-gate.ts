/**
 * Gateway keys on the request path. Once any key exists (a revoked one too: revoking every key
 * must not open the gateway), every inference and model-list request needs one, sent the way its
 * client sends keys: `Authorization: Bearer`, `x-api-key` (Anthropic), `x-goog-api-key` or
 * `?key=` (Gemini). The key is hashed once and looked up in a table rebuilt only when the store's
 * key version moves (read at most once a second, and after this process's own writes); the digest
 * found is compared again in constant time. Refusals name the key
 * (its name, never its secret or digest) and say what to do.
 *
 * A key's `rpm` is counted in this process while coordination is not shared (synchronously: no
 * promise per request), and across every instance while it is (`admit('rpm:<key id>')`).
 */
import { timingSafeEqual } from 'node:crypto'
import { SlidingWindows } from '../coordination/sliding-windows.ts'
import type { Coordination } from '../coordination/types.ts'
import type { ErrorInfo } from '../dialects/ir.ts'
import { HttpError } from '../gateway/http-error.ts'
import { matchesAnyGlob } from '../routing/glob.ts'
import { keyDigest } from '../store/key-secret.ts'
import type { GatewayKey, KeyStore } from '../store/types.ts'
import { ampRouteOf } from './amp/paths.ts'
import { isLoopbackBind } from './browser-guard.ts'
import { type KeyBudgets, periodEnd } from './key-budgets.ts'
import { queryParam } from './request-url.ts'

/** Answers a refused request gets besides its envelope: budgets are not worth an SDK's automatic retry. */
export interface Refusal {
  info: ErrorInfo
  headers?: Record<string, string>
}

/**
 * Requests that need a key when keys are in use: the inference and model-list endpoints, and
 * Amp's API (`/api/…`, `/v0/management/…`: its model calls are served here, the rest goes to Amp
 * with byokey's Amp credential). Amp's login redirects need none: a browser follows them.
 */
export function needsGatewayKey(method: string, path: string): boolean {
  if (path.startsWith('/v1/') || path.startsWith('/v1beta/'))
    return ampRouteOf(method, path)?.kind !== 'redirect'
  return path.startsWith('/api/') || path.startsWith('/v0/management/')
}

/** The key as the client sent it, from the first of the places clients put one. */
export function presentedKey(req: Request): string | undefined {
  const auth = req.headers.get('authorization')
  if (auth !== null && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ')
    return auth.slice(7).trim()
  return (
    req.headers.get('x-api-key') ??
    req.headers.get('x-goog-api-key') ??
    (req.url.includes('?') ? queryParam(req.url, 'key') : null) ??
    undefined
  )
}

/** Whether `key` may use `model` (as the client named it). */
export function keyAllowsModel(key: GatewayKey | undefined, model: string): boolean {
  return !key?.models || matchesAnyGlob(key.models, model)
}

/** Throws the 403 of a model outside the key's globs. */
export function requireModel(key: GatewayKey | undefined, model: string): void {
  if (!key || keyAllowsModel(key, model)) return
  throw new HttpError(
    'permission',
    `Gateway key '${key.name}' may not use model '${model.slice(0, 200)}'; GET /v1/models lists the models it may use`,
    { code: 'model_not_allowed' },
  )
}

/**
 * Why the gateway must not start on `host`: listening beyond loopback with no gateway key would
 * let anyone who reaches the port spend the accounts behind it. Undefined when it may start.
 */
export function openBindRefusal(host: string, keysInUse: boolean): string | undefined {
  if (keysInUse || isLoopbackBind(host)) return undefined
  return `refusing to listen on ${host} without gateway keys: anyone who can reach the port could use your accounts. Create one first with 'byokey keys create --name NAME' (clients then send it as Authorization: Bearer, x-api-key, x-goog-api-key or ?key=), or start with --insecure-no-auth to run open on purpose`
}

const HOW_TO_SEND =
  'send a gateway key as Authorization: Bearer, x-api-key, x-goog-api-key or ?key= (byokey keys create makes one)'

/** Dollars to the cent, and small amounts to three significant digits (`$0.0105`). */
const usd = (n: number) => `$${n >= 1 || n === 0 ? n.toFixed(2) : String(Number(n.toPrecision(3)))}`

/**
 * How often the store's key version is read (a query, ≈5 µs): keys made or revoked by another
 * process (`byokey keys …` beside the server) count within this; this process's own at once.
 */
const RECHECK_MS = 1000
/** A key's `rpm` counts over a sliding minute. */
const MINUTE_MS = 60_000

/** A request's key (none while keys are not in use), or why it is refused. */
export type Admitted = { key: GatewayKey | undefined } | { refused: Refusal }

export class KeyGate {
  #version = -1
  #writes = -1
  #recheckAt = 0
  #byDigest = new Map<string, { digest: Buffer; key: GatewayKey }>()
  #inUse = false
  readonly #rates = new SlidingWindows()

  constructor(
    private readonly keys: KeyStore,
    private readonly budgets: KeyBudgets,
    private readonly now: () => number = Date.now,
    private readonly coordination?: Pick<Coordination, 'shared' | 'admit'>,
  ) {}

  /** Reads the keys again on the next request (another instance changed them). */
  reread(): void {
    this.#recheckAt = 0
  }

  /** Whether keys are in use (one was ever made): then requests need one. */
  get inUse(): boolean {
    this.#refresh()
    return this.#inUse
  }

  /**
   * The key of a request to a path that needs one (undefined when keys are not in use), or why it
   * is refused. An admitted request counts toward its key's requests per minute.
   */
  admit(req: Request): Admitted | Promise<Admitted> {
    this.#refresh()
    if (!this.#inUse) return { key: undefined }
    const secret = presentedKey(req)
    if (!secret) return refuse({ kind: 'authentication', message: `Missing gateway key: ${HOW_TO_SEND}` })
    const digest = keyDigest(secret)
    const found = this.#byDigest.get(digest)
    if (!found || !timingSafeEqual(found.digest, Buffer.from(digest, 'hex'))) {
      return refuse({ kind: 'authentication', message: `Invalid gateway key: ${HOW_TO_SEND}` })
    }
    const { key } = found
    const now = this.now()
    if (key.revokedAt !== undefined) {
      return refuse({ kind: 'authentication', message: `Gateway key '${key.name}' was revoked` })
    }
    if (key.expiresAt !== undefined && now >= key.expiresAt) {
      return refuse({
        kind: 'authentication',
        message: `Gateway key '${key.name}' expired at ${new Date(key.expiresAt).toISOString()}`,
      })
    }
    if (key.budgetUsd !== undefined && key.budgetPeriod !== undefined) {
      const spent = this.budgets.spent(key.id, key.budgetPeriod, now)
      if (spent >= key.budgetUsd) {
        const resets = periodEnd(key.budgetPeriod, now)
        return refuse(
          {
            kind: 'rate_limit',
            code: 'budget_exceeded',
            message: `Gateway key '${key.name}' has used its budget of ${usd(key.budgetUsd)} per ${key.budgetPeriod} (spent ${usd(spent)}); it resets at ${new Date(resets).toISOString()}`,
            retryAfter: Math.ceil((resets - now) / 1000),
          },
          { 'x-should-retry': 'false' },
        )
      }
    }
    if (key.rpm !== undefined) {
      if (this.coordination?.shared) return this.#admitShared(key, key.rpm, this.coordination)
      const taken = this.#rates.take(key.id, key.rpm, MINUTE_MS, now)
      if (!taken.ok) return overRpm(key, key.rpm, taken.waitMs)
    }
    return { key }
  }

  async #admitShared(
    key: GatewayKey,
    rpm: number,
    coordination: Pick<Coordination, 'admit'>,
  ): Promise<Admitted> {
    const taken = await coordination.admit(`rpm:${key.id}`, rpm, MINUTE_MS)
    return taken.ok ? { key } : overRpm(key, rpm, taken.waitMs)
  }

  #refresh(): void {
    const now = performance.now()
    if (this.keys.writes === this.#writes && now < this.#recheckAt) return
    this.#recheckAt = now + RECHECK_MS
    this.#writes = this.keys.writes
    const version = this.keys.version()
    if (version === this.#version) return
    const table = new Map<string, { digest: Buffer; key: GatewayKey }>()
    for (const { digest, key } of this.keys.digests())
      table.set(digest, { digest: Buffer.from(digest, 'hex'), key })
    this.#byDigest = table
    this.#inUse = table.size > 0
    this.#rates.keepOnly(new Set([...table.values()].map((e) => e.key.id)))
    this.#version = version
  }
}

function overRpm(key: GatewayKey, rpm: number, waitMs: number): { refused: Refusal } {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000))
  return refuse({
    kind: 'rate_limit',
    message: `Gateway key '${key.name}' is over its limit of ${rpm} requests per minute; retry in ${seconds} s`,
    retryAfter: seconds,
  })
}

function refuse(info: ErrorInfo, headers?: Record<string, string>): { refused: Refusal } {
  return { refused: headers ? { info, headers } : { info } }
}
