/** The static model catalogue of every built-in provider, in routing priority order. */
import { CLAUDE_MODELS } from './claude/models.ts'
import { CODEX_MODELS } from './codex/models.ts'
import { copilotModels } from './copilot/models.ts'
import { GEMINI_MODELS } from './gemini/models.ts'
import type { ProviderId } from './ids.ts'
import type { ModelInfo } from './types.ts'

/** Earlier providers win when two serve the same model id. */
export const BUILTIN_MODELS: ReadonlyArray<{ provider: ProviderId; models: readonly ModelInfo[] }> = [
  { provider: 'claude', models: CLAUDE_MODELS },
  { provider: 'codex', models: CODEX_MODELS },
  { provider: 'gemini', models: GEMINI_MODELS },
  {
    provider: 'copilot',
    // live: the subscription's own list once a login has been used
    get models() {
      return copilotModels()
    },
  },
]
