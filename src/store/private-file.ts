/**
 * Files only this user may read: created mode 0600 (their folder 0700 when byokey makes it)
 * before anything writes to them, and an existing file with a looser mode tightened.
 */
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'

/** Makes `path` a private file; returns the looser mode it had when it had to be tightened. */
export function ensurePrivateFile(path: string): number | undefined {
  const dir = dirname(path)
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 })
  const fd = openSync(path, 'a', 0o600)
  let mode: number
  try {
    mode = fstatSync(fd).mode & 0o777
  } finally {
    closeSync(fd)
  }
  if (mode === 0o600) return undefined
  chmodSync(path, 0o600)
  return mode
}
