/**
 * Where each wire dialect's calls go relative to a base URL, and how each authenticates with a
 * key. `base_url` means what the official SDK of that dialect means by it: Anthropic and Gemini
 * take the origin (`http://127.0.0.1:9000`), OpenAI includes the version (`…/v1`).
 */
import type { UpstreamDialectName } from '../../dialects/ir.ts'

export type CallKind = 'generate' | 'count_tokens'

/**
 * The URL of one call; undefined when the dialect has no such call (OpenAI has no token
 * counting) or its provider places its calls itself (Kiro).
 */
export function endpointUrl(
  dialect: UpstreamDialectName,
  base: string,
  model: string,
  stream: boolean,
  kind: CallKind = 'generate',
): string | undefined {
  const root = base.replace(/\/+$/, '')
  switch (dialect) {
    case 'openai-chat':
      return kind === 'generate' ? `${root}/chat/completions` : undefined
    case 'openai-responses':
      return kind === 'generate' ? `${root}/responses` : undefined
    case 'anthropic-messages':
      return kind === 'generate' ? `${root}/v1/messages` : `${root}/v1/messages/count_tokens`
    case 'gemini': {
      const m = `${root}/v1beta/models/${encodeURIComponent(model)}`
      if (kind === 'count_tokens') return `${m}:countTokens`
      return stream ? `${m}:streamGenerateContent?alt=sse` : `${m}:generateContent`
    }
    default:
      return undefined
  }
}

/** How a dialect's API takes a key. */
export function keyHeaders(dialect: UpstreamDialectName, key: string): Record<string, string> {
  switch (dialect) {
    case 'anthropic-messages':
      return { 'x-api-key': key }
    case 'gemini':
      return { 'x-goog-api-key': key }
    default:
      return { authorization: `Bearer ${key}` }
  }
}

/** Headers every upstream call carries: JSON in, SSE out uncompressed (gzip breaks line scanning). */
export function baseHeaders(stream: boolean): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
    'accept-encoding': stream ? 'identity' : 'gzip, deflate, br',
  }
}

/** Anthropic wants a version header; forward the client's when it sent one. */
export function anthropicHeaders(inbound: Headers): Record<string, string> {
  const h: Record<string, string> = { 'anthropic-version': inbound.get('anthropic-version') ?? '2023-06-01' }
  const beta = inbound.get('anthropic-beta')
  if (beta) h['anthropic-beta'] = beta
  return h
}
