/**
 * What the device logins of Qwen and Kimi share: the options the CLI (or a test) hands them, and
 * the token JSON a login or a refresh stores.
 */
import type { Config } from '../../config/schema.ts'
import { type DeviceFlowOptions, expiresAtOf, type TokenResponse } from '../../oauth/index.ts'

export interface DeviceLoginOptions {
  config: Config
  print: (line: string) => void
  onTick?: (secondsLeft: number) => void
  signal?: AbortSignal
  fetch?: typeof fetch
  /** For tests: a clock and a sleep that move it. */
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

/** The I/O part of a device flow's options, from what the caller gave. */
export function deviceFlowIO(
  opts: DeviceLoginOptions,
): Pick<DeviceFlowOptions, 'print' | 'onTick' | 'signal' | 'fetch' | 'now' | 'sleep'> {
  return {
    print: opts.print,
    ...(opts.onTick ? { onTick: opts.onTick } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
  }
}

/**
 * The token to store after a login or a refresh: `prev` with the answer's fields over it, the old
 * refresh token kept when the answer has none, and `expires_at` (unix s) when it says.
 */
export function storedLogin(
  t: TokenResponse,
  now: number,
  prev: Record<string, unknown> = {},
): { token: Record<string, unknown>; expiresAt?: number } {
  const token: Record<string, unknown> = { ...prev, ...t }
  delete token['expires_in']
  if (t.refresh_token === undefined && prev['refresh_token'] !== undefined)
    token['refresh_token'] = prev['refresh_token']
  const expiresAt = expiresAtOf(t, now)
  if (expiresAt === undefined) return { token }
  token['expires_at'] = Math.floor(expiresAt / 1000)
  return { token, expiresAt }
}
