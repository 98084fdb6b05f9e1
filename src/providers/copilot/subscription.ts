/**
 * What the Copilot API expects of a call (docs/protocols/copilot.md, "API calls"):
 * `POST {api}/chat/completions` with the Copilot token as Bearer, the editor's headers,
 * `x-initiator` (`agent` once the conversation has an assistant or tool turn, else `user`: premium
 * requests are billed per user turn), and `copilot-vision-request: true` when a message carries an
 * image.
 */
import { COPILOT_EDITOR_HEADERS } from './login.ts'

export const COPILOT_INTEGRATION_ID = 'vscode-chat'
export const COPILOT_INTENT = 'conversation-panel'

function messagesOf(body: Record<string, unknown>): Record<string, unknown>[] {
  const m = body['messages']
  return Array.isArray(m)
    ? m.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null)
    : []
}

/** `agent` when any message is an assistant or tool turn, else `user`. */
export function initiatorOf(body: Record<string, unknown>): 'agent' | 'user' {
  return messagesOf(body).some((m) => m['role'] === 'assistant' || m['role'] === 'tool') ? 'agent' : 'user'
}

/** Whether any message has an image part (Chat `image_url`). */
export function hasImage(body: Record<string, unknown>): boolean {
  return messagesOf(body).some(
    (m) =>
      Array.isArray(m['content']) &&
      (m['content'] as unknown[]).some(
        (p) => typeof p === 'object' && p !== null && (p as { type?: unknown }).type === 'image_url',
      ),
  )
}

export function subscriptionHeaders(
  token: string,
  body: Record<string, unknown>,
  stream: boolean,
): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
    authorization: `Bearer ${token}`,
    ...COPILOT_EDITOR_HEADERS,
    'copilot-integration-id': COPILOT_INTEGRATION_ID,
    'openai-intent': COPILOT_INTENT,
    'x-initiator': initiatorOf(body),
    'x-request-id': crypto.randomUUID(),
  }
  if (stream) h['accept-encoding'] = 'identity'
  if (hasImage(body)) h['copilot-vision-request'] = 'true'
  return h
}
