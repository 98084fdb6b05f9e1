/** The command line: dispatches to commands; exit codes 0 ok, 1 runtime error, 2 usage error. */
import { accountsCommand } from './accounts.ts'
import { addApiKeyCommand } from './add-api-key.ts'
import { adminKeyCommand } from './admin-key.ts'
import { ampCommand } from './amp.ts'
import { UsageError } from './args.ts'
import { completionsCommand } from './completions/command.ts'
import { configCommand } from './config-check.ts'
import { doctorCommand } from './doctor.ts'
import { COMMAND_HELP, MAIN_HELP } from './help.ts'
import { importClaudeCodeCommand } from './import-claude-code.ts'
import { importCodexCommand } from './import-codex.ts'
import { importGeminiCliCommand } from './import-gemini-cli.ts'
import { importKiroCommand } from './import-kiro.ts'
import { keysCommand } from './keys.ts'
import { loginCommand } from './login.ts'
import { logoutCommand } from './logout.ts'
import { openapiCommand } from './openapi.ts'
import { reloadCommand } from './reload.ts'
import { restartCommand } from './restart.ts'
import { serveCommand } from './serve.ts'
import { serviceCommand } from './service.ts'
import { startCommand } from './start.ts'
import { statusCommand } from './status.ts'
import { stopCommand } from './stop.ts'
import { switchCommand } from './switch.ts'
import { VERSION } from './version.ts'

type Command = (argv: string[]) => Promise<number>

const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  start: startCommand,
  stop: stopCommand,
  restart: restartCommand,
  reload: reloadCommand,
  status: statusCommand,
  accounts: accountsCommand,
  login: loginCommand,
  switch: switchCommand,
  logout: logoutCommand,
  'add-api-key': addApiKeyCommand,
  'admin-key': adminKeyCommand,
  'import-claude-code': importClaudeCodeCommand,
  'import-codex': importCodexCommand,
  amp: ampCommand,
  'import-gemini-cli': importGeminiCliCommand,
  'import-kiro': importKiroCommand,
  keys: keysCommand,
  config: configCommand,
  openapi: openapiCommand,
  doctor: doctorCommand,
  completions: (argv) => completionsCommand(argv, Object.keys(COMMANDS)),
  service: (argv) => serviceCommand(argv),
  version: async (argv) => {
    if (argv.includes('--help') || argv.includes('-h')) console.log(COMMAND_HELP['version'])
    else console.log(VERSION)
    return 0
  },
}

export async function runCli(argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined
    console.log(topic && Object.hasOwn(COMMAND_HELP, topic) ? COMMAND_HELP[topic] : MAIN_HELP)
    return 0
  }
  if (first === '--version' || first === '-V') {
    console.log(VERSION)
    return 0
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined
  if (!command) {
    console.error(`byokey: unknown command '${first}'. Run 'byokey --help' for the list.`)
    return 2
  }
  try {
    return await command(rest)
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`byokey ${first}: ${e.message}\nRun 'byokey ${first} --help' for usage.`)
      return 2
    }
    console.error(`byokey ${first}: ${(e as Error).stack ?? String(e)}`)
    return 1
  }
}
