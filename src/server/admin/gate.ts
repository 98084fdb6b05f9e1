/**
 * Who may reach the management API and the dashboard. Checked in the listener before the app
 * sees the request (as the browser guard is), so a refused call costs no body read: off
 * (`admin.enabled: false`) answers 404; from another machine without `admin.allow_remote`, 403;
 * an API call without a valid admin key (`Authorization: Bearer`), 401. The dashboard's page and
 * scripts need no key (the page asks for it), only the right address.
 */
import { timingSafeEqual } from 'node:crypto'
import type { ConfigSnapshot } from '../../config/snapshot.ts'
import { HttpError } from '../../gateway/http-error.ts'
import type { AdminKeyStore } from '../../store/types.ts'
import { isLoopbackPeer } from '../browser-guard.ts'
import { pathOfUrl } from '../request-url.ts'

export const ADMIN_PREFIX = '/admin/'
export const DASHBOARD_PATH = '/dashboard'

/**
 * Whether a request URL (absolute, or relative without a Host) is the management API's or the
 * dashboard's: what the gate screens. Read in place, no slice: every request asks.
 */
export function isAdminUrl(url: string): boolean {
  const start = url.charCodeAt(0) === 47 /* / */ ? 0 : url.indexOf('/', 7)
  return start !== -1 && (url.startsWith(ADMIN_PREFIX, start) || url.startsWith(DASHBOARD_PATH, start))
}

/** The key after `Bearer `, or undefined. */
function bearerOf(req: Request): string | undefined {
  const h = req.headers.get('authorization')
  if (h === null) return undefined
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(h)
  return m?.[1]
}

/** Equal strings, in time that depends only on their lengths. */
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export class AdminGate {
  constructor(private readonly keys: AdminKeyStore) {}

  /** The error that ends the request here, or undefined to let it through. */
  screen(req: Request, snap: ConfigSnapshot, remote: string | undefined): HttpError | undefined {
    const admin = snap.config.admin
    const path = pathOfUrl(req.url)
    if (!admin.enabled) {
      return new HttpError(
        'not_found',
        `Unknown endpoint ${req.method} ${path}. The management API is off (admin.enabled).`,
        {
          code: 'unknown_url',
        },
      )
    }
    if (!admin.allow_remote && (remote === undefined || !isLoopbackPeer(remote))) {
      return new HttpError(
        'permission',
        'The management API answers only on this machine; set admin.allow_remote to reach it from elsewhere',
        { code: 'admin_remote_refused' },
      )
    }
    if (!path.startsWith(ADMIN_PREFIX)) return undefined
    const presented = bearerOf(req)
    if (presented === undefined) {
      return new HttpError(
        'authentication',
        "Send an admin key as 'Authorization: Bearer <key>' (byokey admin-key create)",
        {
          code: 'admin_key_missing',
        },
      )
    }
    const fromEnv = admin.key_env ? process.env[admin.key_env] : undefined
    if (fromEnv && sameSecret(presented, fromEnv)) return undefined
    if (this.keys.verify(presented)) return undefined
    return new HttpError('authentication', 'The admin key is not valid', { code: 'admin_key_invalid' })
  }
}
