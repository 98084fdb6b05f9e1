/**
 * Which requests belong to the Amp compatibility layer and what becomes of each
 * (`docs/protocols/amp.md`): Amp's model calls are served here under byokey's own path, the rest
 * of Amp's API goes on to Amp, and two login pages are redirected there.
 */

/** Amp's provider prefixes whose calls byokey serves itself, and the path each maps to. */
const SERVED_PROVIDERS = [
  '/api/provider/anthropic/',
  '/api/provider/openai/',
  '/api/provider/google/',
] as const

export type AmpRoute =
  /** Served by byokey's own endpoint at `path` (`/api/provider/anthropic/v1/messages` → `/v1/messages`). */
  | { kind: 'serve'; path: string }
  /** Sent on to Amp as it came. */
  | { kind: 'forward' }
  /** Answered with a redirect to this path on Amp (the query kept). */
  | { kind: 'redirect'; path: string }

/** The Amp route of a request path; undefined for every path that is not Amp's. */
export function ampRouteOf(method: string, path: string): AmpRoute | undefined {
  if (path.startsWith('/api/')) {
    for (const prefix of SERVED_PROVIDERS) {
      if (path.startsWith(prefix)) return { kind: 'serve', path: path.slice(prefix.length - 1) }
    }
    return { kind: 'forward' }
  }
  if (path.startsWith('/v0/management/')) return { kind: 'forward' }
  if (method === 'GET' || method === 'HEAD') {
    if (path === '/auth/cli-login') return { kind: 'redirect', path: '/auth/cli-login' }
    if (path === '/v1/login') return { kind: 'redirect', path: '/login' }
  }
  return undefined
}

/** The path of a served Amp route as byokey's own (`/api/provider/google/v1beta/…` → `/v1beta/…`), else the path. */
export function servedPath(path: string): string {
  if (!path.startsWith('/api/provider/')) return path
  const route = ampRouteOf('POST', path)
  return route?.kind === 'serve' ? route.path : path
}
