/**
 * GitHub Copilot through its OpenAI Chat API, with a Copilot login (or a Copilot token in the
 * config). A login stores the long-lived GitHub token (`github_token`); the refresher exchanges
 * it for the short-lived Copilot token, which the token manager keeps fresh as the account's
 * `access_token`, and the API base the exchange named (`api_base`).
 */
import type { Config } from '../../config/schema.ts'
import type { DialectName } from '../../dialects/ir.ts'
import { InvalidGrantError, type Refresher } from '../../oauth/index.ts'
import { apiKeys } from '../shared/api-keys.ts'
import { LiveModels } from '../shared/live-models.ts'
import { refreshFetch } from '../shared/proxy.ts'
import type { Provider, UpstreamCall } from '../types.ts'
import { COPILOT_DEFAULT_API, exchangeCopilotToken } from './login.ts'
import { COPILOT_MODELS, refreshCopilotModels } from './models.ts'
import { subscriptionHeaders } from './subscription.ts'

const DIALECT: DialectName = 'openai-chat'

function base(call: UpstreamCall): string {
  const b =
    call.credential.baseUrl ??
    call.config.providers['copilot']?.base_url ??
    call.credential.extra?.['apiBase'] ??
    COPILOT_DEFAULT_API
  return b.replace(/\/+$/, '')
}

/**
 * Exchanges the account's GitHub token for a Copilot token (its access token until `refreshAt`),
 * and reports the subscription's model list to `models`.
 */
export function copilotRefresher(config: Config, models: LiveModels): Refresher {
  return {
    refresh: async (account) => {
      const github = account.token['github_token']
      if (typeof github !== 'string' || github === '')
        throw new InvalidGrantError('the stored Copilot login has no GitHub token', 401)
      const through = refreshFetch(config, 'copilot')
      const t = await exchangeCopilotToken(config, github, through)
      // Each new token also refreshes the model list, off the request path.
      void refreshCopilotModels(models, t.apiBase, subscriptionHeaders(t.token, {}, false), through.fetch)
      return {
        token: { ...account.token, access_token: t.token, api_base: t.apiBase },
        expiresAt: t.refreshAt,
      }
    },
  }
}

/** A Copilot provider whose model list is `models`: the static one until a login's token reports its own. */
export function copilotProvider(models = new LiveModels(COPILOT_MODELS)): Provider {
  return {
    id: 'copilot',
    displayName: 'GitHub Copilot',
    dialectFor: () => DIALECT,
    models: () => models.list,
    credentials: (config, accounts) => apiKeys(config, accounts, 'copilot', { oauth: true }),
    refresher: (config) => copilotRefresher(config, models),
    prepare: (call) => ({
      url: `${base(call)}/chat/completions`,
      headers: subscriptionHeaders(call.credential.secret, call.body, call.stream),
      body: call.body,
    }),
  }
}
