/**
 * The dialect's name and the static wire types code uses, derived from the TypeBox schemas in
 * `schema.ts` (the one description of the request's wire shape). Objects may carry fields not
 * listed there.
 */
import type { Static } from '@sinclair/typebox'
import type { JsonObject } from '../common/json.ts'
import type { RoundTrip } from '../common/round-trip.ts'
import type { codeAssistRequestSchema } from './schema.ts'

/** The dialect's name: the IR `source` of what it decodes and the key of its hints in `extra`. */
export const DIALECT = 'gemini' as const

/** `POST /v1internal:generateContent` body: a Gemini body inside the Code Assist envelope. */
export type CodeAssistRequest = Static<typeof codeAssistRequestSchema> & {
  /** Code Assist's session rides inside the Gemini body, in snake_case; the schema leaves it open. */
  request: { session_id?: string }
}

/**
 * What the Gemini decoders keep under `extra.gemini` so the encoders can give a Gemini client
 * back the body it sent. One shape for every level the hints ride on (request, content, part,
 * function declaration, response); each member says where it appears. `fields` holds the wire
 * fields of that object the IR does not model.
 */
export interface Hints extends RoundTrip {
  // --- request
  /** The `systemInstruction`'s own unknown fields; present whenever the client sent one. */
  systemInstruction?: JsonObject
  /** Which `tools[]` object each IR tool came from, when not the canonical layout. */
  toolGroups?: number[]
  /** The `toolConfig`'s unknown fields; present whenever the client sent one. */
  toolConfig?: JsonObject
  /** What of `functionCallingConfig` the IR's tool choice does not hold; present when sent. */
  functionCallingConfig?: JsonObject
  /** The `generationConfig` fields the IR does not model; present whenever the client sent one. */
  generationConfig?: JsonObject
  /** The `thinkingConfig` fields the IR does not model; present whenever the client sent one. */
  thinkingConfig?: JsonObject
  /** `thinkingLevel` as the client spelled it, when not lower-case. */
  thinkingLevel?: string
  /** The Code Assist envelope's own fields (`project`, `user_prompt_id`…), for `code-assist.ts`. */
  codeAssist?: JsonObject
  // --- request (`generationConfig`) and function declaration
  /**
   * Which wire field held the schema when it was not the JSON-Schema one: `responseSchema`
   * (request), `parameters` or `none` (a declaration without one).
   */
  schemaField?: 'responseSchema' | 'parameters' | 'none'
  /** The OpenAPI schema as sent, when reading it as JSON Schema changed it (or rode beside one). */
  schemaAsSent?: unknown
  // --- content (request message) and response
  /** Parts the IR has no type for, with their positions. */
  rawParts?: RawPart[]
  /** The content had no `role`. */
  noRole?: true
  // --- part
  /** Unknown fields inside `inlineData`, `fileData`, `functionCall` (its `id` too), `functionResponse`. */
  inlineData?: JsonObject
  fileData?: JsonObject
  functionCall?: JsonObject
  functionResponse?: JsonObject
  /** The functionResponse had no `response`. */
  noResponse?: true
  // --- response
  /** The candidate content's unknown fields. */
  content?: JsonObject
  /** The candidate content's role when not `model` (null: none). */
  role?: unknown
  noParts?: true
  noContent?: true
  /** The first candidate's unknown fields. */
  candidate?: JsonObject
  noFinishReason?: true
  /** Candidates after the first (`candidateCount` > 1), as they came. */
  candidates?: unknown[]
  noCandidates?: true
  promptFeedback?: unknown
  omitResponseId?: true
  /** Code Assist's `traceId`, which stood in for a missing `responseId`. */
  traceId?: string
  // --- stream (`start` event)
  /** The candidate `index` the upstream's chunks carried. */
  index?: number
}

/** A part the IR has no type for (executableCode, codeExecutionResult…), kept with its position. */
export interface RawPart {
  at: number
  part: JsonObject
}
