/** Models of a GitHub Copilot subscription (limits from Copilot's `/models` where known). */
import type { ModelInfo } from '../types.ts'

export const COPILOT_MODELS: readonly ModelInfo[] = [
  { id: 'gpt-4.1', displayName: 'GPT-4.1 (Copilot)', contextWindow: 128_000, maxOutput: 16_384 },
  { id: 'gpt-4o', displayName: 'GPT-4o (Copilot)', contextWindow: 128_000, maxOutput: 4_096 },
  {
    id: 'gpt-5-mini',
    displayName: 'GPT-5 mini (Copilot)',
    contextWindow: 264_000,
    maxOutput: 64_000,
    reasoning: true,
  },
  {
    id: 'claude-sonnet-4.5',
    displayName: 'Claude Sonnet 4.5 (Copilot)',
    contextWindow: 144_000,
    maxOutput: 16_000,
  },
  {
    id: 'gemini-2.5-pro',
    displayName: 'Gemini 2.5 Pro (Copilot)',
    contextWindow: 128_000,
    maxOutput: 64_000,
  },
]
