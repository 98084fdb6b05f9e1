/**
 * Opens the coordination a config asks for: `local` (this process alone) or `redis` (every
 * instance pointing at the same Redis and prefix).
 */
import { LocalCoordination } from './local.ts'
import type { Coordination, CoordinationKind } from './types.ts'

export type { Admission, Coordination, CoordinationKind, Lease, Notice } from './types.ts'

export interface CoordinationOptions {
  kind: CoordinationKind
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`); required for `redis`. A secret: never log it. */
  url?: string
  /** Set apart from other deployments on the same Redis: keys and the notice channel start `byokey:<prefix>:`. */
  prefix?: string
  /** Names this instance in its notices, so it ignores its own; random when not given. */
  instanceId?: string
  /** How long one Redis call may take before Redis counts as lost (ms). */
  callTimeoutMs?: number
  /** The clock of `local` (tests). */
  now?: () => number
}

/**
 * A `redis` coordination has tried Redis once when this resolves: `shared` tells whether it
 * answered; when not, it keeps trying in the background and `onSharedChange(true)` says when.
 */

export async function openCoordination(opts: CoordinationOptions): Promise<Coordination> {
  if (opts.kind === 'local') return new LocalCoordination(opts.now)
  if (!opts.url) throw new Error('coordination.kind redis needs coordination.url (or BYOKEY_REDIS_URL)')
  // loaded only here: a local gateway never evaluates the Redis client
  const { RedisCoordination } = await import('./redis/index.ts')
  const redis = new RedisCoordination({
    url: opts.url,
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
    ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
    ...(opts.callTimeoutMs ? { callTimeoutMs: opts.callTimeoutMs } : {}),
  })
  await redis.start()
  return redis
}
