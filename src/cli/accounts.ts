/** `byokey accounts <provider>`: one line per account, the active one marked. */
import { credentialFacts, providerJson } from '../accounts/overview.ts'
import type { Cooldown } from '../store/types.ts'
import {
  accountName,
  describeAccount,
  describeCooldown,
  describeQuota,
  noAccountsMessage,
  paintFor,
} from './account-format.ts'
import { parseCommand } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { noExtraArgs, providerArg } from './provider-arg.ts'
import { withStore } from './store-access.ts'

export async function accountsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    db: { type: 'string' },
    json: { type: 'boolean' },
  })
  if (values.help) {
    console.log(COMMAND_HELP['accounts'])
    return 0
  }
  const provider = providerArg(positionals[0], 'accounts')
  noExtraArgs(positionals, 1, 'accounts')
  const {
    accounts: list,
    cooldowns,
    quotas,
  } = await withStore(values.db, { create: false }, (store) => credentialFacts(store, provider))
  const now = Date.now()
  const coolingOf = new Map(cooldowns.map((c) => [c.account, c]))
  // keys from the config cool down too; they have no stored account to hang on
  const keys = cooldowns.filter((c) => !list.some((a) => a.accountId === c.account))
  if (values.json) {
    console.log(JSON.stringify(providerJson(provider, list, cooldowns, quotas, now), null, 2))
    return 0
  }
  if (list.length === 0) console.log(noAccountsMessage(provider))
  const paint = paintFor(process.stdout)
  for (const a of list) {
    const c = coolingOf.get(a.accountId)
    const cooling = c ? `, ${describeCooldown(c, now)}` : ''
    const state = describeAccount(a, now, paint)
    console.log(`  ${accountName(a)}${a.active ? ' (active)' : ''} ${state}${cooling}`)
    const q = quotas.find((x) => x.account === a.accountId)
    if (q) console.log(`    limits: ${describeQuota(q.quota, now)}`)
  }
  // keys from the config are no stored accounts, but their answers report limits too
  for (const q of quotas.filter((x) => !list.some((a) => a.accountId === x.account))) {
    console.log(`  ${q.account} (config key) limits: ${describeQuota(q.quota, now)}`)
  }
  printKeyCooldowns(keys, now)
  return 0
}

/** `  key b: cooling down until 14:05 — rate limit`, one line per config key cooling down. */
export function printKeyCooldowns(keys: readonly Cooldown[], now: number, indent = '  '): void {
  for (const c of keys) console.log(`${indent}key ${c.account}: ${describeCooldown(c, now)}`)
}
