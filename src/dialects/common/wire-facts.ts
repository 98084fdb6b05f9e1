/**
 * Pieces of the wire facts (`WireFacts`, ir.ts) that several dialects share:
 * the model in the body, usage that a stream always carries, an event's declared type.
 */

/** `setModel` of a dialect whose requests name the model in the body. */
export function setBodyModel(body: Record<string, unknown>, model: string): void {
  body['model'] = model
}

/** `askStreamUsage` of a dialect whose streams always end with the usage: nothing to ask. */
export const usageAlwaysStreamed = (body: Record<string, unknown>): Record<string, unknown> => body

/** `clientWantsStreamUsage` of a dialect whose streams always carry the usage. */
export const usageAlwaysWanted = (): boolean => true

/** `keepAlive` of a dialect whose clients skip SSE comment lines (every SSE reader must). */
export const SSE_COMMENT_KEEPALIVE = ': keep-alive\n\n'

/** The `type` an SSE event's JSON data declares at its start (where these dialects put it). */
export function declaredType(data: string): string | undefined {
  const m = /^\{\s*"type"\s*:\s*"([^"]+)"/.exec(data)
  return m?.[1]
}
