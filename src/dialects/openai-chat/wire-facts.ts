/** What the gateway must know of the OpenAI Chat wire format beyond its codecs (`WireFacts`, ir.ts). */
import { isObject } from '../common/json.ts'
import { SSE_COMMENT_KEEPALIVE, setBodyModel } from '../common/wire-facts.ts'
import type { WireFacts } from '../contract.ts'

export const wireFacts: WireFacts = {
  setModel: setBodyModel,
  supportsToolNamespaces: false,
  // metering needs the usage chunk, which Chat sends only when asked
  askStreamUsage: (body) => ({
    ...body,
    stream: true,
    stream_options: {
      ...(isObject(body['stream_options']) ? body['stream_options'] : {}),
      include_usage: true,
    },
  }),
  clientWantsStreamUsage: (body) =>
    isObject(body['stream_options']) && body['stream_options']['include_usage'] === true,
  streamNeedsInputTokens: false,
  keepAlive: SSE_COMMENT_KEEPALIVE,
  passthrough: {
    first: [],
    last: ['"usage":{', '"error"', '[DONE]'],
    outcome: { end: (data) => data === '[DONE]', errors: ['"error"'] },
    usageCarriers: [],
    usageOnlyChunk: '"choices":[]',
  },
}
