/** Claude through the Anthropic Messages API with an API key (subscription mode arrives with logins). */
import type { DialectName } from '../../dialects/ir.ts'
import { apiKeys } from '../shared/api-keys.ts'
import { anthropicHeaders, baseHeaders, endpointUrl, keyHeaders } from '../shared/endpoints.ts'
import type { Provider, UpstreamCall } from '../types.ts'
import { CLAUDE_MODELS } from './models.ts'

export const CLAUDE_API = 'https://api.anthropic.com'
const DIALECT: DialectName = 'anthropic-messages'

function base(call: UpstreamCall): string {
  return call.credential.baseUrl ?? call.config.providers['claude']?.base_url ?? CLAUDE_API
}

function headers(call: UpstreamCall): Record<string, string> {
  return {
    ...baseHeaders(call.stream),
    ...anthropicHeaders(call.inbound),
    ...keyHeaders(DIALECT, call.credential.secret),
  }
}

export const claude: Provider = {
  id: 'claude',
  displayName: 'Claude (Anthropic)',
  dialectFor: () => DIALECT,
  models: () => CLAUDE_MODELS,
  credentials: (config, accounts) => apiKeys(config, accounts, 'claude'),
  prepare: (call) => ({
    url: endpointUrl(DIALECT, base(call), call.model, call.stream)!,
    headers: headers(call),
    body: call.body,
  }),
  prepareCountTokens: (call) => ({
    url: endpointUrl(DIALECT, base(call), call.model, false, 'count_tokens')!,
    headers: headers({ ...call, stream: false }),
    body: call.body,
  }),
}
