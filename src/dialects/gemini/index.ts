/** The Gemini dialect (`generateContent` / `streamGenerateContent?alt=sse`) and its Code Assist variant. */
import type { Dialect } from '../ir.ts'
import { decodeError, encodeError } from './errors.ts'
import { decodeRequest, encodeRequest } from './request.ts'
import { decodeResponse, encodeResponse, responseUsage } from './response.ts'
import { decodeStream } from './stream-decode.ts'
import { encodeStream } from './stream-encode.ts'

export const gemini: Dialect = {
  name: 'gemini',
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

export {
  type CodeAssistEncodeOptions,
  type CodeAssistWrapOptions,
  codeAssist,
  type UnwrappedCodeAssistRequest,
  unwrapCodeAssistRequest,
  unwrapCodeAssistResponse,
  wrapCodeAssistRequest,
} from './code-assist.ts'
export { decodeError, encodeError, parseDelay } from './errors.ts'
export { SKIP_SIGNATURE } from './reasoning.ts'
export { decodeRequest, encodeRequest } from './request.ts'
export { decodeResponse, decodeUsage, encodeResponse, encodeUsage } from './response.ts'
export { codeAssistRequestSchema, requestSchema } from './schema.ts'
export { decodeStream } from './stream-decode.ts'
export { encodeStream } from './stream-encode.ts'
export type * from './types.ts'
