/** Built-in providers by id; `upstreams:` entries become providers of their own on demand. */
import type { Config } from '../config/schema.ts'
import { claude } from './claude/upstream.ts'
import { codex } from './codex/upstream.ts'
import { compatibleProvider } from './compatible/upstream.ts'
import { copilot } from './copilot/upstream.ts'
import { gemini } from './gemini/upstream.ts'
import type { ProviderId } from './ids.ts'
import type { Provider } from './types.ts'

export const BUILTIN_PROVIDERS: Partial<Record<ProviderId, Provider>> = { claude, codex, gemini, copilot }

/** The provider behind a routing target; undefined for an upstream name the config does not have. */
export function providerFor(
  target: { kind: 'provider'; id: ProviderId } | { kind: 'upstream'; name: string },
  config: Config,
): Provider | undefined {
  if (target.kind === 'provider') return BUILTIN_PROVIDERS[target.id]
  const u = config.upstreams.find((x) => x.name === target.name && x.enabled)
  return u ? compatibleProvider(u) : undefined
}
