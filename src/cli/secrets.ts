/**
 * `byokey secrets status|rotate`: how account tokens are kept at rest, and re-encrypting every
 * one under the current secret key (after setting a key for the first time, or a new one with
 * the old one in `<VAR>_PREVIOUS`). `rotate --decrypt` writes them back in clear, for when the
 * key is to be dropped.
 */
import { parseCommand, UsageError } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { noExtraArgs } from './provider-arg.ts'
import { commandKeyring, withStore } from './store-access.ts'

export async function secretsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    db: { type: 'string' },
    json: { type: 'boolean' },
    decrypt: { type: 'boolean' },
  })
  if (values.help) {
    console.log(COMMAND_HELP['secrets'])
    return 0
  }
  const [action] = positionals
  if (action !== 'status' && action !== 'rotate') {
    throw new UsageError(
      action === undefined
        ? 'secrets needs an action: status or rotate'
        : `unknown action '${action}'; use status or rotate`,
    )
  }
  noExtraArgs(positionals, 1, `secrets ${action}`)
  if (values.decrypt && action !== 'rotate') throw new UsageError('--decrypt is for secrets rotate')
  const keyring = commandKeyring()
  const { envName } = keyring

  if (action === 'status') {
    const seals = await withStore(values.db, { create: false }, (store) => store?.accounts.tokenSeals() ?? {})
    const current = keyring.current?.id
    if (values.json) {
      console.log(JSON.stringify({ current_key: current ?? null, tokens: seals }, null, 2))
      return 0
    }
    console.log(
      current
        ? `current key: ${current} (from ${envName})`
        : 'no secret key set: tokens are written in clear',
    )
    const total = Object.values(seals).reduce((a, b) => a + b, 0)
    if (total === 0) console.log('no account tokens stored')
    for (const [id, n] of Object.entries(seals)) {
      const what =
        id === 'clear' ? 'in clear' : `encrypted with key ${id}${id === current ? ' (current)' : ''}`
      console.log(`  ${n} ${n === 1 ? 'token' : 'tokens'} ${what}`)
    }
    const behind = total - (seals[current ?? 'clear'] ?? 0)
    if (behind > 0 && current)
      console.log(`run 'byokey secrets rotate' to encrypt the other ${behind} with the current key`)
    return 0
  }

  if (values.decrypt && keyring.current) {
    throw new UsageError(
      `--decrypt writes tokens in clear: unset ${envName} (keep the key in ${envName}_PREVIOUS)`,
    )
  }
  if (!values.decrypt && !keyring.current) {
    throw new UsageError(
      `no secret key: set ${envName} to a 32-byte key (openssl rand -base64 32), or pass --decrypt to write tokens in clear`,
    )
  }
  const n = await withStore(
    values.db,
    { create: false },
    async (store) => (await store?.accounts.resealTokens()) ?? 0,
  )
  const where = keyring.current ? `encrypted with key ${keyring.current.id}` : 'written in clear'
  console.log(`${n} account ${n === 1 ? 'token' : 'tokens'} ${where}; every token is ${where} now`)
  return 0
}
