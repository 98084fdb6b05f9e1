/**
 * Coordination on Redis, shared by every instance that points at the same server and prefix.
 *
 * - Locks: `SET key token NX PX lease`; released only by the holder (a script compares the token)
 *   which also announces the release, so `waitFree` wakes at once (and polls, in case it missed it).
 * - Windows and slots: sorted sets changed by one script each, one round trip per call.
 * - Totals: `INCRBYFLOAT` and `PEXPIREAT`; the first add seeds the total with `SET NX`.
 * - Notices: JSON on one channel, carrying the sender's id so it ignores its own; heard on a
 *   second connection, as Redis requires of a subscriber.
 *
 * Loss: a failed call, a closed connection, calls left unanswered for longer than the call
 * timeout (one watchdog checks, rather than a timer per call) or a failed heartbeat drops both
 * connections. From then on every call is answered by an embedded `LocalCoordination` (no
 * request waits on a dead server) while a background loop reconnects with a bounded backoff.
 * `onSharedChange` hears each change once.
 */
import { randomBytes } from 'node:crypto'
import { RedisClient } from 'bun'
import { LocalCoordination } from '../local.ts'
import type { Admission, Coordination, Lease, Notice, SlotLease } from '../types.ts'
import { Wakeups } from '../wakeups.ts'
import { ADD_TO, ADMIT, RELEASE_LOCK, RENEW_SLOT, type Script, TAKE_SLOT } from './scripts.ts'

export interface RedisCoordinationOptions {
  /** `redis://…` or `rediss://…`; may carry a password: never logged. */
  url: string
  /** Keys and the channel start `byokey:<prefix>:` (just `byokey:` without one). */
  prefix?: string
  /** Names this instance in its notices; random when not given. */
  instanceId?: string
  /** How long one call may take before Redis counts as lost. */
  callTimeoutMs?: number
  /** Backoff of the reconnect loop: first wait, then doubled up to the max. */
  reconnectFirstMs?: number
  reconnectMaxMs?: number
  /** How often an idle connection is checked. */
  heartbeatMs?: number
}

const DEFAULTS = { callTimeoutMs: 1000, reconnectFirstMs: 100, reconnectMaxMs: 2000, heartbeatMs: 2000 }
/**
 * A link that lasted less than this before it was lost was no recovery: the next reconnect waits
 * longer, so a Redis that takes connections but fails every call (out of memory, say) is not
 * retried, and logged as lost and back, more than once per `reconnectMaxMs`.
 */
const STABLE_LINK_MS = 10_000
/** How often `waitFree` looks at a held lock, in case a release notice was missed. */
const WAIT_POLL_MS = 250

/** What a call answers when Redis is not there: the caller then asks the local coordination. */
const LOST: unique symbol = Symbol('lost')
type Lost = typeof LOST

interface Link {
  cmd: RedisClient
  sub: RedisClient
  /** Calls sent on `cmd` and not answered yet. */
  pending: number
  /** When Redis last answered a call, or when one was sent while none was pending (performance.now()). */
  answeredAt: number
  /** When the last pending call was answered. */
  idleSince: number
  /** When it was established. */
  connectedAt: number
}

/** A message on the channel: a notice for the others, or a lock's release for every waiter. */
interface Message {
  from: string
  notice?: Notice
  released?: string
}

export class RedisCoordination implements Coordination {
  readonly kind = 'redis' as const

  readonly #url: string
  readonly #id: string
  readonly #base: string
  readonly #channel: string
  readonly #timing: typeof DEFAULTS
  readonly #local = new LocalCoordination()
  readonly #noticeListeners = new Set<(notice: Notice) => void>()
  readonly #sharedListeners = new Set<(shared: boolean) => void>()
  /** Who waits in `waitFree`, by lock name: woken by a release notice or by losing Redis. */
  readonly #releaseWaiters = new Wakeups()
  /** First adds of a total being seeded here, so one instance reads the store once. */
  readonly #seeding = new Map<string, Promise<number>>()
  #link: Link | undefined
  #backoffMs: number
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined
  #watchdog: ReturnType<typeof setInterval> | undefined
  #seq = 0
  #closed = false

  constructor(opts: RedisCoordinationOptions) {
    this.#url = opts.url
    // short: it is part of every window and slot member
    this.#id = opts.instanceId ?? randomBytes(6).toString('base64url')
    this.#base = opts.prefix ? `byokey:${opts.prefix}:` : 'byokey:'
    this.#channel = `${this.#base}notices`
    this.#timing = {
      callTimeoutMs: opts.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
      reconnectFirstMs: opts.reconnectFirstMs ?? DEFAULTS.reconnectFirstMs,
      reconnectMaxMs: opts.reconnectMaxMs ?? DEFAULTS.reconnectMaxMs,
      heartbeatMs: opts.heartbeatMs ?? DEFAULTS.heartbeatMs,
    }
    this.#backoffMs = this.#timing.reconnectFirstMs
  }

  get shared(): boolean {
    return this.#link !== undefined
  }

  /** Connects once; when Redis cannot be reached, starts unshared and keeps trying in the background. */
  async start(): Promise<void> {
    if (!(await this.#connect())) this.#scheduleReconnect()
    this.#watchdog = setInterval(() => this.#watch(), Math.max(10, this.#timing.callTimeoutMs / 4))
    this.#watchdog.unref()
  }

  async tryLock(name: string, leaseMs: number): Promise<Lease | undefined> {
    const key = `${this.#base}lock:${name}`
    const token = this.#token()
    const set = await this.#call((cmd) => cmd.send('SET', [key, token, 'NX', 'PX', ms(leaseMs)]))
    if (set === LOST) return this.#local.tryLock(name, leaseMs)
    if (set === null) return undefined
    const released = JSON.stringify({ from: this.#id, released: name } satisfies Message)
    return {
      release: async () => {
        // lost meanwhile: the lease ends on its own
        await this.#call((cmd) => this.#eval(cmd, RELEASE_LOCK, key, [token, this.#channel, released]))
      },
    }
  }

  async waitFree(name: string, maxMs: number): Promise<void> {
    const key = `${this.#base}lock:${name}`
    const deadline = Date.now() + maxMs
    for (;;) {
      const ttl = await this.#call((cmd) => cmd.send('PTTL', [key]))
      const left = deadline - Date.now()
      if (ttl === LOST) return this.#local.waitFree(name, Math.max(0, left))
      // -2: no such lock; -1: a key without a lease, which no holder of ours leaves
      if (typeof ttl !== 'number' || ttl < 0 || left <= 0) return
      await this.#releaseWaiters.wait(name, Math.max(1, Math.min(ttl, left, WAIT_POLL_MS)))
    }
  }

  async admit(name: string, limit: number, windowMs: number): Promise<Admission> {
    const key = `${this.#base}window:${name}`
    const answer = await this.#call((cmd) =>
      this.#eval(cmd, ADMIT, key, [String(limit), ms(windowMs), this.#token()]),
    )
    if (answer === LOST) return this.#local.admit(name, limit, windowMs)
    const [admitted, waitMs] = answer as [number, number]
    return admitted === 1 ? { ok: true } : { ok: false, waitMs: Math.max(1, waitMs) }
  }

  async trySlot(name: string, capacity: number, leaseMs: number): Promise<SlotLease | undefined> {
    const key = `${this.#base}slots:${name}`
    const member = this.#token()
    const taken = await this.#call((cmd) =>
      this.#eval(cmd, TAKE_SLOT, key, [String(capacity), ms(leaseMs), member]),
    )
    if (taken === LOST) return this.#local.trySlot(name, capacity, leaseMs)
    if (taken !== 1) return undefined
    return {
      release: async () => {
        await this.#call((cmd) => cmd.send('ZREM', [key, member]))
      },
      renew: async (leaseMs) =>
        (await this.#call((cmd) => this.#eval(cmd, RENEW_SLOT, key, [ms(leaseMs), member]))) === 1,
    }
  }

  async addTo(
    name: string,
    amount: number,
    expireAtMs: number,
    seed: () => Promise<number>,
  ): Promise<number> {
    const key = `${this.#base}total:${name}`
    const at = ms(expireAtMs)
    let start = 0
    // twice at most: a total seeded by this or another instance is there the second time, unless
    // it expired at once (an expiry already past), and then it counts for this call alone
    for (let attempt = 0; attempt < 2; attempt++) {
      const added = await this.#call((cmd) => this.#eval(cmd, ADD_TO, key, [String(amount), at]))
      if (added === LOST) return this.#local.addTo(name, amount, expireAtMs, seed)
      if (added !== null) return Number(added)
      start = await this.#seedOnce(name, seed)
      const set = await this.#call((cmd) => cmd.send('SET', [key, String(start), 'NX', 'PXAT', at]))
      if (set === LOST) return this.#local.addTo(name, amount, expireAtMs, async () => start)
    }
    return start + amount
  }

  async total(name: string): Promise<number | undefined> {
    const value = await this.#call((cmd) => cmd.send('GET', [`${this.#base}total:${name}`]))
    if (value === LOST) return this.#local.total(name)
    return value === null ? undefined : Number(value)
  }

  publish(notice: Notice): void {
    if (!this.#link) return
    const message = JSON.stringify({ from: this.#id, notice } satisfies Message)
    void this.#call((cmd) => cmd.send('PUBLISH', [this.#channel, message]))
  }

  onNotice(listener: (notice: Notice) => void): () => void {
    this.#noticeListeners.add(listener)
    return () => this.#noticeListeners.delete(listener)
  }

  onSharedChange(listener: (shared: boolean) => void): () => void {
    this.#sharedListeners.add(listener)
    return () => this.#sharedListeners.delete(listener)
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#reconnectTimer)
    clearInterval(this.#watchdog)
    const link = this.#link
    this.#link = undefined
    if (link) closeLink(link)
    this.#releaseWaiters.wakeAll()
    await this.#local.close()
  }

  /** Runs one command on the shared connection, or answers LOST (and drops it) when Redis fails. */
  async #call<T>(run: (cmd: RedisClient) => Promise<T>): Promise<T | Lost> {
    const link = this.#link
    if (!link) return LOST
    if (link.pending++ === 0) link.answeredAt = performance.now()
    try {
      const answer = await run(link.cmd)
      link.answeredAt = performance.now()
      return answer
    } catch {
      if (this.#link === link) this.#lose()
      return LOST
    } finally {
      if (--link.pending === 0) link.idleSince = performance.now()
    }
  }

  /**
   * Loses a link whose calls wait longer than the call timeout with no answer (closing it ends
   * them: they answer LOST); pings one that has been idle for a heartbeat.
   */
  #watch(): void {
    const link = this.#link
    if (!link) return
    const now = performance.now()
    if (link.pending > 0) {
      if (now - link.answeredAt > this.#timing.callTimeoutMs) this.#lose()
    } else if (now - link.idleSince > this.#timing.heartbeatMs) {
      link.idleSince = now
      void this.#call((cmd) => cmd.send('PING', []))
    }
  }

  async #eval(cmd: RedisClient, script: Script, key: string, args: string[]): Promise<unknown> {
    try {
      return await cmd.send('EVALSHA', [script.sha, '1', key, ...args])
    } catch (err) {
      // a server that has not seen the script yet (new, or restarted): send it whole once
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
      return cmd.send('EVAL', [script.source, '1', key, ...args])
    }
  }

  async #connect(): Promise<boolean> {
    const options = {
      autoReconnect: false, // reconnecting is ours: calls meanwhile go local instead of queueing
      enableOfflineQueue: false,
      connectionTimeout: this.#timing.callTimeoutMs,
    }
    const link: Link = {
      cmd: new RedisClient(this.#url, options),
      sub: new RedisClient(this.#url, options),
      pending: 0,
      answeredAt: 0,
      idleSince: 0,
      connectedAt: 0,
    }
    const dropped = () => {
      if (this.#link === link) this.#lose()
    }
    link.cmd.onclose = dropped
    link.sub.onclose = dropped
    try {
      const timeout = this.#timing.callTimeoutMs
      await withTimeout(Promise.all([link.cmd.connect(), link.sub.connect()]), timeout)
      await withTimeout(
        link.sub.subscribe(this.#channel, (message) => this.#heard(message)),
        timeout,
      )
    } catch {
      closeLink(link)
      return false
    }
    if (this.#closed) {
      closeLink(link)
      return false
    }
    link.connectedAt = link.idleSince = performance.now()
    this.#link = link
    return true
  }

  #lose(): void {
    const link = this.#link
    if (!link) return
    this.#link = undefined
    closeLink(link)
    const { reconnectFirstMs: first, reconnectMaxMs: max } = this.#timing
    this.#backoffMs =
      performance.now() - link.connectedAt >= STABLE_LINK_MS ? first : Math.min(this.#backoffMs * 2, max)
    this.#releaseWaiters.wakeAll() // waiters go on locally
    this.#emitShared(false)
    this.#scheduleReconnect()
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return
    this.#reconnectTimer = setTimeout(async () => {
      if (await this.#connect()) {
        this.#reconnectTimer = undefined
        this.#emitShared(true)
        return
      }
      this.#reconnectTimer = undefined
      this.#backoffMs = Math.min(this.#backoffMs * 2, this.#timing.reconnectMaxMs)
      this.#scheduleReconnect()
    }, this.#backoffMs)
    this.#reconnectTimer.unref()
  }

  #emitShared(shared: boolean): void {
    for (const listener of [...this.#sharedListeners]) listener(shared)
  }

  #heard(raw: string): void {
    let message: Message
    try {
      message = JSON.parse(raw) as Message
    } catch {
      return // not ours
    }
    if (typeof message.released === 'string') {
      this.#releaseWaiters.wake(message.released)
      return
    }
    if (message.from === this.#id || typeof message.notice?.kind !== 'string') return
    for (const listener of [...this.#noticeListeners]) listener(message.notice)
  }

  #seedOnce(name: string, seed: () => Promise<number>): Promise<number> {
    let seeding = this.#seeding.get(name)
    if (!seeding) {
      seeding = seed().finally(() => this.#seeding.delete(name))
      this.#seeding.set(name, seeding)
    }
    return seeding
  }

  /** Unique across instances: a lock's token, a window's or a slot's member. */
  #token(): string {
    return `${this.#id}:${++this.#seq}`
  }
}

/** Whole milliseconds, at least one (Redis refuses a zero or fractional lease). */
function ms(value: number): string {
  return String(Math.max(1, Math.ceil(value)))
}

function closeLink(link: Link): void {
  for (const client of [link.cmd, link.sub]) {
    client.onclose = null
    try {
      client.close()
    } catch {
      // closed already
    }
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}
