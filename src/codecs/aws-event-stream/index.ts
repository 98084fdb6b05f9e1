/** The AWS binary event-stream framing (what Kiro's and other AWS streaming APIs answer with). */
export {
  type DecodeStats,
  type EventMessage,
  EventStreamDecoder,
  MAX_HEADER_BYTES,
  MAX_MESSAGE_BYTES,
} from './decode.ts'
export { EventStreamError, type EventStreamErrorCode } from './errors.ts'
export { HEADER_TYPES, type HeaderValue, parseHeaders, stringHeader } from './headers.ts'
