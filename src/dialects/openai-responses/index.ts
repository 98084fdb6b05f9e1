/** OpenAI Responses (`POST /v1/responses`, also the Codex backend) as a dialect of the gateway. */
import type { Dialect } from '../ir.ts'
import { decodeError, encodeError } from './errors.ts'
import { decodeRequest, encodeRequest } from './request.ts'
import { decodeResponse, encodeResponse, responseUsage } from './response.ts'
import { decodeStream } from './stream-decode.ts'
import { encodeStream } from './stream-encode.ts'

export { decodeError, encodeError } from './errors.ts'
export { decodeRequest, encodeRequest } from './request.ts'
export { decodeResponse, encodeResponse } from './response.ts'
export { requestSchema } from './schema.ts'
export { decodeStream } from './stream-decode.ts'
export { encodeStream } from './stream-encode.ts'
export type * from './types.ts'

export const openaiResponses: Dialect = {
  name: 'openai-responses',
  decodeRequest,
  encodeRequest,
  decodeResponse,
  responseUsage,
  encodeResponse,
  decodeStream,
  encodeStream,
  encodeError,
  decodeError,
}
