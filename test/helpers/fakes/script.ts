/**
 * Dialect-neutral reply scripts. A fake renders a `Reply` in its own wire format (JSON or SSE),
 * an `ErrorReply` in its own error envelope, and `InStreamError` / `ConnectionReset` as a stream
 * that fails after some frames.
 *
 * Usage numbers are neutral too: `input` = fresh input tokens (NOT counting cache reads or
 * writes), `cacheRead`/`cacheWrite` separately, `output` = all output tokens INCLUDING
 * `reasoning`. Each fake converts (Anthropic input_tokens = input; OpenAI prompt_tokens =
 * input + cacheRead + cacheWrite; Gemini candidatesTokenCount = output − reasoning, …).
 */
import { jsonResponse, type Recorded, type StreamOptions, sleep, streamResponse } from './server.ts'

export interface ToolCall {
  /** Defaults to a fake id in the dialect's style (`toolu_fake_N`, `call_fake_N`). */
  id?: string
  name: string
  arguments: object
}

export type StopKind = 'end' | 'max_tokens' | 'tool' | 'stop_sequence'

export interface Usage {
  input: number
  output: number
  cacheRead?: number
  cacheWrite?: number
  reasoning?: number
}

/** Timing of a scripted answer. */
export interface Pacing {
  /** Wait before sending anything (status line included); ends early if the client leaves. */
  headersDelayMs?: number
  /** Stream: pause before the first frame. */
  firstDelayMs?: number
  /** Stream: pause between frames. */
  delayMs?: number
  /** Stream: send an SSE comment at once so headers are committed before the first frame. */
  commitHeaders?: boolean
}

export interface Reply extends Pacing {
  id?: string
  /** Defaults to the requested model. */
  model?: string
  thinking?: { text: string; signature?: string }
  text?: string
  toolCalls?: ToolCall[]
  /** Defaults to `tool` when there are tool calls, else `end`. */
  stop?: StopKind
  /** Defaults: input = countTokens(request), output = ceil(output chars / 4), reasoning = ceil(thinking chars / 4). */
  usage?: Usage
  /** Split text (and thinking) into deltas of this many characters; default one delta. */
  chunkText?: number
  /** Extra response headers. */
  headers?: Record<string, string>
}

export interface ErrorReply {
  kind: 'error'
  status: number
  message: string
  /** Dialect error type (Anthropic `error.type`, OpenAI `error.type`, Google `error.status`); defaults by status. */
  type?: string
  /** OpenAI `error.code`; defaults by status. */
  code?: string | null
  /** Seconds: `retry-after` header (Anthropic/OpenAI), `RetryInfo.retryDelay` (Google), `resets_in_seconds` (Codex). */
  retryAfter?: number
  headers?: Record<string, string>
  headersDelayMs?: number
}

export interface InStreamError extends Pacing {
  kind: 'inStreamError'
  /** Frames of the normal stream sent before the error frame. */
  afterFrames: number
  type: string
  message: string
  /** Responses API only: `response.failed` (default) or a bare `error` event. */
  responsesEvent?: 'response.failed' | 'error'
  /** The answer whose first frames are sent; default `{text: 'partial answer', chunkText: 4}`. */
  reply?: Reply
}

export interface ConnectionReset extends Pacing {
  kind: 'reset'
  /** Frames (stream) sent before the socket is dropped; for JSON answers, half the body is sent. */
  afterFrames: number
  reply?: Reply
}

export type Outcome = Reply | ErrorReply | InStreamError | ConnectionReset | Response
export type ScriptFn = (rec: Recorded, req: Request) => Outcome | Promise<Outcome>
export type Step = Outcome | ScriptFn
/** One step for every call, or a list: call n gets step n (the last step repeats). */
export type Script = Step | readonly Step[]

export function errorReply(
  status: number,
  opts: {
    message?: string
    type?: string
    code?: string | null
    retryAfter?: number
    headers?: Record<string, string>
    headersDelayMs?: number
  } = {},
): ErrorReply {
  return { kind: 'error', status, message: opts.message ?? `fake upstream error ${status}`, ...opts }
}

export function inStreamError(
  afterFrames: number,
  opts: {
    type: string
    message: string
    reply?: Reply
    responsesEvent?: 'response.failed' | 'error'
  } & Pacing,
): InStreamError {
  return { kind: 'inStreamError', afterFrames, ...opts }
}

export function connectionReset(afterFrames: number, reply?: Reply, pacing: Pacing = {}): ConnectionReset {
  return { kind: 'reset', afterFrames, ...(reply ? { reply } : {}), ...pacing }
}

export const DEFAULT_PARTIAL_REPLY: Reply = { text: 'partial answer', chunkText: 4 }

/** The deterministic token count every fake uses: ceil(JSON length / 4), at least 1. */
export function countTokens(value: unknown): number {
  return Math.max(1, Math.ceil((JSON.stringify(value ?? null) ?? '').length / 4))
}

/** Splits `text` into pieces of `size` characters (one piece when `size` is absent). */
export function chunkString(text: string, size?: number): string[] {
  if (text === '') return []
  if (!size || size <= 0 || size >= text.length) return [text]
  const out: string[] = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out
}

/** Splits a JSON text at arbitrary (but deterministic) places into up to three pieces. */
export function splitJson(json: string): string[] {
  if (json.length <= 1) return [json]
  if (json.length === 2) return [json.slice(0, 1), json.slice(1)]
  const a = Math.ceil(json.length / 3)
  const b = Math.ceil((2 * json.length) / 3)
  return [json.slice(0, a), json.slice(a, b), json.slice(b)].filter((s) => s !== '')
}

export interface ResolvedUsage {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  reasoning: number
}

export interface ResolvedCall {
  id: string
  name: string
  arguments: object
  json: string
}

/** A reply with every default filled in. */
export interface Resolved {
  id: string
  model: string
  thinking?: { text: string; signature: string }
  text: string
  toolCalls: ResolvedCall[]
  stop: StopKind
  usage: ResolvedUsage
  chunkText?: number
  headers: Record<string, string>
}

export interface ResolveContext {
  /** Fake-wide counter, so ids differ between calls. */
  seq: number
  model: string
  /** Default input token count. */
  inputTokens: number
  idPrefix: string
  toolIdPrefix: string
}

/** The signature the fakes invent for thinking without one: base64 of a fixed prefix + the text. */
export function fakeSignature(text: string): string {
  return `sig_${Buffer.from(`fake:${text}`).toString('base64url').slice(0, 32)}`
}

export function resolveReply(reply: Reply, ctx: ResolveContext): Resolved {
  const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `${ctx.toolIdPrefix}${ctx.seq}_${i}`,
    name: c.name,
    arguments: c.arguments,
    json: JSON.stringify(c.arguments),
  }))
  const text = reply.text ?? ''
  const thinking = reply.thinking
    ? { text: reply.thinking.text, signature: reply.thinking.signature ?? fakeSignature(reply.thinking.text) }
    : undefined
  const outChars =
    text.length + (thinking?.text.length ?? 0) + toolCalls.reduce((n, c) => n + c.json.length, 0)
  const reasoning = reply.usage?.reasoning ?? (thinking ? Math.ceil(thinking.text.length / 4) : 0)
  const usage: ResolvedUsage = {
    input: reply.usage?.input ?? ctx.inputTokens,
    output: reply.usage?.output ?? Math.max(1, Math.ceil(outChars / 4)),
    cacheRead: reply.usage?.cacheRead ?? 0,
    cacheWrite: reply.usage?.cacheWrite ?? 0,
    reasoning,
  }
  return {
    id: reply.id ?? `${ctx.idPrefix}${ctx.seq}`,
    model: reply.model ?? ctx.model,
    ...(thinking ? { thinking } : {}),
    text,
    toolCalls,
    stop: reply.stop ?? (toolCalls.length > 0 ? 'tool' : 'end'),
    usage,
    ...(reply.chunkText !== undefined ? { chunkText: reply.chunkText } : {}),
    headers: reply.headers ?? {},
  }
}

/** Picks the step for call number `n` (0-based) and runs it when it is a function. */
export async function runScript(script: Script, n: number, rec: Recorded, req: Request): Promise<Outcome> {
  let step: Step | undefined
  if (Array.isArray(script)) {
    const list = script as readonly Step[]
    step = list[Math.min(n, list.length - 1)]
    if (step === undefined) throw new Error('empty script list')
  } else {
    step = script as Step
  }
  return typeof step === 'function' ? await step(rec, req) : step
}

/** How one dialect renders the neutral outcomes. */
export interface Renderer {
  /** Non-streaming body for a reply. */
  json(r: Resolved): unknown
  /** Stream frames for a reply (complete SSE events, or JSON-array pieces). */
  frames(r: Resolved): string[]
  /** Frame that reports an error inside a stream (already numbered where the dialect needs it). */
  streamError(e: InStreamError, r: Resolved, framesSoFar: number): string
  /** The HTTP error answer. */
  error(e: ErrorReply): Response
  /** Headers added to every answer (request ids, …). */
  headers(): Record<string, string>
  /** Content type of streamed answers; default `text/event-stream`. */
  streamContentType?: string
  /** Map an in-stream error's type to an HTTP status for non-streaming requests. */
  statusForType?(type: string): number
}

/** Renders an outcome: JSON when `stream` is false, frames otherwise. */
export async function render(
  outcome: Outcome,
  renderer: Renderer,
  stream: boolean,
  resolve: (reply: Reply) => Resolved,
  signal: AbortSignal,
): Promise<Response> {
  if (outcome instanceof Response) return outcome
  await sleep(outcome.headersDelayMs ?? 0, signal)
  if ('kind' in outcome) {
    if (outcome.kind === 'error') return renderer.error(outcome)
    const reply = resolve(outcome.reply ?? DEFAULT_PARTIAL_REPLY)
    if (outcome.kind === 'inStreamError') {
      if (!stream) {
        const status = renderer.statusForType?.(outcome.type) ?? 500
        return renderer.error(errorReply(status, { type: outcome.type, message: outcome.message }))
      }
      const frames = renderer.frames(reply).slice(0, outcome.afterFrames)
      frames.push(renderer.streamError(outcome, reply, frames.length))
      return streamResponse(frames, renderer.streamContentType ?? 'text/event-stream', {
        ...streamOpts(outcome),
        headers: { ...renderer.headers(), ...reply.headers },
      })
    }
    if (!stream) {
      const text = JSON.stringify(renderer.json(reply))
      const half = Math.max(1, Math.floor(text.length / 2))
      return streamResponse([text.slice(0, half)], 'application/json', {
        ...streamOpts(outcome),
        headers: { ...renderer.headers(), ...reply.headers },
        resetAfter: 1,
      })
    }
    return streamResponse(renderer.frames(reply), renderer.streamContentType ?? 'text/event-stream', {
      ...streamOpts(outcome),
      headers: { ...renderer.headers(), ...reply.headers },
      resetAfter: outcome.afterFrames,
    })
  }
  const reply = resolve(outcome)
  if (!stream) return jsonResponse(renderer.json(reply), 200, { ...renderer.headers(), ...reply.headers })
  return streamResponse(renderer.frames(reply), renderer.streamContentType ?? 'text/event-stream', {
    ...streamOpts(outcome),
    headers: { ...renderer.headers(), ...reply.headers },
  })
}

function streamOpts(p: Pacing): StreamOptions {
  return {
    ...(p.delayMs !== undefined ? { delayMs: p.delayMs } : {}),
    ...(p.firstDelayMs !== undefined ? { firstDelayMs: p.firstDelayMs } : {}),
    ...(p.commitHeaders ? { commitHeaders: true } : {}),
  }
}

/** `true` when `v` is a plain JSON object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** `v[key]` as an array of objects (non-objects dropped), or `undefined` when it is not an array. */
export function objArray(v: unknown): Record<string, unknown>[] | undefined {
  return Array.isArray(v) ? v.filter(isObject) : undefined
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

/** Adds `extra`'s properties to `base`, keeping getters and setters live (unlike `Object.assign`). */
export function withState<T extends object, E extends object>(base: T, extra: E): T & E {
  return Object.defineProperties(base, Object.getOwnPropertyDescriptors(extra)) as T & E
}
