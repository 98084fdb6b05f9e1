/**
 * Models an Antigravity subscription serves (docs/protocols/antigravity.md, "Models"): Gemini,
 * Claude and GPT-OSS, all in Gemini's wire format. The catalogue names them with an `ag-` prefix,
 * so they never shadow the same model of a provider with its own API; the upstream knows them
 * without it (`upstreamModel`). `antigravity/<name>` reaches any name the catalogue lacks.
 */
import type { ModelInfo } from '../types.ts'

/** What the catalogue's ids start with; not part of the upstream's names. */
export const MODEL_PREFIX = 'ag-'

const GEMINI = { contextWindow: 1_048_576, maxOutput: 65_536, reasoning: true }
const CLAUDE = { contextWindow: 200_000, maxOutput: 64_000 }

export const ANTIGRAVITY_MODELS: readonly ModelInfo[] = [
  { id: 'ag-gemini-3-pro-high', displayName: 'Gemini 3 Pro, high thinking (Antigravity)', ...GEMINI },
  { id: 'ag-gemini-3-pro-low', displayName: 'Gemini 3 Pro, low thinking (Antigravity)', ...GEMINI },
  { id: 'ag-gemini-3-flash', displayName: 'Gemini 3 Flash (Antigravity)', ...GEMINI },
  { id: 'ag-gemini-2.5-pro', displayName: 'Gemini 2.5 Pro (Antigravity)', ...GEMINI },
  { id: 'ag-gemini-2.5-flash', displayName: 'Gemini 2.5 Flash (Antigravity)', ...GEMINI },
  { id: 'ag-gemini-2.5-flash-lite', displayName: 'Gemini 2.5 Flash-Lite (Antigravity)', ...GEMINI },
  { id: 'ag-claude-sonnet-4-5', displayName: 'Claude Sonnet 4.5 (Antigravity)', ...CLAUDE },
  {
    id: 'ag-claude-sonnet-4-5-thinking',
    displayName: 'Claude Sonnet 4.5, thinking (Antigravity)',
    ...CLAUDE,
    reasoning: true,
  },
  {
    id: 'ag-claude-opus-4-5-thinking',
    displayName: 'Claude Opus 4.5, thinking (Antigravity)',
    ...CLAUDE,
    reasoning: true,
  },
  {
    id: 'ag-gpt-oss-120b-medium',
    displayName: 'GPT-OSS 120B (Antigravity)',
    contextWindow: 131_072,
    maxOutput: 32_768,
    reasoning: true,
  },
]

/** The name the upstream knows a model by: the catalogue's id without `ag-`. */
export function upstreamModel(model: string): string {
  return model.startsWith(MODEL_PREFIX) ? model.slice(MODEL_PREFIX.length) : model
}

/** Claude models behind Antigravity take Claude's rules for tools and thinking. */
export function isClaudeModel(model: string): boolean {
  return upstreamModel(model).startsWith('claude-')
}

/** Image models are asked with their own request type. */
export function isImageModel(model: string): boolean {
  return upstreamModel(model).includes('image')
}
