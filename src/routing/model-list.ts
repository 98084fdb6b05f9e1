/**
 * What `GET /v1/models` lists (the original BYOKEY's rules with our fixes; docs/routing.md,
 * "Model list"). In order:
 *
 * 1. Each built-in catalogue model (catalogue order) of the enabled providers whose
 *    `excluded_models.<provider>` globs do not match it:
 *    - the `model_alias` entries standing for it, listed instead of the id, plus the id itself
 *      when one of them has `fork: true` (only aliases of the provider the bare id routes to
 *      replace it; aliases under the other providers are listed too — BYOKEY drops those);
 *    - when more than one provider serves it, `<provider>/<model>` for each enabled one.
 * 2. Aliases whose model is not in that provider's catalogue (they route all the same).
 * 3. Every enabled upstream's `models` (and what its list endpoint reported), as `<upstream>/<model>` and bare.
 * Aliases and qualified ids keep the model's `info` (context window, max output).
 *
 * Every entry is checked against `resolveModel` (all providers taken as available): an id that
 * would route somewhere other than its `ownedBy` is left out, and the first listing of an id wins.
 * So a bare upstream model is listed only when no enabled built-in provider or alias claims the
 * id, and an alias shadowing a catalogue id replaces it. Listing never looks at credentials.
 */
import type { Config } from '../config/schema.ts'
import type { ProviderId } from '../providers/ids.ts'
import type { ModelInfo } from '../providers/types.ts'
import {
  type AliasEntry,
  aliasEntries,
  type Catalog,
  DEFAULT_CATALOG,
  excludedPatterns,
  type LearnedUpstreamModels,
  modelInfo,
  providersServing,
  sameTarget,
  type Target,
  targetEnabled,
  targetLabel,
  upstreamModelIds,
} from './config-view.ts'
import { matchesAnyGlob } from './glob.ts'
import { RouteError, resolveModel } from './resolve-model.ts'
import { parseThinkingSuffix } from './thinking-suffix.ts'

export interface ListedModel {
  id: string
  /** Provider id or upstream name. */
  ownedBy: string
  info?: ModelInfo
}

interface Candidate {
  id: string
  owner: Target
  info: ModelInfo | undefined
}

export function listModels(
  config: Config,
  catalog: Catalog = DEFAULT_CATALOG,
  upstreamModels?: LearnedUpstreamModels,
): ListedModel[] {
  const candidates: Candidate[] = []
  const add = (id: string, owner: Target, info: ModelInfo | undefined) => candidates.push({ id, owner, info })
  const listable = (t: Target, model: string, id = model): boolean => {
    if (!targetEnabled(config, t)) return false
    const excluded = excludedPatterns(config, t)
    return !matchesAnyGlob(excluded, model) && !matchesAnyGlob(excluded, id)
  }
  const aliases = aliasEntries(config)
  const listed = new Set<AliasEntry>()
  const baseOf = (a: AliasEntry) => parseThinkingSuffix(a.name).model
  const addAlias = (a: AliasEntry, info: ModelInfo | undefined) => {
    listed.add(a)
    if (listable(a.target, baseOf(a), a.alias)) add(a.alias, a.target, info)
  }

  // 1. The catalogue.
  const seenIds = new Set<string>()
  for (const entry of catalog) {
    for (const { id } of entry.models) {
      if (seenIds.has(id)) continue
      seenIds.add(id)
      const serving = providersServing(catalog, id)
      const enabled = serving.filter((p) => listable({ kind: 'provider', id: p }, id))
      enabled.forEach((p, i) => {
        const target: Target = { kind: 'provider', id: p }
        const info = modelInfo(catalog, p, id)
        const own = aliases.filter((a) => sameTarget(a.target, target) && (a.name === id || baseOf(a) === id))
        for (const a of own) addAlias(a, info)
        if (i === 0) {
          const renames = own.filter((a) => a.name === id)
          if (renames.length === 0 || renames.some((a) => a.fork)) add(id, target, info)
        }
      })
      if (serving.length > 1) {
        for (const p of enabled) add(`${p}/${id}`, { kind: 'provider', id: p }, modelInfo(catalog, p, id))
      }
    }
  }

  // 2. Aliases of models outside their provider's catalogue, and of upstream models.
  for (const a of aliases) {
    if (listed.has(a)) continue
    const base = baseOf(a)
    addAlias(a, a.target.kind === 'provider' ? infoFor(catalog, a.target.id, base) : undefined)
  }

  // 3. Upstreams.
  for (const u of config.upstreams) {
    const target: Target = { kind: 'upstream', name: u.name }
    for (const m of upstreamModelIds(u, upstreamModels)) {
      if (!listable(target, m)) continue
      add(`${u.name}/${m}`, target, undefined)
      add(m, target, undefined)
    }
  }

  const out: ListedModel[] = []
  const ids = new Set<string>()
  for (const c of candidates) {
    if (ids.has(c.id) || !routesTo(c, config, catalog, upstreamModels)) continue
    ids.add(c.id)
    out.push({ id: c.id, ownedBy: targetLabel(c.owner), ...(c.info ? { info: c.info } : {}) })
  }
  return out
}

/** The provider's own entry, else any provider's (the same model served elsewhere). */
function infoFor(catalog: Catalog, provider: ProviderId, model: string): ModelInfo | undefined {
  const own = modelInfo(catalog, provider, model)
  if (own) return own
  const other = providersServing(catalog, model)[0]
  return other ? modelInfo(catalog, other, model) : undefined
}

function routesTo(
  c: Candidate,
  config: Config,
  catalog: Catalog,
  upstreamModels: LearnedUpstreamModels | undefined,
): boolean {
  try {
    const ctx = { config, catalog, available: () => true, ...(upstreamModels ? { upstreamModels } : {}) }
    return sameTarget(resolveModel(c.id, ctx).target, c.owner)
  } catch (e) {
    if (e instanceof RouteError) return false
    throw e
  }
}
