/** Reading limit headers into a `Quota`: the pieces every provider's `quotaFrom` is made of. */
import type { Quota, QuotaWindow } from '../types.ts'

/** A header's number; undefined when absent or not a number. */
export function headerNumber(headers: Headers, name: string): number | undefined {
  const v = headers.get(name)
  if (v === null || v.trim() === '') return undefined
  const n = Number(v)
  return Number.isFinite(n) ? n : undefined
}

/** Unix seconds → ISO 8601. */
export function isoFromUnixSeconds(s: number | undefined): string | undefined {
  return s === undefined ? undefined : new Date(s * 1000).toISOString()
}

/** An RFC 3339 date as ISO 8601 in UTC; undefined when it is not a date. */
export function isoFromDate(v: string | null): string | undefined {
  if (v === null) return undefined
  const t = Date.parse(v)
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined
}

/** The window with only the fields that were there. */
export function quotaWindow(name: string, fields: Omit<QuotaWindow, 'name'>): QuotaWindow | undefined {
  const w: QuotaWindow = { name }
  for (const [k, v] of Object.entries(fields) as Array<[keyof Omit<QuotaWindow, 'name'>, unknown]>) {
    if (v !== undefined) (w as unknown as Record<string, unknown>)[k] = v
  }
  return Object.keys(w).length > 1 ? w : undefined
}

/** A quota of the windows found; undefined when the headers reported none. */
export function quotaOf(
  windows: Array<QuotaWindow | undefined>,
  overall: Omit<Quota, 'windows'> = {},
): Quota | undefined {
  const found = windows.filter((w): w is QuotaWindow => w !== undefined)
  const q: Quota = { windows: found }
  if (overall.status !== undefined) q.status = overall.status
  if (overall.resetsAt !== undefined) q.resetsAt = overall.resetsAt
  return found.length > 0 || q.status !== undefined ? q : undefined
}
