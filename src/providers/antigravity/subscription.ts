/**
 * What the Antigravity backend expects of a call (docs/protocols/antigravity.md, "Calls"): the
 * Code Assist envelope with Antigravity's own fields (`project`, `requestId`, `userAgent`,
 * `requestType`, `request.sessionId`), no `safetySettings`, Claude's rules for Claude models, and
 * the IDE's headers.
 */
import { isClaudeModel, isImageModel, upstreamModel } from './models.ts'

/**
 * The IDE version byokey presents: the lowest the backend serves every model to (older versions
 * are refused the newer models; the original's `1.20.5` is below it).
 */
export const ANTIGRAVITY_VERSION = '2.9.1'
export const ANTIGRAVITY_USER_AGENT = `antigravity/${ANTIGRAVITY_VERSION} darwin/arm64`

type Json = Record<string, unknown>

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

export function subscriptionHeaders(token: string, stream: boolean): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
    // gzip'd SSE breaks line scanning
    'accept-encoding': stream ? 'identity' : 'gzip, deflate, br',
    'user-agent': ANTIGRAVITY_USER_AGENT,
  }
}

/**
 * A session id that stays the same over one conversation's turns (the backend keys its caches on
 * it): a signed 64-bit decimal from the hash of the first turn, as the IDE's are shaped.
 */
export function sessionIdOf(request: Json): string {
  const contents = request['contents']
  const first = Array.isArray(contents) ? contents[0] : undefined
  const h = Bun.hash.wyhash(JSON.stringify(first ?? null))
  return BigInt.asIntN(64, BigInt(h)).toString()
}

/**
 * Claude through Antigravity: tool calls are validated against their schemas (`VALIDATED`, the
 * mode Claude answers in; an explicit `ANY`/`NONE` stays), and a thought part without a signature
 * is dropped (Claude refuses a thinking block it cannot verify). Returns the request changed.
 */
export function claudeRequest(request: Json): Json {
  const out: Json = { ...request }
  if (Array.isArray(request['tools']) && request['tools'].length > 0) {
    const tc = isObj(request['toolConfig']) ? request['toolConfig'] : {}
    const fc = isObj(tc['functionCallingConfig']) ? tc['functionCallingConfig'] : {}
    if (fc['mode'] === undefined || fc['mode'] === 'AUTO')
      out['toolConfig'] = { ...tc, functionCallingConfig: { ...fc, mode: 'VALIDATED' } }
  }
  if (Array.isArray(request['contents'])) {
    const contents: unknown[] = []
    for (const c of request['contents'] as unknown[]) {
      if (!isObj(c) || !Array.isArray(c['parts'])) {
        contents.push(c)
        continue
      }
      const parts = (c['parts'] as unknown[]).filter(
        (p) => !(isObj(p) && p['thought'] === true && typeof p['thoughtSignature'] !== 'string'),
      )
      if (parts.length > 0) contents.push(parts.length === c['parts'].length ? c : { ...c, parts })
    }
    out['contents'] = contents
  }
  return out
}

export interface EnvelopeFacts {
  /** The account's Code Assist project (from its login). */
  project: string | undefined
  /** Fresh per call. */
  requestId: string
}

/**
 * The Antigravity envelope around a Code Assist body (`{model, request, …}`) or a bare Gemini
 * body: the model without `ag-`, the account's project, Antigravity's fields, and the inner
 * request shaped for the model.
 */
export function antigravityEnvelope(body: Json, model: string, facts: EnvelopeFacts): Json {
  const inner: Json = isObj(body['request']) ? { ...body['request'] } : { ...body }
  delete inner['safetySettings']
  delete inner['safety_settings']
  // Code Assist's snake_case session id is Antigravity's camelCase one
  delete inner['session_id']
  const name = upstreamModel(
    typeof body['model'] === 'string' && isObj(body['request']) ? body['model'] : model,
  )
  const request = isClaudeModel(name) ? claudeRequest(inner) : inner
  request['sessionId'] = sessionIdOf(request)
  const env: Json = { model: name }
  if (facts.project !== undefined) env['project'] = facts.project
  env['requestId'] = facts.requestId
  env['userAgent'] = 'antigravity'
  env['requestType'] = isImageModel(name) ? 'image_gen' : 'agent'
  env['request'] = request
  return env
}
