/**
 * OpenAI with an API key: Responses for Responses clients, Chat for Chat clients, and Responses
 * for the rest (it carries reasoning and encrypted reasoning round trips that Chat cannot).
 * Subscription mode (the Codex backend) arrives with logins.
 */
import type { DialectName } from '../../dialects/ir.ts'
import { apiKeys } from '../shared/api-keys.ts'
import { baseHeaders, endpointUrl, keyHeaders } from '../shared/endpoints.ts'
import type { Provider, UpstreamCall } from '../types.ts'
import { CODEX_MODELS } from './models.ts'

export const OPENAI_API = 'https://api.openai.com/v1'

function base(call: UpstreamCall): string {
  return call.credential.baseUrl ?? call.config.providers['codex']?.base_url ?? OPENAI_API
}

export const codex: Provider = {
  id: 'codex',
  displayName: 'Codex (OpenAI)',
  dialectFor: (inbound): DialectName => (inbound === 'openai-chat' ? 'openai-chat' : 'openai-responses'),
  models: () => CODEX_MODELS,
  credentials: (config, accounts) => apiKeys(config, accounts, 'codex'),
  prepare: (call) => ({
    url: endpointUrl(call.dialect, base(call), call.model, call.stream)!,
    headers: { ...baseHeaders(call.stream), ...keyHeaders(call.dialect, call.credential.secret) },
    body: call.body,
  }),
}
