/**
 * The headers of a call forwarded to Amp and of its answer (`docs/protocols/amp.md`): what only
 * concerns one hop (RFC 9110 §7.6.1) and what would tell Amp about the client's proxies or
 * browser stays behind; the credential byokey holds for Amp replaces the client's.
 */

/** Meaningful for one connection only, both ways. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
])

/** What proxies and browsers add about the client (its address, its browser). */
const FINGERPRINT = new Set([
  'host',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'forwarded',
  'via',
  'priority',
])

/** The client's own credentials, replaced when byokey has one for Amp. */
const CREDENTIALS = new Set(['authorization', 'x-api-key', 'x-goog-api-key'])

/** Header names the `Connection` header lists: hop-by-hop too (RFC 9110 §7.6.1). */
function listedInConnection(headers: Headers): Set<string> {
  const value = headers.get('connection')
  return new Set(value ? value.split(',').map((n) => n.trim().toLowerCase()) : [])
}

/**
 * The headers of the forwarded call: the client's, less hop-by-hop and fingerprint headers, with
 * `credential` (when byokey has one for Amp) as both `Authorization: Bearer` and `X-Api-Key`.
 */
export function forwardedRequestHeaders(client: Headers, credential: string | undefined): Headers {
  const out = new Headers()
  const listed = listedInConnection(client)
  for (const [name, value] of client) {
    if (HOP_BY_HOP.has(name) || FINGERPRINT.has(name) || listed.has(name)) continue
    if (name.startsWith('sec-ch-ua') || name.startsWith('sec-fetch-')) continue
    if (credential !== undefined && CREDENTIALS.has(name)) continue
    out.append(name, value)
  }
  if (credential !== undefined) {
    out.set('authorization', `Bearer ${credential}`)
    out.set('x-api-key', credential)
  }
  return out
}

/** The headers of Amp's answer for the client: all of them but the hop-by-hop ones. */
export function forwardedResponseHeaders(upstream: Headers): Headers {
  const out = new Headers()
  const listed = listedInConnection(upstream)
  for (const [name, value] of upstream) {
    if (HOP_BY_HOP.has(name) || listed.has(name)) continue
    out.append(name, value)
  }
  return out
}
