/** The Anthropic Messages dialect (`POST /v1/messages`, `POST /v1/messages/count_tokens`). */
import type { Dialect } from '../ir.ts'
import { decodeError, encodeError } from './errors.ts'
import { decodeRequest, encodeRequest } from './request.ts'
import { decodeResponse, encodeResponse, responseUsage } from './response.ts'
import { decodeStream } from './stream-decode.ts'
import { encodeStream } from './stream-encode.ts'

export const anthropicMessages: Dialect = {
  name: 'anthropic-messages',
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

export { decodeError, decodeErrorBody, encodeError, encodeErrorBody } from './errors.ts'
export { decodeRequest, encodeCountTokensRequest, encodeRequest } from './request.ts'
export { decodeResponse, encodeResponse } from './response.ts'
export { countTokensSchema, requestSchema } from './schema.ts'
export { decodeStream } from './stream-decode.ts'
export { encodeStream } from './stream-encode.ts'
export { type CountTokensBody, DEFAULT_MAX_TOKENS, DIALECT, type RequestBody } from './types.ts'
