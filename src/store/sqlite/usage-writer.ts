/**
 * The usage writer thread. Inserting rows (and SQLite's periodic WAL checkpoints) would
 * otherwise run on the event loop that serves every request; here they run beside it, on a
 * connection of their own to the same database file.
 *
 * Messages in: `{open, done}` once, then `{seq, rows}` batches. After each batch (written or
 * not) the thread stores its `seq` in `done`, which the main thread reads to know what is safe;
 * a batch that could not be written goes back as `{failed: seq, rows}`.
 */
import type { UsageRecord } from '../types.ts'
import { openDatabase } from './open.ts'
import { usageInserter } from './usage-insert.ts'

declare const self: Worker

/** `rows` is the batch as JSON text: one string crosses threads far cheaper than a thousand cloned objects. */
export type WriterMessage = { open: string; done: SharedArrayBuffer } | { seq: number; rows: string }
export type WriterReply = { failed: number; rows: UsageRecord[]; message: string }

// This module is the thread's script, so its top level is that thread's own scope: these two are
// the state of the one writer thread that runs it (each store starts its own), never shared with
// the main thread or with another store's writer. They are set by the `open` message.
let write: ((rows: UsageRecord[]) => void) | undefined
let done: Int32Array | undefined

self.onmessage = (e: MessageEvent<WriterMessage>) => {
  const m = e.data
  if ('open' in m) {
    write = usageInserter(openDatabase(m.open))
    done = new Int32Array(m.done)
    return
  }
  const rows = JSON.parse(m.rows) as UsageRecord[]
  try {
    write!(rows)
  } catch (err) {
    self.postMessage({ failed: m.seq, rows, message: (err as Error).message } satisfies WriterReply)
  }
  Atomics.store(done!, 0, m.seq)
  Atomics.notify(done!, 0)
}
