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

/** An API key's `GET /v1/models` answer (docs/protocols/anthropic-messages.md) → its models. */
export function parseAnthropicModelList(body: unknown): ModelInfo[] {
  const data = (body as { data?: unknown } | null)?.data
  if (!Array.isArray(data)) return []
  const out: ModelInfo[] = []
  for (const m of data as Array<{ id?: unknown; display_name?: unknown; created_at?: unknown }>) {
    if (typeof m?.id !== 'string' || m.id === '') continue
    const info: ModelInfo = { id: m.id }
    if (typeof m.display_name === 'string') info.displayName = m.display_name
    const created = typeof m.created_at === 'string' ? Date.parse(m.created_at) : Number.NaN
    if (Number.isFinite(created)) info.created = Math.floor(created / 1000)
    out.push(info)
  }
  return out
}
