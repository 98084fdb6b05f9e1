/**
 * `byokey import-claude-code`: copies Claude Code's OAuth login into byokey. Reads `--file`, else on
 * macOS the keychain item `Claude Code-credentials` (when `security` exists), else
 * `$CLAUDE_CONFIG_DIR/.credentials.json` or `~/.claude/.credentials.json`:
 * `{claudeAiOauth: {accessToken, refreshToken, expiresAt (ms)}}` → token `{access_token, refresh_token, expires_at (s)}`.
 */
import { join, resolve } from 'node:path'
import {
  homeDir,
  ImportError,
  type Imported,
  importArgs,
  isObject,
  nonEmptyString,
  parseJsonObject,
  readJsonObject,
  runImport,
} from './import-credentials.ts'
import { accountIdArg } from './provider-arg.ts'

const KEYCHAIN_SERVICE = 'Claude Code-credentials'
const HINT = "log in with Claude Code first ('claude', then /login), or pass --file PATH"

export async function importClaudeCodeCommand(argv: string[]): Promise<number> {
  const args = importArgs(argv, 'import-claude-code')
  if (!args) return 0
  const accountId = accountIdArg(args.account ?? 'claude-code')
  return await runImport(args.db, async () => {
    const { json, source } = await readCredentials(args.file)
    return { ...fromClaudeCredentials(json, source), accountId, label: args.label ?? 'Claude Code' }
  })
}

async function readCredentials(
  file: string | undefined,
): Promise<{ json: Record<string, unknown>; source: string }> {
  if (file !== undefined) {
    const path = resolve(file)
    return { json: readJsonObject(path, 'Claude Code credentials', HINT), source: path }
  }
  const fromKeychain = await readKeychain()
  if (fromKeychain) return { json: fromKeychain, source: `the macOS keychain (${KEYCHAIN_SERVICE})` }
  const dir = process.env['CLAUDE_CONFIG_DIR'] || join(homeDir(), '.claude')
  const path = join(dir, '.credentials.json')
  return { json: readJsonObject(path, 'Claude Code credentials', HINT), source: path }
}

/** The keychain item on macOS; undefined elsewhere, when `security` is missing, or when there is no item (exit 44). */
async function readKeychain(): Promise<Record<string, unknown> | undefined> {
  if (process.platform !== 'darwin') return undefined
  const security = Bun.which('security')
  if (!security) return undefined
  const user = process.env['USER'] || process.env['LOGNAME'] || ''
  const proc = Bun.spawn(
    [security, 'find-generic-password', '-s', KEYCHAIN_SERVICE, ...(user ? ['-a', user] : []), '-w'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    },
  )
  const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
  if (code !== 0 || text.trim() === '') return undefined
  return parseJsonObject(
    text.trim(),
    `the keychain item '${KEYCHAIN_SERVICE}' is not valid Claude Code credentials`,
  )
}

/** The token byokey stores, from Claude Code's credentials JSON. */
export function fromClaudeCredentials(
  json: Record<string, unknown>,
  source: string,
): Omit<Imported, 'accountId' | 'label'> {
  const oauth = json['claudeAiOauth']
  if (!isObject(oauth)) {
    throw new ImportError(
      `${source} has no 'claudeAiOauth' login (Claude Code may be using an API key); ${HINT}`,
    )
  }
  if (!nonEmptyString(oauth['accessToken'])) {
    throw new ImportError(`${source}: claudeAiOauth.accessToken is missing or not a string`)
  }
  if (oauth['refreshToken'] !== undefined && !nonEmptyString(oauth['refreshToken'])) {
    throw new ImportError(`${source}: claudeAiOauth.refreshToken is not a string`)
  }
  const expiresMs = oauth['expiresAt']
  if (
    expiresMs !== undefined &&
    (typeof expiresMs !== 'number' || !Number.isFinite(expiresMs) || expiresMs <= 0)
  ) {
    throw new ImportError(`${source}: claudeAiOauth.expiresAt is not a time in milliseconds`)
  }
  const token: Record<string, unknown> = { access_token: oauth['accessToken'] }
  if (oauth['refreshToken'] !== undefined) token['refresh_token'] = oauth['refreshToken']
  if (expiresMs !== undefined) token['expires_at'] = Math.floor(expiresMs / 1000)
  return {
    provider: 'claude',
    token,
    source,
    ...(expiresMs !== undefined ? { expiresAt: expiresMs } : {}),
  }
}
