/** Gemini through the Gemini API (generateContent) with an API key. */
import type { Config } from '../../config/schema.ts'
import type { DialectName } from '../../dialects/ir.ts'
import { apiKeys } from '../shared/api-keys.ts'
import { baseHeaders, endpointUrl, keyHeaders } from '../shared/endpoints.ts'
import { modelListRequest } from '../shared/model-lists.ts'
import type { Credential, Provider } from '../types.ts'
import { GEMINI_MODELS, parseGeminiModelList } from './models.ts'

export const GEMINI_API = 'https://generativelanguage.googleapis.com'
const DIALECT: DialectName = 'gemini'

function base(call: { credential: Credential; config: Config }): string {
  return call.credential.baseUrl ?? call.config.providers['gemini']?.base_url ?? GEMINI_API
}

export const gemini: Provider = {
  id: 'gemini',
  displayName: 'Gemini (Google)',
  dialectFor: () => DIALECT,
  models: () => GEMINI_MODELS,
  credentials: (config, accounts) => apiKeys(config, accounts, 'gemini'),
  prepare: (call) => ({
    url: endpointUrl(DIALECT, base(call), call.model, call.stream)!,
    headers: { ...baseHeaders(call.stream), ...keyHeaders(DIALECT, call.credential.secret) },
    body: call.body,
  }),
  prepareCountTokens: (call) => ({
    url: endpointUrl(DIALECT, base(call), call.model, false, 'count_tokens')!,
    headers: { ...baseHeaders(false), ...keyHeaders(DIALECT, call.credential.secret) },
    body: call.body,
  }),
  modelList: {
    request: (credential, config) =>
      modelListRequest(DIALECT, base({ credential, config }), credential.secret),
    parse: parseGeminiModelList,
  },
}
