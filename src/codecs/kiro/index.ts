/**
 * Kiro's wire format as an upstream codec (`UpstreamCodec`): IR requests → the conversation-state
 * body, and the AWS event-stream answer → IR stream events. No client speaks it, so it has no
 * request decoder, response encoder or stream encoder; Kiro always answers with a stream, so its
 * provider asks for one and the gateway collects it for a client that wanted JSON.
 */
import type { UpstreamCodec } from '../../dialects/contract.ts'
import { DialectError } from '../../dialects/ir.ts'
import { decodeError } from './errors.ts'
import { encodeRequest, setModel } from './request.ts'
import { decodeStreamCore } from './stream-decode.ts'
import { DIALECT } from './types.ts'

export const kiro: UpstreamCodec = {
  name: DIALECT,
  encodeRequest,
  decodeStreamCore,
  decodeError,
  setModel,
  decodeResponse: () => {
    throw new DialectError('Kiro answers only as an event stream', undefined, 'api_error')
  },
  responseUsage: () => undefined,
  supportsToolNamespaces: false,
  askStreamUsage: (body) => body,
}

export { CONTINUE_PROMPT, ORIGIN } from './request.ts'
export { type TextRun, ThinkingTagSplitter } from './thinking-tags.ts'
export { DIALECT as KIRO_DIALECT } from './types.ts'
