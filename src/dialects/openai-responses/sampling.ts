/**
 * The flat scalar fields: one two-way table that decode and encode both walk, in wire order (the
 * encoder writes them in this order). What the Responses API cannot express is refused or dropped
 * (see `rejectInexpressible`).
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { DialectError, type Request } from '../ir.ts'

type SamplingKey = 'maxOutputTokens' | 'temperature' | 'topP' | 'metadata' | 'user'

/** One flat field: its wire name, its IR name, and which wire values the IR takes. */
interface SamplingField {
  wire: string
  ir: SamplingKey
  accepts: (v: unknown) => boolean
}

const isNumber = (v: unknown): boolean => typeof v === 'number'
const isString = (v: unknown): boolean => typeof v === 'string'

export const SAMPLING: readonly SamplingField[] = [
  { wire: 'max_output_tokens', ir: 'maxOutputTokens', accepts: isNumber },
  { wire: 'temperature', ir: 'temperature', accepts: isNumber },
  { wire: 'top_p', ir: 'topP', accepts: isNumber },
  { wire: 'metadata', ir: 'metadata', accepts: isObject },
  { wire: 'user', ir: 'user', accepts: isString },
]

/** Takes the flat fields the IR models, naming each in `taken`; others stay for `extra`. */
export function decodeSampling(body: JsonObject, req: Request, taken: Set<string>): void {
  const ir: Partial<Record<SamplingKey, unknown>> = req
  for (const f of SAMPLING) {
    const v = body[f.wire]
    if (f.accepts(v)) {
      ir[f.ir] = v
      taken.add(f.wire)
    }
  }
}

/** Writes the IR's flat fields onto `body`. */
export function encodeSampling(req: Request, body: JsonObject): void {
  for (const f of SAMPLING) {
    const v = req[f.ir]
    if (v !== undefined) body[f.wire] = v
  }
}

/**
 * What the Responses API cannot express and changes the answer's shape (several choices, stop
 * sequences) is refused naming the field. Pure sampling hints it lacks (top_k, seed, penalties)
 * are dropped: real clients send them by default (Gemini CLI sends topK) and refusing would
 * make those clients unusable for a knob that only nudges sampling.
 */
export function rejectInexpressible(req: Request): void {
  if (req.n !== undefined && req.n > 1)
    throw new DialectError('The Responses API returns one choice (n > 1)', 'n')
  if (req.stop && req.stop.length > 0)
    throw new DialectError('The Responses API has no stop sequences', 'stop')
}
