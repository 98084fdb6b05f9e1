/**
 * A Copilot seat's quota: GitHub answers it only when asked (`GET /copilot_internal/user` with
 * the GitHub token), never in the headers of a Copilot answer, so the gateway reads it in the
 * background per login (`src/gateway/copilot-quota.ts`).
 */
import type { Config } from '../../config/schema.ts'
import type { Quota, QuotaWindow } from '../../store/types.ts'
import { COPILOT_EDITOR_HEADERS, copilotOAuth } from './login.ts'

/** The request for one login's quota. */
export function copilotQuotaRequest(
  config: Config,
  githubToken: string,
): { url: string; headers: Record<string, string> } {
  return {
    url: copilotOAuth(config).quotaUrl,
    headers: { accept: 'application/json', authorization: `token ${githubToken}`, ...COPILOT_EDITOR_HEADERS },
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** A date as ISO 8601; GitHub sends the reset as a day (`2026-01-01`) or a timestamp. */
function isoOf(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined
  const t = Date.parse(v)
  return Number.isNaN(t) ? undefined : new Date(t).toISOString()
}

/**
 * `quota_snapshots` as one window per kind (`premium_interactions`, `chat`, `completions`):
 * an unlimited kind has no limit or remaining, only its status. Undefined when the answer has none.
 */
export function parseCopilotQuota(body: unknown): Quota | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const b = body as Record<string, unknown>
  const snapshots = b['quota_snapshots']
  if (typeof snapshots !== 'object' || snapshots === null) return undefined
  const resetsAt = isoOf(b['quota_reset_date_utc']) ?? isoOf(b['quota_reset_date'])
  const windows: QuotaWindow[] = []
  for (const [name, raw] of Object.entries(snapshots as Record<string, unknown>)) {
    if (typeof raw !== 'object' || raw === null) continue
    const s = raw as Record<string, unknown>
    const w: QuotaWindow = { name }
    if (s['unlimited'] === true) {
      w.status = 'unlimited'
    } else {
      const limit = num(s['entitlement'])
      const remaining = num(s['remaining'])
      const percentLeft = num(s['percent_remaining'])
      if (limit !== undefined) w.limit = limit
      if (remaining !== undefined) w.remaining = remaining
      if (percentLeft !== undefined) w.usedPercent = Math.min(100, Math.max(0, 100 - percentLeft))
      if (resetsAt) w.resetsAt = resetsAt
    }
    windows.push(w)
  }
  if (windows.length === 0) return undefined
  return resetsAt ? { resetsAt, windows } : { windows }
}
