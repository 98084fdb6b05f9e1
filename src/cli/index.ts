/** The command line: dispatches to commands; exit codes 0 ok, 1 runtime error, 2 usage error. */
import { UsageError } from './args.ts'
import { COMMAND_HELP, MAIN_HELP } from './help.ts'
import { VERSION } from './version.ts'

type Command = (argv: string[]) => Promise<number>

/**
 * Each command's module is loaded when it runs, so a command pays only for its own code: with
 * every command imported here, `serve` evaluated the login flows, the service installer and the
 * completions, and `status` the whole server.
 */
const COMMANDS: Record<string, Command> = {
  serve: (argv) => import('./serve.ts').then((m) => m.serveCommand(argv)),
  start: (argv) => import('./start.ts').then((m) => m.startCommand(argv)),
  stop: (argv) => import('./stop.ts').then((m) => m.stopCommand(argv)),
  restart: (argv) => import('./restart.ts').then((m) => m.restartCommand(argv)),
  reload: (argv) => import('./reload.ts').then((m) => m.reloadCommand(argv)),
  status: (argv) => import('./status.ts').then((m) => m.statusCommand(argv)),
  accounts: (argv) => import('./accounts.ts').then((m) => m.accountsCommand(argv)),
  login: (argv) => import('./login.ts').then((m) => m.loginCommand(argv)),
  switch: (argv) => import('./switch.ts').then((m) => m.switchCommand(argv)),
  logout: (argv) => import('./logout.ts').then((m) => m.logoutCommand(argv)),
  'add-api-key': (argv) => import('./add-api-key.ts').then((m) => m.addApiKeyCommand(argv)),
  'admin-key': (argv) => import('./admin-key.ts').then((m) => m.adminKeyCommand(argv)),
  'import-claude-code': (argv) =>
    import('./import-claude-code.ts').then((m) => m.importClaudeCodeCommand(argv)),
  'import-codex': (argv) => import('./import-codex.ts').then((m) => m.importCodexCommand(argv)),
  amp: (argv) => import('./amp.ts').then((m) => m.ampCommand(argv)),
  'import-gemini-cli': (argv) => import('./import-gemini-cli.ts').then((m) => m.importGeminiCliCommand(argv)),
  'import-kiro': (argv) => import('./import-kiro.ts').then((m) => m.importKiroCommand(argv)),
  keys: (argv) => import('./keys.ts').then((m) => m.keysCommand(argv)),
  secrets: (argv) => import('./secrets.ts').then((m) => m.secretsCommand(argv)),
  migrate: (argv) => import('./migrate.ts').then((m) => m.migrateCommand(argv)),
  config: (argv) => import('./config-check.ts').then((m) => m.configCommand(argv)),
  openapi: (argv) => import('./openapi.ts').then((m) => m.openapiCommand(argv)),
  doctor: (argv) => import('./doctor.ts').then((m) => m.doctorCommand(argv)),
  completions: (argv) =>
    import('./completions/command.ts').then((m) => m.completionsCommand(argv, Object.keys(COMMANDS))),
  service: (argv) => import('./service.ts').then((m) => m.serviceCommand(argv)),
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
