/**
 * Antigravity (Google's agent IDE subscription) through its Code Assist backend, with a Google
 * login: Gemini, Claude and GPT-OSS models, all in Gemini's format inside the Code Assist
 * envelope: requests are shaped as Gemini bodies and wrapped here, answers decoded by the
 * envelope's codec. Calls go to the daily host and, on a transport error, 429 or 5xx, to the
 * sandbox host with the same account.
 */
import type { Config } from '../../config/schema.ts'
import { codeAssist } from '../../dialects/gemini/index.ts'
import type { DialectName } from '../../dialects/ir.ts'
import { apiKeys } from '../shared/api-keys.ts'
import { projectLoginSetup } from '../shared/project-setup.ts'
import { refreshFetch } from '../shared/proxy.ts'
import type { Credential, Provider, UpstreamCall } from '../types.ts'
import { antigravityProject, antigravityRefresher } from './login.ts'
import { ANTIGRAVITY_MODELS } from './models.ts'
import { antigravityEnvelope, subscriptionHeaders } from './subscription.ts'

export const ANTIGRAVITY_API = 'https://daily-cloudcode-pa.googleapis.com'
export const ANTIGRAVITY_FALLBACK_HOSTS: readonly string[] = [
  'https://daily-cloudcode-pa.sandbox.googleapis.com',
]
const DIALECT: DialectName = 'gemini'

/** The hosts of a call, in order: `base_url` (or the credential's), then the fallbacks. */
export function antigravityHosts(call: { credential: Credential; config: Config }): string[] {
  const p = call.config.providers['antigravity']
  const own = call.credential.baseUrl ?? p?.base_url
  const fallbacks = p?.fallback_base_urls ?? (own === undefined ? ANTIGRAVITY_FALLBACK_HOSTS : [])
  return [own ?? ANTIGRAVITY_API, ...fallbacks].map((h) => h.replace(/\/+$/, ''))
}

function methodUrl(host: string, stream: boolean): string {
  return stream ? `${host}/v1internal:streamGenerateContent?alt=sse` : `${host}/v1internal:generateContent`
}

export function prepareAntigravity(call: UpstreamCall) {
  const [host, ...fallbacks] = antigravityHosts(call)
  const body = antigravityEnvelope(call.body, call.model, {
    project: call.config.providers['antigravity']?.project_id ?? call.credential.extra?.['projectId'],
    requestId: `agent-${crypto.randomUUID()}`,
  })
  return {
    url: methodUrl(host!, call.stream),
    headers: subscriptionHeaders(call.credential.secret, call.stream),
    body,
    ...(fallbacks.length > 0 ? { fallbackUrls: fallbacks.map((h) => methodUrl(h, call.stream)) } : {}),
  }
}

export const antigravity: Provider = {
  id: 'antigravity',
  displayName: 'Antigravity (Google)',
  dialectFor: () => DIALECT,
  // every credential is a login answering in the Code Assist envelope
  upstreamCodec: () => codeAssist,
  loginSetup: projectLoginSetup('antigravity', antigravityProject),
  models: () => ANTIGRAVITY_MODELS,
  credentials: (config, accounts) => apiKeys(config, accounts, 'antigravity', { oauth: true }),
  refresher: (config) => antigravityRefresher(config, refreshFetch(config, 'antigravity')),
  prepare: prepareAntigravity,
}
