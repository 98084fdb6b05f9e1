/**
 * Models of a GitHub Copilot subscription: what its `/models` says once a login has been used
 * (Copilot's list depends on the plan and changes often), else a static starting list.
 */
import type { LiveModels } from '../shared/live-models.ts'
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

interface CopilotModelEntry {
  id?: unknown
  name?: unknown
  model_picker_enabled?: unknown
  capabilities?: {
    type?: unknown
    limits?: { max_context_window_tokens?: unknown; max_output_tokens?: unknown }
  }
}

/** Copilot's `/models` answer → the chat models it offers (embeddings and the like left out). */
export function parseCopilotModels(body: unknown): ModelInfo[] {
  const data = (body as { data?: unknown } | null)?.data
  if (!Array.isArray(data)) return []
  const out: ModelInfo[] = []
  for (const m of data as CopilotModelEntry[]) {
    if (typeof m.id !== 'string' || (m.capabilities?.type !== undefined && m.capabilities.type !== 'chat'))
      continue
    const info: ModelInfo = { id: m.id }
    if (typeof m.name === 'string') info.displayName = `${m.name} (Copilot)`
    const limits = m.capabilities?.limits
    if (typeof limits?.max_context_window_tokens === 'number')
      info.contextWindow = limits.max_context_window_tokens
    if (typeof limits?.max_output_tokens === 'number') info.maxOutput = limits.max_output_tokens
    out.push(info)
  }
  return out
}

/** Fetches `{api}/models` with a Copilot token and reports it to `models`; failures keep the old list. */
export async function refreshCopilotModels(
  models: LiveModels,
  apiBase: string,
  headers: Record<string, string>,
  through: typeof fetch = fetch,
): Promise<void> {
  try {
    const res = await through(`${apiBase.replace(/\/+$/, '')}/models`, {
      headers,
      signal: AbortSignal.timeout(10_000),
    })
    if (!res.ok) return
    models.report(parseCopilotModels(await res.json()))
  } catch {
    // the static list stays; the next token exchange tries again
  }
}
