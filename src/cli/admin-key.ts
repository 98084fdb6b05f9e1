/**
 * `byokey admin-key create|list|revoke`: keys of the management API and the dashboard. `create`
 * prints the key once; the database keeps only its hash, so a lost key is revoked and replaced.
 */
import { formatDuration } from './account-format.ts'
import { parseCommand, UsageError } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { noExtraArgs } from './provider-arg.ts'
import { withStore } from './store-access.ts'

export async function adminKeyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    db: { type: 'string' },
    name: { type: 'string' },
    json: { type: 'boolean' },
  })
  if (values.help) {
    console.log(COMMAND_HELP['admin-key'])
    return 0
  }
  const [action, target] = positionals
  if (action === 'create') {
    noExtraArgs(positionals, 1, 'admin-key create')
    const name = values.name ?? 'admin'
    return await withStore(values.db, { create: true }, (store) => {
      const { key, info } = store!.adminKeys.create(name)
      console.log(key)
      console.error(
        `admin key '${info.name}' (${info.id}) created; it is shown only now, keep it somewhere safe`,
      )
      return 0
    })
  }
  if (action === 'list') {
    noExtraArgs(positionals, 1, 'admin-key list')
    const keys = await withStore(values.db, { create: false }, (store) => store?.adminKeys.list() ?? [])
    if (values.json) {
      console.log(JSON.stringify(keys, null, 2))
      return 0
    }
    if (keys.length === 0) console.log("no admin keys; run 'byokey admin-key create'")
    const now = Date.now()
    for (const k of keys) {
      const used =
        k.lastUsedAt === undefined ? 'never used' : `used ${formatDuration(now - k.lastUsedAt)} ago`
      console.log(`  ${k.id}  ${k.name}  …${k.hint}  ${used}`)
    }
    return 0
  }
  if (action === 'revoke') {
    if (target === undefined) throw new UsageError('admin-key revoke needs the id or name of a key')
    noExtraArgs(positionals, 2, 'admin-key revoke')
    const gone = await withStore(
      values.db,
      { create: false },
      (store) => store?.adminKeys.revoke(target) ?? false,
    )
    if (!gone) {
      console.error(`byokey: no admin key '${target}'`)
      return 1
    }
    console.log(`admin key '${target}' revoked`)
    return 0
  }
  throw new UsageError(
    action === undefined
      ? 'admin-key needs an action: create, list or revoke'
      : `unknown action '${action}'; use create, list or revoke`,
  )
}
