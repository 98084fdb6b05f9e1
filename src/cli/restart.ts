/**
 * `byokey restart`: stop, then start again with the options the running server was started
 * with (kept in its pid file), or with the options given here.
 */
import { daemonFiles, startDaemon, stopDaemon } from './daemon.ts'
import { COMMAND_HELP } from './help.ts'
import { readPidFile } from './pid-file.ts'
import { parseServeOptions } from './serve.ts'

export async function restartCommand(argv: string[]): Promise<number> {
  const { values } = parseServeOptions(argv, 'restart')
  if (values.help) {
    console.log(COMMAND_HELP['restart'])
    return 0
  }
  const files = daemonFiles(values.db)
  const given = Object.entries(values).some(([k, v]) => k !== 'db' && k !== 'help' && v !== undefined)
  const previous = readPidFile(files.pidFile)?.args
  if ((await stopDaemon(files)) === 'failed') return 1
  return startDaemon(given || !previous ? argv : previous)
}
