/**
 * Gemini through the Gemini API (generateContent) with an API key, or through Google's Code
 * Assist server with a Gemini CLI login (`subscription.ts`): the same bodies, in an envelope.
 */
import type { Config } from '../../config/schema.ts'
import { codeAssist } from '../../dialects/gemini/index.ts'
import type { DialectName } from '../../dialects/ir.ts'
import { apiKeys } from '../shared/api-keys.ts'
import { baseHeaders, endpointUrl, keyHeaders } from '../shared/endpoints.ts'
import { modelListRequest } from '../shared/model-lists.ts'
import { refreshFetch } from '../shared/proxy.ts'
import type { Credential, Provider } from '../types.ts'
import { geminiRefresher } from './login.ts'
import { GEMINI_MODELS, parseGeminiModelList } from './models.ts'
import { geminiLoginSetup, prepareSubscription } from './subscription.ts'

export const GEMINI_API = 'https://generativelanguage.googleapis.com'
const DIALECT: DialectName = 'gemini'

function base(call: { credential: Credential; config: Config }): string {
  return call.credential.baseUrl ?? call.config.providers['gemini']?.base_url ?? GEMINI_API
}

export const gemini: Provider = {
  id: 'gemini',
  displayName: 'Gemini (Google)',
  dialectFor: () => DIALECT,
  upstreamCodec: (credential) => (credential?.kind === 'oauth' ? codeAssist : undefined),
  loginSetup: geminiLoginSetup,
  models: () => GEMINI_MODELS,
  credentials: (config, accounts) => apiKeys(config, accounts, 'gemini', { oauth: true }),
  refresher: (config) => geminiRefresher(config, refreshFetch(config, 'gemini')),
  prepare: (call) =>
    call.credential.kind === 'oauth'
      ? prepareSubscription(call)
      : {
          url: endpointUrl(DIALECT, base(call), call.model, call.stream)!,
          headers: { ...baseHeaders(call.stream), ...keyHeaders(DIALECT, call.credential.secret) },
          body: call.body,
        },
  // Code Assist counts in an envelope of its own: a login's count is estimated locally
  prepareCountTokens: (call) =>
    call.credential.kind === 'oauth'
      ? undefined
      : {
          url: endpointUrl(DIALECT, base(call), call.model, false, 'count_tokens')!,
          headers: { ...baseHeaders(false), ...keyHeaders(DIALECT, call.credential.secret) },
          body: call.body,
        },
  modelList: {
    request: (credential, config) =>
      modelListRequest(DIALECT, base({ credential, config }), credential.secret),
    parse: parseGeminiModelList,
  },
}
