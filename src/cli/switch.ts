/** `byokey switch <provider> <account>`: makes one account the one requests use. */
import { accountName, listIds, noAccountsMessage } from './account-format.ts'
import { parseCommand, UsageError } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { accountIdArg, noExtraArgs, providerArg } from './provider-arg.ts'
import { withStore } from './store-access.ts'

export async function switchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { db: { type: 'string' } })
  if (values.help) {
    console.log(COMMAND_HELP['switch'])
    return 0
  }
  const provider = providerArg(positionals[0], 'switch')
  if (positionals[1] === undefined)
    throw new UsageError('switch needs an account: byokey switch <provider> <account>')
  const accountId = accountIdArg(positionals[1], 'the account')
  noExtraArgs(positionals, 2, 'switch')
  return await withStore(values.db, { create: false }, (store) => {
    if (!store || store.accounts.list(provider).length === 0) {
      console.error(`byokey: ${noAccountsMessage(provider)}`)
      return 1
    }
    if (!store.accounts.setActive(provider, accountId)) {
      console.error(
        `byokey: no ${provider} account '${accountId}'; accounts: ${listIds(store.accounts, provider)}`,
      )
      return 1
    }
    const acc = store.accounts.get(provider, accountId)!
    if (acc.state === 'unavailable') {
      // switching to it is asking to try it again: the next request tells whether it works now
      store.accounts.setState(provider, accountId, 'ok')
      console.log(
        `${provider}: cleared the unavailable mark of ${accountName(acc)} (was: ${acc.lastError ?? ''})`,
      )
    }
    console.log(`${provider}: active account is now ${accountName(acc)}`)
    return 0
  })
}
