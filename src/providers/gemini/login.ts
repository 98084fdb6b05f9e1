/**
 * The gemini subscription login: Gemini CLI's Google OAuth app (loopback on
 * `localhost:8085/oauth2callback`, or Google's code page), then the Code Assist project
 * (docs/protocols/gemini-code-assist.md, "Login" and "Project discovery"). The account is named
 * by its email; its token JSON is the `GoogleToken` shape with `email` and `project_id`.
 */
import type { Config } from '../../config/schema.ts'
import type { Refresher } from '../../oauth/index.ts'
import type { NewAccount } from '../../store/types.ts'
import { CODE_ASSIST_URL, discoverProject } from '../shared/code-assist-project.ts'
import {
  type GoogleApp,
  type GoogleLoginOptions,
  type GoogleToken,
  googleRefresher,
  loginGoogle,
  resolveGoogleApp,
} from '../shared/google-oauth.ts'
import { providerProxy, proxiedFetch } from '../shared/proxy.ts'

export const GEMINI_CLI_CLIENT_ID = '681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com'
/** An installed app's secret: published with the app (Gemini CLI's source), no secret in the OAuth sense. */
export const GEMINI_CLI_CLIENT_SECRET = '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'
export const GEMINI_CLI_SCOPES = [
  'https://www.googleapis.com/auth/cloud-platform',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile',
] as const
export const GEMINI_CODE_PAGE = 'https://codeassist.google.com/authcode'

/** Gemini CLI's app with the `providers.gemini.oauth` overrides applied. */
export function geminiApp(config: Config): GoogleApp {
  return resolveGoogleApp(config, 'gemini', {
    clientId: GEMINI_CLI_CLIENT_ID,
    clientSecret: GEMINI_CLI_CLIENT_SECRET,
    scopes: GEMINI_CLI_SCOPES,
    redirectPort: 8085,
    redirectPath: '/oauth2callback',
    codePageUrl: GEMINI_CODE_PAGE,
  })
}

/** The Code Assist server of gemini logins: `code_assist_url`, else `base_url`, else Google's. */
export function codeAssistBase(config: Config): string {
  const p = config.providers['gemini']
  return p?.code_assist_url ?? p?.base_url ?? CODE_ASSIST_URL
}

export interface GeminiProjectOptions {
  fetch?: typeof fetch
  signal?: AbortSignal
  /** Default 5 s (Gemini CLI's); tests pass 0. */
  pollIntervalMs?: number
}

/** The project for a gemini login's token: configured, else discovered (onboarding the account if needed). */
export function geminiProject(
  config: Config,
  accessToken: string,
  opts: GeminiProjectOptions = {},
): Promise<string> {
  const configured = config.providers['gemini']?.project_id
  const through = opts.fetch ?? proxiedFetch(providerProxy(config, 'gemini'))
  return discoverProject({
    baseUrl: codeAssistBase(config),
    accessToken,
    provider: 'gemini',
    ...(configured !== undefined ? { configuredProject: configured } : {}),
    ...(through ? { fetch: through } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.pollIntervalMs !== undefined ? { pollIntervalMs: opts.pollIntervalMs } : {}),
  })
}

export type GeminiLoginOptions = GoogleLoginOptions & Pick<GeminiProjectOptions, 'pollIntervalMs'>

/** A stored gemini account for a Google token: named by its email, the project discovered and kept. */
export async function geminiAccount(
  config: Config,
  token: GoogleToken,
  expiresAt: number | undefined,
  opts: GeminiProjectOptions = {},
): Promise<NewAccount> {
  const project = await geminiProject(config, token.access_token, opts)
  const stored: GoogleToken = { ...token, project_id: project }
  const account: NewAccount = {
    provider: 'gemini',
    accountId: token.email ?? 'default',
    kind: 'oauth',
    token: stored as unknown as Record<string, unknown>,
  }
  if (expiresAt !== undefined) account.expiresAt = expiresAt
  return account
}

/** Runs the Google login and the project discovery; returns the account to store. */
export async function loginGemini(opts: GeminiLoginOptions): Promise<NewAccount> {
  const login = await loginGoogle(geminiApp(opts.config), opts)
  return geminiAccount(opts.config, login.token, login.expiresAt, {
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.pollIntervalMs !== undefined ? { pollIntervalMs: opts.pollIntervalMs } : {}),
  })
}

export function geminiRefresher(
  config: Config,
  opts: { fetch?: typeof fetch; now?: () => number } = {},
): Refresher {
  return googleRefresher(geminiApp(config), opts)
}
