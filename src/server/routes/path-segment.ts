/** Path segments that carry a client's string (a model id), decoded exactly once. */
import { HttpError } from '../../gateway/http-error.ts'

/** `raw` percent-decoded; a malformed encoding (`%ZZ`, a cut UTF-8 sequence) is the client's 400. */
export function decodePathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new HttpError('invalid_request', `The path has a malformed percent-encoding: '${raw}'`)
  }
}
