/** The model catalogue of every built-in provider, in routing priority order. */
import { ANTIGRAVITY_MODELS } from './antigravity/models.ts'
import { CLAUDE_MODELS } from './claude/models.ts'
import { CODEX_MODELS } from './codex/models.ts'
import { COPILOT_MODELS } from './copilot/models.ts'
import { GEMINI_MODELS } from './gemini/models.ts'
import type { ProviderId } from './ids.ts'
import { IFLOW_MODELS } from './iflow/models.ts'
import { KIMI_MODELS } from './kimi/models.ts'
import { KIRO_MODELS } from './kiro/models.ts'
import { QWEN_MODELS } from './qwen/models.ts'
import type { ModelInfo } from './types.ts'

/** Which provider serves which models; earlier providers win when two serve the same model id. */
export type Catalog = ReadonlyArray<{
  provider: ProviderId
  models: readonly ModelInfo[]
  /**
   * Listed only while the provider has a credential (a login): a subscription whose models no one
   * without it can use, and whose names would only crowd the list. Routed either way, so a
   * request before the login hears what to do.
   */
  listedWithCredentials?: true
}>

/** A model list read each time it is needed: a static one, or one a provider learns at run time. */
export interface ModelSource {
  readonly list: readonly ModelInfo[]
}

/** The lists each built-in provider starts from, before any upstream reported its own. */
export const STARTING_MODELS = {
  claude: CLAUDE_MODELS,
  codex: CODEX_MODELS,
  gemini: GEMINI_MODELS,
  copilot: COPILOT_MODELS,
  qwen: QWEN_MODELS,
  kimi: KIMI_MODELS,
  iflow: IFLOW_MODELS,
} as const satisfies Partial<Record<ProviderId, readonly ModelInfo[]>>

export type CatalogProvider = keyof typeof STARTING_MODELS

/**
 * The catalogue with each provider's list read from its source each time (Copilot's subscription
 * reports its own; an API key's list endpoint adds models the static list lacks).
 */
export function builtinCatalog(sources: Record<CatalogProvider, ModelSource>): Catalog {
  const entry = (provider: CatalogProvider) => ({
    provider,
    get models() {
      return sources[provider].list
    },
  })
  return [
    entry('claude'),
    entry('codex'),
    entry('gemini'),
    entry('copilot'),
    entry('qwen'),
    entry('kimi'),
    entry('iflow'),
    { provider: 'kiro', models: KIRO_MODELS, listedWithCredentials: true },
    { provider: 'antigravity', models: ANTIGRAVITY_MODELS, listedWithCredentials: true },
  ]
}

/** The static catalogue: what routing reads where no gateway's providers are at hand (listing rules, tests). */
export const BUILTIN_MODELS: Catalog = builtinCatalog({
  claude: { list: CLAUDE_MODELS },
  codex: { list: CODEX_MODELS },
  gemini: { list: GEMINI_MODELS },
  copilot: { list: COPILOT_MODELS },
  qwen: { list: QWEN_MODELS },
  kimi: { list: KIMI_MODELS },
  iflow: { list: IFLOW_MODELS },
})
