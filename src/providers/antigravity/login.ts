/**
 * Antigravity login (docs/protocols/antigravity.md, "Login"): Google's installed-app OAuth with the
 * IDE's app on `localhost:51121/oauth-callback` (`shared/google-oauth.ts`), then the account's Code
 * Assist project found as the IDE does (`shared/code-assist-project.ts`, with Antigravity's client
 * metadata). Every URL, the client id and secret are overridable under `providers.antigravity.oauth`,
 * the setup server under `providers.antigravity.code_assist_url`.
 */
import type { Config } from '../../config/schema.ts'
import type { Refresher } from '../../oauth/index.ts'
import type { NewAccount } from '../../store/types.ts'
import { CODE_ASSIST_URL, discoverProject } from '../shared/code-assist-project.ts'
import {
  type GoogleApp,
  type GoogleLoginOptions,
  googleRefresher,
  loginGoogle,
  resolveGoogleApp,
} from '../shared/google-oauth.ts'
import { ANTIGRAVITY_USER_AGENT, ANTIGRAVITY_VERSION } from './subscription.ts'

export const ANTIGRAVITY_CLIENT_ID =
  '1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com'
/** Google publishes an installed app's secret with the app: it is in every copy of the IDE. */
export const ANTIGRAVITY_CLIENT_SECRET = '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'
export const ANTIGRAVITY_SCOPES = [
  'https://www.googleapis.com/auth/cloud-platform',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile',
  'https://www.googleapis.com/auth/cclog',
  'https://www.googleapis.com/auth/experimentsandconfigs',
] as const

/** The IDE's client metadata in `loadCodeAssist`. */
const SETUP_METADATA = { ideType: 'ANTIGRAVITY' } as const

export function antigravityApp(config: Config): GoogleApp {
  return resolveGoogleApp(config, 'antigravity', {
    clientId: ANTIGRAVITY_CLIENT_ID,
    clientSecret: ANTIGRAVITY_CLIENT_SECRET,
    scopes: ANTIGRAVITY_SCOPES,
    redirectPort: 51121,
    redirectPath: '/oauth-callback',
  })
}

/** Where the account is set up: `code_assist_url`, else Google's production Code Assist server. */
export function antigravitySetupUrl(config: Config): string {
  return config.providers['antigravity']?.code_assist_url ?? CODE_ASSIST_URL
}

/** The account's Code Assist project: the configured one, else found (or created) by Google. */
export function antigravityProject(
  config: Config,
  accessToken: string,
  opts: { fetch?: typeof fetch; signal?: AbortSignal; pollIntervalMs?: number } = {},
): Promise<string> {
  const configured = config.providers['antigravity']?.project_id
  return discoverProject({
    baseUrl: antigravitySetupUrl(config),
    accessToken,
    provider: 'antigravity',
    ...(configured !== undefined ? { configuredProject: configured } : {}),
    metadata: SETUP_METADATA,
    headers: { 'user-agent': ANTIGRAVITY_USER_AGENT, 'x-goog-api-client': 'gl-node/22.17.0' },
    // the IDE's onboarding body is snake_case
    onboardBody: (tierId, project) => ({
      tier_id: tierId,
      ...(project !== undefined ? { cloudaicompanionProject: project } : {}),
      metadata: { ide_type: 'ANTIGRAVITY', ide_version: ANTIGRAVITY_VERSION, ide_name: 'antigravity' },
    }),
    ...opts,
  })
}

export interface AntigravityLoginOptions extends GoogleLoginOptions {
  /** Wait between onboarding polls (tests: 0). */
  pollIntervalMs?: number
}

/** Runs the browser login and the project discovery; the account is named by its email. */
export async function loginAntigravity(opts: AntigravityLoginOptions): Promise<NewAccount> {
  const login = await loginGoogle(antigravityApp(opts.config), opts)
  const project = await antigravityProject(opts.config, login.token.access_token, {
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.pollIntervalMs !== undefined ? { pollIntervalMs: opts.pollIntervalMs } : {}),
  })
  const token = { ...login.token, project_id: project } as Record<string, unknown>
  const account: NewAccount = {
    provider: 'antigravity',
    accountId: login.email ?? 'default',
    kind: 'oauth',
    token,
  }
  if (login.expiresAt !== undefined) account.expiresAt = login.expiresAt
  return account
}

export function antigravityRefresher(config: Config, opts: { fetch?: typeof fetch } = {}): Refresher {
  return googleRefresher(antigravityApp(config), opts)
}
