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

interface GeminiListEntry {
  name?: unknown
  displayName?: unknown
  inputTokenLimit?: unknown
  outputTokenLimit?: unknown
  supportedGenerationMethods?: unknown
}

/**
 * An API key's `GET /v1beta/models` answer (docs/protocols/gemini.md) → the models that take
 * `generateContent` (embedding and other models are left out), ids without `models/`.
 */
export function parseGeminiModelList(body: unknown): ModelInfo[] {
  const models = (body as { models?: unknown } | null)?.models
  if (!Array.isArray(models)) return []
  const out: ModelInfo[] = []
  for (const m of models as GeminiListEntry[]) {
    if (typeof m?.name !== 'string') continue
    const methods = m.supportedGenerationMethods
    if (Array.isArray(methods) && !methods.includes('generateContent')) continue
    const id = m.name.startsWith('models/') ? m.name.slice('models/'.length) : m.name
    if (id === '') continue
    const info: ModelInfo = { id }
    if (typeof m.displayName === 'string') info.displayName = m.displayName
    if (typeof m.inputTokenLimit === 'number') info.contextWindow = m.inputTokenLimit
    if (typeof m.outputTokenLimit === 'number') info.maxOutput = m.outputTokenLimit
    out.push(info)
  }
  return out
}
