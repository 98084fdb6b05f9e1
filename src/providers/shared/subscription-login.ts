/**
 * What the logins of Qwen, Kimi and iFlow share: the device logins' endpoints and the options the
 * CLI (or a test) hands them, and the token JSON and account a login or a refresh stores.
 */
import type { Config } from '../../config/schema.ts'
import {
  type DeviceFlowOptions,
  expiresAtOf,
  type LoginPrompt,
  type TokenResponse,
} from '../../oauth/index.ts'
import type { NewAccount } from '../../store/types.ts'

/** The endpoints and client of a device login. */
export interface DeviceApp {
  deviceCodeUrl: string
  tokenUrl: string
  clientId: string
}

/** `defaults` with the `providers.<id>.oauth` overrides applied. */
export function resolveDeviceApp(config: Config, provider: string, defaults: DeviceApp): DeviceApp {
  const o = config.providers[provider]?.oauth ?? {}
  return {
    deviceCodeUrl: o.device_code_url || defaults.deviceCodeUrl,
    tokenUrl: o.token_url || defaults.tokenUrl,
    clientId: o.client_id || defaults.clientId,
  }
}

export interface DeviceLoginOptions {
  config: Config
  print: (line: string) => void
  /** Hears the code and where to enter it as data (the management API shows it to a UI). */
  prompt?: (p: LoginPrompt) => void
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
): Pick<DeviceFlowOptions, 'print' | 'prompt' | 'onTick' | 'signal' | 'fetch' | 'now' | 'sleep'> {
  return {
    print: opts.print,
    ...(opts.prompt ? { prompt: opts.prompt } : {}),
    ...(opts.onTick ? { onTick: opts.onTick } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
  }
}

/**
 * The token to store after a login or a refresh: `prev` with the answer's fields over it, the old
 * refresh token kept when the answer has none, and `expires_at` (unix s) when it says. The shape
 * a refresher returns.
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

/** The account a login stores: its token, and the expiry when the token has one. */
export function loginAccount(
  provider: string,
  accountId: string,
  stored: { token: Record<string, unknown>; expiresAt?: number },
): NewAccount {
  const account: NewAccount = { provider, accountId, kind: 'oauth', token: stored.token }
  if (stored.expiresAt !== undefined) account.expiresAt = stored.expiresAt
  return account
}
