/**
 * Accounts whose provider gave up on them: an upstream error answer that the provider's table
 * (`src/providers/shared/dead-answers.ts`) says will not heal marks the stored account
 * `unavailable` with the upstream's own words. From then on the account is no credential
 * (`storedCredentials` leaves it out), is not refreshed, and a request with nothing else to try
 * gets a 403 naming the provider, the account, the reason and what to do. Runs on error answers
 * only.
 */
import type { UpstreamCodec } from '../dialects/contract.ts'
import { type ErrorInfo, STATUS_OF_KIND } from '../dialects/ir.ts'
import { type DeadVerdict, deadAnswerOf, unavailableReason } from '../providers/shared/dead-answers.ts'
import type { Credential } from '../providers/types.ts'
import type { AccountStore } from '../store/types.ts'
import type { Exchange } from './exchange.ts'
import { HttpError } from './http-error.ts'
import type { Redactor } from './redact-errors.ts'

/** The one warning logged when an account is marked (by an answer or by a refresh). */
export const UNAVAILABLE_WARNING =
  'account unavailable: its provider says it no longer works; skipped until a new login'

/** Logged when a key of the config gets such an answer: the config is the user's to change. */
export const CONFIG_KEY_WARNING =
  'config key unavailable: its provider says it no longer works; it rests for cooldown.max_seconds, remove it from the config'

/** What a client is told about an account that no longer works. */
export function unavailableInfo(provider: string, account: string, reason: string): ErrorInfo {
  return {
    kind: 'permission',
    status: 403,
    code: 'account_unavailable',
    message: `Provider '${provider}': account '${account}' no longer works: ${reason}`,
  }
}

/** The message the upstream itself gave in its error answer. */
function upstreamSaid(upstream: UpstreamCodec, status: number, text: string): string {
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON: the decoder gets the text
  }
  return upstream.decodeError(status, body).message
}

/** An account given up on: the client's error, and whether it was a stored account (else a config key). */
export interface GaveUp {
  info: ErrorInfo
  storedAccount: boolean
}

/**
 * An upstream's error answer on `credential`: when it means the account is done for, the
 * account is marked (a stored one `unavailable`; a key of the config, which byokey may not
 * change, rests for the longest cooldown instead) and the client's error is returned.
 * Undefined: an ordinary error.
 */
export function noticeDeadAnswer(
  ex: Exchange,
  credential: Credential,
  status: number,
  text: string,
  redact: Redactor,
): GaveUp | undefined {
  const verdict = deadAnswerOf(ex.plan.provider.id, 'api', status, text, ex.config)
  if (!verdict) return undefined
  return giveUp(ex, credential, status, verdict, redact.text(upstreamSaid(ex.plan.upstream, status, text)))
}

/** The same for an error event that opened a 2xx stream (`info`: decoded and redacted already). */
export function noticeDeadStreamError(
  ex: Exchange,
  credential: Credential,
  info: ErrorInfo,
): GaveUp | undefined {
  const status = info.status ?? STATUS_OF_KIND[info.kind]
  const text = `${info.code ?? ''} ${info.message}`
  const verdict = deadAnswerOf(ex.plan.provider.id, 'api', status, text, ex.config)
  return verdict ? giveUp(ex, credential, status, verdict, info.message) : undefined
}

function giveUp(
  ex: Exchange,
  credential: Credential,
  status: number,
  verdict: DeadVerdict,
  said: string,
): GaveUp {
  const { store, ctx } = ex
  const provider = ex.plan.provider.id
  const reason = unavailableReason(provider, verdict, said)
  const storedAccount = isStoredAccount(store.accounts, provider, credential)
  const fields = { provider, account: credential.label, status, reason }
  if (!storedAccount) {
    // rests for the longest cooldown from here, so this comes once per cooldown, not per request
    ctx.log.warn(fields, CONFIG_KEY_WARNING)
  } else if (store.accounts.markUnavailable(provider, credential.label, reason)) {
    ctx.log.warn(fields, UNAVAILABLE_WARNING)
  }
  return { info: unavailableInfo(provider, credential.label, reason), storedAccount }
}

/** Whether the credential is a stored account (a login, or a key from `add-api-key`), not a config key. */
function isStoredAccount(accounts: AccountStore, provider: string, credential: Credential): boolean {
  const stored = accounts.get(provider, credential.label)
  if (!stored) return false
  return credential.kind === 'oauth' || stored.token['api_key'] === credential.secret
}

/**
 * The error for a provider without a usable credential whose stored accounts were given up:
 * the first one's reason, and how many there are. Undefined when none was.
 */
export function unavailableError(
  provider: string,
  accounts: AccountStore | undefined,
): HttpError | undefined {
  const gone = accounts?.list(provider).filter((a) => a.state === 'unavailable') ?? []
  const first = gone[0]
  if (!first) return undefined
  const { kind, message, ...extra } = unavailableInfo(
    provider,
    first.accountId,
    first.lastError ?? 'marked unavailable',
  )
  const others = gone.length > 1 ? ` (and ${gone.length - 1} more account(s) of '${provider}' likewise)` : ''
  return new HttpError(kind, `${message}${others}`, extra)
}
