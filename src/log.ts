/**
 * The process logger: pino on the main thread (worker-thread transports break inside a compiled
 * binary), JSON lines by default, pretty on a terminal, synchronous on stdout so the last line
 * before exit is never lost. Secrets are redacted by key name at any depth, so a token can't leak
 * through a nested object someone logs later; URL credentials are stripped from request paths and
 * errors; a log file is private (0600) like the database, and rotates (`openLogFile`).
 */
import { basename, dirname } from 'node:path'
import pino, { type DestinationStream, type Logger } from 'pino'
import type { LogLevelName } from './config/schema.ts'
import { isSecretKey, normalizeKey, SECRET_KEY_LIST } from './config/secrets.ts'
import { ensurePrivateFile } from './store/private-file.ts'

export type { Logger }

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

export const REDACTED = '[redacted]'

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

/**
 * Query parameters that carry a credential besides the secret key names: Gemini's `?key=`, signed
 * URLs, the one-time `authToken` of Amp's CLI login (`/auth/cli-login`).
 */
const QUERY_SECRET_KEYS = new Set(['key', 'sig', 'signature', 'auth', 'code', 'authtoken'])

function isQueryCredential(name: string): boolean {
  let decoded = name
  try {
    decoded = decodeURIComponent(name.replaceAll('+', ' '))
  } catch {
    // a malformed escape: judge the name as written
  }
  return isSecretKey(decoded) || QUERY_SECRET_KEYS.has(normalizeKey(decoded))
}

/** `name=value` after `?`, `&`, `#` or `;`, up to the next separator, space or quote. */
const QUERY_PARAM = /([?&#;])([^=&#;?\s"'<>]+)=([^&#;\s"'<>]+)/g
/** The password of `scheme://user:password@host`. */
const URL_PASSWORD = /(\/\/[^/?#@\s:"'<>]*):([^/?#@\s"'<>]+)@/g

/**
 * Strips credentials from every URL in `text`: query parameters named like a secret (any case:
 * `key`, `KEY`, `Api-Key`, `access_token`…) and the password of `user:password@`. The value is
 * replaced whole, so neither its length nor any of its characters remain.
 */
export function redactUrlCredentials(text: string): string {
  let out = text
  if (out.includes('=')) {
    out = out.replace(QUERY_PARAM, (m, sep: string, name: string) =>
      isQueryCredential(name) ? `${sep}${name}=${REDACTED}` : m,
    )
  }
  if (out.includes('@')) out = out.replace(URL_PASSWORD, `$1:${REDACTED}@`)
  return out
}

/** Strips credentials from a request URL's query (`?key=` is how Gemini clients send their key). */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q) + redactUrlCredentials(url.slice(q))
}

/** Secrets shorter than this are masked only as whole words: a short test key like `k` would garble text. */
const WHOLE_WORD_BELOW = 8
/** Shorter secrets are not masked at all: they are no secret, and masking them would garble text. */
const SHORTEST_MASKED = 4
/** Where a key's middle was cut out in an echo: `sk-abc*****wxyz` (OpenAI), `sk-ant-…wxyz`, `AIza...wxyz`. */
const ELISION = /\*{3,}|…|\.{3,}/g
/** Characters of an echo's head or tail looked at around an elision (keys are longer, echoes shorter). */
const ECHO_SIDE = 64

function isKeyChar(c: number): boolean {
  // A-Z a-z 0-9 _ -
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45
}

/**
 * `text` with every occurrence of `secrets` replaced by `[redacted]`, and every elided echo of one
 * (its first characters or its last ones around `***`, `…` or `...`) replaced whole. For text
 * that leaves byokey on an error path only: it costs a scan per secret.
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text
  const masked = secrets.filter((s) => s.length >= SHORTEST_MASKED).sort((a, b) => b.length - a.length)
  for (const s of masked) {
    if (!out.includes(s)) continue
    out =
      s.length >= WHOLE_WORD_BELOW
        ? out.replaceAll(s, REDACTED)
        : out.replace(new RegExp(`(?<![\\w-])${RegExp.escape(s)}(?![\\w-])`, 'g'), REDACTED)
  }
  const long = masked.filter((s) => s.length >= WHOLE_WORD_BELOW)
  return long.length > 0 ? maskElidedEchoes(out, long) : out
}

/** Replaces `head<elision>tail` where the head starts a secret or the tail ends one; linear in the text. */
function maskElidedEchoes(text: string, secrets: readonly string[]): string {
  let out = ''
  let copied = 0
  for (const m of text.matchAll(ELISION)) {
    const at = m.index
    const after = at + m[0].length
    let start = at
    while (start > copied && at - start < ECHO_SIDE && isKeyChar(text.charCodeAt(start - 1))) start--
    let end = after
    while (end < text.length && end - after < ECHO_SIDE && isKeyChar(text.charCodeAt(end))) end++
    const head = text.slice(start, at)
    const tail = text.slice(after, end)
    const echoes = secrets.some(
      (s) => (head.length >= 4 && s.startsWith(head)) || (tail.length >= 3 && s.endsWith(tail)),
    )
    if (!echoes) continue
    out += text.slice(copied, start) + REDACTED
    copied = end
  }
  return copied === 0 ? text : out + text.slice(copied)
}

/** pino's error serializer, with URL credentials stripped from every string it kept (a fetch error's `path`). */
function serializeError(err: Error): Record<string, unknown> {
  return redactStrings(pino.stdSerializers.err(err), 0) as Record<string, unknown>
}

function redactStrings(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactUrlCredentials(value)
  if (depth > 4 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = redactStrings(v, depth + 1)
  return out
}

export interface LogOptions {
  level: LogLevelName
  /** `auto`: pretty when the destination is a terminal. BYOKEY's `text` means pretty. */
  format?: 'auto' | 'json' | 'pretty' | 'text'
  /** JSON lines go here instead of stdout: a log file (`openLogFile`), or a test's sink. */
  stream?: DestinationStream
}

export interface LogRotation {
  /** Rotate when the file passes this many bytes; 0: never by size. */
  maxBytes: number
  /** Also rotate at local midnight. */
  daily: boolean
  /** Rotated files kept: `<file>.1` (newest) … `<file>.<keep>`; older ones are deleted. */
  keep: number
}

export interface LogFile {
  stream: DestinationStream
  /** The looser mode the file had before it was tightened to 0600, if it had one. */
  loosened?: number
  /** Writes out what is buffered and closes the file: call before the process exits. */
  close(): Promise<void>
}

/**
 * A private (0600) log file that rotates by size and/or day, renaming `<file>` to `<file>.1` and
 * so on (a rename keeps the mode, and new files are created 0600). A plain writable stream handed
 * to pino: a pino transport would run in a worker, which a compiled binary cannot load.
 */
export function openLogFile(file: string, rotation: LogRotation): LogFile {
  // Private like the database: the log names accounts, models and client addresses.
  const loosened = ensurePrivateFile(file)
  if (rotation.maxBytes <= 0 && !rotation.daily) {
    const dest = pino.destination({ dest: file, sync: true, mode: 0o600 })
    return { stream: dest, loosened, close: async () => dest.flushSync() }
  }
  const name = basename(file)
  // Loaded only here: a gateway logging to stderr never evaluates it (`require` keeps this
  // synchronous and the module bundled).
  const { createStream } = require('rotating-file-stream') as typeof import('rotating-file-stream')
  const stream = createStream((index: number | null) => (index === null ? name : `${name}.${index}`), {
    path: dirname(file),
    mode: 0o600,
    rotate: rotation.keep,
    ...(rotation.maxBytes > 0 ? { size: `${Math.max(1, Math.round(rotation.maxBytes))}B` as const } : {}),
    ...(rotation.daily ? { interval: '1d' as const } : {}),
  })
  // A failed rotation must not take the gateway down: report it where a supervisor sees it.
  stream.on('error', (err) => process.stderr.write(`byokey: log file ${file}: ${err.message}\n`))
  return {
    stream,
    loosened,
    close: () =>
      new Promise<void>((done) => {
        if (stream.writableFinished || stream.destroyed) return done()
        stream.once('finish', () => done())
        stream.once('error', () => done())
        stream.end()
      }),
  }
}

export function createLogger(opts: LogOptions): Logger {
  const base: pino.LoggerOptions = {
    level: opts.level,
    base: { pid: process.pid },
    formatters: {
      log: (obj) => redactSecrets(obj) as Record<string, unknown>,
    },
    redact: { paths: TOP_LEVEL_PATHS, censor: REDACTED },
    serializers: { err: serializeError },
  }
  if (opts.stream) return pino(base, opts.stream)
  const wantPretty =
    opts.format === 'pretty' ||
    opts.format === 'text' ||
    ((opts.format ?? 'auto') === 'auto' && process.stdout.isTTY)
  if (wantPretty) {
    // Loaded only when asked for: it costs every start of the binary ~7 ms otherwise, and a
    // service writes JSON. `require` keeps it synchronous and still bundled.
    const pretty = require('pino-pretty') as typeof import('pino-pretty')
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
