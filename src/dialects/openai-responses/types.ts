/**
 * Static Responses wire types, derived from the TypeBox schema (schema.ts), and the dialect's
 * round-trip hints with the helpers its decoders build them with.
 */
import type { Static } from '@sinclair/typebox'
import type { JsonObject } from '../common/json.ts'
import { extraWith, type RoundTrip, unknownFields } from '../common/round-trip.ts'
import type { Extra } from '../ir.ts'
import type { requestSchema } from './schema.ts'

/** This dialect's name, the `source` of what its decoders produce. */
export const DIALECT = 'openai-responses' as const

/** A request body the route's schema accepted. */
export type RequestBody = Static<typeof requestSchema>

/**
 * What this dialect's decoders keep under `extra['openai-responses']` (common/round-trip.ts) so
 * its encoders give a Responses client back the bytes it sent. `fields` are the wire fields the
 * IR does not model on the object the hints sit on; the markers say how the wire spelled
 * something the IR folds together. Absent on anything another dialect decoded.
 */
export interface Hints extends RoundTrip {
  /** The sole message: the whole `input` was a string. */
  input?: 'string'
  /** A message, or the `message` hints of an assistant item: `content` was a string, not parts. */
  content?: 'string'
  /** A system message: the wire role was `system` (default `developer`). */
  role?: 'system'
  /** An empty message: an input item the IR does not model, verbatim. */
  item?: JsonObject
  /** The first text part of an assistant `message` item: that item's hints; starts a new item. */
  message?: Hints
  /** The first thinking part of a `reasoning` item: that item's hints; starts a new item. */
  reasoning?: RoundTrip
  /** A text part: its part type when not the role's default (`input_text` in an assistant message…). */
  partType?: string
  /** A text part: it was a `refusal`. */
  refusal?: true
  /** A tool_result part: `output` was an array of parts. */
  output?: 'array'
  /** A file part: `file_data` was bare base64, not a data URL. */
  fileData?: 'raw'
  /** A function tool: it had no `parameters`. */
  parameters?: 'absent'
  /** The first function of a `namespace` tool: that tool's hints; starts a new namespace tool. */
  namespace?: RoundTrip
  /** A response: the output items the IR does not model, with their index in `output`. */
  outputItems?: { index: number; item: JsonObject }[]
  /** A stream's start/finish event: the upstream response object (stream-decode.ts). */
  response?: JsonObject
}

/** Hints holding the fields of `raw` outside `known`. */
export function fieldsOf(raw: JsonObject, known: ReadonlySet<string>): Hints {
  const fields = unknownFields(raw, known)
  return fields ? { fields } : {}
}

/** Puts `h` on `x` when there is anything in it; returns `x`. */
export function withHints<T extends { extra?: Extra }>(x: T, h: Hints): T {
  const extra = extraWith(DIALECT, h)
  if (extra) x.extra = extra
  return x
}

/**
 * Every key set a decoder may have taken from one wire object: `base` plus each subset of
 * `optional`, indexed by the bitmask of the optional keys taken (bit i = `optional[i]`). Built
 * once at load, so decoding a part allocates no set.
 */
export function takenKeySets(
  base: readonly string[],
  optional: readonly string[],
): readonly ReadonlySet<string>[] {
  const sets: ReadonlySet<string>[] = []
  for (let mask = 0; mask < 1 << optional.length; mask++)
    sets.push(new Set([...base, ...optional.filter((_, i) => mask & (1 << i))]))
  return sets
}
