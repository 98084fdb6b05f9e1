/** The config a one-shot command (login, amp inject) reads once: `-c FILE`, else the usual path. */
import { resolve } from 'node:path'
import { ConfigError } from '../config/load.ts'
import { resolvePaths } from '../config/paths.ts'
import type { Config } from '../config/schema.ts'
import { ConfigRef } from '../config/snapshot.ts'

/**
 * The validated config; a named file must exist, the usual one may be absent (defaults). Warnings
 * and a config error are printed; undefined after an error (the command exits 1).
 */
export function readCommandConfig(file: string | undefined): Config | undefined {
  try {
    return new ConfigRef({
      file: file ? resolve(file) : resolvePaths().configFile,
      required: Boolean(file),
      onWarning: (w) => console.error(`byokey: ${w}`),
    }).current.config
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`byokey: config error: ${e.message}`)
      return undefined
    }
    throw e
  }
}
