/**
 * An account's own concurrency cap (`providers.<id>.max_concurrency`) on the way to the upstream:
 * a call takes one of the account's slots before it leaves and gives it back when the call is
 * over, on every path (answer read, stream ended, error, client gone). A busy account that is
 * not the request's last candidate is passed over at once; on the last, the request waits up to
 * `max_concurrency_wait_ms`, then the client gets a 429.
 *
 * While coordination is shared the cap holds across instances too: after its place in this
 * instance's queue (arrival order, bounded, left when the client goes) a call takes one of the
 * account's shared slots, polling for one while it may wait. A shared slot is a lease renewed while
 * its call runs: an instance that dies frees its slots when their lease ends, within 30 s.
 */
import type { SlotLease } from '../coordination/types.ts'
import type { Credential } from '../providers/types.ts'
import type { Exchange } from './exchange.ts'
import { HttpError } from './http-error.ts'
import type { UpstreamCallHandle } from './upstream-fetch.ts'
import { ClientGone } from './upstream-fetch.ts'

/** The account is at its cap and another candidate follows: try that one. */
export class AccountBusy extends Error {
  constructor(account: string) {
    super(`account '${account}' is at its max_concurrency`)
    this.name = 'AccountBusy'
  }
}

/** Seconds a client is told to wait when an account stayed at its cap. */
const BUSY_RETRY_AFTER_S = 1
/**
 * A shared slot's lease, renewed every `SHARED_SLOT_RENEW_MS` while its call runs: a live call of
 * any length keeps it, and a dead instance's slots come back within the lease.
 */
export const SHARED_SLOT_LEASE_MS = 30_000
export const SHARED_SLOT_RENEW_MS = 10_000
/** How often a call waiting for a shared slot asks again. */
const SHARED_SLOT_POLL_MS = 25

/**
 * Takes a slot of `credential`'s account when its provider caps concurrency. Returns what gives
 * it back (once, however often called), or undefined without a cap; throws `AccountBusy`,
 * `ClientGone`, or the client's 429.
 */
export async function takeAccountSlot(
  ex: Exchange,
  credential: Credential,
  last: boolean,
): Promise<(() => void) | undefined> {
  const { ctx, config, plan } = ex
  const slots = ctx.gateway.accounts.slotsFor(plan.provider.id, credential.label, config)
  if (!slots) return undefined
  const ms = config.providers[plan.provider.id]?.max_concurrency_wait_ms ?? 5000
  const deadline = performance.now() + ms
  const busy = () => {
    if (ex.request.signal.aborted) return new ClientGone()
    if (!last) return new AccountBusy(credential.label)
    return new HttpError(
      'rate_limit',
      `Every account of provider '${plan.provider.id}' is at its max_concurrency of ${slots.capacity} calls; none freed a slot within ${ms} ms`,
      { status: 429, code: 'account_concurrency_limit', retryAfter: BUSY_RETRY_AFTER_S },
    )
  }
  if (!slots.tryTake()) {
    if (!last) throw busy()
    try {
      await slots.wait(ex.request.signal, ms)
    } catch {
      throw busy()
    }
  }
  const { coordination } = ctx.gateway
  let shared: SlotLease | undefined
  if (coordination.shared) {
    const name = `slots:${plan.provider.id}:${credential.label}`
    try {
      for (;;) {
        shared = await coordination.trySlot(name, slots.capacity, SHARED_SLOT_LEASE_MS)
        if (shared || !last || ex.request.signal.aborted || performance.now() >= deadline) break
        await Bun.sleep(SHARED_SLOT_POLL_MS)
      }
    } finally {
      if (!shared) slots.release()
    }
    if (!shared) throw busy()
  }
  const held = shared
  const renewal = held
    ? setInterval(() => void held.renew(SHARED_SLOT_LEASE_MS), SHARED_SLOT_RENEW_MS).unref()
    : undefined
  let holding = true
  return () => {
    if (holding) {
      holding = false
      clearInterval(renewal)
      slots.release()
      void held?.release()
    }
  }
}

/** The call's `done` gives the account's slot back too. */
export function releaseWhenDone(handle: UpstreamCallHandle, release: () => void): void {
  const done = handle.done
  handle.done = () => {
    done()
    release()
  }
}
