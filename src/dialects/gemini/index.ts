/** The Gemini dialect (`generateContent` / `streamGenerateContent?alt=sse`) and its Code Assist variant. */
import { withStreams } from '../common/stream.ts'
import type { Dialect } from '../contract.ts'
import { decodeError, encodeError } from './errors.ts'
import { decodeRequest, encodeRequest } from './request.ts'
import { decodeResponse, encodeResponse, responseUsage } from './response.ts'
import { decodeStreamCore } from './stream-decode.ts'
import { encodeStreamCore } from './stream-encode.ts'
import { wireFacts } from './wire-facts.ts'

export const gemini: Dialect = withStreams({
  name: 'gemini',
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

export const { decodeStream, encodeStream } = gemini

export {
  type CodeAssistEncodeOptions,
  type CodeAssistWrapOptions,
  codeAssist,
  type UnwrappedCodeAssistRequest,
} from './code-assist.ts'
export { decodeError, encodeError } from './errors.ts'
export { decodeRequest, encodeRequest } from './request.ts'
export { decodeResponse, encodeResponse } from './response.ts'
export { codeAssistRequestSchema, requestSchema } from './schema.ts'
export { decodeStreamCore } from './stream-decode.ts'
export { encodeStreamCore } from './stream-encode.ts'
export type * from './types.ts'
