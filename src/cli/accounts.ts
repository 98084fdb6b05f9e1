/** `byokey accounts <provider>`: one line per account, the active one marked. */
import {
  accountJson,
  accountName,
  describeAccount,
  describeQuota,
  noAccountsMessage,
  quotaJson,
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
  const { list, quotas } = await withStore(values.db, { create: false }, (store) => ({
    list: store?.accounts.list(provider) ?? [],
    quotas: store?.quotas.list(provider) ?? [],
  }))
  const now = Date.now()
  if (values.json) {
    const out = { provider, accounts: list.map((a) => accountJson(a, now)), quotas: quotas.map(quotaJson) }
    console.log(JSON.stringify(out, null, 2))
    return 0
  }
  if (list.length === 0) console.log(noAccountsMessage(provider))
  for (const a of list) {
    console.log(`  ${accountName(a)}${a.active ? ' (active)' : ''} ${describeAccount(a, now)}`)
    const q = quotas.find((x) => x.account === a.accountId)
    if (q) console.log(`    limits: ${describeQuota(q.quota, now)}`)
  }
  // keys from the config are no stored accounts, but their answers report limits too
  for (const q of quotas.filter((x) => !list.some((a) => a.accountId === x.account))) {
    console.log(`  ${q.account} (config key) limits: ${describeQuota(q.quota, now)}`)
  }
  return 0
}
