/** Per-request facts the whole request shares: its id, when it started, the config snapshot it reads. */
import type { ConfigSnapshot } from '../config/snapshot.ts'
import type { BodyScan } from '../gateway/exchange.ts'
import type { GatewayState } from '../gateway/gateway-state.ts'
import type { Logger } from '../log.ts'
import type { GatewayKey } from '../store/types.ts'

export interface RequestContext {
  id: string
  start: number
  /** The config snapshot for this request: read once, used throughout. */
  config: ConfigSnapshot
  /** A logger carrying the request id. */
  readonly log: Logger
  /** What the gateway keeps for every request: upstream slots, routes, round robin, providers. */
  readonly gateway: GatewayState
  /** The gateway key the request was admitted with; none when keys are not in use. */
  readonly key?: GatewayKey | undefined
  /** Its id, which usage rows carry. */
  readonly keyId?: string | undefined
  /** What the body reader saw while it checked the body (`readJsonLimited`). */
  readonly bodyScan?: BodyScan | undefined
}

/** The request context; its logger is made on first use (a pino child per request costs more than the rest of the hop). */
export class Context implements RequestContext {
  #log: Logger | undefined
  /** Set once the key gate admits the request. */
  key: GatewayKey | undefined = undefined
  /** Set by the body reader (`readJsonLimited`). */
  bodyScan: BodyScan | undefined = undefined
  constructor(
    readonly id: string,
    readonly start: number,
    readonly config: ConfigSnapshot,
    private readonly root: Logger,
    readonly gateway: GatewayState,
  ) {}
  get log(): Logger {
    this.#log ??= this.root.child({ reqId: this.id })
    return this.#log
  }
  get keyId(): string | undefined {
    return this.key?.id
  }
}

/**
 * Each request's context, set by the gateway's listener before the app sees the request and read
 * by the app's handlers. One per gateway, passed to its app.
 */
export class RequestContexts {
  readonly #byRequest = new WeakMap<Request, RequestContext>()

  set(req: Request, ctx: RequestContext): void {
    this.#byRequest.set(req, ctx)
  }

  of(req: Request): RequestContext {
    const ctx = this.#byRequest.get(req)
    if (!ctx) throw new Error('request context missing: request did not come through the server wrapper')
    return ctx
  }
}

const ID_OK = /^[A-Za-z0-9._:-]{1,128}$/

/** The client's x-request-id when it is sane, else a fresh one. */
export function requestIdFrom(headers: Headers): string {
  const given = headers.get('x-request-id')
  return given && ID_OK.test(given) ? given : `req_${crypto.randomUUID().replaceAll('-', '')}`
}
