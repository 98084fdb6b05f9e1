import { Accounts } from '../accounts/index.ts'
import { LocalCoordination } from '../coordination/local.ts'
import type { Coordination } from '../coordination/types.ts'
import { ProviderRegistry } from '../providers/registry.ts'
import type { CooldownStore } from '../store/types.ts'
import { QuotaBoard } from './quota-board.ts'
import { RouteCache } from './route-cache.ts'
import { UpstreamSlots } from './upstream-slots.ts'
import { UsageLedger } from './usage-ledger.ts'

/**
 * What one gateway keeps for all of its requests, made once when it starts and reached through
 * each request's context: two gateways in one process share none of it.
 */
export class GatewayState {
  /** Which credentials each request tries, in which order; where rotations stand; which accounts cool down. */
  readonly accounts: Accounts
  /** The built-in providers, with what they learn at run time (Copilot's model list). */
  readonly providers = new ProviderRegistry()
  /** The routes resolved so far, per config snapshot, accounts and catalogue. */
  readonly routes = new RouteCache()
  /** The latest limits each account's answers reported. */
  readonly quotas = new QuotaBoard()
  /** Prices every usage row and tells the running totals (key budgets, metrics). */
  readonly usage = new UsageLedger()
  /** Shutting down: `/readyz` says so while the server still serves (`server.shutdown_drain_ms`). */
  draining = false
  constructor(
    /** The slots for upstream calls. */
    readonly upstream: UpstreamSlots,
    /** Where account cooldowns outlive the process; none: kept in memory only. */
    cooldowns?: CooldownStore,
    /** What this gateway agrees on with the other instances (`local`: it is alone). */
    readonly coordination: Coordination = new LocalCoordination(),
  ) {
    this.accounts = new Accounts(cooldowns, Date.now, (capacity) => new UpstreamSlots(capacity), coordination)
  }
}
