/**
 * Chat's flat request fields that map one to one onto the IR: one table both directions walk,
 * in the order the encoder writes them. Most are a plain copy; the two with more than one wire
 * spelling (`max_tokens`/`max_completion_tokens`, `stop` as a string or an array) say how the
 * client spelled them in the request's hints, so a Chat client's body comes back as sent.
 *
 * `top_k` is not OpenAI's, but vLLM/Ollama/DeepSeek-style servers take it.
 */
import { isObject, type JsonObject } from '../common/json.ts'
import { fail, keepField } from '../common/round-trip.ts'
import type { Request } from '../ir.ts'
import type { Hints } from './types.ts'

type FlatKey =
  | 'maxOutputTokens'
  | 'temperature'
  | 'topP'
  | 'topK'
  | 'presencePenalty'
  | 'frequencyPenalty'
  | 'seed'
  | 'n'
  | 'stop'
  | 'user'
  | 'metadata'

interface FlatField {
  wire: string
  /** Another wire name for the same IR field. */
  alias?: string
  ir: FlatKey
  /** What the value must be, as the client error says it. */
  expected: string
  valid: (v: unknown) => boolean
  /** Wire → IR when it is more than a copy; `key` is the name the value came under. */
  decode?: (key: string, v: unknown, req: Request, h: Hints, body: JsonObject) => void
  /** IR → the wire name and value when it is more than a copy; `h`: the request's Chat hints. */
  encode?: (v: unknown, h: Hints | undefined) => [string, unknown]
}

const isNumber = (v: unknown) => typeof v === 'number'
const number = (wire: string, ir: FlatKey): FlatField => ({ wire, ir, expected: 'a number', valid: isNumber })

const FIELDS: readonly FlatField[] = [
  {
    wire: 'max_completion_tokens',
    alias: 'max_tokens',
    ir: 'maxOutputTokens',
    expected: 'a number',
    valid: isNumber,
    decode: (key, v, req, h, body) => {
      // Both present: max_completion_tokens is the cap, max_tokens rides along verbatim.
      if (key === 'max_tokens' && typeof body.max_completion_tokens === 'number')
        keepField(h, 'max_tokens', v)
      else {
        req.maxOutputTokens = v as number
        if (key === 'max_tokens') h.maxField = 'max_tokens'
      }
    },
    encode: (v, h) => [h?.maxField === 'max_tokens' ? 'max_tokens' : 'max_completion_tokens', v],
  },
  number('temperature', 'temperature'),
  number('top_p', 'topP'),
  number('top_k', 'topK'),
  number('presence_penalty', 'presencePenalty'),
  number('frequency_penalty', 'frequencyPenalty'),
  number('seed', 'seed'),
  number('n', 'n'),
  {
    wire: 'stop',
    ir: 'stop',
    expected: 'a string or an array of strings',
    valid: (v) => typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string')),
    decode: (_key, v, req, h) => {
      if (typeof v === 'string') {
        req.stop = [v]
        h.stop = 'string'
      } else req.stop = v as string[]
    },
    encode: (v, h) => ['stop', h?.stop === 'string' && (v as string[]).length === 1 ? (v as string[])[0] : v],
  },
  { wire: 'user', ir: 'user', expected: 'a string', valid: (v) => typeof v === 'string' },
  { wire: 'metadata', ir: 'metadata', expected: 'an object', valid: isObject },
]

const BY_WIRE = new Map<string, FlatField>()
for (const f of FIELDS) {
  BY_WIRE.set(f.wire, f)
  if (f.alias) BY_WIRE.set(f.alias, f)
}

/** Takes the flat field `key` of `body` into `req`; false when `key` is not one of them. */
export function decodeSampling(key: string, v: unknown, req: Request, h: Hints, body: JsonObject): boolean {
  const f = BY_WIRE.get(key)
  if (!f) return false
  if (!f.valid(v)) fail(`\`${key}\` must be ${f.expected}`, key)
  if (f.decode) f.decode(key, v, req, h, body)
  else (req as Partial<Record<FlatKey, unknown>>)[f.ir] = v
  return true
}

/** Writes the request's flat fields onto `body`; `h`: the request's Chat hints, when it came from Chat. */
export function encodeSampling(req: Request, h: Hints | undefined, body: JsonObject): void {
  for (const f of FIELDS) {
    const v = req[f.ir]
    if (v === undefined) continue
    if (f.encode) {
      const [wire, value] = f.encode(v, h)
      body[wire] = value
    } else body[f.wire] = v
  }
}
