/**
 * Static facts of the Chat Completions dialect: its name and its round-trip `Hints` (with the
 * three accessors every codec of this folder uses). The request's wire shape has one source, the
 * TypeBox schema in `schema.ts` (`RequestBody` is derived from it); responses and stream chunks
 * are read field by field by their codecs, so no hand-written copy of those shapes is kept.
 */

import type { JsonObject } from '../common/json.ts'
import { extraWith, hintsOf, type RoundTrip, unknownFields } from '../common/round-trip.ts'
import type { Extra } from '../ir.ts'

export const DIALECT = 'openai-chat' as const

/**
 * What this dialect's decoders leave for its own encoders, always under `extra['openai-chat']`
 * (see `common/round-trip.ts`): `fields` are the client's wire fields the IR does not model (and
 * explicit `null`s), the rest say how the wire spelled something the IR folds together. Each
 * object of the IR that a Chat decoder made (request, message, part, tool, response, usage,
 * stream `start`) carries its own.
 */
export interface Hints extends RoundTrip {
  // request envelope
  /** `stream: false` was sent (the IR's `false` is also the default). */
  stream?: false
  /** `stream_options` keys other than `include_usage` (an object even when empty). */
  streamOptions?: JsonObject
  /** The cap came as `max_tokens`, not `max_completion_tokens`. */
  maxField?: 'max_tokens'
  /** `stop` came as one string. */
  stop?: 'string'
  /** `tools: []` was sent. */
  tools?: 'empty'
  /** `response_format` as sent, when the IR's form of it would re-encode differently. */
  responseFormat?: JsonObject

  // messages and content
  /** How `content` was spelled when not an array of parts (messages and tool results). */
  content?: 'string' | 'null' | 'absent'
  /** A system message sent as `developer`. */
  role?: 'developer'
  /** `tool_calls: []` was sent. */
  toolCalls?: 'empty'
  /** A text part that was a `refusal` content part. */
  part?: 'refusal'
  /** A text part that was the message's `refusal` field. */
  refusal?: true
  /** An image or file URL as sent, when the IR's media source re-encodes it differently. */
  url?: string
  /** An `image_url.detail` the IR has no value for. */
  detail?: unknown
  /** Unknown keys of `image_url`, `file`, `input_audio`. */
  imageUrl?: JsonObject
  file?: JsonObject
  inputAudio?: JsonObject
  /** `file_data` was bare base64, not a data URL. */
  bare?: true
  /** A `file_id` sent beside `file_data`. */
  fileId?: string
  /** A thinking part's `reasoning_content` when it was '', null or absent (a signature alone). */
  reasoningContent?: '' | 'absent' | null

  // tools and tool calls
  /** A function tool sent without `parameters`. */
  parameters?: 'absent'
  /** Unknown keys of a tool's or a tool call's `function`, and its mistyped modelled ones. */
  function?: JsonObject
  /** A tool call sent without `type`. */
  type?: 'absent'
  /** `extra_content` of a tool call besides Gemini's thought signature. */
  extraContent?: JsonObject

  // response
  /** `object` when not `chat.completion` (or `'absent'`). */
  object?: unknown
  /** The choices after the first (or `[]` when there were none). */
  choices?: unknown[]
  /** The first choice's unknown keys and a non-string `finish_reason`/non-zero `index`. */
  choice?: JsonObject
  /** The first choice's message. */
  message?: Hints

  // usage
  /** `total_tokens` was absent. */
  total?: 'absent'
  /** Keys of `prompt_tokens_details`/`completion_tokens_details` other than the ones the IR reads. */
  promptDetails?: JsonObject
  completionDetails?: JsonObject

  // stream `start`
  /** The upstream's chunks carry no `created`, no `logprobs`. */
  created?: 'absent'
  logprobs?: 'absent'
}

// ---------------------------------------------------------------------------------------------
// Reading and writing the hints (every file of this folder goes through these)

/** Hints holding the keys of `raw` outside `known`, to add this dialect's markers to. */
export function hintsFor(raw: JsonObject, known: ReadonlySet<string>): Hints {
  const h: Hints = {}
  const fields = unknownFields(raw, known)
  if (fields) h.fields = fields
  return h
}

/** Puts `h` on `target` as its `extra` when there is anything in it. */
export function withHints<T extends { extra?: Extra }>(target: T, h: Hints): T {
  const extra = extraWith(DIALECT, h)
  if (extra) target.extra = extra
  return target
}

/**
 * The Chat hints an IR object carries; undefined when another dialect decoded it, or when the
 * object belongs to a request or response that is not a Chat client's own (`own` false).
 */
export function chatHints(extra: Extra | undefined, own = true): Hints | undefined {
  return own ? hintsOf<Hints>(extra, DIALECT) : undefined
}
