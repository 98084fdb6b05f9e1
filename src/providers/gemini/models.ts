/** Gemini models on the Gemini API (limits from Google's model pages). */
import type { ModelInfo } from '../types.ts'

export const GEMINI_MODELS: readonly ModelInfo[] = [
  {
    id: 'gemini-3-pro-preview',
    displayName: 'Gemini 3 Pro',
    contextWindow: 1_048_576,
    maxOutput: 65_536,
    reasoning: true,
  },
  {
    id: 'gemini-3-flash-preview',
    displayName: 'Gemini 3 Flash',
    contextWindow: 1_048_576,
    maxOutput: 65_536,
    reasoning: true,
  },
  {
    id: 'gemini-2.5-pro',
    displayName: 'Gemini 2.5 Pro',
    contextWindow: 1_048_576,
    maxOutput: 65_536,
    reasoning: true,
  },
  {
    id: 'gemini-2.5-flash',
    displayName: 'Gemini 2.5 Flash',
    contextWindow: 1_048_576,
    maxOutput: 65_536,
    reasoning: true,
  },
  {
    id: 'gemini-2.5-flash-lite',
    displayName: 'Gemini 2.5 Flash-Lite',
    contextWindow: 1_048_576,
    maxOutput: 65_536,
    reasoning: true,
  },
  { id: 'gemini-2.0-flash', displayName: 'Gemini 2.0 Flash', contextWindow: 1_048_576, maxOutput: 8_192 },
]
