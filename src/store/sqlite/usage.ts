/**
 * Usage records, written off the request path: `record` only queues; a timer hands the queue to
 * the writer thread (`usage-writer.ts`), which writes it in one transaction (≈1M rows/s versus
 * ≈70k/s for single inserts) without holding up the event loop. `flush` waits until everything
 * queued is written, so shutdown loses nothing. Should the thread be unavailable, the same
 * inserts run here instead.
 *
 * The timer starts with the first row of a batch, so no row waits longer than `flushMs` before
 * the thread commits it: that is all a kill -9 can lose. Posting each row to the thread instead
 * cost ≈10 µs more CPU per row (every message wakes the thread); a batch every 50 ms costs no
 * more than one every 250 ms.
 */
import type { Database } from 'bun:sqlite'
import type { UsageRecord, UsageStore, UsageTotals } from '../types.ts'
import { recordOfRow, type UsageRow } from '../usage-rows.ts'
import { usageInserter } from './usage-insert.ts'
import { usageReporter } from './usage-report.ts'
import type { WriterMessage, WriterReply } from './usage-writer.ts'

/** Largest queue before it is handed over without waiting for the timer. */
const MAX_QUEUE = 1000
/** How long `flush` waits for the writer thread before writing what is left itself. */
const FLUSH_WAIT_MS = 10_000

/** The writer thread and what was sent to it, until it says the batch is done. */
class WriterThread {
  readonly #worker: Worker
  readonly #done = new Int32Array(new SharedArrayBuffer(4))
  #seq = 0
  readonly #sent: { seq: number; rows: UsageRecord[] }[] = []
  #broken = false

  /**
   * `writeHere` takes what the thread could not write; `onBroken` hears once that the thread
   * failed, after which its unwritten batches are written here.
   */
  constructor(
    path: string,
    script: string,
    writeHere: (rows: UsageRecord[]) => void,
    onBroken: (err: Error) => void,
  ) {
    this.#worker = new Worker(script)
    this.#worker.unref()
    this.#worker.addEventListener('message', (e: MessageEvent<WriterReply>) => writeHere(e.data.rows))
    this.#worker.addEventListener('error', (e: ErrorEvent) => {
      if (this.#broken) return
      this.#broken = true
      onBroken(new Error(e.message))
      writeHere(this.drain())
    })
    this.#post({ open: path, done: this.#done.buffer as SharedArrayBuffer })
  }

  get usable(): boolean {
    return !this.#broken
  }

  /** Rows sent but not yet written. */
  get inFlight(): number {
    this.#forgetDone()
    return this.#sent.reduce((n, b) => n + b.rows.length, 0)
  }

  send(rows: UsageRecord[]): void {
    this.#forgetDone()
    const seq = ++this.#seq
    this.#sent.push({ seq, rows })
    this.#post({ seq, rows: JSON.stringify(rows) })
  }

  /** Waits until everything sent is written; returns what the thread did not get to. */
  drain(): UsageRecord[] {
    const deadline = performance.now() + FLUSH_WAIT_MS
    for (;;) {
      const done = Atomics.load(this.#done, 0)
      if (done >= this.#seq || this.#broken) break
      const left = deadline - performance.now()
      if (left <= 0) break
      Atomics.wait(this.#done, 0, done, Math.min(left, 100))
    }
    this.#forgetDone()
    const left = this.#sent.flatMap((b) => b.rows)
    this.#sent.length = 0
    return left
  }

  stop(): void {
    this.#worker.terminate()
  }

  #post(m: WriterMessage): void {
    this.#worker.postMessage(m)
  }

  #forgetDone(): void {
    const done = Atomics.load(this.#done, 0)
    while (this.#sent.length > 0 && this.#sent[0]!.seq <= done) this.#sent.shift()
  }
}

export interface UsageWriterOptions {
  /** The database file, for the writer thread's own connection; without it rows are written here. */
  path?: string
  /** The writer thread failed; usage is written on the main thread from then on. */
  onWriterError?: (err: Error) => void
  /** The thread's script (tests give one that fails); `usage-writer.ts` otherwise. */
  writerScript?: string
}

/**
 * The thread's script. The compiled binary embeds it as an entry point of its own (scripts/build.ts),
 * named by its path under src/, which a worker's specifier is resolved against; its split chunks
 * lie flat, so `import.meta.url` no longer says where this file was.
 */
const WRITER_SCRIPT = Bun.isStandaloneExecutable
  ? './store/sqlite/usage-writer.ts'
  : new URL('./usage-writer.ts', import.meta.url).href

export function sqliteUsage(
  db: Database,
  flushMs: number,
  opts: UsageWriterOptions = {},
): UsageStore & { stop(): void } {
  const report = usageReporter(db)
  const writeHere = usageInserter(db)
  // Started on first use: a store that never records (most CLI commands) never starts a thread.
  let writer: WriterThread | undefined
  const thread = (): WriterThread | undefined => {
    if (!opts.path || opts.path === ':memory:') return undefined
    writer ??= new WriterThread(opts.path, opts.writerScript ?? WRITER_SCRIPT, writeHere, (err) =>
      opts.onWriterError?.(err),
    )
    return writer.usable ? writer : undefined
  }
  const recent = db.query<UsageRow, { n: number }>(
    'SELECT * FROM usage_records WHERE failed_over = 0 ORDER BY ts DESC, id DESC LIMIT $n',
  )
  const recentAttempts = db.query<UsageRow, { n: number }>(
    'SELECT * FROM usage_records ORDER BY ts DESC, id DESC LIMIT $n',
  )
  const totals = db.query<UsageTotals, { since: number }>(
    `SELECT provider, model, COUNT(*) AS requests, SUM(input_tokens) AS inputTokens, SUM(output_tokens) AS outputTokens,
       SUM(cache_read_tokens) AS cacheReadTokens, SUM(cache_write_tokens) AS cacheWriteTokens,
       SUM(reasoning_tokens) AS reasoningTokens, SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors
     FROM usage_records WHERE ts >= $since AND failed_over = 0 GROUP BY provider, model ORDER BY provider, model`,
  )
  const spendByKey = db.query<{ key_id: string; usd: number }, { since: number }>(
    `SELECT key_id, SUM(cost_usd) AS usd FROM usage_records
     WHERE key_id IS NOT NULL AND cost_usd IS NOT NULL AND ts >= $since GROUP BY key_id`,
  )

  let queue: UsageRecord[] = []
  let timer: ReturnType<typeof setTimeout> | undefined

  /** Hands the queue to the writer thread (or writes it here without one). */
  const handOver = () => {
    clearTimeout(timer)
    timer = undefined
    if (queue.length === 0) return
    const rows = queue
    queue = []
    const t = thread()
    if (t) t.send(rows)
    else writeHere(rows)
  }

  const flush = () => {
    handOver()
    // what the thread could not write (it failed or stopped) is written here
    if (writer) {
      const left = writer.drain()
      if (left.length > 0) writeHere(left)
    }
  }

  return {
    record(rec) {
      queue.push(rec)
      if (queue.length >= MAX_QUEUE) handOver()
      else if (!timer) {
        timer = setTimeout(handOver, flushMs)
        timer.unref?.()
      }
    },
    // SQLite answers synchronously; the interface is async for backends across a network
    flush: async () => flush(),
    get pending() {
      return queue.length + (writer?.inFlight ?? 0)
    },
    // nothing waits for a backend that is away: rows are written to a local file
    dropped: 0,
    recent: async (limit, opts) =>
      (opts?.failedOver ? recentAttempts : recent).all({ n: limit }).map(recordOfRow),
    totals: async (sinceMs = 0) => totals.all({ since: sinceMs }),
    report: async (q) => report(q),
    spendByKey: async (sinceMs) => new Map(spendByKey.all({ since: sinceMs }).map((r) => [r.key_id, r.usd])),
    stop() {
      flush()
      writer?.stop()
    },
  }
}
