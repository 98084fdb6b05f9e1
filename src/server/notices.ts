/**
 * What one gateway tells the other instances that share its store and coordination, and what it
 * does when they tell it something:
 *
 * - `reload()` (the control socket, `SIGHUP`, the management API) reloads this instance's config
 *   file and tells the others, which reload their own file (without telling anyone again);
 * - `accountsChanged` (a login, a switch or a removal through the management API; a refreshed
 *   token is told by the token manager) is told once this instance's write is in the store, and
 *   makes the others bring their store up to date, which moves its accounts version and so drops
 *   the routes chosen by credentials;
 * - `keysChanged` (keys made, rotated or revoked through the management API) makes the others
 *   bring their store up to date and read the keys at once;
 * - cooldowns, probes and conversations' accounts go to the accounts layer;
 * - when coordination comes back after a loss, the store is read again and the cooldowns with it
 *   (notices sent meanwhile were lost).
 *
 * With `local` coordination every publish is a no-op and nothing arrives.
 */
import type { Accounts } from '../accounts/index.ts'
import type { ConfigRef, ReloadResult } from '../config/snapshot.ts'
import type { Coordination, Notice } from '../coordination/types.ts'
import type { Logger } from '../log.ts'

export interface NoticeDeps {
  coordination: Coordination
  config: ConfigRef
  /** Brings this instance's view of the store up to date (`Store.sync`). */
  sync: () => Promise<void>
  accounts: Accounts
  /** Makes the key table be read again on the next request. */
  keysChanged: () => void
  log: Logger
}

export class GatewayNotices {
  readonly #deps: NoticeDeps
  readonly #unsubscribe: Array<() => void>

  constructor(deps: NoticeDeps) {
    this.#deps = deps
    const { coordination } = deps
    // the loss and the return are logged and counted by the coordination watch; here, catch up
    this.#unsubscribe = [
      coordination.onNotice((n) => this.#hear(n)),
      coordination.onSharedChange((shared) => {
        if (shared) void this.#catchUp()
      }),
    ]
  }

  /** Reloads this instance's config file and has every other instance reload its own. */
  reload(): ReloadResult {
    const r = this.#deps.config.reload()
    if (!r.error) this.#deps.coordination.publish({ kind: 'config-reloaded' })
    return r
  }

  /** The store's accounts changed here (a login, a switch, a removal): told once the write is in the store. */
  accountsChanged(provider?: string): void {
    void this.#tellWritten(
      provider === undefined ? { kind: 'accounts-changed' } : { kind: 'accounts-changed', provider },
    )
  }

  /** Gateway keys changed here: told once the write is in the store. */
  keysChanged(): void {
    void this.#tellWritten({ kind: 'keys-changed' })
  }

  /** A store that queues its writes (PostgreSQL) has them written first, so the others read them. */
  async #tellWritten(notice: Notice): Promise<void> {
    await this.#sync(notice.kind)
    this.#deps.coordination.publish(notice)
  }

  close(): void {
    for (const off of this.#unsubscribe) off()
  }

  #hear(n: Notice): void {
    const { config, log, accounts } = this.#deps
    switch (n.kind) {
      case 'config-reloaded': {
        const r = config.reload()
        log.info(
          { changed: r.changed, version: r.version, error: r.error },
          'config re-read: another instance reloaded',
        )
        return
      }
      case 'accounts-changed':
        void this.#sync('accounts').then(() =>
          log.debug({ provider: n.provider }, 'accounts re-read: another instance changed them'),
        )
        return
      case 'keys-changed':
        void this.#sync('keys').then(() => {
          this.#deps.keysChanged()
          log.debug('gateway keys re-read: another instance changed them')
        })
        return
      default:
        accounts.hear(n)
    }
  }

  async #catchUp(): Promise<void> {
    await this.#sync('store')
    this.#deps.accounts.reloadCooldowns()
    this.#deps.keysChanged()
  }

  async #sync(what: string): Promise<void> {
    try {
      await this.#deps.sync()
    } catch (err) {
      this.#deps.log.warn({ err, what }, 'could not bring the store up to date after a notice')
    }
  }
}
