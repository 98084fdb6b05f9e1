/** What the gateway must know of the Gemini wire format beyond its codecs (`WireFacts`, ir.ts). */
import { isObject } from '../common/json.ts'
import { SSE_COMMENT_KEEPALIVE, usageAlwaysStreamed, usageAlwaysWanted } from '../common/wire-facts.ts'
import type { WireFacts } from '../contract.ts'
import { encodeRequest } from './request.ts'

export const wireFacts: WireFacts = {
  // the model travels in the URL
  setModel: () => {},
  supportsToolNamespaces: false,
  askStreamUsage: usageAlwaysStreamed,
  clientWantsStreamUsage: usageAlwaysWanted,
  streamNeedsInputTokens: false,
  keepAlive: SSE_COMMENT_KEEPALIVE,
  passthrough: {
    first: [],
    // usage comes as running totals on every chunk: the last one counts
    last: ['usageMetadata', '"error"'],
    usageCarriers: ['response'],
  },
  countTokens: {
    body: (req, opts) => ({
      generateContentRequest: { model: `models/${opts.model}`, ...encodeRequest(req, opts) },
    }),
    read: (answer) =>
      isObject(answer) && typeof answer.totalTokens === 'number' ? answer.totalTokens : undefined,
    answer: (n) => ({ totalTokens: n }),
  },
}
