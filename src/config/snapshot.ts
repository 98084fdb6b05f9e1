/**
 * The one atomic config reference. A watcher on the config file's folder (editors save by
 * rename, which kills a watch on the file itself) debounces changes, parses and validates the
 * new text, and swaps the reference in one assignment. A bad edit is reported and the last good
 * snapshot stays live. Each request reads `current` once and keeps that snapshot throughout.
 */
import { existsSync, type FSWatcher, readFileSync, watch } from 'node:fs'
import { basename, dirname } from 'node:path'
import { ConfigError, defaultConfig, type Overrides, parseConfig } from './load.ts'
import type { Config } from './schema.ts'
import { configSecrets } from './secrets.ts'

export interface ConfigSnapshot {
  readonly config: Config
  /** Starts at 1 and grows by one per swap. */
  readonly version: number
  /** Hash of the file text the snapshot came from ('' for built-in defaults). */
  readonly hash: string
  readonly loadedAt: number
  /** The file it came from, when there is one. */
  readonly file?: string
  /**
   * Every credential this config holds or names in the environment, gathered once when the
   * snapshot is made: what error text must never carry to a client or a log.
   */
  readonly secrets: readonly string[]
}

export interface ReloadResult {
  changed: boolean
  version: number
  error?: string
}

export interface ConfigRefOptions {
  /** The config file; undefined or missing (when not `required`) means built-in defaults. */
  file?: string
  /** An explicit `--config` must exist. */
  required?: boolean
  overrides?: Overrides
  debounceMs?: number
  /** Fallback poll for filesystems whose events get lost (NFS, some overlays); 0 turns it off. */
  pollMs?: number
  onError?: (err: Error) => void
  onWarning?: (msg: string) => void
  onSwap?: (snap: ConfigSnapshot, prev: ConfigSnapshot) => void
}

export class ConfigRef {
  #current: ConfigSnapshot
  #watcher: FSWatcher | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #poll: ReturnType<typeof setInterval> | undefined
  readonly #opts: ConfigRefOptions

  /** Loads the initial config; throws `ConfigError` when it is invalid (startup must fail loudly). */
  constructor(opts: ConfigRefOptions) {
    this.#opts = opts
    const file = opts.file
    if (file && existsSync(file)) {
      const text = readFileSync(file, 'utf8')
      const loaded = parseConfig(text, file, opts.overrides)
      for (const w of loaded.warnings) opts.onWarning?.(w)
      if (loaded.blank) opts.onWarning?.(`${file}: the config file is empty: running on built-in defaults`)
      this.#current = snapshotOf(loaded.config, 1, hashOf(text), file)
    } else {
      if (file && opts.required) throw new ConfigError(file, undefined, undefined, 'config file not found')
      this.#current = snapshotOf(defaultConfig(opts.overrides), 1, '')
    }
  }

  /** The live snapshot. Read it once per request. */
  get current(): ConfigSnapshot {
    return this.#current
  }

  /** Watches the file's folder; a missing folder means nothing to watch. */
  watch(): this {
    const file = this.#opts.file
    if (!file || this.#watcher) return this
    const dir = dirname(file)
    const name = basename(file)
    if (existsSync(dir)) {
      this.#watcher = watch(dir, (_event, changed) => {
        // `..data` is how Kubernetes swaps a mounted ConfigMap; null when the platform omits names.
        if (changed === null || changed === name || changed.startsWith('..')) this.#schedule()
      })
      this.#watcher.on('error', (e) => this.#opts.onError?.(e))
    }
    const pollMs = this.#opts.pollMs ?? 5000
    if (pollMs > 0) {
      this.#poll = setInterval(() => this.#schedule(), pollMs)
      this.#poll.unref()
    }
    return this
  }

  close(): void {
    this.#watcher?.close()
    this.#watcher = undefined
    clearInterval(this.#poll)
    clearTimeout(this.#timer)
  }

  #schedule(): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => this.reload(), this.#opts.debounceMs ?? 150)
    this.#timer.unref?.()
  }

  /** Re-reads the file now; swaps only when the text changed and is valid. */
  reload(): ReloadResult {
    const file = this.#opts.file
    const prev = this.#current
    if (!file)
      return { changed: false, version: prev.version, error: 'no config file: running on built-in defaults' }
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (e) {
      const err = new ConfigError(file, undefined, undefined, `cannot read: ${(e as Error).message}`)
      this.#opts.onError?.(err)
      return { changed: false, version: prev.version, error: err.message }
    }
    const hash = hashOf(text)
    if (hash === prev.hash) return { changed: false, version: prev.version }
    try {
      const loaded = parseConfig(text, file, this.#opts.overrides)
      // A file that parses to nothing is a save in progress or a slip, never a wish to drop every
      // upstream at once; `{}` says "all defaults" on purpose.
      if (loaded.blank) {
        throw new ConfigError(
          file,
          undefined,
          undefined,
          'the file is empty (or only `~`/`null`/comments); write `{}` to mean all defaults',
        )
      }
      for (const w of loaded.warnings) this.#opts.onWarning?.(w)
      const next = snapshotOf(loaded.config, prev.version + 1, hash, file)
      this.#current = next // the swap: one reference assignment, atomic for every reader
      this.#opts.onSwap?.(next, prev)
      return { changed: true, version: next.version }
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e))
      this.#opts.onError?.(err)
      return { changed: false, version: prev.version, error: err.message }
    }
  }
}

function snapshotOf(config: Config, version: number, hash: string, file?: string): ConfigSnapshot {
  const { inFile, fromEnv } = configSecrets(config)
  const secrets = Object.freeze([...inFile, ...fromEnv])
  return Object.freeze({ config, version, hash, loadedAt: Date.now(), secrets, ...(file ? { file } : {}) })
}

function hashOf(text: string): string {
  return Bun.hash(text).toString(16)
}
