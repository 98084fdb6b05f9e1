/** Request bodies read with a byte ceiling, so an oversized upload is refused before it is buffered whole. */
import { concatBytes } from './bytes.ts'
import { HttpError } from './errors.ts'

export function tooLarge(limit: number): HttpError {
  return new HttpError('request_too_large', `Request body is larger than the limit of ${limit} bytes`, {
    status: 413,
  })
}

/** The raw bytes of the body; throws a 413 `HttpError` as soon as `limit` is passed. */
export async function readBodyLimited(req: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? Number.NaN)
  if (declared > limit) throw tooLarge(limit)
  // A declared length within the limit: let Bun read it natively (turning the body into a JS
  // stream to count bytes costs more than the rest of a proxied request).
  if (declared >= 0) return new Uint8Array(await req.arrayBuffer())
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

/** JSON body with the limit; a parse failure is a 400 naming what went wrong. */
export async function readJsonLimited(req: Request, limit: number): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? Number.NaN)
  if (declared > limit) throw tooLarge(limit)
  if (declared === 0) throw emptyBody()
  try {
    // A declared length within the limit: Bun parses the bytes itself, without a JS string of
    // them first (measured: 8% of a proxied request's CPU against arrayBuffer + decode + parse).
    if (declared > 0) return await req.json()
    const bytes = await readBodyLimited(req, limit)
    if (bytes.byteLength === 0) throw emptyBody()
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch (e) {
    if (e instanceof HttpError) throw e
    throw new HttpError('invalid_request', `Request body is not valid JSON: ${(e as Error).message}`)
  }
}

function emptyBody(): HttpError {
  return new HttpError('invalid_request', 'Request body is empty; expected a JSON object')
}
