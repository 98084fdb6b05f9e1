/**
 * Fake Gemini API (docs/protocols/gemini.md): `POST /v1beta/models/{model}:generateContent`,
 * `:streamGenerateContent?alt=sse` (without `alt=sse`: one JSON array streamed in pieces),
 * `:countTokens`, `GET /v1beta/models`; with `codeAssist`, the Gemini CLI backend
 * `POST /v1internal:{generateContent,streamGenerateContent,countTokens,loadCodeAssist,onboardUser}`
 * (answers wrapped as `{"response":…,"traceId"}`) plus `GET /v1internal/operations/{id}`.
 * Errors: `{"error":{code,message,status,details?}}` (429s carry `RetryInfo`).
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
  render,
  resolveReply,
  runScript,
  type Script,
  str,
  withState,
} from './script.ts'
import { type FakeServer, jsonResponse, type Recorded, startFake } from './server.ts'

export interface GeminiModel {
  name: string
  displayName?: string
  inputTokenLimit?: number
  outputTokenLimit?: number
}

export interface CodeAssistOptions {
  /** The user's project; `null` = not onboarded yet (loadCodeAssist returns none, onboardUser creates one). Default `fake-project-123`. */
  project?: string | null
  /** Project created by onboardUser; default `fake-onboarded-project`. */
  onboardedProject?: string
  /** onboardUser answers `done:false` this many times before `done:true`; default 1. */
  onboardPolls?: number
  /** Tier id reported as current/default; default `free-tier`. */
  tier?: string
  /** Generation calls must name the current project (403 PERMISSION_DENIED otherwise). */
  requireProject?: boolean
  /**
   * Generation calls must be shaped exactly as Gemini CLI sends them (400 INVALID_ARGUMENT naming
   * what is off otherwise): envelope keys `model`, `project`, `user_prompt_id`, `request` only, all
   * but `request` strings; no `model` inside `request`; `content-type: application/json`;
   * `user-agent: GeminiCLI/<version>/<model> (…)`; streams asked for with `alt=sse`.
   */
  strict?: boolean
}

export interface FakeGeminiOptions {
  /** Credential the fake accepts (API key via header/`?key=`, or Bearer token); default any non-empty value. */
  key?: string
  /** Serve the Code Assist (`/v1internal`) backend too; `true` = default options. */
  codeAssist?: boolean | CodeAssistOptions
  /** functionCall parts of the current turn must carry a `thoughtSignature` (Gemini 3 rule). */
  requireThoughtSignatures?: boolean
  /** Whether a credential is accepted (with `key`, both must agree): e.g. tokens a fake OAuth server issued. */
  acceptToken?: (credential: string) => boolean
  /** Give function calls an `id` (the public API usually doesn't). */
  functionCallIds?: boolean
  /** SSE line ending; Google sends `\r\n` (default). */
  sseEol?: '\n' | '\r\n'
  models?: GeminiModel[]
  headers?: Record<string, string>
  /**
   * Claude behind Code Assist (Antigravity), for models named `claude-*`: the signature rides on
   * the last thought part, and every thought part in the history must carry one this fake issued
   * to a Claude model (Claude refuses any other, a Gemini model's too: 400).
   */
  claudeThinking?: boolean
  /** Checks of a backend's own (envelope fields, headers) on each `/v1internal` call: an error answer, or undefined when fine. */
  checkCodeAssist?: (rec: Recorded) => Response | undefined
}

export interface GeminiFake extends FakeServer {
  script: Script
  /** Generation calls so far (both backends; validation failures excluded). */
  readonly calls: number
  readonly tokenCounts: number[]
  /** Code Assist: the project loadCodeAssist currently reports (`null` before onboarding); set it to move the account to another one. */
  project: string | null
  /** Code Assist: onboardUser / operation polls so far. */
  readonly onboardCalls: number
}

export const DEFAULT_GEMINI_MODELS: GeminiModel[] = [
  {
    name: 'gemini-2.5-pro',
    displayName: 'Gemini 2.5 Pro',
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
  },
  {
    name: 'gemini-2.5-flash',
    displayName: 'Gemini 2.5 Flash',
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
  },
]

const STATUS_NAME: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
}

const CODE_FOR_STATUS: Record<string, number> = Object.fromEntries(
  Object.entries(STATUS_NAME).map(([code, name]) => [name, Number(code)]),
)

export const SKIP_SIGNATURE = 'skip_thought_signature_validator'

export function googleError(
  code: number,
  message: string,
  status?: string,
  details?: unknown[],
  headers: Record<string, string> = {},
): Response {
  return jsonResponse(
    {
      error: {
        code,
        message,
        status: status ?? STATUS_NAME[code] ?? 'UNKNOWN',
        ...(details && details.length > 0 ? { details } : {}),
      },
    },
    code,
    headers,
  )
}

function errorDetails(e: ErrorReply): unknown[] {
  const details: unknown[] = []
  if (e.retryAfter !== undefined) {
    details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${e.retryAfter}s` })
  }
  if (e.status === 429) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'RATE_LIMIT_EXCEEDED',
      domain: 'generativelanguage.googleapis.com',
      metadata: e.retryAfter !== undefined ? { quotaResetDelay: `${e.retryAfter}s` } : {},
    })
  }
  return details
}

type Part = Record<string, unknown>

/** Parts of a reply, one chunk per element (stream) or all in one (JSON). */
function chunkParts(r: Resolved, ids: boolean, whole: boolean, signThought = false): Part[][] {
  const thought: Part[] = r.thinking
    ? (whole ? [r.thinking.text] : chunkString(r.thinking.text, r.chunkText)).map((text) => ({
        text,
        thought: true,
      }))
    : []
  const text: Part[] = (whole ? (r.text === '' ? [] : [r.text]) : chunkString(r.text, r.chunkText)).map(
    (t) => ({ text: t }),
  )
  const calls: Part[] = r.toolCalls.map((c) => ({
    functionCall: { ...(ids ? { id: c.id } : {}), name: c.name, args: c.arguments },
  }))
  // Signature: on the first function call, else on the last answer text, else on the last thought.
  const signature = r.thinking?.signature
  const carrier = signThought ? thought.at(-1) : (calls[0] ?? text.at(-1) ?? thought.at(-1))
  if (signature !== undefined && carrier) carrier['thoughtSignature'] = signature
  if (whole) {
    const all = [...thought, ...text, ...calls]
    return [all.length > 0 ? all : [{ text: '' }]]
  }
  const chunks: Part[][] = [...thought.map((p) => [p]), ...text.map((p) => [p])]
  if (calls.length > 0) chunks.push(calls)
  if (chunks.length === 0) chunks.push([{ text: '' }])
  return chunks
}

function usageMetadata(r: Resolved, final: boolean) {
  const prompt = r.usage.input + r.usage.cacheRead + r.usage.cacheWrite
  const cached = r.usage.cacheRead > 0 ? { cachedContentTokenCount: r.usage.cacheRead } : {}
  const details = { promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }] }
  if (!final) return { promptTokenCount: prompt, totalTokenCount: prompt, ...cached, ...details }
  const thoughts = r.usage.reasoning
  const candidates = Math.max(0, r.usage.output - thoughts)
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates + thoughts,
    ...cached,
    ...details,
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
  }
}

function geminiRenderer(
  opts: FakeGeminiOptions,
  mode: 'sse' | 'array',
  wrap: ((chunk: unknown) => unknown) | null,
  signThought = false,
): Renderer {
  const eol = opts.sseEol ?? '\r\n'
  const chunkJson = (r: Resolved, parts: Part[], last: boolean) => {
    const chunk = {
      candidates: [
        {
          content: { role: 'model', parts },
          ...(last ? { finishReason: r.stop === 'max_tokens' ? 'MAX_TOKENS' : 'STOP' } : {}),
          index: 0,
        },
      ],
      usageMetadata: usageMetadata(r, last),
      modelVersion: r.model,
      responseId: r.id,
    }
    return wrap ? wrap(chunk) : chunk
  }
  const encode = (value: unknown, i: number, total: number) => {
    const json = JSON.stringify(value)
    if (mode === 'sse') return `data: ${json}${eol}${eol}`
    return (i === 0 ? '[' : `,${eol}`) + json + (i === total - 1 ? ']' : '')
  }
  return {
    headers: () => ({ 'x-goog-request-id': crypto.randomUUID(), ...opts.headers }),
    streamContentType: mode === 'sse' ? 'text/event-stream' : 'application/json; charset=UTF-8',
    statusForType: (type) => CODE_FOR_STATUS[type] ?? 500,
    error(e) {
      const headers: Record<string, string> = { ...opts.headers, ...e.headers }
      return googleError(e.status, e.message, e.type, errorDetails(e), headers)
    },
    json(r) {
      const parts = chunkParts(r, opts.functionCallIds === true, true, signThought)[0] ?? []
      return chunkJson(r, parts, true)
    },
    frames(r) {
      const chunks = chunkParts(r, opts.functionCallIds === true, false, signThought)
      return chunks.map((parts, i) => encode(chunkJson(r, parts, i === chunks.length - 1), i, chunks.length))
    },
    streamError(e: InStreamError, _r: Resolved, framesSoFar: number) {
      const code = CODE_FOR_STATUS[e.type] ?? 500
      const err = { error: { code, message: e.message, status: STATUS_NAME[code] ?? e.type } }
      if (mode === 'sse') return `data: ${JSON.stringify(err)}${eol}${eol}`
      return (framesSoFar === 0 ? '[' : `,${eol}`) + JSON.stringify(err) + ']'
    },
  }
}

/** `null` when fine, else the INVALID_ARGUMENT message. */
function validateContents(contents: unknown, requireSignatures: boolean, prefix: string): string | null {
  if (contents === undefined || (Array.isArray(contents) && contents.length === 0)) {
    return `* ${prefix}.contents: contents is not specified\n`
  }
  if (!Array.isArray(contents))
    return `Invalid value at '${prefix.toLowerCase()}.contents' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content)`
  let turnStart = 0
  for (let i = 0; i < contents.length; i++) {
    const c: unknown = contents[i]
    if (!isObject(c)) return `* ${prefix}.contents[${i}]: must be an object\n`
    const role = c['role']
    if (role !== undefined && role !== 'user' && role !== 'model')
      return 'Please use a valid role: user, model.'
    const parts = objArray(c['parts'])
    if (!parts || parts.length === 0)
      return `* ${prefix}.contents[${i}].parts: contents.parts must not be empty.\n`
    if (role !== 'model' && parts.some((p) => typeof p['text'] === 'string')) turnStart = i
  }
  if (!requireSignatures) return null
  for (let i = turnStart; i < contents.length; i++) {
    const c = contents[i]
    if (!isObject(c) || c['role'] !== 'model') continue
    const parts = objArray(c['parts']) ?? []
    const firstCall = parts.findIndex((p) => isObject(p['functionCall']))
    const part = parts[firstCall]
    if (part && typeof part['thoughtSignature'] !== 'string') {
      const fc = part['functionCall']
      const name = isObject(fc) ? str(fc['name']) : undefined
      return (
        'Function call is missing a thought_signature in functionCall parts. This is required for tools to work ' +
        `correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name ?? ''}\` , position ${i + 1}. ` +
        'Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.'
      )
    }
  }
  return null
}

/** `null` when every thought part in the history carries a signature in `issued`, else Claude's 400 message. */
function unsignedThought(contents: unknown, issued: ReadonlySet<string>): string | null {
  const list = Array.isArray(contents) ? contents : []
  for (let i = 0; i < list.length; i++) {
    const parts = isObject(list[i]) ? (objArray(list[i]['parts']) ?? []) : []
    for (let j = 0; j < parts.length; j++) {
      const p = parts[j]!
      if (p['thought'] !== true) continue
      const sig = p['thoughtSignature']
      if (typeof sig !== 'string' || !issued.has(sig))
        return `contents.${i}.parts.${j}: Invalid \`signature\` in \`thinking\` block`
    }
  }
  return null
}

const ENVELOPE_KEYS = ['model', 'project', 'user_prompt_id', 'request']

/** What makes a Code Assist generation call differ from Gemini CLI's, or `null`. */
function strictProblem(rec: Recorded, body: Record<string, unknown>, model: string): string | null {
  const extra = Object.keys(body).filter((k) => !ENVELOPE_KEYS.includes(k))
  if (extra.length > 0) return `Invalid JSON payload received. Unknown name "${extra[0]}": Cannot find field.`
  for (const k of ['model', 'project', 'user_prompt_id']) {
    if (typeof body[k] !== 'string' || body[k] === '')
      return `Invalid JSON payload: "${k}" must be a non-empty string.`
  }
  if (isObject(body['request']) && 'model' in body['request'])
    return 'Invalid JSON payload received. Unknown name "model" at \'request\': Cannot find field.'
  if (!(rec.headers['content-type'] ?? '').startsWith('application/json'))
    return `Invalid content type: ${rec.headers['content-type'] ?? 'none'}`
  const ua = rec.headers['user-agent'] ?? ''
  if (!new RegExp(`^GeminiCLI/\\d+\\.\\d+\\.\\d+/${model.replace(/[.]/g, '\\.')} \\(`).test(ua))
    return `Unexpected user agent: ${ua}`
  if (rec.path.endsWith(':streamGenerateContent') && rec.query['alt'] !== 'sse')
    return 'Streams must be requested with alt=sse.'
  return null
}

function credential(rec: Recorded, bearerOnly: boolean): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(rec.headers['authorization'] ?? '')?.[1]?.trim()
  if (bearerOnly) return bearer
  return rec.headers['x-goog-api-key'] ?? rec.query['key'] ?? bearer
}

const PUBLIC_ROUTE = /^\/(v1beta|v1)\/models\/([^/:]+):([A-Za-z]+)$/
const CA_ROUTE = /^\/v1internal:([A-Za-z]+)$/
const CA_OPERATION = /^\/v1internal\/(operations\/[^/]+)$/

export function fakeGemini(script: Script, opts: FakeGeminiOptions = {}): GeminiFake {
  let calls = 0
  let onboardCalls = 0
  const tokenCounts: number[] = []
  const issuedSignatures = new Set<string>()
  const state: { script: Script } = { script }
  const ca: CodeAssistOptions | null = opts.codeAssist
    ? opts.codeAssist === true
      ? {}
      : opts.codeAssist
    : null
  let project: string | null = ca ? (ca.project === undefined ? 'fake-project-123' : ca.project) : null
  const tier = ca?.tier ?? 'free-tier'
  const headers = opts.headers ?? {}

  const operation = () => {
    onboardCalls++
    const name = 'operations/onboard-fake-1'
    if (onboardCalls <= (ca?.onboardPolls ?? 1)) return jsonResponse({ name, done: false }, 200, headers)
    const id = project ?? ca?.onboardedProject ?? 'fake-onboarded-project'
    project = id
    return jsonResponse(
      {
        name,
        done: true,
        response: {
          '@type': 'type.googleapis.com/google.internal.cloud.code.v1internal.OnboardUserResponse',
          cloudaicompanionProject: { id, name: id },
        },
      },
      200,
      headers,
    )
  }

  const base = startFake(async (req, rec) => {
    const pub = PUBLIC_ROUTE.exec(rec.path)
    const caMethod = ca ? CA_ROUTE.exec(rec.path)?.[1] : undefined
    const caOperation = ca ? CA_OPERATION.exec(rec.path)?.[1] : undefined
    const isModels = rec.method === 'GET' && (rec.path === '/v1beta/models' || rec.path === '/v1/models')
    if (!pub && !caMethod && !caOperation && !isModels) {
      return googleError(
        404,
        `Requested entity was not found. (${rec.method} ${rec.path})`,
        'NOT_FOUND',
        [],
        headers,
      )
    }
    const cred = credential(rec, Boolean(caMethod || caOperation))
    if (!cred) {
      return googleError(
        401,
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        'UNAUTHENTICATED',
        [],
        headers,
      )
    }
    if ((opts.key !== undefined && cred !== opts.key) || opts.acceptToken?.(cred) === false) {
      return googleError(
        401,
        'API key not valid. Please pass a valid API key.',
        'UNAUTHENTICATED',
        [],
        headers,
      )
    }
    if (isModels) {
      const models = (opts.models ?? DEFAULT_GEMINI_MODELS).map((m) => ({
        name: `models/${m.name}`,
        displayName: m.displayName ?? m.name,
        inputTokenLimit: m.inputTokenLimit ?? 1048576,
        outputTokenLimit: m.outputTokenLimit ?? 65536,
        supportedGenerationMethods: ['generateContent', 'countTokens'],
      }))
      return jsonResponse({ models }, 200, headers)
    }
    if (caOperation) return operation()
    if (rec.method !== 'POST') return googleError(404, 'Not Found', 'NOT_FOUND', [], headers)
    const refused = caMethod ? opts.checkCodeAssist?.(rec) : undefined
    if (refused) return refused
    const body = rec.body
    if (!isObject(body)) {
      return googleError(
        400,
        'Invalid JSON payload received. Unexpected token.',
        'INVALID_ARGUMENT',
        [],
        headers,
      )
    }
    if (caMethod === 'loadCodeAssist') {
      const allowedTiers = [
        { id: tier, name: tier, isDefault: true, userDefinedCloudaicompanionProject: false },
      ]
      return jsonResponse(
        project === null
          ? { allowedTiers }
          : { currentTier: { id: tier, name: tier }, allowedTiers, cloudaicompanionProject: project },
        200,
        headers,
      )
    }
    if (caMethod === 'onboardUser') return operation()
    const method = caMethod ?? pub?.[3] ?? ''
    if (!['generateContent', 'streamGenerateContent', 'countTokens'].includes(method)) {
      return googleError(404, `Method not found: ${method}`, 'NOT_FOUND', [], headers)
    }
    let request: Record<string, unknown> = body
    let model = pub?.[2] ?? ''
    if (caMethod) {
      const inner = body['request']
      if (!isObject(inner)) {
        return googleError(
          400,
          'Invalid JSON payload received. Missing "request".',
          'INVALID_ARGUMENT',
          [],
          headers,
        )
      }
      request = inner
      model = (str(body['model']) ?? str(inner['model']) ?? '').replace(/^models\//, '')
      if (method !== 'countTokens' && model === '') {
        return googleError(400, 'Request contains an invalid argument.', 'INVALID_ARGUMENT', [], headers)
      }
      const misshapen = method !== 'countTokens' && ca?.strict ? strictProblem(rec, body, model) : null
      if (misshapen) return googleError(400, misshapen, 'INVALID_ARGUMENT', [], headers)
      if (method !== 'countTokens' && ca?.requireProject && body['project'] !== project) {
        return googleError(
          403,
          `Permission denied on resource project ${String(body['project'] ?? '')}.`,
          'PERMISSION_DENIED',
          [],
          headers,
        )
      }
    }
    if (method === 'countTokens') {
      const gcr = request['generateContentRequest']
      const contents = isObject(gcr) ? gcr['contents'] : request['contents']
      const problem = validateContents(contents, false, 'CountTokensRequest')
      if (problem) return googleError(400, problem, 'INVALID_ARGUMENT', [], headers)
      const total = countTokens({ contents })
      tokenCounts.push(total)
      return jsonResponse(
        { totalTokens: total, promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }] },
        200,
        headers,
      )
    }
    const problem = validateContents(
      request['contents'],
      opts.requireThoughtSignatures === true,
      'GenerateContentRequest',
    )
    if (problem) return googleError(400, problem, 'INVALID_ARGUMENT', [], headers)
    const claude = opts.claudeThinking === true && model.startsWith('claude-')
    const unsigned = claude ? unsignedThought(request['contents'], issuedSignatures) : null
    if (unsigned) return googleError(400, unsigned, 'INVALID_ARGUMENT', [], headers)
    const n = calls++
    const outcome = await runScript(state.script, n, rec, req)
    const inputTokens = countTokens({
      contents: request['contents'],
      systemInstruction: request['systemInstruction'],
      tools: request['tools'],
    })
    const traceId = `fake-trace-${n + 1}`
    const wrap = caMethod ? (chunk: unknown) => ({ response: chunk, traceId }) : null
    const stream = method === 'streamGenerateContent'
    const sse = rec.query['alt'] === 'sse' || rec.query['$alt'] === 'sse'
    const resolve = (reply: Reply) => {
      const r = resolveReply(reply, {
        seq: n + 1,
        model,
        inputTokens,
        idPrefix: 'fake-response-',
        toolIdPrefix: 'fake-call-',
      })
      if (r.thinking && claude) issuedSignatures.add(r.thinking.signature)
      return r
    }
    const renderer = geminiRenderer(opts, sse ? 'sse' : 'array', wrap, claude)
    return render(outcome, renderer, stream, resolve, req.signal)
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
    get project() {
      return project
    },
    set project(p: string | null) {
      project = p
    },
    get onboardCalls() {
      return onboardCalls
    },
  })
}
