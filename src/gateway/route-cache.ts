/**
 * Routes a gateway remembers. Resolving a model (aliases, qualifiers, suffixes, the catalogue,
 * which providers have a credential) and building an upstream's provider cost more than the rest
 * of a proxied request's setup, so each distinct model string is resolved once per key:
 *
 * - the config snapshot and the catalogue's version (a provider's live model list): another
 *   value of either empties the table;
 * - for a route chosen by credentials (`Routed.byCredentials`: a bare model that several
 *   built-in providers serve goes to the first with a credential), also the accounts' version:
 *   a login or logout, in this process or a `byokey login` beside it, changes that route without
 *   changing the config. Every other route follows from the config and catalogue alone, so its
 *   hit reads nothing from the store.
 */
import type { Config } from '../config/schema.ts'
import type { Provider } from '../providers/types.ts'
import type { Route } from '../routing/index.ts'
import type { AccountStore } from '../store/types.ts'

/** Distinct model strings remembered per key; clients choose them, so the table is bounded. */
const MAX_ENTRIES = 1024

export interface Routed {
  route: Route
  provider: Provider
  /** Whether which providers have a credential chose the route (`Resolved.byCredentials`). */
  byCredentials: boolean
}

/** Everything a route depends on besides the model string. */
export interface RouteKey {
  config: Config
  /** `ProviderRegistry.catalogVersion`. */
  catalog: number
  /** The store whose `version()` a route chosen by credentials was resolved under. */
  accounts: Pick<AccountStore, 'version'> | undefined
}

interface Entry {
  routed: Routed
  /** The accounts' version it was resolved under; undefined: it does not depend on them. */
  accounts: number | undefined
}

/** One gateway's routes; made once per gateway, so two gateways never answer from each other's table. */
export class RouteCache {
  readonly #table = new Map<string, Entry>()
  #config: Config | undefined
  #catalog = 0

  /** The route for `model` under `key`, from the table or from `resolve` (whose throw is not remembered). */
  route(key: RouteKey, model: string, resolve: () => Routed): Routed {
    if (key.config !== this.#config || key.catalog !== this.#catalog) {
      this.#table.clear()
      this.#config = key.config
      this.#catalog = key.catalog
    } else {
      const hit = this.#table.get(model)
      if (hit && (hit.accounts === undefined || hit.accounts === accountsVersion(key))) return hit.routed
    }
    // read before resolving: a login landing meanwhile leaves an entry that is resolved again
    const accounts = accountsVersion(key)
    const routed = resolve()
    if (this.#table.size >= MAX_ENTRIES) this.#table.clear()
    this.#table.set(model, {
      routed,
      accounts: routed.byCredentials ? accounts : undefined,
    })
    return routed
  }
}

const accountsVersion = (key: RouteKey): number => key.accounts?.version() ?? 0
