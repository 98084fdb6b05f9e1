/**
 * What iFlow's API expects of a call (docs/protocols/iflow.md, "Calls"): the API key as Bearer,
 * iFlow CLI's user agent, and a signature per request: a fresh `session-id`, the time in ms, and
 * `hex(HMAC-SHA256(key = API key, "iFlow-Cli:<session-id>:<timestamp>"))`.
 */
import { createHmac } from 'node:crypto'

export const IFLOW_USER_AGENT = 'iFlow-Cli'

export function iflowSignature(apiKey: string, sessionId: string, timestamp: string): string {
  return createHmac('sha256', apiKey).update(`${IFLOW_USER_AGENT}:${sessionId}:${timestamp}`).digest('hex')
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
