/**
 * `byokey add-api-key <provider> <key|->`: stores a static API key as an account of kind `api_key`
 * (token `{api_key}`, no expiry). `-` reads the key from stdin so it stays out of shell history and `ps`.
 * Without `--account` the id is `api-key`, or `api-key-2`, `-3`… when taken, so a second key is added,
 * never silently replaced; `--account ID` naming an existing API-key account replaces its key.
 */
import type { AccountStore } from '../store/types.ts'
import { accountName, maskSecret } from './account-format.ts'
import { parseCommand, UsageError } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { accountIdArg, noExtraArgs, providerArg } from './provider-arg.ts'
import { withStore } from './store-access.ts'

export const MAX_KEY_BYTES = 4096

export async function addApiKeyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    db: { type: 'string' },
    account: { type: 'string' },
    label: { type: 'string' },
  })
  if (values.help) {
    console.log(COMMAND_HELP['add-api-key'])
    return 0
  }
  const provider = providerArg(positionals[0], 'add-api-key')
  if (positionals[1] === undefined) {
    throw new UsageError("add-api-key needs the key, or '-' to read it from stdin")
  }
  noExtraArgs(positionals, 2, 'add-api-key')
  const wanted = values.account === undefined ? undefined : accountIdArg(values.account)
  const key = validKey(positionals[1] === '-' ? await readStdin() : positionals[1])

  return await withStore(values.db, { create: true }, (store) => {
    const accounts = store!.accounts
    const accountId = wanted ?? freeId(accounts, provider)
    const existing = accounts.get(provider, accountId)
    if (existing && existing.kind !== 'api_key') {
      console.error(
        `byokey: ${provider} account '${accountId}' holds OAuth credentials; choose another --account or 'byokey logout ${provider} --account ${accountId}' first`,
      )
      return 1
    }
    const acc = accounts.upsert({
      provider,
      accountId,
      kind: 'api_key',
      token: { api_key: key },
      ...(values.label !== undefined ? { label: values.label } : {}),
    })
    const verb = existing ? 'replaced the key of' : 'added'
    console.log(
      `${provider}: ${verb} API key account ${accountName(acc)} (${maskSecret(key)})${acc.active ? ', active' : ''}`,
    )
    if (!acc.active) console.log(`run 'byokey switch ${provider} ${accountId}' to use it`)
    return 0
  })
}

/** Trimmed; empty, too long, or with whitespace inside (a pasting accident) is a usage error. The key is never echoed. */
function validKey(raw: string): string {
  const key = raw.trim()
  if (key === '') throw new UsageError('the API key is empty')
  const bytes = Buffer.byteLength(key)
  if (bytes > MAX_KEY_BYTES)
    throw new UsageError(`the API key is ${bytes} bytes; at most ${MAX_KEY_BYTES} are accepted`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\s\u0000-\u001f\u007f]/.test(key)) {
    throw new UsageError('the API key contains whitespace or control characters; paste only the key')
  }
  return key
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) console.error('Paste the API key, then press Enter and Ctrl-D:')
  return await Bun.stdin.text()
}

function freeId(accounts: AccountStore, provider: string): string {
  for (let n = 1; ; n++) {
    const id = n === 1 ? 'api-key' : `api-key-${n}`
    if (!accounts.get(provider, id)) return id
  }
}
