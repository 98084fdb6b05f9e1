/**
 * BYOKEY's `routing_policies` onto our per-provider `routing`, `order` and `weights`, once per
 * config load, so the accounts layer knows one way of saying how a provider rotates. A
 * provider's own keys win over a policy: they are the byokey way of saying it.
 */
import type { ProviderSettings, RoutingPolicy } from './schema.ts'

export type PolicySettings = Partial<Pick<ProviderSettings, 'routing' | 'order' | 'weights'>>

export interface MappedPolicies {
  /** Per provider id, the settings its policy gives (only keys the provider does not set itself). */
  settings: Record<string, PolicySettings>
  /** What could not be carried over as written, by the policy's index in the list. */
  warnings: Array<{ index: number; message: string }>
}

const STRATEGY: Record<RoutingPolicy['strategy'], { routing: ProviderSettings['routing']; note?: string }> = {
  round_robin: { routing: 'round_robin' },
  weighted_round_robin: { routing: 'weighted' },
  priority: { routing: 'priority' },
  random: {
    routing: 'round_robin',
    note: "strategy 'random' is served as round_robin (no random rotation here)",
  },
  weighted_random: {
    routing: 'weighted',
    note: "strategy 'weighted_random' is served as weighted (the same shares, spread evenly instead of at random)",
  },
}

/**
 * `explicitKeys(provider)`: which of `routing`, `order`, `weights` the file sets under
 * `providers.<provider>` itself (they are left as they are).
 */
export function mapRoutingPolicies(
  policies: readonly RoutingPolicy[],
  explicitKeys: (provider: string) => ReadonlySet<string>,
): MappedPolicies {
  const settings: Record<string, PolicySettings> = {}
  const warnings: MappedPolicies['warnings'] = []
  const seen = new Set<string>()
  policies.forEach((p, index) => {
    const warn = (message: string) => warnings.push({ index, message })
    if (p.family !== undefined) {
      warn(`policies per model family are not supported; the policy for ${p.provider}/${p.family} is ignored`)
      return
    }
    if (seen.has(p.provider)) {
      warn(`an earlier policy already covers provider '${p.provider}'; this one is ignored`)
      return
    }
    seen.add(p.provider)
    const own = explicitKeys(p.provider)
    if (own.has('routing')) {
      warn(`providers.${p.provider}.routing is set and wins over this policy; the policy is ignored`)
      return
    }
    const { routing, note } = STRATEGY[p.strategy]
    if (note) warn(note)
    const out: PolicySettings = { routing }
    if (p.accounts.length > 0) {
      if (routing === 'priority') {
        if (!own.has('order')) out.order = [...p.accounts]
      } else {
        warn(
          `'accounts' is used as the order of a priority policy only; every account of '${p.provider}' stays in rotation`,
        )
      }
    }
    if (Object.keys(p.weights).length > 0 && !own.has('weights')) out.weights = { ...p.weights }
    settings[p.provider] = out
  })
  return { settings, warnings }
}
