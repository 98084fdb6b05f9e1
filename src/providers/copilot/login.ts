/**
 * GitHub Copilot login: the GitHub device flow for a long-lived GitHub token (no refresh token, no
 * expiry), which is exchanged for a short-lived Copilot API token before calls. Every URL and the
 * client id are overridable under `providers.copilot.oauth`; the GitHub API origin (for `/user`)
 * follows `token_exchange_url`.
 */
import type { Config } from '../../config/schema.ts'
import { InvalidGrantError, type LoginPrompt, OAuthError, runDeviceFlow } from '../../oauth/index.ts'
import type { NewAccount } from '../../store/types.ts'

export const GITHUB_DEVICE_CODE_URL = 'https://github.com/login/device/code'
export const GITHUB_TOKEN_URL = 'https://github.com/login/oauth/access_token'
/** The Copilot editor plugins' GitHub OAuth app. */
export const COPILOT_CLIENT_ID = 'Iv1.b507a08c87ecfe98'
export const COPILOT_SCOPE = 'read:user'
export const COPILOT_TOKEN_EXCHANGE_URL = 'https://api.github.com/copilot_internal/v2/token'
/** Used when the exchange answer has no `endpoints.api`. */
export const COPILOT_DEFAULT_API = 'https://api.githubcopilot.com'

/** What the Copilot backends expect an editor to send. */
export const COPILOT_EDITOR_HEADERS: Readonly<Record<string, string>> = {
  'editor-version': 'vscode/1.107.0',
  'editor-plugin-version': 'copilot-chat/0.35.0',
  'user-agent': 'GitHubCopilotChat/0.35.0',
  'x-github-api-version': '2025-04-01',
}

export interface CopilotOAuth {
  deviceCodeUrl: string
  tokenUrl: string
  clientId: string
  scope: string
  tokenExchangeUrl: string
  /** `GET` it with the GitHub token for the user's `login`; on the exchange URL's origin. */
  userUrl: string
  /** `GET` it with the GitHub token for the seat's `quota_snapshots`; on the exchange URL's origin. */
  quotaUrl: string
}

/** The endpoints and client id, with `providers.copilot.oauth` overrides applied. */
export function copilotOAuth(config: Config): CopilotOAuth {
  const o = config.providers['copilot']?.oauth ?? {}
  const tokenExchangeUrl = o.token_exchange_url || COPILOT_TOKEN_EXCHANGE_URL
  return {
    deviceCodeUrl: o.device_code_url || GITHUB_DEVICE_CODE_URL,
    tokenUrl: o.token_url || GITHUB_TOKEN_URL,
    clientId: o.client_id || COPILOT_CLIENT_ID,
    scope: COPILOT_SCOPE,
    tokenExchangeUrl,
    userUrl: new URL('/user', tokenExchangeUrl).toString(),
    quotaUrl: o.quota_url || new URL('/copilot_internal/user', tokenExchangeUrl).toString(),
  }
}

export interface CopilotLoginOptions {
  config: Config
  print: (line: string) => void
  prompt?: (p: LoginPrompt) => void
  onTick?: (secondsLeft: number) => void
  signal?: AbortSignal
  fetch?: typeof fetch
}

/** GitHub answers JSON only when asked. */
const JSON_ACCEPT = { accept: 'application/json' }

/** The GitHub login of the token's user; undefined when `/user` cannot be reached or says no. */
async function githubLogin(url: string, githubToken: string, opts: CopilotLoginOptions) {
  try {
    const res = await (opts.fetch ?? fetch)(url, {
      headers: { ...JSON_ACCEPT, authorization: `token ${githubToken}`, ...COPILOT_EDITOR_HEADERS },
      signal: opts.signal ?? AbortSignal.timeout(10_000),
    })
    if (!res.ok) {
      await res.body?.cancel()
      return undefined
    }
    const body = (await res.json()) as { login?: unknown }
    return typeof body.login === 'string' && body.login !== '' ? body.login : undefined
  } catch {
    return undefined
  }
}

/** Runs the device flow and returns the account to store: token `{github_token}`, id the GitHub login. */
export async function loginCopilot(opts: CopilotLoginOptions): Promise<NewAccount> {
  const o = copilotOAuth(opts.config)
  const t = await runDeviceFlow({
    deviceCodeUrl: o.deviceCodeUrl,
    tokenUrl: o.tokenUrl,
    clientId: o.clientId,
    scope: o.scope,
    headers: JSON_ACCEPT,
    print: opts.print,
    ...(opts.onTick ? { onTick: opts.onTick } : {}),
    ...(opts.prompt ? { prompt: opts.prompt } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  })
  const login = await githubLogin(o.userUrl, t.access_token, opts)
  return {
    provider: 'copilot',
    accountId: login ?? 'default',
    kind: 'oauth',
    token: { github_token: t.access_token },
  }
}

export interface CopilotToken {
  /** The Copilot API token (`Authorization: Bearer <token>` on `apiBase`). */
  token: string
  /** Unix ms when it expires. */
  expiresAt: number
  /** Unix ms when to fetch the next one (`refresh_in` − 60 s), never after `expiresAt`. */
  refreshAt: number
  /** `endpoints.api`, else `https://api.githubcopilot.com`. */
  apiBase: string
}

/**
 * Exchanges the GitHub token for a Copilot API token. A 401 means the GitHub token is revoked
 * (`InvalidGrantError`: only a new login helps); a 403 usually means no Copilot subscription.
 */
export async function exchangeCopilotToken(
  config: Config,
  githubToken: string,
  opts: { fetch?: typeof fetch; signal?: AbortSignal; now?: () => number } = {},
): Promise<CopilotToken> {
  const url = copilotOAuth(config).tokenExchangeUrl
  let res: Response
  try {
    res = await (opts.fetch ?? fetch)(url, {
      headers: { ...JSON_ACCEPT, authorization: `token ${githubToken}`, ...COPILOT_EDITOR_HEADERS },
      signal: opts.signal ?? AbortSignal.timeout(30_000),
    })
  } catch (e) {
    throw new OAuthError('network', `Copilot token exchange failed: ${(e as Error).message}`)
  }
  let body: Record<string, unknown> = {}
  try {
    const parsed: unknown = await res.json()
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>
  } catch {
    // Reported below by status or missing token.
  }
  const details = body.error_details as { message?: unknown } | undefined
  const why = typeof details?.message === 'string' ? `: ${details.message}` : ''
  if (res.status === 401) {
    throw new InvalidGrantError(
      `Copilot token exchange failed: the GitHub token was rejected (HTTP 401)${why}`,
      401,
    )
  }
  if (res.status === 403) {
    throw new OAuthError(
      'copilot_forbidden',
      `Copilot token exchange failed (HTTP 403)${why}; does this GitHub account have Copilot?`,
      403,
    )
  }
  if (!res.ok) {
    throw new OAuthError(
      `http_${res.status}`,
      `Copilot token exchange failed: HTTP ${res.status}${why}`,
      res.status,
    )
  }
  if (typeof body.token !== 'string' || body.token === '') {
    throw new OAuthError(
      'bad_response',
      'Copilot token exchange failed: the response has no token',
      res.status,
    )
  }
  const now = (opts.now ?? Date.now)()
  const expiresAtSec = Number(body.expires_at)
  const refreshInSec = Number(body.refresh_in)
  const hasRefreshIn = Number.isFinite(refreshInSec) && refreshInSec > 0
  const expiresAt =
    Number.isFinite(expiresAtSec) && expiresAtSec > 0
      ? expiresAtSec * 1000
      : now + (hasRefreshIn ? refreshInSec + 60 : 25 * 60) * 1000
  const refreshAt = Math.min(
    expiresAt,
    hasRefreshIn ? now + Math.max(0, refreshInSec - 60) * 1000 : expiresAt,
  )
  const api = (body.endpoints as { api?: unknown } | undefined)?.api
  const apiBase = typeof api === 'string' && api !== '' ? api.replace(/\/+$/, '') : COPILOT_DEFAULT_API
  return { token: body.token, expiresAt, refreshAt, apiBase }
}
