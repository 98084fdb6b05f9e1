/** `byokey reload`: asks the running server to re-read its config now. */
import { resolve } from 'node:path'
import { resolvePaths } from '../config/paths.ts'
import { callControl } from '../server/control.ts'
import { parseCommand, UsageError } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { socketFor } from './serve.ts'

export async function reloadCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { db: { type: 'string' } })
  if (values.help) {
    console.log(COMMAND_HELP['reload'])
    return 0
  }
  if (positionals.length > 0)
    throw new UsageError(`reload takes no arguments (got '${positionals.join(' ')}')`)
  const socket = socketFor(resolve(values.db ?? resolvePaths().dbFile))
  const res = await callControl(socket, 'reload')
  if (!res) {
    console.error(`byokey: no running server answers on ${socket}`)
    return 1
  }
  const { changed, version, error } = res.body as { changed: boolean; version: number; error?: string }
  if (error) {
    console.error(`byokey: reload rejected, previous config stays live: ${error}`)
    return 1
  }
  console.log(
    changed ? `configuration reloaded (version ${version})` : `configuration unchanged (version ${version})`,
  )
  return 0
}
