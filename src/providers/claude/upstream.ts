/** Claude through the Anthropic Messages API: with an API key, or with a Claude Pro/Max login (subscription mode). */
import type { Config } from '../../config/schema.ts'
import type { DialectName } from '../../dialects/ir.ts'
import { apiKeys } from '../shared/api-keys.ts'
import { anthropicHeaders, baseHeaders, endpointUrl, keyHeaders } from '../shared/endpoints.ts'
import { modelListRequest } from '../shared/model-lists.ts'
import { refreshFetch } from '../shared/proxy.ts'
import type { Credential, Provider, UpstreamCall } from '../types.ts'
import { claudeRefresher } from './login.ts'
import { CLAUDE_MODELS, parseAnthropicModelList } from './models.ts'
import { claudeQuotaFrom } from './quota.ts'
import { subscriptionHeaders, withIdentityBlock } from './subscription.ts'

export const CLAUDE_API = 'https://api.anthropic.com'
const DIALECT: DialectName = 'anthropic-messages'

function base(call: { credential: Credential; config: Config }): string {
  return call.credential.baseUrl ?? call.config.providers['claude']?.base_url ?? CLAUDE_API
}

function headers(call: UpstreamCall): Record<string, string> {
  const auth =
    call.credential.kind === 'oauth'
      ? subscriptionHeaders(call.credential.secret, call.inbound)
      : keyHeaders(DIALECT, call.credential.secret)
  return { ...baseHeaders(call.stream), ...anthropicHeaders(call.inbound), ...auth }
}

/** Subscription calls go to `?beta=true` with Claude Code's identity first in the system prompt. */
function shaped(call: UpstreamCall, url: string): { url: string; body: Record<string, unknown> } {
  if (call.credential.kind !== 'oauth') return { url, body: call.body }
  return { url: `${url}?beta=true`, body: withIdentityBlock(call.body) }
}

export const claude: Provider = {
  id: 'claude',
  displayName: 'Claude (Anthropic)',
  dialectFor: () => DIALECT,
  models: () => CLAUDE_MODELS,
  credentials: (config, accounts) => apiKeys(config, accounts, 'claude', { oauth: true }),
  refresher: (config) => claudeRefresher(config, refreshFetch(config, 'claude')),
  prepare: (call) => ({
    ...shaped(call, endpointUrl(DIALECT, base(call), call.model, call.stream)!),
    headers: headers(call),
  }),
  prepareCountTokens: (call) => ({
    ...shaped(call, endpointUrl(DIALECT, base(call), call.model, false, 'count_tokens')!),
    headers: headers({ ...call, stream: false }),
  }),
  modelList: {
    request: (credential, config) =>
      modelListRequest(DIALECT, base({ credential, config }), credential.secret),
    parse: parseAnthropicModelList,
  },
  quotaFrom: claudeQuotaFrom,
}
