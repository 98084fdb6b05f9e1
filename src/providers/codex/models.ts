/** OpenAI models (API key: api.openai.com; subscription: the Codex backend). Limits from OpenAI's model pages. */
import type { ModelInfo } from '../types.ts'

export const CODEX_MODELS: readonly ModelInfo[] = [
  { id: 'gpt-5.4', displayName: 'GPT-5.4', contextWindow: 400_000, maxOutput: 128_000, reasoning: true },
  {
    id: 'gpt-5.4-mini',
    displayName: 'GPT-5.4 mini',
    contextWindow: 400_000,
    maxOutput: 128_000,
    reasoning: true,
  },
  {
    id: 'gpt-5.3-codex',
    displayName: 'GPT-5.3 Codex',
    contextWindow: 400_000,
    maxOutput: 128_000,
    reasoning: true,
  },
  { id: 'gpt-5.2', displayName: 'GPT-5.2', contextWindow: 400_000, maxOutput: 128_000, reasoning: true },
  { id: 'gpt-5.1', displayName: 'GPT-5.1', contextWindow: 400_000, maxOutput: 128_000, reasoning: true },
  {
    id: 'gpt-5.1-codex',
    displayName: 'GPT-5.1 Codex',
    contextWindow: 400_000,
    maxOutput: 128_000,
    reasoning: true,
  },
  {
    id: 'gpt-5.1-codex-mini',
    displayName: 'GPT-5.1 Codex mini',
    contextWindow: 400_000,
    maxOutput: 128_000,
    reasoning: true,
  },
  { id: 'gpt-5', displayName: 'GPT-5', contextWindow: 400_000, maxOutput: 128_000, reasoning: true },
  {
    id: 'gpt-5-codex',
    displayName: 'GPT-5 Codex',
    contextWindow: 400_000,
    maxOutput: 128_000,
    reasoning: true,
  },
  {
    id: 'gpt-5-mini',
    displayName: 'GPT-5 mini',
    contextWindow: 400_000,
    maxOutput: 128_000,
    reasoning: true,
  },
  { id: 'gpt-4.1', displayName: 'GPT-4.1', contextWindow: 1_047_576, maxOutput: 32_768 },
  { id: 'gpt-4o', displayName: 'GPT-4o', contextWindow: 128_000, maxOutput: 16_384 },
  { id: 'o3', displayName: 'o3', contextWindow: 200_000, maxOutput: 100_000, reasoning: true },
  { id: 'o4-mini', displayName: 'o4-mini', contextWindow: 200_000, maxOutput: 100_000, reasoning: true },
]

/**
 * Families `GET /v1/models` names that take no Chat or Responses request (embeddings, speech,
 * images, moderation, the old completion models): listed upstream, never routed here.
 */
const NOT_GENERATION =
  /embedding|whisper|tts|transcribe|dall-e|gpt-image|moderation|davinci|babbage|realtime|sora/

/** An API key's `GET /v1/models` answer (docs/protocols/openai-chat.md) → the models it can generate with. */
export function parseOpenAIModelList(body: unknown): ModelInfo[] {
  const data = (body as { data?: unknown } | null)?.data
  if (!Array.isArray(data)) return []
  const out: ModelInfo[] = []
  for (const m of data as Array<{ id?: unknown; created?: unknown }>) {
    if (typeof m?.id !== 'string' || m.id === '' || NOT_GENERATION.test(m.id)) continue
    const info: ModelInfo = { id: m.id }
    if (typeof m.created === 'number') info.created = m.created
    out.push(info)
  }
  return out
}
