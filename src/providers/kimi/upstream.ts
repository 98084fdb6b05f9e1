/**
 * Kimi through the Kimi for Coding OpenAI Chat API with a Kimi CLI login (or a key in the
 * config): the device headers of the login on every call, and the `kimi-` prefix dropped.
 */
import { chatSubscriptionProvider } from '../shared/chat-subscription.ts'
import { kimiRefresher } from './login.ts'
import { KIMI_MODELS } from './models.ts'
import { kimiHeaders, kimiUpstreamModel } from './subscription.ts'

export const KIMI_API = 'https://api.kimi.com/coding/v1'

export const kimi = chatSubscriptionProvider({
  id: 'kimi',
  displayName: 'Kimi (Moonshot)',
  models: KIMI_MODELS,
  defaultBase: KIMI_API,
  headers: (call) => kimiHeaders(call.credential.extra?.['deviceId']),
  upstreamModel: kimiUpstreamModel,
  refresher: kimiRefresher,
})
