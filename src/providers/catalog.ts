/** The model catalogue of every built-in provider, in routing priority order. */
import { CLAUDE_MODELS } from './claude/models.ts'
import { CODEX_MODELS } from './codex/models.ts'
import { COPILOT_MODELS } from './copilot/models.ts'
import { GEMINI_MODELS } from './gemini/models.ts'
import type { ProviderId } from './ids.ts'
import type { ModelInfo } from './types.ts'

/** Which provider serves which models; earlier providers win when two serve the same model id. */
export type Catalog = ReadonlyArray<{ provider: ProviderId; models: readonly ModelInfo[] }>

/** The catalogue with Copilot's list read from `copilot` each time (its subscription's own once reported). */
export function builtinCatalog(copilot: { readonly list: readonly ModelInfo[] }): Catalog {
  return [
    { provider: 'claude', models: CLAUDE_MODELS },
    { provider: 'codex', models: CODEX_MODELS },
    { provider: 'gemini', models: GEMINI_MODELS },
    {
      provider: 'copilot',
      get models() {
        return copilot.list
      },
    },
  ]
}

/** The static catalogue: what routing reads where no gateway's providers are at hand (listing rules, tests). */
export const BUILTIN_MODELS: Catalog = builtinCatalog({ list: COPILOT_MODELS })
