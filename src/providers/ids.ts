/**
 * Provider ids and the aliases people type for them (`anthropic` → claude, `openai` → codex…),
 * accepted in CLI arguments and `provider/model` qualifiers alike.
 */

export const PROVIDER_IDS = [
  'claude',
  'codex',
  'gemini',
  'copilot',
  'antigravity',
  'qwen',
  'kimi',
  'iflow',
  'kiro',
  'amp',
] as const

export type ProviderId = (typeof PROVIDER_IDS)[number]

/** A Map, not an object: a client's `constructor/x` or `__proto__/x` must not find inherited properties. */
const ALIASES: ReadonlyMap<string, ProviderId> = new Map([
  ['anthropic', 'claude'],
  ['openai', 'codex'],
  ['chatgpt', 'codex'],
  ['google', 'gemini'],
  ['github', 'copilot'],
  ['alibaba', 'qwen'],
  ['moonshot', 'kimi'],
  ['zai', 'iflow'],
  ['glm', 'iflow'],
  ['i_flow', 'iflow'],
  ['ampcode', 'amp'],
])

/** The canonical id for a name or alias (case-insensitive); undefined when it names no provider. */
export function canonicalProviderId(name: string): ProviderId | undefined {
  const n = name.trim().toLowerCase()
  if ((PROVIDER_IDS as readonly string[]).includes(n)) return n as ProviderId
  return ALIASES.get(n)
}
