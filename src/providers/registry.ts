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
  // own properties only, whatever string a caller passes for the id
  if (target.kind === 'provider')
    return Object.hasOwn(BUILTIN_PROVIDERS, target.id) ? BUILTIN_PROVIDERS[target.id] : undefined
  const u = config.upstreams.find((x) => x.name === target.name && x.enabled)
  return u ? compatibleProvider(u) : undefined
}
