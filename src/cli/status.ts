/** `byokey status`: whether a server runs (control socket beside the database), then each provider's accounts. */

import { credentialFacts, providersOverview, shownProviders } from '../accounts/overview.ts'
import { callControl } from '../server/control.ts'
import type { Account, Cooldown } from '../store/types.ts'
import {
  accountName,
  describeAccount,
  describeCooldown,
  describeQuota,
  formatDuration,
  paintFor,
} from './account-format.ts'
import { printKeyCooldowns } from './accounts.ts'
import { parseCommand } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { noExtraArgs } from './provider-arg.ts'
import { socketFor } from './serve.ts'
import { dbPath, withStore } from './store-access.ts'

export async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    db: { type: 'string' },
    json: { type: 'boolean' },
  })
  if (values.help) {
    console.log(COMMAND_HELP['status'])
    return 0
  }
  noExtraArgs(positionals, 0, 'status')
  const file = dbPath(values.db)
  const res = await callControl(socketFor(file), 'status')
  const server = res?.status === 200 ? res.body : undefined
  const facts = await withStore(values.db, { create: false }, (store) => credentialFacts(store))
  const { accounts, cooldowns, quotas } = facts
  const byProvider = new Map<string, Account[]>()
  for (const a of accounts) byProvider.set(a.provider, [...(byProvider.get(a.provider) ?? []), a])
  const coolingOf = (a: Account) =>
    cooldowns.find((c) => c.provider === a.provider && c.account === a.accountId)
  // keys from the config cool down too; they have no stored account to hang on
  const keyCooldowns = (p: string): Cooldown[] =>
    cooldowns.filter(
      (c) => c.provider === p && !(byProvider.get(p) ?? []).some((a) => a.accountId === c.account),
    )
  const providers = shownProviders(facts)
  const now = Date.now()

  if (values.json) {
    const out = {
      server: server
        ? {
            running: true,
            pid: server['pid'] ?? null,
            url: server['url'] ?? null,
            version: server['version'] ?? null,
            uptime_s: server['uptime_s'] ?? null,
            started_at: server['started_at'] ?? null,
            config_file: server['config_file'] ?? null,
          }
        : { running: false },
      database: file,
      providers: providersOverview(facts, now),
    }
    console.log(JSON.stringify(out, null, 2))
    return 0
  }

  console.log(server ? `server: running (pid ${server['pid']}, ${server['url']})` : 'server: not running')
  if (server) {
    const uptime = formatDuration(Number(server['uptime_s'] ?? 0) * 1000)
    const config = server['config_file'] ?? '(built-in defaults)'
    console.log(`  version ${server['version']}, up ${uptime}, config ${config}`)
  }
  const paint = paintFor(process.stdout)
  const width = Math.max(...providers.map((p) => p.length)) + 2
  for (const p of providers) {
    const list = byProvider.get(p) ?? []
    const name = `${p}:`.padEnd(width)
    const keys = keyCooldowns(p)
    if (list.length === 0) {
      console.log(`${name}not logged in`)
      printKeyCooldowns(keys, now)
      continue
    }
    const active = list.find((a) => a.active) ?? list[0]!
    const count = list.length === 1 ? '1 account' : `${list.length} accounts`
    console.log(`${name}${count}, active: ${accountName(active)} (${describeAccount(active, now, paint)})`)
    for (const a of list) {
      if (a !== active && a.state === 'unavailable') {
        console.log(`  ${accountName(a)}: ${describeAccount(a, now, paint)}`)
      }
      const c = coolingOf(a)
      if (c) console.log(`  ${accountName(a)}: ${describeCooldown(c, now)}`)
    }
    printKeyCooldowns(keys, now)
  }
  for (const q of quotas)
    console.log(`  limits of ${q.provider}/${q.account}: ${describeQuota(q.quota, now)}`)
  return 0
}
