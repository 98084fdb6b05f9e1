/**
 * The `LoginSetup` of a Code Assist login (gemini, antigravity): the account's project, stored on
 * it as `project_id`, found with the provider's own discovery when missing, and forgotten when the
 * upstream says it is gone (docs/protocols/gemini-code-assist.md, "Project discovery"). Only a
 * discovered project can go stale; a configured one (`providers.<id>.project_id`) is the user's.
 */
import type { Config } from '../../config/schema.ts'
import type { AccountStore } from '../../store/types.ts'
import type { LoginSetup } from '../types.ts'
import { projectFor } from './code-assist-project.ts'

export type DiscoverProject = (
  config: Config,
  accessToken: string,
  opts: { signal?: AbortSignal },
) => Promise<string>

/** A project Code Assist no longer takes: refused (403) or not found (404), naming the project. */
function projectGone(provider: string) {
  return (config: Config, status: number, body: string): boolean => {
    if (config.providers[provider]?.project_id !== undefined) return false
    return (status === 403 || status === 404) && /project/i.test(body)
  }
}

export function projectLoginSetup(provider: string, discover: DiscoverProject): LoginSetup {
  return {
    async ensure({ config, accounts, accountId, accessToken, signal }) {
      const acc = accounts.get(provider, accountId)
      if (!acc || projectFor(config, provider, acc.token) !== undefined) return
      const project = await discover(config, accessToken, { signal })
      // the token may have been refreshed meanwhile: store the project on what is there now
      const now = accounts.get(provider, accountId)
      if (now) accounts.updateToken(provider, accountId, { ...now.token, project_id: project }, now.expiresAt)
    },
    stale: projectGone(provider),
    forget(accounts: AccountStore, accountId: string) {
      const acc = accounts.get(provider, accountId)
      if (!acc || acc.token.project_id === undefined) return
      const { project_id: _, ...token } = acc.token
      accounts.updateToken(provider, accountId, token, acc.expiresAt)
    },
  }
}
