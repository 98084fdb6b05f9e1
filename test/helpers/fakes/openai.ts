/**
 * Fake OpenAI API (docs/protocols/openai-chat.md, openai-responses.md, codex-subscription.md):
 * `POST /v1/chat/completions` (JSON or SSE with `data: [DONE]`), `POST /v1/responses` (JSON or
 * `event:`+`data:` SSE with `sequence_number`), `GET /v1/models`; with `codexBackend`, also
 * `POST {codexBasePath}/responses` enforcing the ChatGPT Codex backend rules. Errors use
 * `{"error":{message,type,param,code}}` (Codex body-rule violations: `{"detail":"..."}`).
 */
import {
  chunkString,
  countTokens,
  type ErrorReply,
  type InStreamError,
  isObject,
  objArray,
  type Renderer,
  type Reply,
  type Resolved,
  type ResolvedCall,
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

export interface OpenAIModel {
  id: string
  created?: number
  owned_by?: string
}

export interface FakeOpenAIOptions {
  /** Bearer token the fake accepts; default any non-empty token. */
  key?: string
  /** Also serve the ChatGPT Codex backend at `{codexBasePath}/responses`. */
  codexBackend?: boolean
  /** Default `/backend-api/codex`. */
  codexBasePath?: string
  /** Codex: instructions failing this check get 400 `{"detail":"Instructions are not valid"}`. */
  validInstructions?: (instructions: string) => boolean
  /** Chat: reject `max_tokens` like reasoning models do (use `max_completion_tokens`). */
  rejectMaxTokens?: boolean
  /** Models for `GET /v1/models`. */
  models?: OpenAIModel[]
  /** `GET /v1/models` answers once this settles (a list that arrives late). */
  modelsAfter?: Promise<unknown>
  /** Headers added to every answer (e.g. `x-codex-primary-used-percent`). */
  headers?: Record<string, string>
}

export interface OpenAIFake extends FakeServer {
  script: Script
  /** Generation calls so far (chat, responses and codex; validation failures excluded). */
  readonly calls: number
}

export const DEFAULT_OPENAI_MODELS: OpenAIModel[] = [
  { id: 'gpt-4o', created: 1715367049, owned_by: 'system' },
  { id: 'gpt-5', created: 1754425777, owned_by: 'system' },
]

const CREATED = 1735689600

const FINISH: Record<StopKind, string> = {
  end: 'stop',
  max_tokens: 'length',
  tool: 'tool_calls',
  stop_sequence: 'stop',
}

function defaultType(status: number): string {
  if (status === 401 || status === 400 || status === 404 || status === 409 || status === 422) {
    return 'invalid_request_error'
  }
  if (status === 403) return 'permission_error'
  if (status === 429) return 'requests'
  return 'server_error'
}

function defaultCode(status: number, type: string): string | null {
  if (status === 401) return 'invalid_api_key'
  if (status === 404) return 'model_not_found'
  if (status === 429) return type === 'insufficient_quota' ? 'insufficient_quota' : 'rate_limit_exceeded'
  return null
}

export function openaiError(
  status: number,
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
  headers: Record<string, string> = {},
): Response {
  return jsonResponse({ error: { message, type, param, code } }, status, headers)
}

function responseHeaders(opts: FakeOpenAIOptions): Record<string, string> {
  return {
    'x-request-id': `req_fake_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`,
    'x-ratelimit-limit-requests': '10000',
    'x-ratelimit-remaining-requests': '9999',
    'x-ratelimit-reset-requests': '6ms',
    ...opts.headers,
  }
}

function errorFor(e: ErrorReply, opts: FakeOpenAIOptions, codex: boolean): Response {
  const headers: Record<string, string> = { ...responseHeaders(opts), ...e.headers }
  if (e.retryAfter !== undefined) headers['retry-after'] = String(e.retryAfter)
  if (codex && e.status === 429) {
    const wait = e.retryAfter ?? 3600
    return jsonResponse(
      {
        error: {
          type: e.type ?? 'usage_limit_reached',
          message: e.message,
          plan_type: 'plus',
          resets_at: Math.floor(Date.now() / 1000) + wait,
          resets_in_seconds: wait,
        },
      },
      429,
      headers,
    )
  }
  const type = e.type ?? defaultType(e.status)
  const code = e.code === undefined ? defaultCode(e.status, type) : e.code
  return openaiError(e.status, e.message, type, null, code, headers)
}

// ---------------------------------------------------------------- Chat Completions

function chatUsage(r: Resolved) {
  const prompt = r.usage.input + r.usage.cacheRead + r.usage.cacheWrite
  return {
    prompt_tokens: prompt,
    completion_tokens: r.usage.output,
    total_tokens: prompt + r.usage.output,
    prompt_tokens_details: { cached_tokens: r.usage.cacheRead, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: r.usage.reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  }
}

function chatToolCall(c: ResolvedCall) {
  return { id: c.id, type: 'function', function: { name: c.name, arguments: c.json } }
}

/** Fragments of parallel tool calls, interleaved round-robin: all headers first, then the argument pieces. */
function interleavedToolFragments(calls: ResolvedCall[]): Record<string, unknown>[] {
  const lists = calls.map((c, index) => [
    { index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } },
    ...splitJson(c.json).map((piece) => ({ index, function: { arguments: piece } })),
  ])
  const out: Record<string, unknown>[] = []
  const longest = Math.max(0, ...lists.map((l) => l.length))
  for (let k = 0; k < longest; k++) {
    for (const l of lists) {
      const f = l[k]
      if (f) out.push(f)
    }
  }
  return out
}

function chatRenderer(opts: FakeOpenAIOptions, includeUsage: boolean): Renderer {
  return {
    headers: () => responseHeaders(opts),
    statusForType: (type) => (type === 'invalid_request_error' ? 400 : type === 'requests' ? 429 : 500),
    error: (e) => errorFor(e, opts, false),
    json(r) {
      const message: Record<string, unknown> = {
        role: 'assistant',
        content: r.text === '' && r.toolCalls.length > 0 ? null : r.text,
        refusal: null,
      }
      if (r.thinking) message['reasoning_content'] = r.thinking.text
      if (r.toolCalls.length > 0) message['tool_calls'] = r.toolCalls.map(chatToolCall)
      return {
        id: r.id,
        object: 'chat.completion',
        created: CREATED,
        model: r.model,
        system_fingerprint: 'fp_fake',
        choices: [{ index: 0, message, logprobs: null, finish_reason: FINISH[r.stop] }],
        usage: chatUsage(r),
        service_tier: 'default',
      }
    },
    frames(r) {
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
        sseFrame({
          id: r.id,
          object: 'chat.completion.chunk',
          created: CREATED,
          model: r.model,
          system_fingerprint: 'fp_fake',
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
          ...(includeUsage ? { usage: null } : {}),
        })
      const frames = [chunk({ role: 'assistant', content: '' })]
      if (r.thinking) {
        for (const piece of chunkString(r.thinking.text, r.chunkText)) {
          frames.push(chunk({ reasoning_content: piece }))
        }
      }
      for (const piece of chunkString(r.text, r.chunkText)) frames.push(chunk({ content: piece }))
      for (const f of interleavedToolFragments(r.toolCalls)) frames.push(chunk({ tool_calls: [f] }))
      frames.push(chunk({}, FINISH[r.stop]))
      if (includeUsage) {
        frames.push(
          sseFrame({
            id: r.id,
            object: 'chat.completion.chunk',
            created: CREATED,
            model: r.model,
            system_fingerprint: 'fp_fake',
            choices: [],
            usage: chatUsage(r),
          }),
        )
      }
      frames.push('data: [DONE]\n\n')
      return frames
    },
    streamError(e) {
      return sseFrame({ error: { message: e.message, type: e.type, param: null, code: null } })
    },
  }
}

function validateChat(body: Record<string, unknown>, opts: FakeOpenAIOptions): Response | null {
  const bad = (message: string, param: string | null = null, code: string | null = null) =>
    openaiError(400, message, 'invalid_request_error', param, code, responseHeaders(opts))
  if (typeof body['model'] !== 'string' || body['model'] === '')
    return bad('you must provide a model parameter')
  const messages = body['messages']
  if (messages === undefined)
    return bad("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter')
  if (!Array.isArray(messages))
    return bad("Invalid type for 'messages': expected an array.", 'messages', 'invalid_type')
  if (messages.length === 0) {
    return bad(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    )
  }
  if (body['stream_options'] != null && body['stream'] !== true) {
    return bad("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options')
  }
  if (opts.rejectMaxTokens && body['max_tokens'] !== undefined) {
    return bad(
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      'max_tokens',
      'unsupported_parameter',
    )
  }
  let pending: { index: number; ids: Set<string> } | null = null
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i]
    if (!isObject(m)) return bad(`Invalid type for 'messages[${i}]': expected an object.`, `messages[${i}]`)
    const role = m['role']
    if (role === 'tool') {
      const id = str(m['tool_call_id']) ?? ''
      if (!pending?.ids.has(id)) {
        return bad(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        )
      }
      pending.ids.delete(id)
      continue
    }
    if (pending && pending.ids.size > 0) {
      return bad(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. " +
          `The following tool_call_ids did not have response messages: ${[...pending.ids].join(', ')}`,
        `messages.[${pending.index}].role`,
      )
    }
    pending = null
    if (role === 'assistant') {
      const calls = objArray(m['tool_calls']) ?? []
      if (calls.length > 0) pending = { index: i, ids: new Set(calls.map((c) => str(c['id']) ?? '')) }
    } else if (role !== 'system' && role !== 'developer' && role !== 'user' && role !== 'function') {
      return bad(
        `Invalid value: '${String(role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        `messages[${i}].role`,
        'invalid_value',
      )
    }
  }
  if (pending && pending.ids.size > 0) {
    return bad(
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. " +
        `The following tool_call_ids did not have response messages: ${[...pending.ids].join(', ')}`,
      `messages.[${pending.index}].role`,
    )
  }
  return null
}

// ---------------------------------------------------------------- Responses

interface ResponsesItems {
  reasoning?: Record<string, unknown>
  message?: Record<string, unknown>
  calls: { item: Record<string, unknown>; call: ResolvedCall }[]
}

function responsesUsage(r: Resolved) {
  const input = r.usage.input + r.usage.cacheRead + r.usage.cacheWrite
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: r.usage.cacheRead },
    output_tokens: r.usage.output,
    output_tokens_details: { reasoning_tokens: r.usage.reasoning },
    total_tokens: input + r.usage.output,
  }
}

function responsesRenderer(opts: FakeOpenAIOptions, body: Record<string, unknown>, codex: boolean): Renderer {
  const include = Array.isArray(body['include']) ? body['include'] : []
  const wantEncrypted = include.includes('reasoning.encrypted_content')
  const items = (r: Resolved): ResponsesItems => {
    const seq = r.id.replace(/^resp_/, '')
    const out: ResponsesItems = { calls: [] }
    if (r.thinking) {
      out.reasoning = {
        id: `rs_${seq}`,
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: r.thinking.text }],
        ...(wantEncrypted ? { encrypted_content: r.thinking.signature } : {}),
      }
    }
    if (r.text !== '') {
      out.message = {
        id: `msg_${seq}`,
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: r.text, annotations: [], logprobs: [] }],
      }
    }
    r.toolCalls.forEach((call, i) => {
      out.calls.push({
        call,
        item: {
          id: `fc_${seq}_${i}`,
          type: 'function_call',
          status: 'completed',
          arguments: call.json,
          call_id: call.id,
          name: call.name,
        },
      })
    })
    return out
  }
  const outputList = (it: ResponsesItems) => [
    ...(it.reasoning ? [it.reasoning] : []),
    ...(it.message ? [it.message] : []),
    ...it.calls.map((c) => c.item),
  ]
  const responseObject = (r: Resolved, status: string, output: unknown[], final: boolean) => ({
    id: r.id,
    object: 'response',
    created_at: CREATED,
    status,
    background: false,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: body['instructions'] ?? null,
    max_output_tokens: body['max_output_tokens'] ?? null,
    model: r.model,
    output,
    parallel_tool_calls: body['parallel_tool_calls'] ?? true,
    previous_response_id: body['previous_response_id'] ?? null,
    reasoning: isObject(body['reasoning'])
      ? { effort: null, summary: null, ...body['reasoning'] }
      : { effort: null, summary: null },
    service_tier: 'default',
    store: body['store'] ?? !codex,
    temperature: body['temperature'] ?? 1,
    text: body['text'] ?? { format: { type: 'text' } },
    tool_choice: body['tool_choice'] ?? 'auto',
    tools: body['tools'] ?? [],
    top_p: body['top_p'] ?? 1,
    truncation: 'disabled',
    usage: final ? responsesUsage(r) : null,
    user: null,
    metadata: {},
  })
  const finalStatus = (r: Resolved) => (r.stop === 'max_tokens' ? 'incomplete' : 'completed')
  return {
    headers: () => responseHeaders(opts),
    statusForType: (type) =>
      type === 'invalid_request_error' ? 400 : type === 'rate_limit_exceeded' ? 429 : 500,
    error: (e) => errorFor(e, opts, codex),
    json(r) {
      return responseObject(r, finalStatus(r), outputList(items(r)), true)
    },
    frames(r) {
      const it = items(r)
      const frames: string[] = []
      const ev = (type: string, data: Record<string, unknown>) =>
        frames.push(sseFrame({ type, sequence_number: frames.length, ...data }, type))
      ev('response.created', { response: responseObject(r, 'in_progress', [], false) })
      ev('response.in_progress', { response: responseObject(r, 'in_progress', [], false) })
      let outputIndex = 0
      if (it.reasoning) {
        const item_id = it.reasoning['id']
        const output_index = outputIndex++
        const text = r.thinking?.text ?? ''
        ev('response.output_item.added', {
          output_index,
          item: { id: item_id, type: 'reasoning', summary: [] },
        })
        ev('response.reasoning_summary_part.added', {
          item_id,
          output_index,
          summary_index: 0,
          part: { type: 'summary_text', text: '' },
        })
        for (const delta of chunkString(text, r.chunkText)) {
          ev('response.reasoning_summary_text.delta', { item_id, output_index, summary_index: 0, delta })
        }
        ev('response.reasoning_summary_text.done', { item_id, output_index, summary_index: 0, text })
        ev('response.reasoning_summary_part.done', {
          item_id,
          output_index,
          summary_index: 0,
          part: { type: 'summary_text', text },
        })
        ev('response.output_item.done', { output_index, item: it.reasoning })
      }
      if (it.message) {
        const item_id = it.message['id']
        const output_index = outputIndex++
        ev('response.output_item.added', {
          output_index,
          item: { id: item_id, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
        })
        ev('response.content_part.added', {
          item_id,
          output_index,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
        })
        for (const delta of chunkString(r.text, r.chunkText)) {
          ev('response.output_text.delta', { item_id, output_index, content_index: 0, delta, logprobs: [] })
        }
        ev('response.output_text.done', {
          item_id,
          output_index,
          content_index: 0,
          text: r.text,
          logprobs: [],
        })
        ev('response.content_part.done', {
          item_id,
          output_index,
          content_index: 0,
          part: { type: 'output_text', text: r.text, annotations: [], logprobs: [] },
        })
        ev('response.output_item.done', { output_index, item: it.message })
      }
      // Parallel function calls: all added, argument deltas interleaved, then each finished.
      const calls = it.calls.map((c) => ({
        ...c,
        output_index: outputIndex++,
        pieces: splitJson(c.call.json),
      }))
      for (const c of calls) {
        ev('response.output_item.added', {
          output_index: c.output_index,
          item: { ...c.item, status: 'in_progress', arguments: '' },
        })
      }
      const longest = Math.max(0, ...calls.map((c) => c.pieces.length))
      for (let k = 0; k < longest; k++) {
        for (const c of calls) {
          const delta = c.pieces[k]
          if (delta !== undefined) {
            ev('response.function_call_arguments.delta', {
              item_id: c.item['id'],
              output_index: c.output_index,
              delta,
            })
          }
        }
      }
      for (const c of calls) {
        ev('response.function_call_arguments.done', {
          item_id: c.item['id'],
          output_index: c.output_index,
          name: c.call.name,
          arguments: c.call.json,
        })
        ev('response.output_item.done', { output_index: c.output_index, item: c.item })
      }
      const status = finalStatus(r)
      ev(status === 'incomplete' ? 'response.incomplete' : 'response.completed', {
        response: responseObject(r, status, outputList(it), true),
      })
      return frames
    },
    streamError(e: InStreamError, r: Resolved, framesSoFar: number) {
      if (e.responsesEvent === 'error') {
        return sseFrame(
          { type: 'error', sequence_number: framesSoFar, code: e.type, message: e.message, param: null },
          'error',
        )
      }
      const failed = {
        ...responseObject(r, 'failed', [], false),
        error: { code: e.type, message: e.message },
      }
      return sseFrame(
        { type: 'response.failed', sequence_number: framesSoFar, response: failed },
        'response.failed',
      )
    },
  }
}

const ITEM_PREFIX: Record<string, string> = { function_call: 'fc', reasoning: 'rs', message: 'msg' }

function validateResponses(
  body: Record<string, unknown>,
  opts: FakeOpenAIOptions,
  codex: boolean,
): Response | null {
  const bad = (status: number, message: string, param: string | null = null, code: string | null = null) =>
    openaiError(status, message, 'invalid_request_error', param, code, responseHeaders(opts))
  if (typeof body['model'] !== 'string' || body['model'] === '') {
    return bad(400, "Missing required parameter: 'model'.", 'model', 'missing_required_parameter')
  }
  const input = body['input']
  if (!Array.isArray(input)) return null
  const callIds = new Set<string>()
  for (let i = 0; i < input.length; i++) {
    const item: unknown = input[i]
    if (!isObject(item)) continue
    const type = str(item['type']) ?? 'message'
    const id = item['id']
    const prefix = ITEM_PREFIX[type]
    if (prefix && typeof id === 'string' && !id.startsWith(prefix)) {
      return bad(
        400,
        `Invalid 'input[${i}].id': '${id}'. Expected an ID that begins with '${prefix}'.`,
        `input[${i}].id`,
        'invalid_value',
      )
    }
    if (type === 'function_call') callIds.add(str(item['call_id']) ?? '')
    if (type === 'function_call_output') {
      const callId = str(item['call_id']) ?? ''
      if (!callIds.has(callId)) {
        return bad(400, `No tool call found for function call output with call_id ${callId}.`, 'input')
      }
    }
    if (type === 'reasoning' && body['store'] === false && typeof item['encrypted_content'] !== 'string') {
      return bad(
        404,
        `Item with id '${String(id)}' not found. Items are not persisted when \`store\` is set to false. ` +
          'Try again with `store` set to true, or remove this item from your input.',
        'input',
      )
    }
  }
  if (codex && opts.validInstructions && !opts.validInstructions(String(body['instructions']))) {
    return jsonResponse({ detail: 'Instructions are not valid' }, 400, responseHeaders(opts))
  }
  return null
}

// ---------------------------------------------------------------- server

function checkBearer(rec: Recorded, opts: FakeOpenAIOptions): Response | null {
  const authz = rec.headers['authorization']
  if (authz === undefined || authz.trim() === '') {
    return openaiError(
      401,
      "Missing bearer or basic authentication in header. You didn't provide an API key.",
      'invalid_request_error',
      null,
      null,
      responseHeaders(opts),
    )
  }
  const token = /^Bearer\s+(.+)$/i.exec(authz)?.[1]?.trim() ?? ''
  if (token === '' || (opts.key !== undefined && token !== opts.key)) {
    const shown = token.length > 8 ? `${token.slice(0, 3)}*****${token.slice(-4)}` : token
    return openaiError(
      401,
      `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      'invalid_request_error',
      null,
      'invalid_api_key',
      responseHeaders(opts),
    )
  }
  return null
}

export function fakeOpenAI(script: Script, opts: FakeOpenAIOptions = {}): OpenAIFake {
  let calls = 0
  const state: { script: Script } = { script }
  const codexPath = `${(opts.codexBasePath ?? '/backend-api/codex').replace(/\/$/, '')}/responses`

  const base = startFake(async (req, rec) => {
    const route = `${rec.method} ${rec.path}`
    const isCodex = opts.codexBackend === true && route === `POST ${codexPath}`
    const known =
      route === 'POST /v1/chat/completions' || route === 'POST /v1/responses' || route === 'GET /v1/models'
    if (!isCodex && !known) {
      return openaiError(
        404,
        `Invalid URL (${rec.method} ${rec.path})`,
        'invalid_request_error',
        null,
        null,
        responseHeaders(opts),
      )
    }
    const unauthorized = checkBearer(rec, opts)
    if (unauthorized) return unauthorized
    if (route === 'GET /v1/models') {
      await opts.modelsAfter
      const data = (opts.models ?? DEFAULT_OPENAI_MODELS).map((m) => ({
        id: m.id,
        object: 'model',
        created: m.created ?? CREATED,
        owned_by: m.owned_by ?? 'system',
      }))
      return jsonResponse({ object: 'list', data }, 200, responseHeaders(opts))
    }
    const body = rec.body
    if (!isObject(body)) {
      return openaiError(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        'invalid_request_error',
        null,
        null,
        responseHeaders(opts),
      )
    }
    if (isCodex) {
      const detail = (d: string) => jsonResponse({ detail: d }, 400, responseHeaders(opts))
      if (body['stream'] !== true) return detail('Stream must be set to true')
      if (body['store'] !== false) return detail('Store must be set to false')
      if (typeof body['instructions'] !== 'string') return detail('Instructions are required')
    }
    const isChat = rec.path === '/v1/chat/completions'
    const invalid = isChat ? validateChat(body, opts) : validateResponses(body, opts, isCodex)
    if (invalid) return invalid
    const n = calls++
    const outcome = await runScript(state.script, n, rec, req)
    const inputTokens = isChat
      ? countTokens({ messages: body['messages'], tools: body['tools'] })
      : countTokens({ instructions: body['instructions'], input: body['input'], tools: body['tools'] })
    const resolve = (reply: Reply) =>
      resolveReply(reply, {
        seq: n + 1,
        model: String(body['model']),
        inputTokens,
        idPrefix: isChat ? 'chatcmpl-fake-' : 'resp_fake_',
        toolIdPrefix: 'call_fake_',
      })
    const streamOpts = body['stream_options']
    const includeUsage = isObject(streamOpts) && streamOpts['include_usage'] === true
    const renderer = isChat ? chatRenderer(opts, includeUsage) : responsesRenderer(opts, body, isCodex)
    return render(outcome, renderer, body['stream'] === true, resolve, req.signal)
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
  })
}
