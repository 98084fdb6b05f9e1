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

/** Where the path starts: 0 for a relative URL, -1 when there is none. */
function pathStart(url: string): number {
  return url.charCodeAt(0) === 47 /* / */ ? 0 : url.indexOf('/', 7)
}

/** The path without the query, for absolute and relative URLs alike. */
export function pathOfUrl(url: string): string {
  const start = pathStart(url)
  if (start === -1) return '/'
  const q = url.indexOf('?', start)
  return q === -1 ? url.slice(start) : url.slice(start, q)
}

/**
 * The path and query (`/v1/models?format=anthropic`). Never `new URL(req.url)` on a request: Bun
 * takes Hosts the URL parser refuses (`127.0.0.1:99999`, `x:abc`), and the parse would throw.
 */
export function targetOfUrl(url: string): string {
  const start = pathStart(url)
  return start === -1 ? '/' : url.slice(start)
}

/** One query parameter of a request URL, read without parsing the host. */
export function queryParam(url: string, name: string): string | null {
  const q = url.indexOf('?')
  return q === -1 ? null : new URLSearchParams(url.slice(q + 1)).get(name)
}
