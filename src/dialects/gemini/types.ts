/**
 * The dialect's name and the static wire types code uses, derived from the TypeBox schemas in
 * `schema.ts` (the one description of the request's wire shape). Objects may carry fields not
 * listed there.
 */
import type { Static } from '@sinclair/typebox'
import type { codeAssistRequestSchema } from './schema.ts'

/** The dialect's name: the IR `source` of what it decodes and the key of its hints in `extra`. */
export const DIALECT = 'gemini' as const

/** `POST /v1internal:generateContent` body: a Gemini body inside the Code Assist envelope. */
export type CodeAssistRequest = Static<typeof codeAssistRequestSchema> & {
  /** Code Assist's session rides inside the Gemini body, in snake_case; the schema leaves it open. */
  request: { session_id?: string }
}
