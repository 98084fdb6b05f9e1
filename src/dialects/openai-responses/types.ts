/** Static Responses wire types, derived from the TypeBox schema (schema.ts). */
import type { Static } from '@sinclair/typebox'
import type { DialectName } from '../ir.ts'
import type { requestSchema } from './schema.ts'

/** This dialect's name, the `source` of what its decoders produce. */
export const US: DialectName = 'openai-responses'

/** A request body the route's schema accepted. */
export type RequestBody = Static<typeof requestSchema>
