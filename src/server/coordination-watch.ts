/**
 * What an operator must see of the coordination: one warning when Redis is lost (or not there at
 * start) and limits, locks and notices turn per instance; one line when it is back; and both in
 * `/metrics` (`byokey_coordination_shared`, `byokey_coordination_losses_total`).
 */
import type { Coordination } from '../coordination/types.ts'
import type { Logger } from '../log.ts'
import type { GatewayMetrics } from './metrics.ts'

const ALONE =
  'deciding for this instance alone: refresh locks, rate limits, concurrency, budgets and notices are not shared with other instances until it answers'

/** Starts watching; returns what stops it. */
export function watchCoordination(
  coordination: Coordination,
  log: Logger,
  metrics: GatewayMetrics,
): () => void {
  if (coordination.kind === 'redis' && !coordination.shared) {
    log.warn({ coordination: coordination.kind }, `coordination: Redis cannot be reached; ${ALONE}`)
  }
  const unwatchMetrics = metrics.watchCoordination(coordination)
  const unwatchLog = coordination.onSharedChange((shared) => {
    if (shared) log.info({ coordination: coordination.kind }, 'coordination: Redis is back; shared again')
    else log.warn({ coordination: coordination.kind }, `coordination: lost Redis; ${ALONE}`)
  })
  return () => {
    unwatchMetrics()
    unwatchLog()
  }
}
