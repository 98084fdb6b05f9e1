import { ProviderRegistry } from '../providers/registry.ts'
import { CredentialOrder } from '../routing/credential-order.ts'
import { QuotaBoard } from './quota-board.ts'
import { RouteCache } from './route-cache.ts'
import type { UpstreamSlots } from './upstream-slots.ts'

/**
 * What one gateway keeps for all of its requests, made once when it starts and reached through
 * each request's context: two gateways in one process share none of it.
 */
export class GatewayState {
  /** Where each provider's round robin stands. */
  readonly credentialOrder = new CredentialOrder()
  /** The built-in providers, with what they learn at run time (Copilot's model list). */
  readonly providers = new ProviderRegistry()
  /** The routes resolved so far, per config snapshot, accounts and catalogue. */
  readonly routes = new RouteCache()
  /** The latest limits each account's answers reported. */
  readonly quotas = new QuotaBoard()
  constructor(
    /** The slots for upstream calls. */
    readonly upstream: UpstreamSlots,
  ) {}
}
