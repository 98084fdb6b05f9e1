/**
 * Request bodies: JSON only, read with a byte ceiling (an oversized upload is refused before it
 * is buffered whole) and a deadline (a client trickling its body cannot hold a request forever).
 */
import { concatBytes } from '../bytes.ts'
import { isWrappedSignature } from '../dialects/common/provenance.ts'
import type { BodyScan } from '../gateway/exchange.ts'
import { HttpError } from '../gateway/http-error.ts'
import { CLOSE_CONNECTION } from './errors.ts'

export function tooLarge(limit: number): HttpError {
  return new HttpError(
    'request_too_large',
    `Request body is larger than the limit of ${limit} bytes`,
    { status: 413 },
    CLOSE_CONNECTION,
  )
}

function bodyTimeout(ms: number): HttpError {
  return new HttpError(
    'timeout',
    `Request body was not received within ${ms} ms (timeouts.request_body_ms)`,
    { status: 408, code: 'request_timeout' },
    CLOSE_CONNECTION,
  )
}

/**
 * `application/json`, with parameters (`; charset=utf-8`), or a `+json` type. Anything else
 * (`text/plain`, form types, none) is what a web page can send cross-site without a CORS
 * preflight, so refusing it closes that door for every client that is not a browser's fetch.
 */
export function requireJsonContentType(req: Request): void {
  const type = req.headers.get('content-type')
  if (type === 'application/json' || (type !== null && isJsonMediaType(type))) return
  const got = type === null ? 'none' : `'${(type.split(';')[0] ?? '').trim().slice(0, 80)}'`
  throw new HttpError(
    'invalid_request',
    `Content-Type must be application/json (got ${got})`,
    { status: 415, code: 'unsupported_media_type' },
    CLOSE_CONNECTION,
  )
}

function isJsonMediaType(type: string): boolean {
  const semi = type.indexOf(';')
  const essence = (semi === -1 ? type : type.slice(0, semi)).trim().toLowerCase()
  return essence === 'application/json' || (essence.endsWith('+json') && essence.indexOf('/') > 0)
}

/**
 * The bytes of a body sent without a declared length (chunked), counted as they arrive; throws
 * a 413 `HttpError` as soon as `limit` is passed.
 */
async function readCountedBody(req: Request, limit: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = req.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw tooLarge(limit)
    }
    chunks.push(value)
  }
  return concatBytes(chunks, size)
}

/** A body without a declared length, counted while it arrives, then parsed. */
async function readCountedJson(req: Request, limit: number): Promise<unknown> {
  const bytes = await readCountedBody(req, limit)
  if (bytes.byteLength === 0) throw emptyBody()
  return JSON.parse(new TextDecoder().decode(bytes))
}

/**
 * The deepest nesting of arrays and objects a request body may have (the body itself is level 1).
 * Every walk over a body after this check (the signature scan, the codecs, `JSON.stringify` of
 * the upstream body, the token estimate) may recurse without overflowing the stack. Real bodies
 * stay far below it: the deepest parts are JSON Schema tool parameters and tool call arguments,
 * two levels per nested schema, a few dozen at most.
 */
export const MAX_JSON_DEPTH = 256

/**
 * JSON body with the limit and the deadline; a parse failure or absurd nesting is a 400 naming
 * what went wrong. On the deadline the read is abandoned, not cancelled (Bun's `req.json()` holds
 * the stream's lock): the 408 goes out with `connection: close`, and closing the connection ends
 * the read. `keep.bodyScan` gets what the depth walk saw on the way (`BodyScan`), so that the
 * plan does not walk the body again.
 */
export function readJsonLimited(
  req: Request,
  limit: number,
  deadlineMs: number,
  keep?: { bodyScan?: BodyScan | undefined },
): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? Number.NaN)
  if (declared > limit) return Promise.reject(tooLarge(limit))
  if (declared === 0) return Promise.reject(emptyBody())
  // A declared length within the limit: Bun reads and parses the bytes itself, without a JS
  // string of them first (A/B against arrayBuffer + decode + parse: -4% CPU, +14% requests/s).
  const body = declared > 0 ? req.json() : readCountedJson(req, limit)
  // One promise and one timer over the read, no async wrapper: measured against a bare
  // `await req.json()`, a race of two promises cost 1.1 µs a request, this about half of that.
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(bodyTimeout(deadlineMs)), deadlineMs)
    body.then(
      (value: unknown) => {
        clearTimeout(timer)
        if (typeof value !== 'object' || value === null) return resolve(value)
        const found = scanBody(value, MAX_JSON_DEPTH)
        if (found & TOO_DEEP) {
          return reject(
            new HttpError(
              'invalid_request',
              `Request body is nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`,
            ),
          )
        }
        if (keep) keep.bodyScan = { body: value, wrappedSignature: (found & WRAPPED) !== 0 }
        resolve(value)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(
          e instanceof HttpError
            ? e
            : new HttpError('invalid_request', `Request body is not valid JSON: ${(e as Error).message}`),
        )
      },
    )
  })
}

/** `scanBody` found containers nested deeper than allowed. */
export const TOO_DEEP = 1
/** `scanBody` found a string this gateway wrapped as a signature (`isWrappedSignature`). */
export const WRAPPED = 2

/**
 * One walk over a parsed body (an array or object, counted as one level): TOO_DEEP when it holds
 * containers more than `levels` deep (the walk stops there), WRAPPED when one of its string
 * values is a signature this gateway wrapped. Recursive but bounded: it never goes more than
 * `levels` calls deep. The plan of a same-dialect request needs the second answer
 * (`carriesWrappedSignature`): asking it here saves a second walk, which cost as much as this
 * one (20-40 µs on a 256 KB agent body).
 */
export function scanBody(value: object, levels: number): number {
  if (levels === 0) return TOO_DEEP
  let found = 0
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i]
      if (typeof v === 'object' && v !== null) {
        found |= scanBody(v, levels - 1)
        if (found & TOO_DEEP) return found
      } else if (typeof v === 'string' && isWrappedSignature(v)) found |= WRAPPED
    }
    return found
  }
  for (const k in value) {
    const v: unknown = (value as Record<string, unknown>)[k]
    if (typeof v === 'object' && v !== null) {
      found |= scanBody(v, levels - 1)
      if (found & TOO_DEEP) return found
    } else if (typeof v === 'string' && isWrappedSignature(v)) found |= WRAPPED
  }
  return found
}

function emptyBody(): HttpError {
  return new HttpError('invalid_request', 'Request body is empty; expected a JSON object')
}
