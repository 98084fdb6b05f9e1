/** `byokey logout <provider>`: forgets an account (the active one by default); another account takes over. */
import { accountName, listIds, noAccountsMessage } from './account-format.ts'
import { parseCommand } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { accountIdArg, noExtraArgs, providerArg } from './provider-arg.ts'
import { withStore } from './store-access.ts'

export async function logoutCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    db: { type: 'string' },
    account: { type: 'string' },
  })
  if (values.help) {
    console.log(COMMAND_HELP['logout'])
    return 0
  }
  const provider = providerArg(positionals[0], 'logout')
  noExtraArgs(positionals, 1, 'logout')
  const wanted = values.account === undefined ? undefined : accountIdArg(values.account)
  return await withStore(values.db, { create: false }, (store) => {
    const accounts = store?.accounts
    if (!accounts || accounts.list(provider).length === 0) {
      console.error(`byokey: nothing to log out: ${noAccountsMessage(provider)}`)
      return 1
    }
    const target = wanted ?? accounts.active(provider)?.accountId ?? accounts.list(provider)[0]!.accountId
    const acc = accounts.get(provider, target)
    if (!acc || !accounts.remove(provider, target)) {
      console.error(`byokey: no ${provider} account '${target}'; accounts: ${listIds(accounts, provider)}`)
      return 1
    }
    console.log(`${provider}: removed account ${accountName(acc)}`)
    const next = accounts.active(provider)
    if (next) {
      console.log(
        acc.active
          ? `${provider}: active account is now ${accountName(next)}`
          : `${provider}: active account is still ${accountName(next)}`,
      )
    } else {
      console.log(`${provider}: no accounts left`)
    }
    return 0
  })
}
