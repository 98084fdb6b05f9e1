/** How the account commands describe an account: token state, relative expiry, masked secrets. Never prints a token. */
import { tokenState } from '../accounts/overview.ts'
import type { Account, AccountStore, Cooldown, CooldownReason, Quota } from '../store/types.ts'

export {
  accountJson,
  cooldownJson,
  quotaJson,
  type TokenState,
  tokenState,
} from '../accounts/overview.ts'

/** `3h 12m`, `2d 4h`, `45s`: the two largest units of a duration. */
export function formatDuration(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000)
  const units: Array<[string, number]> = [
    ['d', Math.floor(s / 86400)],
    ['h', Math.floor(s / 3600) % 24],
    ['m', Math.floor(s / 60) % 60],
    ['s', s % 60],
  ]
  const first = units.findIndex(([, n]) => n > 0)
  if (first === -1) return '0s'
  return units
    .slice(first, first + 2)
    .filter(([, n]) => n > 0)
    .map(([u, n]) => `${n}${u}`)
    .join(' ')
}

/** `expires in 3h 12m` / `expired 5m ago`; undefined when the token does not expire. */
export function describeExpiry(expiresAt: number | undefined, now = Date.now()): string | undefined {
  if (expiresAt === undefined) return undefined
  const left = expiresAt - now
  return left > 0 ? `expires in ${formatDuration(left)}` : `expired ${formatDuration(left)} ago`
}

/** `claude-code [Claude Code]`: the id with its label when it has one. */
export function accountName(acc: Account): string {
  return acc.label ? `${acc.accountId} [${acc.label}]` : acc.accountId
}

/** `oauth ok, expires in 3h 12m, last error: …`; an unavailable account's reason in full, in red. */
export function describeAccount(acc: Account, now = Date.now(), paint: Paint = plain): string {
  if (acc.state === 'unavailable') return paint.red(describeUnavailable(acc))
  const parts = [`${acc.kind} ${tokenState(acc, now)}`]
  const expiry = describeExpiry(acc.expiresAt, now)
  if (expiry) parts.push(expiry)
  if (acc.lastError) parts.push(`last error: ${oneLine(acc.lastError)}`)
  return parts.join(', ')
}

/**
 * `UNAVAILABLE: <what happened> (upstream: "…"); <what to do>; `byokey login p` clears the mark`:
 * the reason is stored whole with the mark, so it is never cut to one line's length.
 */
export function describeUnavailable(acc: Account): string {
  const reason = (acc.lastError ?? 'its provider said it no longer works').replace(/\s+/g, ' ').trim()
  return `${acc.kind} UNAVAILABLE: ${reason}`
}

/** How a line is coloured: red on a terminal that takes colour, plain otherwise. */
export interface Paint {
  red(text: string): string
}

export const plain: Paint = { red: (t) => t }

/** Red when `stream` is a terminal and NO_COLOR is not set (https://no-color.org), else plain. */
export function paintFor(
  stream: { isTTY?: boolean },
  env: Record<string, string | undefined> = process.env,
): Paint {
  if (!stream.isTTY || (env['NO_COLOR'] ?? '') !== '') return plain
  return { red: (t) => `\x1b[31m${t}\x1b[39m` }
}

const REASON_TEXT: Record<CooldownReason, string> = {
  rate_limit: 'rate limit',
  quota: 'quota',
  overloaded: 'overloaded',
  auth: 'credential refused',
  upstream: 'upstream errors',
  unavailable: 'its provider says it no longer works',
}

/** `cooling down until 14:05 — rate limit` (local time), or, once ended, that the next request probes it. */
export function describeCooldown(c: Cooldown, now = Date.now()): string {
  const reason = REASON_TEXT[c.reason]
  if (c.untilMs <= now) return `cooldown ended (${reason}), the next request probes it`
  const at = new Date(c.untilMs)
  const sameDay = at.toDateString() === new Date(now).toDateString()
  const when = at.toTimeString().slice(0, 5)
  return `cooling down until ${sameDay ? when : `${at.toDateString()} ${when}`} — ${reason}`
}

/** `sk-…3f9a`: enough of a key to recognise it, never enough to use it. */
export function maskSecret(secret: string): string {
  if (secret.length >= 16) return `${secret.slice(0, 3)}…${secret.slice(-4)}`
  if (secret.length >= 8) return `…${secret.slice(-2)}`
  return '…'
}

/** `a, b (active)`, or `none`: what exists, for error messages. */
export function listIds(store: AccountStore | undefined, provider: string): string {
  const all = store?.list(provider) ?? []
  if (all.length === 0) return 'none'
  return all.map((a) => (a.active ? `${a.accountId} (active)` : a.accountId)).join(', ')
}

export function noAccountsMessage(provider: string): string {
  return `no accounts for ${provider}; run 'byokey login ${provider}' or 'byokey add-api-key ${provider} -'`
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim()
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat
}

/** `requests 49/50 left (resets in 12s), 5h allowed (resets in 3h 2m)`: an account's limits on one line. */
export function describeQuota(quota: Quota, now = Date.now()): string {
  const resets = (at: string | undefined) => {
    const t = at === undefined ? Number.NaN : Date.parse(at)
    return Number.isFinite(t) && t > now ? ` (resets in ${formatDuration(t - now)})` : ''
  }
  const parts = quota.windows.map((w) => {
    const state =
      w.remaining !== undefined
        ? `${w.remaining}${w.limit !== undefined ? `/${w.limit}` : ''} left`
        : w.usedPercent !== undefined
          ? `${w.usedPercent}% used`
          : (w.status ?? '')
    return `${w.name} ${state}${resets(w.resetsAt)}`.trim()
  })
  if (quota.status !== undefined) parts.unshift(`${quota.status}${resets(quota.resetsAt)}`)
  return parts.join(', ')
}
