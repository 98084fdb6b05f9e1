/**
 * The process logger: pino on the main thread (worker-thread transports break inside a compiled
 * binary), JSON lines by default, pretty on a terminal, synchronous so the last line before exit
 * is never lost. Secrets are redacted by key name at any depth, so a token can't leak through
 * a nested object someone logs later.
 */
import pino, { type DestinationStream, type Logger } from 'pino'
import pretty from 'pino-pretty'
import type { LogLevelName } from './config/schema.ts'

export type { Logger }

/** Keys whose values never reach a log line (compared lower-cased, `-` and `_` ignored). */
const SECRET_KEY_LIST = [
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'api_key',
  'apikey',
  'api_keys',
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'client_secret',
  'secret',
  'password',
  'cookie',
  'set-cookie',
  'code_verifier',
  'device_code',
]
const SECRET_KEYS = new Set(SECRET_KEY_LIST.map(normalizeKey))

/** pino's own redaction, for bindings given to `child()` (they bypass the log formatter). */
const TOP_LEVEL_PATHS = SECRET_KEY_LIST.flatMap((k) => {
  const forms = new Set([
    k,
    k.replaceAll('-', '_'),
    k.replaceAll('_', '-'),
    k.replace(/[-_](.)/g, (_m, c: string) => c.toUpperCase()),
  ])
  return [...forms].map((f) => (/^[A-Za-z_$][\w$]*$/.test(f) ? f : `["${f}"]`))
})

function normalizeKey(k: string): string {
  return k.toLowerCase().replace(/[-_]/g, '')
}

export const REDACTED = '[redacted]'

/** Whether a key names a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(normalizeKey(key))
}

/** A copy of `value` with every secret-named key's value replaced; shares untouched branches. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value
  if (value instanceof Error) return value
  if (Array.isArray(value)) {
    let out: unknown[] | undefined
    value.forEach((v, i) => {
      const r = redactSecrets(v, depth + 1)
      if (r !== v) {
        out ??= value.slice()
        out[i] = r
      }
    })
    return out ?? value
  }
  if (value instanceof Headers) return redactSecrets(Object.fromEntries(value.entries()), depth)
  let out: Record<string, unknown> | undefined
  const obj = value as Record<string, unknown>
  for (const k of Object.keys(obj)) {
    const v = obj[k]
    const r =
      isSecretKey(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redactSecrets(v, depth + 1)
    if (r !== v) {
      out ??= { ...obj }
      out[k] = r
    }
  }
  return out ?? value
}

/** Strips credentials from a URL's query (`?key=` is how Gemini clients send their key). */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  if (q === -1) return url
  const params = new URLSearchParams(url.slice(q + 1))
  let touched = false
  for (const k of [...params.keys()]) {
    if (k === 'key' || isSecretKey(k)) {
      params.set(k, REDACTED)
      touched = true
    }
  }
  return touched ? `${url.slice(0, q)}?${params.toString()}` : url
}

export interface LogOptions {
  level: LogLevelName
  /** `auto`: pretty when the destination is a terminal. BYOKEY's `text` means pretty. */
  format?: 'auto' | 'json' | 'pretty' | 'text'
  /** Log to this file (JSON lines) instead of stdout. */
  file?: string
  /** A destination for tests; wins over `file`. */
  stream?: DestinationStream
}

export function createLogger(opts: LogOptions): Logger {
  const base: pino.LoggerOptions = {
    level: opts.level,
    base: { pid: process.pid },
    formatters: {
      log: (obj) => redactSecrets(obj) as Record<string, unknown>,
    },
    redact: { paths: TOP_LEVEL_PATHS, censor: REDACTED },
    serializers: { err: pino.stdSerializers.err },
  }
  if (opts.stream) return pino(base, opts.stream)
  if (opts.file) return pino(base, pino.destination({ dest: opts.file, sync: true, mkdir: true }))
  const wantPretty =
    opts.format === 'pretty' ||
    opts.format === 'text' ||
    ((opts.format ?? 'auto') === 'auto' && process.stdout.isTTY)
  if (wantPretty) {
    return pino(
      base,
      pretty({
        sync: true,
        colorize: Boolean(process.stdout.isTTY),
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
      }),
    )
  }
  return pino(base, pino.destination({ dest: 1, sync: true }))
}
