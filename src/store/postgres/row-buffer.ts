/**
 * Usage rows waiting for PostgreSQL, oldest first, in chunks so that taking a batch from the
 * front, putting a failed one back and dropping the oldest beyond the bound cost no copying of
 * the whole buffer (an array's `shift` would, on every row, while the database is away).
 */
import type { UsageRecord } from '../types.ts'

const CHUNK = 1000

export class RowBuffer {
  #chunks: UsageRecord[][] = []
  /** Rows of the first chunk already dropped. */
  #head = 0
  #size = 0

  get size(): number {
    return this.#size
  }

  push(row: UsageRecord): void {
    const last = this.#chunks[this.#chunks.length - 1]
    if (last && last.length < CHUNK) last.push(row)
    else this.#chunks.push([row])
    this.#size++
  }

  /** Takes up to one chunk from the front (at most `CHUNK` rows). */
  take(): UsageRecord[] {
    const first = this.#chunks.shift()
    if (!first) return []
    const rows = this.#head === 0 ? first : first.slice(this.#head)
    this.#head = 0
    this.#size -= rows.length
    return rows
  }

  /** Puts rows taken and not written back at the front, where they were. */
  putBack(rows: UsageRecord[]): void {
    if (rows.length === 0) return
    if (this.#head > 0) {
      this.#chunks[0] = this.#chunks[0]!.slice(this.#head)
      this.#head = 0
    }
    this.#chunks.unshift(rows)
    this.#size += rows.length
  }

  /** Drops the `n` oldest rows. */
  dropOldest(n: number): void {
    let left = Math.min(n, this.#size)
    this.#size -= left
    while (left > 0) {
      const first = this.#chunks[0]!
      const inFirst = first.length - this.#head
      if (left >= inFirst) {
        this.#chunks.shift()
        this.#head = 0
        left -= inFirst
      } else {
        this.#head += left
        left = 0
      }
    }
  }
}
