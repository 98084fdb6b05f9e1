/** `byokey accounts <provider>`: one line per account, the active one marked. */
import { accountJson, accountName, describeAccount, noAccountsMessage } from './account-format.ts'
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
  const list = await withStore(values.db, { create: false }, (store) => store?.accounts.list(provider) ?? [])
  const now = Date.now()
  if (values.json) {
    console.log(JSON.stringify({ provider, accounts: list.map((a) => accountJson(a, now)) }, null, 2))
    return 0
  }
  if (list.length === 0) {
    console.log(noAccountsMessage(provider))
    return 0
  }
  for (const a of list) {
    console.log(`  ${accountName(a)}${a.active ? ' (active)' : ''} ${describeAccount(a, now)}`)
  }
  return 0
}
