/** The upstream response headers a client may see: rate-limit state and request ids, nothing hop-by-hop. */

const FORWARDED_PREFIXES = ['x-ratelimit-', 'anthropic-ratelimit-', 'x-codex-']
const FORWARDED = new Set(['retry-after', 'request-id', 'x-request-id', 'openai-processing-ms'])

export function forwardedHeaders(upstream: Headers, into: Headers = new Headers()): Headers {
  upstream.forEach((value, key) => {
    const k = key.toLowerCase()
    if (FORWARDED.has(k) || FORWARDED_PREFIXES.some((p) => k.startsWith(p))) {
      // our own x-request-id wins; the upstream's is kept under another name
      into.set(k === 'x-request-id' || k === 'request-id' ? 'x-upstream-request-id' : k, value)
    }
  })
  return into
}

export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
}
