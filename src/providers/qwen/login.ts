/**
 * Qwen login with Qwen Code's OAuth app (docs/protocols/qwen.md): the device flow with PKCE (the
 * challenge goes with the device-code request, the verifier with every poll; `slow_down` × 1.5 up
 * to 10 s). The token answer names the API host in `resource_url`, stored as the login's API base.
 * Refresh tokens rotate. Every URL and the client id are overridable under `providers.qwen.oauth`.
 */
import type { Config } from '../../config/schema.ts'
import {
  createPkce,
  oauthRefresher,
  type Refresher,
  runDeviceFlow,
  scaledSlowDown,
  type TokenResponse,
} from '../../oauth/index.ts'
import type { NewAccount } from '../../store/types.ts'
import {
  type DeviceApp,
  type DeviceLoginOptions,
  deviceFlowIO,
  loginAccount,
  resolveDeviceApp,
  storedLogin,
} from '../shared/subscription-login.ts'

export const QWEN_DEVICE_CODE_URL = 'https://chat.qwen.ai/api/v1/oauth2/device/code'
export const QWEN_TOKEN_URL = 'https://chat.qwen.ai/api/v1/oauth2/token'
export const QWEN_CLIENT_ID = 'f0304373b74a44d2b584a3fb70ca9e56'
export const QWEN_SCOPE = 'openid profile email model.completion'
/** The API when the token names no `resource_url`. */
export const QWEN_DEFAULT_API = 'https://portal.qwen.ai/v1'

/** The endpoints and client id, with `providers.qwen.oauth` overrides applied. */
export function qwenOAuth(config: Config): DeviceApp {
  return resolveDeviceApp(config, 'qwen', {
    deviceCodeUrl: QWEN_DEVICE_CODE_URL,
    tokenUrl: QWEN_TOKEN_URL,
    clientId: QWEN_CLIENT_ID,
  })
}

/**
 * The API base a `resource_url` names: `https://<host>/v1` for the bare host Qwen sends
 * (`portal.qwen.ai`); a value with a scheme is taken as the origin itself.
 */
export function qwenApiBase(resourceUrl: unknown): string | undefined {
  if (typeof resourceUrl !== 'string' || resourceUrl.trim() === '') return undefined
  const origin = /^https?:\/\//i.test(resourceUrl) ? resourceUrl : `https://${resourceUrl}`
  return `${origin.replace(/\/+$/, '')}/v1`
}

/** The stored token with `api_base` from the answer's `resource_url` (kept from `prev` when absent). */
function qwenToken(t: TokenResponse, now: number, prev: Record<string, unknown> = {}) {
  const stored = storedLogin(t, now, prev)
  const base = qwenApiBase(stored.token['resource_url'])
  if (base) stored.token['api_base'] = base
  return stored
}

/** Runs the device flow and returns the account to store (id `default`; `--account` names others). */
export async function loginQwen(opts: DeviceLoginOptions): Promise<NewAccount> {
  const o = qwenOAuth(opts.config)
  const pkce = createPkce()
  const t = await runDeviceFlow({
    deviceCodeUrl: o.deviceCodeUrl,
    tokenUrl: o.tokenUrl,
    clientId: o.clientId,
    scope: QWEN_SCOPE,
    extraParams: { code_challenge: pkce.challenge, code_challenge_method: 'S256' },
    pollParams: { code_verifier: pkce.verifier },
    slowDown: scaledSlowDown(1.5, 10_000),
    defaultExpiresInSec: 600,
    headers: { accept: 'application/json' },
    ...deviceFlowIO(opts),
  })
  return loginAccount('qwen', 'default', qwenToken(t, (opts.now ?? Date.now)()))
}

/** Form `refresh_token` grant; the rotated refresh token and a new `resource_url` are stored. */
export function qwenRefresher(
  config: Config,
  opts: { fetch?: typeof fetch; now?: () => number } = {},
): Refresher {
  const o = qwenOAuth(config)
  const now = opts.now ?? Date.now
  const inner = oauthRefresher({
    tokenUrl: o.tokenUrl,
    clientId: o.clientId,
    style: 'form',
    headers: { accept: 'application/json' },
    now,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  })
  return {
    refresh: async (account) =>
      qwenToken((await inner.refresh(account)).token as TokenResponse, now(), account.token),
  }
}
