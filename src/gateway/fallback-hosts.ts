/**
 * One upstream call across a provider's hosts (`PreparedRequest.fallbackUrls`): the first host
 * that answers with anything but a retryable failure answers the attempt. Antigravity serves the
 * same API on a second host that stays up when the first is overloaded; trying it belongs to one
 * attempt of one account, so the account is neither cooled down nor counted twice for a host's
 * hiccup.
 */
import type { PreparedRequest } from '../providers/types.ts'
import { HttpError } from './http-error.ts'
import type { UpstreamCallHandle } from './upstream-fetch.ts'

/** Statuses after which the same call may succeed on another host: rate limits and server errors. */
export function hostMayRecover(status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}

/** A transport failure or a timeout before headers (502, 504): the host, not the request, failed. */
function hostFailed(e: unknown): boolean {
  return e instanceof HttpError && (e.status === 502 || e.status === 504)
}

/**
 * `send` on `prep.url`, then on each fallback URL while the previous host failed in a way
 * another host may not (`hostMayRecover`, a transport failure); the last host's outcome stands.
 * `onSkip` hears each host left behind, with its status or error, for the log.
 */
export async function fetchAcrossHosts(
  prep: PreparedRequest,
  send: (prep: PreparedRequest) => Promise<UpstreamCallHandle>,
  onSkip: (url: string, why: number | Error) => void,
): Promise<UpstreamCallHandle> {
  const fallbacks = prep.fallbackUrls ?? []
  if (fallbacks.length === 0) return send(prep)
  const urls = [prep.url, ...fallbacks]
  for (let i = 0; ; i++) {
    const url = urls[i]!
    const last = i === urls.length - 1
    const here: PreparedRequest = { ...prep, url }
    let handle: UpstreamCallHandle
    try {
      handle = await send(here)
    } catch (e) {
      if (last || !hostFailed(e)) throw e
      onSkip(url, e as Error)
      continue
    }
    if (last || !hostMayRecover(handle.response.status)) return handle
    onSkip(url, handle.response.status)
    await handle.response.body?.cancel().catch(() => {})
    handle.done()
  }
}
