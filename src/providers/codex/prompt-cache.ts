/**
 * OpenAI's prompt cache sends requests with the same `prompt_cache_key` to the same cache, which is
 * what makes long agent conversations cheap. Codex CLI puts its conversation id there and in the
 * `session_id` (and `conversation_id`) headers; a request from any other client, or one translated
 * from another dialect, gets a key derived from its conversation (`sessionKeyOf`: the client's
 * session header, else a hash of its system prompt and first user message), so every turn of one
 * conversation reuses the cache. The derived key is a hash shaped as a UUID, like Codex CLI's own:
 * no client's session id goes upstream.
 */
import { sessionKeyOf } from '../shared/session.ts'

/** Headers Codex CLI sends about its conversation, forwarded as they came. */
const SESSION_HEADERS = ['session_id', 'conversation_id', 'originator', 'version'] as const

/** The body with a `prompt_cache_key`: its own when it has one, else one for its conversation (or none). */
export function withPromptCacheKey(body: Record<string, unknown>, inbound: Headers): Record<string, unknown> {
  const own = body['prompt_cache_key']
  if (typeof own === 'string' && own !== '') return body
  const session = sessionKeyOf(inbound, body)
  return session === undefined ? body : { ...body, prompt_cache_key: conversationUuid(session) }
}

/**
 * A UUID for a conversation key, the form Codex CLI's own conversation ids have: the first 16
 * bytes of its SHA-256, marked as a name-based (version 8) UUID.
 */
function conversationUuid(session: string): string {
  const b = new Bun.CryptoHasher('sha256').update(session).digest().subarray(0, 16)
  b[6] = (b[6]! & 0x0f) | 0x80
  b[8] = (b[8]! & 0x3f) | 0x80
  const hex = b.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * The conversation headers of an API-key Responses call: those the client sent, and `session_id`
 * from the cache key when the client sent none.
 */
export function sessionHeaders(inbound: Headers, body: Record<string, unknown>): Record<string, string> {
  const h: Record<string, string> = {}
  for (const name of SESSION_HEADERS) {
    const v = inbound.get(name)
    if (v) h[name] = v
  }
  const key = body['prompt_cache_key']
  if (!h['session_id'] && typeof key === 'string' && key !== '') h['session_id'] = key
  return h
}
