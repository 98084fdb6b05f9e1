/**
 * The parts of a Bun request URL, read without parsing it whole. Bun builds `req.url` as
 * `http://<Host header>/<path>` (this server speaks plain HTTP only), or leaves it relative
 * (`/<path>`) when the request has no usable Host.
 */

/** The host and port as the client named them, `127.0.0.1:8018`. */
export function hostOfUrl(url: string): string {
  const end = url.indexOf('/', 7)
  return end === -1 ? url.slice(7) : url.slice(7, end)
}

/** The path without the query, for absolute and relative URLs alike. */
export function pathOfUrl(url: string): string {
  const start = url.charCodeAt(0) === 47 /* / */ ? 0 : url.indexOf('/', 7)
  if (start === -1) return '/'
  const q = url.indexOf('?', start)
  return q === -1 ? url.slice(start) : url.slice(start, q)
}
