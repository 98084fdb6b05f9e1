/** Claude models served through the Anthropic API (context windows from Anthropic's model overview). */
import type { ModelInfo } from '../types.ts'

export const CLAUDE_MODELS: readonly ModelInfo[] = [
  {
    id: 'claude-opus-4-6',
    displayName: 'Claude Opus 4.6',
    contextWindow: 200_000,
    maxOutput: 128_000,
    reasoning: true,
  },
  {
    id: 'claude-sonnet-4-6',
    displayName: 'Claude Sonnet 4.6',
    contextWindow: 200_000,
    maxOutput: 64_000,
    reasoning: true,
  },
  {
    id: 'claude-opus-4-5',
    displayName: 'Claude Opus 4.5',
    contextWindow: 200_000,
    maxOutput: 64_000,
    reasoning: true,
  },
  {
    id: 'claude-sonnet-4-5',
    displayName: 'Claude Sonnet 4.5',
    contextWindow: 200_000,
    maxOutput: 64_000,
    reasoning: true,
  },
  {
    id: 'claude-haiku-4-5',
    displayName: 'Claude Haiku 4.5',
    contextWindow: 200_000,
    maxOutput: 64_000,
    reasoning: true,
  },
  {
    id: 'claude-haiku-4-5-20251001',
    displayName: 'Claude Haiku 4.5',
    contextWindow: 200_000,
    maxOutput: 64_000,
    reasoning: true,
  },
  {
    id: 'claude-opus-4-1',
    displayName: 'Claude Opus 4.1',
    contextWindow: 200_000,
    maxOutput: 32_000,
    reasoning: true,
  },
  {
    id: 'claude-sonnet-4-0',
    displayName: 'Claude Sonnet 4',
    contextWindow: 200_000,
    maxOutput: 64_000,
    reasoning: true,
  },
]
