/** `byokey start`: `serve` in the background, logging to a file, once it answers `/readyz`. */
import { startDaemon } from './daemon.ts'
import { COMMAND_HELP } from './help.ts'
import { parseServeOptions } from './serve.ts'

export async function startCommand(argv: string[]): Promise<number> {
  if (parseServeOptions(argv, 'start').values.help) {
    console.log(COMMAND_HELP['start'])
    return 0
  }
  return startDaemon(argv)
}
