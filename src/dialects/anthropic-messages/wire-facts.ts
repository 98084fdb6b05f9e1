/** What the gateway must know of the Anthropic Messages wire format beyond its codecs (`WireFacts`, ir.ts). */

import { isObject } from '../common/json.ts'
import { declaredType, setBodyModel, usageAlwaysStreamed, usageAlwaysWanted } from '../common/wire-facts.ts'
import type { WireFacts } from '../contract.ts'
import { repairRequest } from './passthrough-repair.ts'
import { encodeCountTokensRequest } from './request.ts'

export const wireFacts: WireFacts = {
  setModel: setBodyModel,
  supportsToolNamespaces: false,
  askStreamUsage: usageAlwaysStreamed,
  clientWantsStreamUsage: usageAlwaysWanted,
  // message_start carries the input tokens, before an upstream of another dialect reports them
  streamNeedsInputTokens: true,
  // the API's own keep-alive: the SDKs skip `ping` events by name
  keepAlive: 'event: ping\ndata: {"type":"ping"}\n\n',
  repairRequest,
  passthrough: {
    first: ['message_start'],
    last: ['message_delta', 'message_stop', '"type":"error"'],
    outcome: { end: (data) => declaredType(data) === 'message_stop', errors: ['"type":"error"'] },
    usageCarriers: ['message'],
  },
  countTokens: {
    body: encodeCountTokensRequest,
    read: (answer) =>
      isObject(answer) && typeof answer.input_tokens === 'number' ? answer.input_tokens : undefined,
    answer: (n) => ({ input_tokens: n }),
  },
}
