/**
 * BYOKEY's config file spells iFlow's provider key `i_flow` (its serde snake case); byokey's id is
 * `iflow`. Both are read: settings under `i_flow` move to `iflow`, so every reader of
 * `providers.iflow` (URLs, OAuth overrides, keys, routing) sees them.
 */
import type { Config } from './schema.ts'

const SPELLINGS: ReadonlyArray<readonly [string, string]> = [['i_flow', 'iflow']]

/** Moves settings under another spelling to the canonical key; returns what to warn about. */
export function canonicalProviderKeys(providers: Config['providers']): string[] {
  const warnings: string[] = []
  for (const [other, id] of SPELLINGS) {
    if (!Object.hasOwn(providers, other)) continue
    if (Object.hasOwn(providers, id)) {
      warnings.push(
        `providers.${other} and providers.${id} name the same provider; providers.${other} is ignored`,
      )
    } else {
      providers[id] = providers[other]!
    }
    delete providers[other]
  }
  return warnings
}
