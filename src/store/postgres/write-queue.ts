/**
 * Writes to the mirrored tables, in the order this process made them, one at a time. The mirror
 * has already changed when a write is queued; the queue only carries it to PostgreSQL. A write
 * that fails because the database is unreachable stays at the head and is retried (backing off
 * to `MAX_RETRY_MS`); one the database refuses (a constraint, another instance's write won) is
 * dropped, reported, and its table reloaded so the mirror shows what the database holds.
 */
import type { SQL } from 'bun'
import type { MirroredTable } from './migrations.ts'

const FIRST_RETRY_MS = 100
const MAX_RETRY_MS = 2000

/** SQLSTATE classes that mean "not now" rather than "never": connection, resources, shutdown, conflicts. */
const TRANSIENT_SQLSTATE = /^(08|53|57P|40001|40P01)/

/** Whether an error of Bun.SQL means the database is away (try again) rather than that it refused. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const { code, errno } = err as Error & { code?: unknown; errno?: unknown }
  if (typeof code !== 'string') return false
  if (code === 'ERR_POSTGRES_SERVER_ERROR') return typeof errno === 'string' && TRANSIENT_SQLSTATE.test(errno)
  // Bun's own errors (connection closed, timeouts) and socket errors (ECONNREFUSED…)
  return code.startsWith('ERR_POSTGRES_') || /^E[A-Z]+$/.test(code)
}

export interface QueuedWrite {
  table: MirroredTable
  run(sql: SQL): Promise<unknown>
}

interface Waiter {
  resolve(): void
  reject(err: Error): void
}

export class WriteQueue {
  readonly #ops: QueuedWrite[] = []
  #running = false
  #waiters: Waiter[] = []
  #retryMs = FIRST_RETRY_MS
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #stopped = false
  /** Writes ever queued, per table: a reload of a table that began before one is stale when it ends. */
  readonly #queuedBy = new Map<MirroredTable, number>()

  constructor(
    private readonly sql: SQL,
    /** A write the database refused: the mirror of `table` must be reloaded. */
    private readonly onRefused: (table: MirroredTable, err: unknown) => void,
  ) {}

  get length(): number {
    return this.#ops.length
  }

  /** Writes to `table` ever queued. */
  queuedFor(table: MirroredTable): number {
    return this.#queuedBy.get(table) ?? 0
  }

  /** Writes to `table` not yet in the database. */
  pendingFor(table: MirroredTable): number {
    return this.#ops.reduce((n, op) => (op.table === table ? n + 1 : n), 0)
  }

  push(op: QueuedWrite): void {
    this.#ops.push(op)
    this.#queuedBy.set(op.table, this.queuedFor(op.table) + 1)
    void this.#drain()
  }

  /**
   * Resolves when every write queued so far is in the database; rejects when the database is
   * unreachable (the writes stay queued and go on being retried).
   */
  settled(): Promise<void> {
    if (this.#ops.length === 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject })
      // a retry waiting on its timer: try now for whoever waits
      if (this.#retryTimer) {
        clearTimeout(this.#retryTimer)
        this.#retryTimer = undefined
        void this.#drain()
      }
    })
  }

  /** No more retries; what is left stays unwritten. */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    this.#settle(
      new Error(`${this.#ops.length} writes not saved: the store closed with PostgreSQL unreachable`),
    )
  }

  async #drain(): Promise<void> {
    if (this.#running || this.#stopped) return
    this.#running = true
    try {
      while (this.#ops.length > 0 && !this.#stopped) {
        const op = this.#ops[0]!
        try {
          await op.run(this.sql)
          this.#ops.shift()
          this.#retryMs = FIRST_RETRY_MS
        } catch (err) {
          if (isTransient(err)) {
            this.#settle(new Error(`PostgreSQL is unreachable: ${(err as Error).message}`))
            this.#retryTimer = setTimeout(() => {
              this.#retryTimer = undefined
              void this.#drain()
            }, this.#retryMs)
            this.#retryTimer.unref?.()
            this.#retryMs = Math.min(MAX_RETRY_MS, this.#retryMs * 2)
            return
          }
          this.#ops.shift()
          this.onRefused(op.table, err)
        }
      }
      this.#settle()
    } finally {
      this.#running = false
    }
  }

  #settle(err?: Error): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) err ? w.reject(err) : w.resolve()
  }
}
