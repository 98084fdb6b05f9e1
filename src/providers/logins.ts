/**
 * The subscription logins a UI can start (the management API's `POST /admin/v1/logins`): one
 * entry per provider with a login flow, all run the same way. A provider that gains a login adds
 * its line here.
 */
import type { Config } from '../config/schema.ts'
import type { LoginPrompt } from '../oauth/index.ts'
import type { NewAccount } from '../store/types.ts'
import { loginAmp } from './amp/login.ts'
import { loginAntigravity } from './antigravity/login.ts'
import { loginClaude } from './claude/login.ts'
import { loginCodex } from './codex/login.ts'
import { loginCopilot } from './copilot/login.ts'
import { loginGemini } from './gemini/login.ts'
import { loginIFlow } from './iflow/login.ts'
import { loginKimi } from './kimi/login.ts'
import { type KiroIdp, loginKiroBuilderId, loginKiroSocial } from './kiro/login.ts'
import { loginQwen } from './qwen/login.ts'

/** What the caller of a login gives it: where its lines and prompts go, a paste source, a stop signal. */
export interface LoginHooks {
  print: (line: string) => void
  /** The URL or code as data, for a UI that shows them. */
  prompt?: (p: LoginPrompt) => void
  signal: AbortSignal
  /** The redirected URL or code a user pastes, for auth-code flows whose callback cannot be reached. */
  readPastedLine?: (signal: AbortSignal) => Promise<string | undefined>
  /** Opens the authorize URL in a browser, where the caller has one (the command line on a desktop). */
  openBrowser?: (url: string) => void
  /** Seconds left to approve a device code, for a countdown. */
  onTick?: (secondsLeft: number) => void
  /** No browser on this machine: a login with a code page of its own (Google's) shows that instead. */
  noBrowser?: boolean
  /** Kiro: the social login through this identity provider instead of AWS Builder ID. */
  idp?: KiroIdp
}

export type LoginFlow = (config: Config, hooks: LoginHooks) => Promise<NewAccount>

/** The callback port of an auth-code login: the config's override, else the provider's own. */
function redirectPortOf(config: Config, provider: string): { redirectPort?: number } {
  const port = config.providers[provider]?.oauth?.redirect_port
  return port === undefined ? {} : { redirectPort: port }
}

/** What a browser login takes of the hooks (the countdown and the code page are not its business). */
function browserHooks(config: Config, provider: string, hooks: LoginHooks) {
  const { print, prompt, signal, readPastedLine, openBrowser } = hooks
  return {
    config,
    print,
    signal,
    ...(prompt ? { prompt } : {}),
    ...(readPastedLine ? { readPastedLine } : {}),
    ...(openBrowser ? { openBrowser } : {}),
    ...redirectPortOf(config, provider),
  }
}

/** What a device-code login takes of the hooks. */
function deviceHooks(config: Config, hooks: LoginHooks) {
  const { print, prompt, signal, onTick } = hooks
  return { config, print, signal, ...(prompt ? { prompt } : {}), ...(onTick ? { onTick } : {}) }
}

/**
 * Every subscription login, in the order `byokey login` lists them: the command line and the
 * management API both run them from here.
 */
export const LOGIN_FLOWS = {
  claude: (config, hooks) => loginClaude(browserHooks(config, 'claude', hooks)),
  codex: (config, hooks) => loginCodex(browserHooks(config, 'codex', hooks)),
  copilot: (config, hooks) => loginCopilot(deviceHooks(config, hooks)),
  qwen: (config, hooks) => loginQwen(deviceHooks(config, hooks)),
  kimi: (config, hooks) => loginKimi(deviceHooks(config, hooks)),
  iflow: (config, hooks) => loginIFlow(browserHooks(config, 'iflow', hooks)),
  amp: (config, hooks) => loginAmp(browserHooks(config, 'amp', hooks)),
  // Google's code page instead of the loopback without a browser, as Gemini CLI does
  gemini: (config, hooks) =>
    loginGemini({ ...browserHooks(config, 'gemini', hooks), codePage: hooks.noBrowser === true }),
  antigravity: (config, hooks) => loginAntigravity(browserHooks(config, 'antigravity', hooks)),
  // AWS Builder ID by device code, unless an identity provider is named
  kiro: (config, hooks) =>
    hooks.idp
      ? loginKiroSocial({ ...browserHooks(config, 'kiro', hooks), idp: hooks.idp })
      : loginKiroBuilderId(deviceHooks(config, hooks)),
} as const satisfies Record<string, LoginFlow>

export type LoginProvider = keyof typeof LOGIN_FLOWS

/** The providers with a login, in the order `byokey login` lists them. */
export const LOGIN_PROVIDERS = Object.keys(LOGIN_FLOWS) as LoginProvider[]
