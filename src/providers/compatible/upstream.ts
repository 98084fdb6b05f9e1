/**
 * Any compatible service declared under `upstreams:` (OpenRouter, DeepSeek, Ollama, vLLM,
 * Anthropic-compatible Kimi/GLM endpoints…): its dialect decides the paths and the key header.
 */
import type { UpstreamSettings } from '../../config/schema.ts'
import type { DialectName } from '../../dialects/ir.ts'
import { parseAnthropicModelList } from '../claude/models.ts'
import { parseOpenAIModelList } from '../codex/models.ts'
import { parseGeminiModelList } from '../gemini/models.ts'
import { anthropicHeaders, baseHeaders, endpointUrl, keyHeaders } from '../shared/endpoints.ts'
import { modelListRequest } from '../shared/model-lists.ts'
import type { Credential, ModelInfo, Provider, UpstreamCall } from '../types.ts'

/** Each dialect's model-list answer, as its vendor's provider reads it. */
const LIST_PARSERS: Record<DialectName, (body: unknown) => ModelInfo[]> = {
  'openai-chat': parseOpenAIModelList,
  'openai-responses': parseOpenAIModelList,
  'anthropic-messages': parseAnthropicModelList,
  gemini: parseGeminiModelList,
}

function credentialOf(
  u: UpstreamSettings,
  env: Record<string, string | undefined>,
  proxy: string | undefined,
): Credential[] {
  const key = u.api_key ?? (u.api_key_env ? env[u.api_key_env] : undefined)
  // Local servers (Ollama, vLLM) often take no key at all: call without one.
  const c: Credential = { kind: 'api_key', secret: key ?? '', label: u.name }
  if (proxy) c.proxy = proxy
  return [c]
}

function headers(u: UpstreamSettings, call: UpstreamCall): Record<string, string> {
  return {
    ...baseHeaders(call.stream),
    ...(u.dialect === 'anthropic-messages' ? anthropicHeaders(call.inbound) : {}),
    ...(call.credential.secret ? keyHeaders(u.dialect, call.credential.secret) : {}),
    ...u.headers,
  }
}

/** A provider for one `upstreams:` entry. */
export function compatibleProvider(
  u: UpstreamSettings,
  env: Record<string, string | undefined> = process.env,
  /** The config's top-level `proxy_url`, for an entry without its own. */
  globalProxy?: string,
): Provider {
  // the entry's key is config (or environment read once): the same for every call of this provider
  const credentials = credentialOf(u, env, u.proxy_url ?? globalProxy)
  return {
    id: u.name,
    displayName: u.name,
    dialectFor: () => u.dialect,
    models: () => u.models.map((id) => ({ id })),
    credentials: () => credentials,
    prepare: (call) => ({
      url: endpointUrl(u.dialect, u.base_url, call.model, call.stream)!,
      headers: headers(u, call),
      body: call.body,
    }),
    prepareCountTokens: (call) => {
      const url = endpointUrl(u.dialect, u.base_url, call.model, false, 'count_tokens')
      return url ? { url, headers: headers(u, { ...call, stream: false }), body: call.body } : undefined
    },
    modelList: {
      request: (credential) => {
        const r = modelListRequest(u.dialect, u.base_url, credential.secret)
        return { url: r.url, headers: { ...r.headers, ...u.headers } }
      },
      parse: LIST_PARSERS[u.dialect],
    },
  }
}
