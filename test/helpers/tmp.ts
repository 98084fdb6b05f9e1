/** Temporary folders for tests: real files, removed when the test is done (`using dir = tempDir()`). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TempDir {
  path: string
  join(...parts: string[]): string
  [Symbol.dispose](): void
}

export function tempDir(prefix = 'byokey-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return {
    path,
    join: (...parts) => join(path, ...parts),
    [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }),
  }
}

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  ms = 2000,
  every = 10,
): Promise<NonNullable<T>> {
  const until = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v) return v as NonNullable<T>
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`)
    await Bun.sleep(every)
  }
}
