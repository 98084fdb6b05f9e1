/**
 * Routes remembered per config snapshot. Resolving a model (aliases, qualifiers, suffixes, the
 * catalogue) and building an upstream's provider cost more than the rest of a proxied request's
 * setup, yet for most requests the answer depends on the config alone. A route whose resolution
 * asked which providers have a credential right now (a bare catalogue model) is not remembered:
 * a login or logout changes it without changing the config.
 */
import type { Config } from '../../config/schema.ts'
import type { Provider } from '../../providers/types.ts'
import type { Route } from '../../routing/index.ts'

/** Distinct model strings remembered per snapshot; clients choose them, so the table is bounded. */
const MAX_ENTRIES = 1024

export interface Routed {
  route: Route
  provider: Provider
}

const bySnapshot = new WeakMap<Config, Map<string, Routed>>()

/**
 * The route for `model`, from the table or from `resolve`. `resolve` calls `noteAvailabilityAsked`
 * whenever it asks whether a provider has a credential, so the answer is not remembered then.
 */
export function cachedRoute(
  config: Config,
  model: string,
  resolve: (noteAvailabilityAsked: () => void) => Routed,
): Routed {
  let table = bySnapshot.get(config)
  const hit = table?.get(model)
  if (hit) return hit
  let askedAvailability = false
  const routed = resolve(() => {
    askedAvailability = true
  })
  if (!askedAvailability) {
    if (!table) {
      table = new Map()
      bySnapshot.set(config, table)
    }
    if (table.size >= MAX_ENTRIES) table.clear()
    table.set(model, routed)
  }
  return routed
}
