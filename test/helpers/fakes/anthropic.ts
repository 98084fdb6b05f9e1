/**
 * Fake Anthropic Messages API (docs/protocols/anthropic-messages.md): `POST /v1/messages` (also
 * `?beta=true`) as JSON or SSE, `POST /v1/messages/count_tokens`, `GET /v1/models`, with the real
 * API's validations and error envelope `{"type":"error","error":{type,message},"request_id"}`.
 */
import {
  chunkString,
  countTokens,
  type ErrorReply,
  isObject,
  objArray,
  type Renderer,
  type Reply,
  type Resolved,
  render,
  resolveReply,
  runScript,
  type Script,
  type StopKind,
  splitJson,
  str,
  withState,
} from './script.ts'
import { type FakeServer, jsonResponse, type Recorded, sseFrame, startFake } from './server.ts'

export interface AnthropicModel {
  id: string
  display_name?: string
  created_at?: string
}

export interface FakeAnthropicOptions {
  /** Credential the fake accepts (as `x-api-key` or as the Bearer token); default any non-empty value. */
  key?: string
  /** Bearer (OAuth) requests must carry `anthropic-beta` containing `oauth-2025-04-20`. */
  requireOAuthBeta?: boolean
  /** Thinking blocks in the history must carry a signature this fake issued (or one listed here). */
  strictSignatures?: boolean | string[]
  /** `message_delta.usage` repeats input and cache counts (newer API versions) instead of output only. */
  fullDeltaUsage?: boolean
  /** Models for `GET /v1/models`. */
  models?: AnthropicModel[]
  /** Headers added to every answer (e.g. `anthropic-ratelimit-unified-status`). */
  headers?: Record<string, string>
}

export interface AnthropicFake extends FakeServer {
  /** Replace to change what later calls get. */
  script: Script
  /** Calls to `POST /v1/messages` so far (validation failures excluded). */
  readonly calls: number
  /** Every `count_tokens` answer, in order. */
  readonly tokenCounts: number[]
  /** Signatures this fake issued in thinking blocks. */
  readonly signatures: Set<string>
}

const STOP: Record<StopKind, string> = {
  end: 'end_turn',
  max_tokens: 'max_tokens',
  tool: 'tool_use',
  stop_sequence: 'stop_sequence',
}

const ERROR_TYPE: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
}

const STATUS_FOR_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
}

export const DEFAULT_ANTHROPIC_MODELS: AnthropicModel[] = [
  { id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' },
  { id: 'claude-opus-4-1-20250805', display_name: 'Claude Opus 4.1', created_at: '2025-08-05T00:00:00Z' },
]

export function anthropicError(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return jsonResponse(
    { type: 'error', error: { type, message }, request_id: `req_fake_${crypto.randomUUID().slice(0, 8)}` },
    status,
    headers,
  )
}

const TOOL_ID = /^[a-zA-Z0-9_-]+$/

/** The API's refusals of sampling and tool settings that thinking does not allow; `null` when fine. */
function validateThinking(body: Record<string, unknown>): string | null {
  const thinking = body['thinking']
  if (!isObject(thinking) || (thinking['type'] !== 'enabled' && thinking['type'] !== 'adaptive')) return null
  if (thinking['type'] === 'enabled') {
    const budget = thinking['budget_tokens']
    if (typeof budget !== 'number' || budget < 1024)
      return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024'
    const max = body['max_tokens']
    if (typeof max === 'number' && max <= budget)
      return '`max_tokens` must be greater than `thinking.budget_tokens`'
  }
  const choice = body['tool_choice']
  if (isObject(choice) && (choice['type'] === 'any' || choice['type'] === 'tool'))
    return 'Thinking may not be enabled when tool_choice forces tool use.'
  if (body['temperature'] !== undefined && body['temperature'] !== 1)
    return '`temperature` may only be set to 1 when thinking is enabled.'
  if (body['top_k'] !== undefined) return '`top_k` must be unset when thinking is enabled.'
  const topP = body['top_p']
  if (typeof topP === 'number' && topP < 0.95)
    return '`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled.'
  return null
}

/** The real API's request checks that translators most often get wrong; `null` when the body is fine. */
function validateMessages(body: Record<string, unknown>, known: Set<string> | null): string | null {
  const messages = body['messages']
  if (messages === undefined) return 'messages: Field required'
  if (!Array.isArray(messages)) return 'messages: Input should be a valid list'
  const system = body['system']
  if (Array.isArray(system)) {
    for (const b of system) {
      if (isObject(b) && b['type'] === 'text') {
        const t = str(b['text']) ?? ''
        if (t === '') return 'system: text content blocks must be non-empty'
        if (t.trim() === '') return 'system: text content blocks must contain non-whitespace text'
      }
    }
  }
  let pendingToolUses: { index: number; ids: string[] } | null = null
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i]
    if (!isObject(m)) return `messages.${i}: Input should be a valid dictionary`
    const role = m['role']
    if (role !== 'user' && role !== 'assistant' && role !== 'system')
      return `messages.${i}.role: Input should be 'user', 'assistant' or 'system'`
    // The Messages API takes system messages inside the list too (Claude Code sends them there);
    // they neither answer nor interrupt a pending tool_use.
    if (role === 'system') continue
    const content = m['content']
    const isFinalAssistant = i === messages.length - 1 && role === 'assistant'
    if (typeof content === 'string') {
      if (content === '' && !isFinalAssistant) {
        return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`
      }
    } else if (!Array.isArray(content)) {
      return `messages.${i}.content: Input should be a valid list`
    } else if (content.length === 0 && !isFinalAssistant) {
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`
    }
    const blocks = objArray(content) ?? []
    if (pendingToolUses) {
      const answered = new Set(
        role === 'user'
          ? blocks.filter((b) => b['type'] === 'tool_result').map((b) => str(b['tool_use_id']) ?? '')
          : [],
      )
      const missing = pendingToolUses.ids.filter((id) => !answered.has(id))
      if (missing.length > 0) {
        return (
          `messages.${pendingToolUses.index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ` +
          `${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`
        )
      }
    }
    const previousIds = pendingToolUses?.ids ?? []
    pendingToolUses = null
    const toolUseIds: string[] = []
    for (let j = 0; j < blocks.length; j++) {
      const b = blocks[j]
      if (!b) continue
      const type = b['type']
      if (type === 'text') {
        const t = str(b['text']) ?? ''
        if (t === '') return 'messages: text content blocks must be non-empty'
        if (t.trim() === '') return 'messages: text content blocks must contain non-whitespace text'
      } else if (type === 'tool_use') {
        if (role !== 'assistant')
          return `messages.${i}.content.${j}: tool_use blocks are only allowed in assistant messages`
        const id = str(b['id']) ?? ''
        if (!TOOL_ID.test(id)) {
          return `messages.${i}.content.${j}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`
        }
        if (!isObject(b['input']))
          return `messages.${i}.content.${j}.tool_use.input: Input should be a valid dictionary`
        toolUseIds.push(id)
      } else if (type === 'tool_result') {
        const id = str(b['tool_use_id']) ?? ''
        if (role !== 'user' || !previousIds.includes(id)) {
          return (
            `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. ` +
            'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.'
          )
        }
      } else if (type === 'thinking') {
        if (role !== 'assistant')
          return `messages.${i}.content.${j}: thinking blocks are only allowed in assistant messages`
        const sig = b['signature']
        if (typeof sig !== 'string') return `messages.${i}.content.${j}.thinking.signature: Field required`
        if (sig === '' || (known && !known.has(sig))) {
          return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`
        }
      }
    }
    if (toolUseIds.length > 0) pendingToolUses = { index: i, ids: toolUseIds }
  }
  if (pendingToolUses) {
    return (
      `messages.${pendingToolUses.index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ` +
      `${pendingToolUses.ids.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`
    )
  }
  return null
}

function contentBlocks(r: Resolved): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  if (r.thinking) out.push({ type: 'thinking', thinking: r.thinking.text, signature: r.thinking.signature })
  if (r.text !== '') out.push({ type: 'text', text: r.text })
  for (const c of r.toolCalls) out.push({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments })
  return out
}

function usageJson(r: Resolved) {
  return {
    input_tokens: r.usage.input,
    cache_creation_input_tokens: r.usage.cacheWrite,
    cache_read_input_tokens: r.usage.cacheRead,
    output_tokens: r.usage.output,
  }
}

function renderer(opts: FakeAnthropicOptions, stopSequence: string | null): Renderer {
  const ev = (type: string, data: Record<string, unknown>) => sseFrame({ type, ...data }, type)
  return {
    headers: () => ({ 'request-id': `req_fake_${crypto.randomUUID().slice(0, 8)}`, ...opts.headers }),
    statusForType: (type) => STATUS_FOR_TYPE[type] ?? 500,
    error(e: ErrorReply) {
      const headers: Record<string, string> = { ...opts.headers, ...e.headers }
      if (e.retryAfter !== undefined) headers['retry-after'] = String(e.retryAfter)
      return anthropicError(e.status, e.type ?? ERROR_TYPE[e.status] ?? 'api_error', e.message, headers)
    },
    json(r) {
      return {
        id: r.id,
        type: 'message',
        role: 'assistant',
        model: r.model,
        content: contentBlocks(r),
        stop_reason: STOP[r.stop],
        stop_sequence: r.stop === 'stop_sequence' ? stopSequence : null,
        usage: {
          ...usageJson(r),
          cache_creation: { ephemeral_5m_input_tokens: r.usage.cacheWrite, ephemeral_1h_input_tokens: 0 },
          service_tier: 'standard',
        },
      }
    },
    frames(r) {
      const frames: string[] = [
        ev('message_start', {
          message: {
            id: r.id,
            type: 'message',
            role: 'assistant',
            model: r.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { ...usageJson(r), output_tokens: 1 },
          },
        }),
      ]
      let index = 0
      let pinged = false
      const ping = () => {
        if (!pinged) frames.push(ev('ping', {}))
        pinged = true
      }
      const delta = (d: Record<string, unknown>) => ev('content_block_delta', { index, delta: d })
      if (r.thinking) {
        frames.push(ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '' } }))
        ping()
        for (const piece of chunkString(r.thinking.text, r.chunkText)) {
          frames.push(delta({ type: 'thinking_delta', thinking: piece }))
        }
        frames.push(delta({ type: 'signature_delta', signature: r.thinking.signature }))
        frames.push(ev('content_block_stop', { index }))
        index++
      }
      if (r.text !== '') {
        frames.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }))
        ping()
        for (const piece of chunkString(r.text, r.chunkText))
          frames.push(delta({ type: 'text_delta', text: piece }))
        frames.push(ev('content_block_stop', { index }))
        index++
      }
      for (const c of r.toolCalls) {
        frames.push(
          ev('content_block_start', {
            index,
            content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} },
          }),
        )
        ping()
        frames.push(delta({ type: 'input_json_delta', partial_json: '' }))
        for (const piece of splitJson(c.json))
          frames.push(delta({ type: 'input_json_delta', partial_json: piece }))
        frames.push(ev('content_block_stop', { index }))
        index++
      }
      ping()
      frames.push(
        ev('message_delta', {
          delta: {
            stop_reason: STOP[r.stop],
            stop_sequence: r.stop === 'stop_sequence' ? stopSequence : null,
          },
          usage: opts.fullDeltaUsage ? usageJson(r) : { output_tokens: r.usage.output },
        }),
      )
      frames.push(ev('message_stop', {}))
      return frames
    },
    streamError(e) {
      return ev('error', { error: { type: e.type, message: e.message } })
    },
  }
}

type Auth = { ok: true } | { ok: false; res: Response }

function checkAuth(rec: Recorded, opts: FakeAnthropicOptions): Auth {
  const fail = (message: string): Auth => ({
    ok: false,
    res: anthropicError(401, 'authentication_error', message, opts.headers),
  })
  const apiKey = rec.headers['x-api-key']
  const authz = rec.headers['authorization']
  if (apiKey !== undefined && authz !== undefined) {
    return fail('x-api-key and Authorization headers must not both be set (fake upstream rule)')
  }
  if (apiKey !== undefined) {
    if (apiKey === '' || (opts.key !== undefined && apiKey !== opts.key)) return fail('invalid x-api-key')
    return { ok: true }
  }
  if (authz !== undefined) {
    const m = /^Bearer\s+(.+)$/i.exec(authz)
    const token = m?.[1]?.trim() ?? ''
    if (token === '' || (opts.key !== undefined && token !== opts.key)) return fail('Invalid bearer token')
    if (opts.requireOAuthBeta) {
      const betas = (rec.headers['anthropic-beta'] ?? '').split(',').map((s) => s.trim())
      if (!betas.includes('oauth-2025-04-20')) return fail('OAuth authentication is currently not supported.')
    }
    return { ok: true }
  }
  return fail('x-api-key header is required')
}

export function fakeAnthropic(script: Script, opts: FakeAnthropicOptions = {}): AnthropicFake {
  let calls = 0
  const tokenCounts: number[] = []
  const signatures = new Set<string>()
  const state: { script: Script } = { script }
  const invalid = (message: string) => anthropicError(400, 'invalid_request_error', message, opts.headers)

  const base = startFake(async (req, rec) => {
    const auth = checkAuth(rec, opts)
    if (!auth.ok) return auth.res
    if (!rec.headers['anthropic-version']) return invalid('anthropic-version: header is required')
    const route = `${rec.method} ${rec.path}`
    if (route === 'GET /v1/models') {
      const models = (opts.models ?? DEFAULT_ANTHROPIC_MODELS).map((m) => ({
        type: 'model',
        id: m.id,
        display_name: m.display_name ?? m.id,
        created_at: m.created_at ?? '2025-01-01T00:00:00Z',
      }))
      return jsonResponse(
        {
          data: models,
          has_more: false,
          first_id: models[0]?.id ?? null,
          last_id: models.at(-1)?.id ?? null,
        },
        200,
        opts.headers,
      )
    }
    if (route !== 'POST /v1/messages' && route !== 'POST /v1/messages/count_tokens') {
      return anthropicError(404, 'not_found_error', 'Not Found', opts.headers)
    }
    const body = rec.body
    if (!isObject(body)) {
      return invalid(
        body === null ? 'Request body is empty' : 'There was an issue with your request body: invalid JSON',
      )
    }
    if (typeof body['model'] !== 'string' || body['model'] === '') return invalid('model: Field required')
    const known =
      opts.strictSignatures === undefined || opts.strictSignatures === false
        ? null
        : new Set([...signatures, ...(Array.isArray(opts.strictSignatures) ? opts.strictSignatures : [])])
    const problem = validateMessages(body, known) ?? validateThinking(body)
    if (problem) return invalid(problem)
    const inputTokens = countTokens({
      system: body['system'],
      messages: body['messages'],
      tools: body['tools'],
    })
    if (rec.path === '/v1/messages/count_tokens') {
      tokenCounts.push(inputTokens)
      return jsonResponse({ input_tokens: inputTokens }, 200, opts.headers)
    }
    const maxTokens = body['max_tokens']
    if (maxTokens === undefined) return invalid('max_tokens: Field required')
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      return invalid('max_tokens: Input should be greater than or equal to 1')
    }
    const n = calls++
    const outcome = await runScript(state.script, n, rec, req)
    const stopSeqs = body['stop_sequences']
    const stopSequence = Array.isArray(stopSeqs) && typeof stopSeqs[0] === 'string' ? stopSeqs[0] : 'STOP'
    const resolve = (reply: Reply): Resolved => {
      const r = resolveReply(reply, {
        seq: n + 1,
        model: String(body['model']),
        inputTokens,
        idPrefix: 'msg_fake_',
        toolIdPrefix: 'toolu_fake_',
      })
      if (r.thinking) signatures.add(r.thinking.signature)
      return r
    }
    return render(outcome, renderer(opts, stopSequence), body['stream'] === true, resolve, req.signal)
  })

  return withState(base, {
    get script() {
      return state.script
    },
    set script(s: Script) {
      state.script = s
    },
    get calls() {
      return calls
    },
    tokenCounts,
    signatures,
  })
}
