/**
 * Copilot seats' quotas, read per login with its GitHub token (`GET /copilot_internal/user`)
 * off the request path: at start, every `quota_reads.refresh_seconds`, and soon after the
 * logins change. What a read answers goes to the quota board like the limits other providers'
 * answers carry, so `status` and `accounts` show it. A failed read is logged (without the token)
 * and the last quota stays.
 */
import type { Config } from '../config/schema.ts'
import type { ConfigRef } from '../config/snapshot.ts'
import type { Logger } from '../log.ts'
import { copilotQuotaRequest, parseCopilotQuota } from '../providers/copilot/quota.ts'
import type { AccountStore, QuotaStore } from '../store/types.ts'
import { type BackgroundReads, startBackgroundReads } from './background-reads.ts'
import type { QuotaBoard } from './quota-board.ts'

/** How often the background loop looks whether a read is due. */
export const COPILOT_QUOTA_CHECK_MS = 15_000

/** Reads every Copilot login's quota once, one login after the other. */
export async function readCopilotQuotas(
  config: Config,
  accounts: AccountStore,
  board: QuotaBoard,
  store: QuotaStore | undefined,
  log: Logger,
): Promise<void> {
  for (const account of accounts.list('copilot')) {
    const github = account.token['github_token']
    if (account.kind !== 'oauth' || typeof github !== 'string' || github === '') continue
    // a login its provider gave up on gets no calls at all, reads included
    if (account.state === 'unavailable') continue
    const at = { provider: 'copilot', account: account.accountId }
    const { url, headers } = copilotQuotaRequest(config, github)
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(config.quota_reads.timeout_ms) })
      if (!res.ok) {
        await res.body?.cancel()
        log.warn({ ...at, status: res.status }, 'copilot quota: GitHub refused; keeping the last quota')
        continue
      }
      const quota = parseCopilotQuota(await res.json())
      if (quota) board.record({ ...at, observedAt: Date.now(), quota }, store)
    } catch (err) {
      const reason = err instanceof Error ? err.name : 'error'
      log.warn({ ...at, reason }, 'copilot quota: the read failed; keeping the last quota')
    }
  }
}

/** Reads now, then when a refresh is due or the logins changed; nothing while `refresh_seconds` is 0. */
export function startCopilotQuotaReader(
  config: ConfigRef,
  accounts: AccountStore,
  board: QuotaBoard,
  store: QuotaStore | undefined,
  log: Logger,
  checkMs = COPILOT_QUOTA_CHECK_MS,
): BackgroundReads {
  let readAt = 0
  let accountsVersion = -1
  return startBackgroundReads(checkMs, () => {
    const snap = config.current.config
    const every = snap.quota_reads.refresh_seconds * 1000
    if (every === 0) return undefined
    const version = accounts.version()
    if (Date.now() - readAt < every && version === accountsVersion) return undefined
    readAt = Date.now()
    accountsVersion = version
    return () => readCopilotQuotas(snap, accounts, board, store, log)
  })
}
