/**
 * Kiro through the CodeWhisperer streaming API with a Kiro login (Builder ID or social). Kiro
 * speaks no client dialect: its codec (`src/codecs/kiro/`) turns the IR into the conversation
 * state and its event stream back into IR events, so every client dialect reaches it translated.
 * It always answers with a stream; a client that asked for JSON gets the stream collected.
 */
import { kiro as kiroCodec } from '../../codecs/kiro/index.ts'
import { withModelId } from '../../codecs/kiro/request.ts'
import type { Config } from '../../config/schema.ts'
import { apiKeys } from '../shared/api-keys.ts'
import { refreshFetch } from '../shared/proxy.ts'
import type { Provider, UpstreamCall } from '../types.ts'
import { kiroRefresher } from './login.ts'
import { KIRO_MODELS, kiroModelId } from './models.ts'
import { kiroHeaders } from './subscription.ts'

export const KIRO_API = 'https://codewhisperer.us-east-1.amazonaws.com'

function base(call: { credential: UpstreamCall['credential']; config: Config }): string {
  return (call.credential.baseUrl ?? call.config.providers['kiro']?.base_url ?? KIRO_API).replace(/\/+$/, '')
}

export const kiro: Provider = {
  id: 'kiro',
  displayName: 'Kiro (AWS)',
  dialectFor: () => kiroCodec.name,
  upstreamCodec: () => kiroCodec,
  models: () => KIRO_MODELS,
  credentials: (config, accounts) => apiKeys(config, accounts, 'kiro', { oauth: true }),
  refresher: (config) => kiroRefresher(config, refreshFetch(config, 'kiro')),
  prepare: (call) => {
    const body = withModelId(call.body, kiroModelId(call.model))
    const arn = call.credential.extra?.['profileArn']
    return {
      url: `${base(call)}/generateAssistantResponse`,
      headers: kiroHeaders(call.credential.secret),
      body: arn ? { ...body, profileArn: arn } : body,
      stream: true,
    }
  },
}
