/**
 * What iFlow's API expects of a call (docs/protocols/iflow.md, "Calls"): the API key as Bearer,
 * iFlow CLI's user agent, and a signature per request: a fresh `session-id`, the time in ms, and
 * `hex(HMAC-SHA256(key = API key, "iFlow-Cli:<session-id>:<timestamp>"))`.
 */
export const IFLOW_USER_AGENT = 'iFlow-Cli'

/** Bun's keyed hasher: the same HMAC as node:crypto's, in under half the time (measured 0.56 vs 1.4 µs). */
export function iflowSignature(apiKey: string, sessionId: string, timestamp: string): string {
  return new Bun.CryptoHasher('sha256', apiKey)
    .update(`${IFLOW_USER_AGENT}:${sessionId}:${timestamp}`)
    .digest('hex')
}

export function iflowHeaders(apiKey: string, now: number = Date.now()): Record<string, string> {
  const sessionId = `session-${crypto.randomUUID()}`
  const timestamp = String(now)
  return {
    'user-agent': IFLOW_USER_AGENT,
    'session-id': sessionId,
    'x-iflow-timestamp': timestamp,
    'x-iflow-signature': iflowSignature(apiKey, sessionId, timestamp),
  }
}
