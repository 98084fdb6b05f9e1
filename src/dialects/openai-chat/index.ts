/** OpenAI Chat Completions (`POST /v1/chat/completions`) as a dialect of the gateway. */
import { withStreams } from '../common/stream.ts'
import type { Dialect } from '../contract.ts'
import { decodeError, encodeError } from './errors.ts'
import { decodeRequest, encodeRequest } from './request.ts'
import { decodeResponse, encodeResponse, responseUsage } from './response.ts'
import { decodeStreamCore } from './stream-decode.ts'
import { encodeStreamCore } from './stream-encode.ts'
import { wireFacts } from './wire-facts.ts'

export { decodeError, encodeError } from './errors.ts'
export { decodeRequest, encodeRequest } from './request.ts'
export { decodeResponse, encodeResponse } from './response.ts'
export { requestSchema } from './schema.ts'
export { decodeStreamCore } from './stream-decode.ts'
export { encodeStreamCore } from './stream-encode.ts'
export type * from './types.ts'

export const openaiChat: Dialect = withStreams({
  name: 'openai-chat',
  decodeRequest,
  encodeRequest,
  decodeResponse,
  responseUsage,
  encodeResponse,
  decodeStreamCore,
  encodeStreamCore,
  encodeError,
  decodeError,
  ...wireFacts,
})

export const { decodeStream, encodeStream } = openaiChat
