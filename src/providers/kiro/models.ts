/**
 * Models of a Kiro subscription. Catalogue ids carry a `kiro-` prefix so they do not shadow the
 * same Claude models of the Anthropic API and Copilot; Kiro's own ids (`claude-sonnet-4.5`,
 * `auto`) are what its API takes (docs/protocols/kiro.md, "Models"). Limits as Kiro states them
 * for its Claude models.
 */
import type { ModelInfo } from '../types.ts'

export const KIRO_MODELS: readonly ModelInfo[] = [
  { id: 'kiro-auto', displayName: 'Kiro Auto', contextWindow: 200_000, maxOutput: 32_000 },
  {
    id: 'kiro-claude-sonnet-4-5',
    displayName: 'Claude Sonnet 4.5 (Kiro)',
    contextWindow: 200_000,
    maxOutput: 64_000,
    reasoning: true,
  },
  {
    id: 'kiro-claude-sonnet-4',
    displayName: 'Claude Sonnet 4 (Kiro)',
    contextWindow: 200_000,
    maxOutput: 64_000,
    reasoning: true,
  },
  {
    id: 'kiro-claude-haiku-4-5',
    displayName: 'Claude Haiku 4.5 (Kiro)',
    contextWindow: 200_000,
    maxOutput: 64_000,
    reasoning: true,
  },
  {
    id: 'kiro-claude-opus-4-5',
    displayName: 'Claude Opus 4.5 (Kiro)',
    contextWindow: 200_000,
    maxOutput: 64_000,
    reasoning: true,
  },
]

/**
 * The `modelId` Kiro's API takes for a catalogue id: without the `kiro-` prefix, with the minor
 * version dotted (`kiro-claude-sonnet-4-5` → `claude-sonnet-4.5`). Any other id (a client's
 * `kiro/<id>`) is sent as it is.
 */
export function kiroModelId(model: string): string {
  if (!model.startsWith('kiro-')) return model
  return model.slice('kiro-'.length).replace(/-(\d+)-(\d+)$/, '-$1.$2')
}
