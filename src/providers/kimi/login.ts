/**
 * Kimi login with Kimi CLI's OAuth app (docs/protocols/kimi.md): the plain device flow, every
 * request of it carrying the `x-msh-*` device headers with one stable device id per data
 * directory, created on first use and stored beside the database. The id is kept in the login's
 * token too, so the gateway and refreshes send it without reading the file. Refresh tokens rotate.
 * Every URL and the client id are overridable under `providers.kimi.oauth`.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { resolvePaths } from '../../config/paths.ts'
import type { Config } from '../../config/schema.ts'
import { oauthRefresher, type Refresher, runDeviceFlow, type TokenResponse } from '../../oauth/index.ts'
import type { NewAccount } from '../../store/types.ts'
import {
  type DeviceApp,
  type DeviceLoginOptions,
  deviceFlowIO,
  loginAccount,
  resolveDeviceApp,
  storedLogin,
} from '../shared/subscription-login.ts'
import { mshHeaders } from './subscription.ts'

export const KIMI_DEVICE_CODE_URL = 'https://auth.kimi.com/api/oauth/device_authorization'
export const KIMI_TOKEN_URL = 'https://auth.kimi.com/api/oauth/token'
export const KIMI_CLIENT_ID = '17e5f671-d194-4dfb-9706-5516cb48c098'
/** The file in the data directory that holds this machine's Kimi device id. */
export const KIMI_DEVICE_ID_FILE = 'kimi-device-id'

/** The endpoints and client id, with `providers.kimi.oauth` overrides applied. */
export function kimiOAuth(config: Config): DeviceApp {
  return resolveDeviceApp(config, 'kimi', {
    deviceCodeUrl: KIMI_DEVICE_CODE_URL,
    tokenUrl: KIMI_TOKEN_URL,
    clientId: KIMI_CLIENT_ID,
  })
}

/**
 * The device id kept in `dataDir` (mode 0600), made once: Kimi ties a login to the device that
 * made it, so every login and refresh from this machine must name the same one.
 */
export function kimiDeviceId(dataDir: string): string {
  const file = join(dataDir, KIMI_DEVICE_ID_FILE)
  try {
    const id = readFileSync(file, 'utf8').trim()
    if (id !== '') return id
  } catch {
    // first use: made below
  }
  const id = crypto.randomUUID()
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  writeFileSync(file, `${id}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return id
}

export interface KimiLoginOptions extends DeviceLoginOptions {
  /** Where the device id file lives; default byokey's data directory. */
  dataDir?: string
}

/** Runs the device flow and returns the account to store (id `default`; `--account` names others). */
export async function loginKimi(opts: KimiLoginOptions): Promise<NewAccount> {
  const o = kimiOAuth(opts.config)
  const deviceId = kimiDeviceId(opts.dataDir ?? resolvePaths().dataDir)
  const t = await runDeviceFlow({
    deviceCodeUrl: o.deviceCodeUrl,
    tokenUrl: o.tokenUrl,
    clientId: o.clientId,
    headers: { accept: 'application/json', ...mshHeaders(deviceId) },
    ...deviceFlowIO(opts),
  })
  return loginAccount('kimi', 'default', storedLogin(t, (opts.now ?? Date.now)(), { device_id: deviceId }))
}

/** Form `refresh_token` grant with the login's device headers; the rotated refresh token is stored. */
export function kimiRefresher(
  config: Config,
  opts: { fetch?: typeof fetch; now?: () => number } = {},
): Refresher {
  const o = kimiOAuth(config)
  const now = opts.now ?? Date.now
  return {
    async refresh(account) {
      const stored = account.token['device_id']
      const deviceId =
        typeof stored === 'string' && stored !== '' ? stored : kimiDeviceId(resolvePaths().dataDir)
      const r = await oauthRefresher({
        tokenUrl: o.tokenUrl,
        clientId: o.clientId,
        style: 'form',
        headers: { accept: 'application/json', ...mshHeaders(deviceId) },
        now,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
      }).refresh(account)
      return storedLogin(r.token as TokenResponse, now(), { device_id: deviceId })
    },
  }
}
