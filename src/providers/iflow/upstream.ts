/**
 * iFlow through its OpenAI Chat API with an iFlow CLI login (whose token's `access_token` is the
 * API key the user-info endpoint gave) or a key in the config; every call signed.
 */
import { chatSubscriptionProvider } from '../shared/chat-subscription.ts'
import { iflowRefresher } from './login.ts'
import { IFLOW_MODELS } from './models.ts'
import { iflowHeaders } from './subscription.ts'

export const IFLOW_API = 'https://apis.iflow.cn/v1'

export const iflow = chatSubscriptionProvider({
  id: 'iflow',
  displayName: 'iFlow',
  models: IFLOW_MODELS,
  defaultBase: IFLOW_API,
  headers: (call) => iflowHeaders(call.credential.secret),
  refresher: iflowRefresher,
})
