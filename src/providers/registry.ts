/** Built-in providers by id; `upstreams:` entries become providers of their own on demand. */
import type { Config } from '../config/schema.ts'
import { antigravity } from './antigravity/upstream.ts'
import { builtinCatalog, type Catalog, type CatalogProvider, STARTING_MODELS } from './catalog.ts'
import { claude } from './claude/upstream.ts'
import { codex } from './codex/upstream.ts'
import { compatibleProvider } from './compatible/upstream.ts'
import { copilotProvider } from './copilot/upstream.ts'
import { gemini } from './gemini/upstream.ts'
import type { ProviderId } from './ids.ts'
import { iflow } from './iflow/upstream.ts'
import { kimi } from './kimi/upstream.ts'
import { kiro } from './kiro/upstream.ts'
import { qwen } from './qwen/upstream.ts'
import { LiveModels } from './shared/live-models.ts'
import type { ModelInfo, Provider } from './types.ts'

/**
 * The built-in providers of one gateway and the catalogue routing reads from them. Made once per
 * gateway: what a provider learns at run time (Copilot's model list, the models an API key's
 * list endpoint names) stays with its gateway.
 */
export class ProviderRegistry {
  readonly #live: Record<CatalogProvider, LiveModels> = {
    claude: new LiveModels(STARTING_MODELS.claude),
    codex: new LiveModels(STARTING_MODELS.codex),
    gemini: new LiveModels(STARTING_MODELS.gemini),
    copilot: new LiveModels(STARTING_MODELS.copilot),
    // static lists: nothing reports into them, so they add nothing to `catalogVersion`
    qwen: new LiveModels(STARTING_MODELS.qwen),
    kimi: new LiveModels(STARTING_MODELS.kimi),
    iflow: new LiveModels(STARTING_MODELS.iflow),
  }
  readonly builtin: Partial<Record<ProviderId, Provider>> = {
    claude,
    codex,
    gemini,
    copilot: copilotProvider(this.#live.copilot),
    qwen,
    kimi,
    iflow,
    antigravity,
    kiro,
  }
  readonly catalog: Catalog = builtinCatalog(this.#live)
  /** What `upstreams:` entries' list endpoints reported, by entry name. */
  readonly #upstreamLists = new Map<string, LiveModels>()
  #upstreamVersion = 0

  /**
   * Changes whenever a provider's model list does, and with it what a bare model id resolves to:
   * the sum of the lists' versions, each of which only grows.
   */
  get catalogVersion(): number {
    // read on every request: four fields, no array
    const l = this.#live
    return l.claude.version + l.codex.version + l.gemini.version + l.copilot.version + this.#upstreamVersion
  }

  /** The list a provider's upstream reports into; undefined for a provider not in the catalogue. */
  liveModels(id: ProviderId): LiveModels | undefined {
    return Object.hasOwn(this.#live, id) ? this.#live[id as CatalogProvider] : undefined
  }

  /** The model ids an `upstreams:` entry's list endpoint reported; none before it did. */
  upstreamModels(name: string): readonly string[] {
    return this.#upstreamLists.get(name)?.list.map((m) => m.id) ?? []
  }

  /** Makes `models` what the entry `name` reported; a list with the same ids changes nothing. */
  learnUpstream(name: string, models: readonly ModelInfo[]): void {
    let live = this.#upstreamLists.get(name)
    if (!live) {
      live = new LiveModels([])
      this.#upstreamLists.set(name, live)
    }
    const before = live.version
    live.learn(models)
    if (live.version !== before) this.#upstreamVersion++
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
