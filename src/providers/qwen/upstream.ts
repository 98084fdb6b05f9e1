/**
 * Qwen through its portal's OpenAI Chat API with a Qwen Code login (or a key in the config): the
 * API base is the one the login's `resource_url` named, the headers Qwen Code's.
 */
import { chatSubscriptionProvider } from '../shared/chat-subscription.ts'
import { QWEN_DEFAULT_API, qwenRefresher } from './login.ts'
import { QWEN_MODELS } from './models.ts'
import { QWEN_HEADERS } from './subscription.ts'

export const qwen = chatSubscriptionProvider({
  id: 'qwen',
  displayName: 'Qwen (Alibaba)',
  models: QWEN_MODELS,
  defaultBase: QWEN_DEFAULT_API,
  headers: () => QWEN_HEADERS,
  refresher: qwenRefresher,
})
