/** What each mirrored table gives the store: its name and a reload that reads now and applies later. */
import type { SQL } from 'bun'
import type { MirroredTable } from './migrations.ts'

export interface Mirror {
  readonly table: MirroredTable
  /**
   * Reads the table; the returned function puts what was read in place. Split so the store can
   * drop a read that a write of this process overtook while it ran.
   */
  load(sql: SQL): Promise<() => void>
}

/** A comparator over the keys in turn (strings and numbers), as SQL's `ORDER BY a, b, c`. */
export function sameOrder<T>(...keys: ((v: T) => string | number)[]): (a: T, b: T) => number {
  return (a, b) => {
    for (const key of keys) {
      const x = key(a)
      const y = key(b)
      if (x < y) return -1
      if (x > y) return 1
    }
    return 0
  }
}
