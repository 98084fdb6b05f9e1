/**
 * Reading the routing-related parts of a `Config`: which provider or upstream a config key
 * names, whether it is enabled, its aliases and exclusions. Shared by resolution and listing so
 * the two never disagree.
 */
import type { Config } from '../config/schema.ts'
import { BUILTIN_MODELS, type Catalog } from '../providers/catalog.ts'
import { canonicalProviderId, type ProviderId } from '../providers/ids.ts'
import type { ModelInfo } from '../providers/types.ts'

export type { Catalog }

/** Where a request goes: a built-in provider, or a configured `upstreams[]` entry by name. */
export type Target = { kind: 'provider'; id: ProviderId } | { kind: 'upstream'; name: string }

/** The catalogue routing reads unless a caller passes its own (the gateway passes its providers'). */
export const DEFAULT_CATALOG: Catalog = BUILTIN_MODELS

export function sameTarget(a: Target, b: Target): boolean {
  return a.kind === 'provider'
    ? b.kind === 'provider' && a.id === b.id
    : b.kind === 'upstream' && a.name === b.name
}

/** The `owned_by` of a listing and the label of a target in messages. */
export function targetLabel(t: Target): string {
  return t.kind === 'provider' ? t.id : t.name
}

/**
 * The target a `model_alias`/`excluded_models` key names: an upstream by exact name first (as
 * the `upstream/model` qualifier does), else a provider id or alias (`anthropic`, `i_flow`…).
 */
export function keyTarget(config: Config, key: string): Target | undefined {
  if (config.upstreams.some((u) => u.name === key)) return { kind: 'upstream', name: key }
  const id = canonicalProviderId(key)
  return id ? { kind: 'provider', id } : undefined
}

/** `providers.<id>.enabled`, under the canonical key or any alias of it; disabled if any says so. */
export function providerEnabled(config: Config, id: ProviderId): boolean {
  for (const [key, settings] of Object.entries(config.providers)) {
    if (settings.enabled === false && canonicalProviderId(key) === id) return false
  }
  return true
}

/**
 * The models an `upstreams:` entry's own list endpoint reported, by the entry's name (the
 * gateway's `ProviderRegistry.upstreamModels`); routing adds them to the entry's `models`.
 */
export type LearnedUpstreamModels = (name: string) => readonly string[]

const NONE: LearnedUpstreamModels = () => []

/** An upstream's models: what the config declares, then what its list reported. */
export function upstreamModelIds(
  u: Config['upstreams'][number],
  learned: LearnedUpstreamModels = NONE,
): readonly string[] {
  const more = learned(u.name)
  return more.length === 0 ? u.models : [...u.models, ...more.filter((m) => !u.models.includes(m))]
}

/** Whether an upstream serves `model`, declared or reported. */
export function upstreamServes(
  u: Config['upstreams'][number],
  model: string,
  learned: LearnedUpstreamModels = NONE,
): boolean {
  return u.models.includes(model) || learned(u.name).includes(model)
}

export function targetEnabled(config: Config, t: Target): boolean {
  if (t.kind === 'provider') return providerEnabled(config, t.id)
  return config.upstreams.some((u) => u.name === t.name && u.enabled)
}

export interface AliasEntry {
  target: Target
  /** The model it stands for (may carry a thinking suffix of its own). */
  name: string
  alias: string
  fork: boolean
}

/** Every `model_alias` entry in config order (keys, then list order); unknown keys are skipped. */
export function aliasEntries(config: Config): AliasEntry[] {
  const out: AliasEntry[] = []
  for (const [key, list] of Object.entries(config.model_alias)) {
    const target = keyTarget(config, key)
    if (!target) continue
    for (const a of list) out.push({ target, name: a.name, alias: a.alias, fork: a.fork })
  }
  return out
}

/** The `excluded_models` globs that apply to a target. */
export function excludedPatterns(config: Config, t: Target): string[] {
  const out: string[] = []
  for (const [key, patterns] of Object.entries(config.excluded_models)) {
    const kt = keyTarget(config, key)
    if (kt && sameTarget(kt, t)) out.push(...patterns)
  }
  return out
}

/** The providers serving a model id, in catalogue (priority) order. */
export function providersServing(catalog: Catalog, model: string): ProviderId[] {
  const out: ProviderId[] = []
  for (const entry of catalog) {
    if (!out.includes(entry.provider) && entry.models.some((m) => m.id === model)) out.push(entry.provider)
  }
  return out
}

/** A provider's catalogue entry for a model id. */
export function modelInfo(catalog: Catalog, provider: ProviderId, model: string): ModelInfo | undefined {
  for (const entry of catalog) {
    if (entry.provider !== provider) continue
    const found = entry.models.find((m) => m.id === model)
    if (found) return found
  }
  return undefined
}
