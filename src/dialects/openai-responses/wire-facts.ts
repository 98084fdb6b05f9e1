/** What the gateway must know of the OpenAI Responses wire format beyond its codecs (`WireFacts`, ir.ts). */
import {
  declaredType,
  SSE_COMMENT_KEEPALIVE,
  setBodyModel,
  usageAlwaysStreamed,
  usageAlwaysWanted,
} from '../common/wire-facts.ts'
import type { WireFacts } from '../contract.ts'

export const wireFacts: WireFacts = {
  setModel: setBodyModel,
  supportsToolNamespaces: true,
  askStreamUsage: usageAlwaysStreamed,
  clientWantsStreamUsage: usageAlwaysWanted,
  streamNeedsInputTokens: false,
  keepAlive: SSE_COMMENT_KEEPALIVE,
  passthrough: {
    first: [],
    last: ['response.completed', 'response.incomplete', 'response.failed', '"type":"error"'],
    outcome: {
      end: (data) =>
        declaredType(data) === 'response.completed' || declaredType(data) === 'response.incomplete',
      errors: ['response.failed', '"type":"error"'],
    },
    usageCarriers: ['response'],
  },
}
