/**
 * `/dashboard`: one page, its script and its styles, from the binary. The assets module is
 * loaded on the first visit, so a gateway nobody looks at never builds or holds them. A strict
 * Content-Security-Policy: only this origin's script, styles and API, nothing inline, no frames.
 */
import { Elysia } from 'elysia'
import { DASHBOARD_PATH } from '../admin/gate.ts'
import type { DashboardAssets } from './bundle.ts'

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const COMMON = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
}

export function dashboardRoutes() {
  let assets: Promise<DashboardAssets> | undefined
  const load = () => {
    assets ??= import('./assets.ts').then((m) => m.ASSETS)
    return assets
  }
  const serve = (pick: (a: DashboardAssets) => string, type: string) => async () =>
    new Response(pick(await load()), { headers: { ...COMMON, 'content-type': type } })
  return new Elysia()
    .get(
      DASHBOARD_PATH,
      serve((a) => a.html, 'text/html; charset=utf-8'),
    )
    .get(
      `${DASHBOARD_PATH}/app.js`,
      serve((a) => a.js, 'text/javascript; charset=utf-8'),
    )
    .get(
      `${DASHBOARD_PATH}/app.css`,
      serve((a) => a.css, 'text/css; charset=utf-8'),
    )
}
