/**
 * `byokey keys create|list|revoke|rotate`: the keys clients send to byokey. A new or rotated key
 * is printed once, alone on stdout (so `KEY=$(byokey keys create --name ci)` works); the store
 * keeps only its digest.
 */
import { type KeyView, keyViews } from '../server/key-view.ts'
import type { GatewayKey, KeyStore, NewGatewayKey } from '../store/types.ts'
import { intFlag, parseCommand, UsageError } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { withStore } from './store-access.ts'

const SUBCOMMANDS = ['create', 'list', 'revoke', 'rotate'] as const

const OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  name: { type: 'string' },
  models: { type: 'string', multiple: true },
  rpm: { type: 'string' },
  budget: { type: 'string' },
  period: { type: 'string' },
  expires: { type: 'string' },
} as const

export async function keysCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, OPTIONS)
  if (values.help) {
    console.log(COMMAND_HELP['keys'])
    return 0
  }
  const sub = positionals[0]
  if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`keys needs one of ${SUBCOMMANDS.join(', ')}${sub ? ` (got '${sub}')` : ''}`)
  }
  if (sub === 'create') {
    if (positionals.length > 1)
      throw new UsageError(`keys create takes no arguments (got '${positionals[1]}')`)
    const spec = newKeyFrom(values, Date.now())
    return await withStore(values.db, { create: true }, (store) => {
      if (liveKeys(store!.keys).some((k) => k.name === spec.name)) {
        console.error(`byokey: a key named '${spec.name}' exists; pick another name or rotate it`)
        return 1
      }
      const { key, secret } = store!.keys.create(spec)
      return printIssued(key, secret, 'Created', values.json === true)
    })
  }
  if (sub === 'list') {
    if (positionals.length > 1) throw new UsageError(`keys list takes no arguments (got '${positionals[1]}')`)
    return await withStore(values.db, { create: false }, async (store) => {
      const views = store ? await keyViews(store.keys.list(), store.usage, Date.now()) : []
      if (values.json) console.log(JSON.stringify(views, null, 2))
      else if (views.length === 0)
        console.log('No gateway keys: requests need none. byokey keys create --name NAME makes one.')
      else for (const v of views) console.log(describe(v))
      return 0
    })
  }
  const which = positionals[1]
  if (!which) throw new UsageError(`keys ${sub} needs a key: its id or name (byokey keys list)`)
  if (positionals.length > 2)
    throw new UsageError(`keys ${sub} takes one key (got '${positionals.slice(1).join(' ')}')`)
  return await withStore(values.db, { create: false }, (store) => {
    const key = store ? findKey(store.keys, which) : undefined
    if (!store || !key) {
      console.error(`byokey: no gateway key '${which}' (byokey keys list shows them)`)
      return 1
    }
    if (sub === 'revoke') {
      if (!store.keys.revoke(key.id)) {
        console.error(`byokey: key '${key.name}' (${key.id}) is already revoked`)
        return 1
      }
      console.log(`Revoked key '${key.name}' (${key.id}): requests with it are refused from now on`)
      return 0
    }
    const issued = store.keys.rotate(key.id)
    if (!issued) {
      console.error(`byokey: key '${key.name}' (${key.id}) is revoked; create a new one`)
      return 1
    }
    return printIssued(issued.key, issued.secret, 'Rotated', values.json === true)
  })
}

type Values = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { multiple: true } ? string[] : string | boolean
}

/** The create options checked; usage errors name the flag. */
export function newKeyFrom(values: Values, now: number): NewGatewayKey {
  const name = typeof values.name === 'string' ? values.name.trim() : ''
  if (!name) throw new UsageError('keys create needs --name NAME (a name to tell the key by)')
  if (name.length > 100) throw new UsageError('--name must be at most 100 characters')
  const spec: NewGatewayKey = { name }
  const models = (values.models ?? [])
    .flatMap((m) => m.split(','))
    .map((m) => m.trim())
    .filter(Boolean)
  if (models.length > 0) spec.models = models
  const rpm = intFlag('rpm', values.rpm as string | undefined, 1, 1_000_000)
  if (rpm !== undefined) spec.rpm = rpm
  const budget = values.budget as string | undefined
  const period = values.period as string | undefined
  if (budget !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(budget))
      throw new UsageError(`--budget must be an amount in USD like 5 or 12.50 (got '${budget}')`)
    spec.budgetUsd = Number(budget)
    if (period !== undefined && period !== 'day' && period !== 'month')
      throw new UsageError(`--period must be day or month (got '${period}')`)
    spec.budgetPeriod = period ?? 'month'
  } else if (period !== undefined) throw new UsageError('--period goes with --budget')
  const expires = values.expires as string | undefined
  if (expires !== undefined) spec.expiresAt = expiryOf(expires, now)
  return spec
}

/**
 * `2026-12-31` (the key works through that UTC day), an ISO date-time, or a span from now
 * (`30d`, `12h`).
 */
export function expiryOf(text: string, now: number): number {
  const span = /^(\d+)([dh])$/.exec(text)
  if (span) return now + Number(span[1]) * (span[2] === 'd' ? 86_400_000 : 3_600_000)
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text)
  const ms = Date.parse(day ? `${text}T00:00:00Z` : text)
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `--expires must be a date (2026-12-31), an ISO date-time or a span like 30d (got '${text}')`,
    )
  }
  const at = day ? ms + 86_400_000 : ms
  if (at <= now) throw new UsageError(`--expires is in the past (${new Date(at).toISOString()})`)
  return at
}

function liveKeys(keys: KeyStore): GatewayKey[] {
  return keys.list().filter((k) => k.revokedAt === undefined)
}

/** By id, else by the name of a key that is not revoked. */
function findKey(keys: KeyStore, which: string): GatewayKey | undefined {
  return keys.get(which) ?? liveKeys(keys).find((k) => k.name === which)
}

function printIssued(key: GatewayKey, secret: string, verb: string, json: boolean): number {
  if (json) {
    console.log(JSON.stringify({ id: key.id, name: key.name, key: secret }, null, 2))
    return 0
  }
  console.log(secret)
  console.error(
    `${verb} gateway key '${key.name}' (${key.id}). Copy it now: byokey keeps only a hash and cannot show it again.`,
  )
  return 0
}

function describe(v: KeyView): string {
  const parts = [v.id, v.name, v.masked, v.state]
  parts.push(v.models ? `models ${v.models.join(',')}` : 'all models')
  if (v.rpm !== null) parts.push(`${v.rpm} rpm`)
  if (v.budget)
    parts.push(`$${v.budget.spent_usd.toFixed(2)} of $${v.budget.usd.toFixed(2)} per ${v.budget.period}`)
  if (v.expires_at) parts.push(`${v.state === 'expired' ? 'expired' : 'expires'} ${v.expires_at}`)
  return parts.join('  ')
}
