/**
 * OpenAI with an API key: Responses for Responses clients, Chat for Chat clients, and Responses
 * for the rest (it carries reasoning and encrypted reasoning round trips that Chat cannot).
 * With a ChatGPT login (subscription mode): always Responses, to the Codex backend
 * (`subscription.ts`), streaming even for non-streaming clients. Responses calls of both modes
 * carry a `prompt_cache_key` for their conversation (`prompt-cache.ts`).
 */
import type { Config } from '../../config/schema.ts'
import type { DialectName } from '../../dialects/ir.ts'
import { apiKeys } from '../shared/api-keys.ts'
import { baseHeaders, endpointUrl, keyHeaders } from '../shared/endpoints.ts'
import { modelListRequest } from '../shared/model-lists.ts'
import { refreshFetch } from '../shared/proxy.ts'
import type { Credential, Provider } from '../types.ts'
import { codexRefresher } from './login.ts'
import { CODEX_MODELS, parseOpenAIModelList } from './models.ts'
import { sessionHeaders, withPromptCacheKey } from './prompt-cache.ts'
import { openaiQuotaFrom } from './quota.ts'
import { CODEX_BACKEND, subscriptionBody, subscriptionHeaders } from './subscription.ts'

export const OPENAI_API = 'https://api.openai.com/v1'

function base(call: { credential: Credential; config: Config }, fallback: string): string {
  return call.credential.baseUrl ?? call.config.providers['codex']?.base_url ?? fallback
}

export const codex: Provider = {
  id: 'codex',
  displayName: 'Codex (OpenAI)',
  dialectFor: (inbound, credential): DialectName =>
    inbound === 'openai-chat' && credential?.kind !== 'oauth' ? 'openai-chat' : 'openai-responses',
  models: () => CODEX_MODELS,
  credentials: (config, accounts) => apiKeys(config, accounts, 'codex', { oauth: true }),
  refresher: (config) => codexRefresher(config, refreshFetch(config, 'codex')),
  prepare: (call) => {
    if (call.credential.kind !== 'oauth') {
      const url = endpointUrl(call.dialect, base(call, OPENAI_API), call.model, call.stream)!
      const headers = { ...baseHeaders(call.stream), ...keyHeaders(call.dialect, call.credential.secret) }
      if (call.dialect !== 'openai-responses') return { url, headers, body: call.body }
      const body = withPromptCacheKey(call.body, call.inbound)
      return { url, headers: { ...headers, ...sessionHeaders(call.inbound, body) }, body }
    }
    // The gateway only pairs a login with a Responses body (see `dialectFor`).
    if (call.dialect !== 'openai-responses')
      throw new Error(`codex: a subscription login needs a Responses body, got ${call.dialect}`)
    const body = subscriptionBody(withPromptCacheKey(call.body, call.inbound))
    return {
      url: endpointUrl('openai-responses', base(call, CODEX_BACKEND), call.model, true)!,
      headers: subscriptionHeaders(
        call.credential.secret,
        call.credential.extra?.['accountId'],
        call.inbound,
        body,
      ),
      body,
      stream: true,
    }
  },
  modelList: {
    request: (credential, config) =>
      modelListRequest('openai-chat', base({ credential, config }, OPENAI_API), credential.secret),
    parse: parseOpenAIModelList,
  },
  quotaFrom: openaiQuotaFrom,
}
