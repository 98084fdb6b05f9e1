/**
 * The conversation a request belongs to, from what clients really send: Claude Code's session
 * header or the session inside `metadata.user_id`, Codex's `session_id` header or the body's
 * `prompt_cache_key`; else a hash of the system prompt and the first user message, which stay
 * the same for every turn of one conversation. Read from the client's raw body (any dialect),
 * once per request and only when affinity can matter.
 */

type Body = Record<string, unknown>

/** The request's session key, or undefined when it carries nothing to tell conversations apart. */
export function sessionKeyOf(headers: Headers, body: Body): string | undefined {
  const claudeCode = headers.get('x-claude-code-session-id')
  if (claudeCode) return `cc:${claudeCode}`
  const fromUser = sessionInUserId(body['metadata'])
  if (fromUser) return `cc:${fromUser}`
  const codex = headers.get('session_id') ?? headers.get('session-id')
  if (codex) return `sid:${codex}`
  const cacheKey = body['prompt_cache_key']
  if (typeof cacheKey === 'string' && cacheKey !== '') return `pck:${cacheKey}`
  const opening = openingOf(body)
  return opening === undefined ? undefined : `h:${Bun.hash(JSON.stringify(opening)).toString(36)}`
}

/**
 * The session id in Claude Code's `metadata.user_id`: a JSON string with `session_id`, or the
 * older `user_<hash>_account_<uuid>_session_<uuid>`. A user id without a session names a person,
 * not a conversation, so it is not used.
 */
function sessionInUserId(metadata: unknown): string | undefined {
  if (!metadata || typeof metadata !== 'object') return undefined
  const userId = (metadata as Body)['user_id']
  if (typeof userId !== 'string') return undefined
  if (userId.startsWith('{')) {
    try {
      const parsed = JSON.parse(userId) as unknown
      const id = parsed && typeof parsed === 'object' ? (parsed as Body)['session_id'] : undefined
      return typeof id === 'string' && id !== '' ? id : undefined
    } catch {
      return undefined
    }
  }
  const at = userId.lastIndexOf('_session_')
  return at === -1 ? undefined : userId.slice(at + '_session_'.length) || undefined
}

/** The system prompt and the first user message, in whichever dialect the body speaks. */
function openingOf(body: Body): [unknown, unknown] | undefined {
  const isUser = (m: unknown) => !!m && typeof m === 'object' && (m as Body)['role'] === 'user'
  const messages = body['messages'] ?? body['contents']
  if (Array.isArray(messages)) {
    const first = messages.find(isUser)
    if (first === undefined) return undefined
    // Anthropic `system`, Gemini `systemInstruction`, OpenAI Chat's system/developer message
    const system =
      body['system'] ??
      body['systemInstruction'] ??
      messages.find((m) => {
        const role = m && typeof m === 'object' ? (m as Body)['role'] : undefined
        return role === 'system' || role === 'developer'
      })
    return [system ?? null, first]
  }
  const input = body['input']
  if (typeof input === 'string') return [body['instructions'] ?? null, input]
  if (Array.isArray(input)) {
    const first = input.find(isUser)
    return first === undefined ? undefined : [body['instructions'] ?? null, first]
  }
  return undefined
}
