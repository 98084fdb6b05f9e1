/** Built-in providers by id; `upstreams:` entries become providers of their own on demand. */
import type { Config } from '../config/schema.ts'
import { builtinCatalog, type Catalog } from './catalog.ts'
import { claude } from './claude/upstream.ts'
import { codex } from './codex/upstream.ts'
import { compatibleProvider } from './compatible/upstream.ts'
import { COPILOT_MODELS } from './copilot/models.ts'
import { copilotProvider } from './copilot/upstream.ts'
import { gemini } from './gemini/upstream.ts'
import type { ProviderId } from './ids.ts'
import { LiveModels } from './shared/live-models.ts'
import type { Provider } from './types.ts'

/**
 * The built-in providers of one gateway and the catalogue routing reads from them. Made once per
 * gateway: what a provider learns at run time (Copilot's model list) stays with its gateway.
 */
export class ProviderRegistry {
  readonly #copilotModels = new LiveModels(COPILOT_MODELS)
  readonly builtin: Partial<Record<ProviderId, Provider>> = {
    claude,
    codex,
    gemini,
    copilot: copilotProvider(this.#copilotModels),
  }
  readonly catalog: Catalog = builtinCatalog(this.#copilotModels)

  /** Changes whenever a provider's model list does, and with it what a bare model id resolves to. */
  get catalogVersion(): number {
    return this.#copilotModels.version
  }

  /** The provider behind a routing target; undefined for an upstream name the config does not have. */
  providerFor(
    target: { kind: 'provider'; id: ProviderId } | { kind: 'upstream'; name: string },
    config: Config,
  ): Provider | undefined {
    // own properties only, whatever string a caller passes for the id
    if (target.kind === 'provider')
      return Object.hasOwn(this.builtin, target.id) ? this.builtin[target.id] : undefined
    const u = config.upstreams.find((x) => x.name === target.name && x.enabled)
    return u ? compatibleProvider(u, process.env, config.proxy_url) : undefined
  }
}
