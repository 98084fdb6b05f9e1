/**
 * What the ChatGPT Codex backend expects of a Codex (ChatGPT subscription) login
 * (docs/protocols/codex-subscription.md, "Calls"):
 * `POST <base>/responses` in the Responses dialect, a Bearer access token with the ChatGPT
 * account in `chatgpt-account-id`, the Codex CLI's `originator`/`version`/`user-agent`, a
 * `session_id`, and a body with `instructions`, `store: false` and `stream: true` (always: a
 * non-streaming client's answer is collected from the stream), without the sampling and limit
 * fields the backend rejects.
 */

export const CODEX_BACKEND = 'https://chatgpt.com/backend-api/codex'
export const CODEX_ORIGINATOR = 'codex_cli_rs'
export const CODEX_CLI_VERSION = '0.120.0'

/** Body fields the backend rejects or that make no sense without `store`. */
const DROPPED = ['max_output_tokens', 'temperature', 'top_p', 'stream_options'] as const
const ENCRYPTED_REASONING = 'reasoning.encrypted_content'

export function subscriptionHeaders(
  token: string,
  accountId: string | undefined,
  inbound: Headers,
  body: Record<string, unknown>,
): Record<string, string> {
  const ua = inbound.get('user-agent')
  const cacheKey = body['prompt_cache_key']
  const h: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    'accept-encoding': 'identity',
    authorization: `Bearer ${token}`,
    originator: inbound.get('originator') ?? CODEX_ORIGINATOR,
    version: inbound.get('version') ?? CODEX_CLI_VERSION,
    'user-agent':
      ua && (ua.startsWith('codex_cli_rs/') || ua.startsWith('codex-tui/'))
        ? ua
        : `${CODEX_ORIGINATOR}/${CODEX_CLI_VERSION}`,
    'openai-beta': 'responses=experimental',
    // One id per conversation when the client names it, else one per request.
    session_id:
      inbound.get('session_id') ??
      (typeof cacheKey === 'string' && cacheKey !== '' ? cacheKey : crypto.randomUUID()),
  }
  if (accountId) h['chatgpt-account-id'] = accountId
  return h
}

/** A Responses body as the backend takes it. */
export function subscriptionBody(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body }
  for (const k of DROPPED) delete out[k]
  if (typeof out['instructions'] !== 'string') out['instructions'] = ''
  out['store'] = false
  out['stream'] = true
  const include = Array.isArray(out['include']) ? (out['include'] as unknown[]) : []
  if (!include.includes(ENCRYPTED_REASONING)) out['include'] = [...include, ENCRYPTED_REASONING]
  return out
}
