/**
 * The order a provider's credentials are tried in, per `providers.<id>.routing`. Positions
 * (round robin, weighted) belong to one gateway's `Accounts`, never to the module.
 */
import type { ProviderSettings } from '../config/schema.ts'

export type Strategy = ProviderSettings['routing']

/** What a strategy needs of a candidate: the label it is named by in `order` and `weights`. */
export interface Named {
  label: string
}

/** Where one provider's rotation stands. */
export interface Position {
  /** Round robin: the index the next request starts at. */
  cursor: number
  /** Weighted (smooth weighted round robin): the current weight per label. */
  current: Map<string, number>
}

export const newPosition = (): Position => ({ cursor: 0, current: new Map() })

/** `creds` in the order to try them; a rotating strategy moves `at` on by one request. */
export function orderBy<T extends Named>(
  strategy: Strategy,
  creds: readonly T[],
  at: Position,
  settings: Pick<ProviderSettings, 'order' | 'weights'> | undefined,
): T[] {
  if (creds.length <= 1) return [...creds]
  switch (strategy) {
    case 'fill_first':
      return [...creds]
    case 'priority':
      return byExplicitOrder(creds, settings?.order ?? [])
    case 'weighted':
      return byWeight(creds, at, settings?.weights ?? {})
    default: {
      const i = at.cursor % creds.length
      at.cursor = i + 1
      return [...creds.slice(i), ...creds.slice(0, i)]
    }
  }
}

/** The credentials `order` names, in its order, then the others as they came. */
function byExplicitOrder<T extends Named>(creds: readonly T[], order: readonly string[]): T[] {
  if (order.length === 0) return [...creds]
  const rank = (c: T) => {
    const i = order.indexOf(c.label)
    return i === -1 ? order.length : i
  }
  // Array.prototype.sort is stable: unnamed credentials keep their order
  return [...creds].sort((a, b) => rank(a) - rank(b))
}

/**
 * Smooth weighted round robin (as nginx does it): over any window each credential leads in
 * proportion to its weight, spread out rather than in runs. The rest follow by weight, so a
 * failover goes to the next heaviest.
 */
function byWeight<T extends Named>(creds: readonly T[], at: Position, weights: Record<string, number>): T[] {
  const weight = (c: T) => weights[c.label] ?? 1
  let total = 0
  let best: T | undefined
  let bestCurrent = Number.NEGATIVE_INFINITY
  for (const c of creds) {
    const w = weight(c)
    total += w
    const cur = (at.current.get(c.label) ?? 0) + w
    at.current.set(c.label, cur)
    if (w > 0 && cur > bestCurrent) {
      best = c
      bestCurrent = cur
    }
  }
  if (!best) return [...creds]
  at.current.set(best.label, bestCurrent - total)
  const rest = creds.filter((c) => c !== best).sort((a, b) => weight(b) - weight(a))
  return [best, ...rest]
}
