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
import { loginKiroBuilderId } from './kiro/login.ts'
import { loginQwen } from './qwen/login.ts'

/** What the caller of a login gives it: where its lines and prompts go, a paste source, a stop signal. */
export interface LoginHooks {
  print: (line: string) => void
  prompt: (p: LoginPrompt) => void
  signal: AbortSignal
  /** The redirected URL or code a user pastes, for auth-code flows whose callback cannot be reached. */
  readPastedLine?: (signal: AbortSignal) => Promise<string | undefined>
}

export type LoginFlow = (config: Config, hooks: LoginHooks) => Promise<NewAccount>

/** The callback port of an auth-code login: the config's override, else the provider's own. */
function redirectPortOf(config: Config, provider: string): { redirectPort?: number } {
  const port = config.providers[provider]?.oauth?.redirect_port
  return port === undefined ? {} : { redirectPort: port }
}

export const LOGIN_FLOWS: Readonly<Record<string, LoginFlow>> = {
  claude: (config, hooks) => loginClaude({ config, ...hooks, ...redirectPortOf(config, 'claude') }),
  codex: (config, hooks) => loginCodex({ config, ...hooks, ...redirectPortOf(config, 'codex') }),
  iflow: (config, hooks) => loginIFlow({ config, ...hooks, ...redirectPortOf(config, 'iflow') }),
  amp: (config, hooks) => loginAmp({ config, ...hooks, ...redirectPortOf(config, 'amp') }),
  antigravity: (config, hooks) =>
    loginAntigravity({ config, ...hooks, ...redirectPortOf(config, 'antigravity') }),
  gemini: (config, hooks) => loginGemini({ config, ...hooks, ...redirectPortOf(config, 'gemini') }),
  copilot: (config, { print, prompt, signal }) => loginCopilot({ config, print, prompt, signal }),
  qwen: (config, { print, prompt, signal }) => loginQwen({ config, print, prompt, signal }),
  kimi: (config, { print, prompt, signal }) => loginKimi({ config, print, prompt, signal }),
  // AWS Builder ID, as `byokey login kiro` without --idp
  kiro: (config, { print, prompt, signal }) => loginKiroBuilderId({ config, print, prompt, signal }),
}
