/**
 * A subscription whose API is OpenAI Chat Completions (Qwen, Kimi, iFlow): every client dialect
 * is translated to Chat, the access token (or a config key) goes as a Bearer token, and the
 * vendor's CLI headers ride along. What differs per vendor is the default base, the headers,
 * how a local model id becomes the upstream's, and how a login renews its token.
 */
import type { Config } from '../../config/schema.ts'
import type { Refresher } from '../../oauth/index.ts'
import type { ProviderId } from '../ids.ts'
import type { Credential, ModelInfo, Provider, UpstreamCall } from '../types.ts'
import { apiKeys } from './api-keys.ts'
import { baseHeaders } from './endpoints.ts'
import { refreshFetch } from './proxy.ts'

export interface ChatSubscription {
  id: ProviderId
  displayName: string
  models: readonly ModelInfo[]
  /** The API base (with its `/v1`) when neither the key, the config nor the login names one. */
  defaultBase: string
  /** The vendor CLI's headers for one call (authorization and content negotiation are added). */
  headers(call: UpstreamCall): Record<string, string>
  /** The upstream's id for a model id as clients send it; absent: unchanged. */
  upstreamModel?(model: string): string
  /** How a login renews its token; `fetch` goes through the provider's proxy when it has one. */
  refresher(config: Config, opts: { fetch?: typeof fetch }): Refresher
}

/**
 * The API base of a call: a key's own `base_url`, else `providers.<id>.base_url`, else the base a
 * login stored (Qwen's `resource_url`), else the vendor's.
 */
export function chatBase(
  id: ProviderId,
  call: { credential: Credential; config: Config },
  fallback: string,
): string {
  const b =
    call.credential.baseUrl ??
    call.config.providers[id]?.base_url ??
    call.credential.extra?.['apiBase'] ??
    fallback
  return b.replace(/\/+$/, '')
}

export function chatSubscriptionProvider(s: ChatSubscription): Provider {
  return {
    id: s.id,
    displayName: s.displayName,
    dialectFor: () => 'openai-chat',
    models: () => s.models,
    credentials: (config, accounts) => apiKeys(config, accounts, s.id, { oauth: true }),
    refresher: (config) => s.refresher(config, refreshFetch(config, s.id)),
    prepare: (call) => {
      const model = s.upstreamModel?.(call.model) ?? call.model
      return {
        url: `${chatBase(s.id, call, s.defaultBase)}/chat/completions`,
        headers: {
          ...baseHeaders(call.stream),
          ...s.headers(call),
          authorization: `Bearer ${call.credential.secret}`,
        },
        // only a renamed model costs a copy of the body
        body: model === call.model ? call.body : { ...call.body, model },
      }
    },
  }
}
