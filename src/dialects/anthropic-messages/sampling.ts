/**
 * Anthropic Messages flat sampling fields ↔ IR: `max_tokens`, `temperature`, `top_p`, `top_k`,
 * `stop_sequences`. The three numeric knobs are one table that decode and encode both walk.
 *
 * `max_tokens` defaults to 32000 when the IR has none (the API requires it). With thinking on, the
 * API refuses `temperature` (it must be 1) and `top_k`, and takes `top_p` only at ≥ 0.95: the
 * encoder leaves out what it would refuse.
 *
 * Dropped without error, by choice: `seed` (best effort everywhere) and penalties (sampling hints
 * that clients send by default; refusing them would lock those clients out).
 */
import type { JsonObject } from '../common/json.ts'
import { fail } from '../common/round-trip.ts'
import type { Request } from '../ir.ts'
import { DEFAULT_MAX_TOKENS } from './types.ts'

interface SamplingField {
  wire: string
  ir: 'temperature' | 'topP' | 'topK'
  /** Whether the API takes this value while thinking is on. */
  withThinking: (value: number) => boolean
}

/** In wire order: the encoder writes them in this order. */
const SAMPLING: readonly SamplingField[] = [
  { wire: 'temperature', ir: 'temperature', withThinking: () => false },
  { wire: 'top_p', ir: 'topP', withThinking: (v) => v >= 0.95 },
  { wire: 'top_k', ir: 'topK', withThinking: () => false },
]

function num(v: unknown, param: string): number | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${param} must be a number`, param)
  return v
}

/** `max_tokens`, which count_tokens bodies leave out. */
export function decodeMaxTokens(body: JsonObject, req: Request): void {
  const maxTokens = body.max_tokens
  if (maxTokens !== undefined) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      fail('max_tokens must be a positive integer', 'max_tokens')
    }
    req.maxOutputTokens = maxTokens
  }
}

/** The IR's output limit, or the default the API needs. */
export function maxTokensOf(req: Request): number {
  return req.maxOutputTokens ?? DEFAULT_MAX_TOKENS
}

export function decodeSampling(body: JsonObject, req: Request): void {
  for (const f of SAMPLING) {
    const v = num(body[f.wire], f.wire)
    if (v !== undefined) req[f.ir] = v
  }
}

export function encodeSampling(req: Request, body: JsonObject, thinkingOn: boolean): void {
  for (const f of SAMPLING) {
    const v = req[f.ir]
    if (v !== undefined && (!thinkingOn || f.withThinking(v))) body[f.wire] = v
  }
}

export function decodeStop(body: JsonObject, req: Request): void {
  if (body.stop_sequences !== undefined) {
    const s = body.stop_sequences
    if (!Array.isArray(s) || !s.every((x) => typeof x === 'string')) {
      fail('stop_sequences must be an array of strings', 'stop_sequences')
    }
    req.stop = s as string[]
  }
}

export function encodeStop(req: Request, body: JsonObject): void {
  if (req.stop !== undefined) body.stop_sequences = req.stop
}
