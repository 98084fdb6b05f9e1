/**
 * `byokey import-codex`: copies Codex CLI's ChatGPT login into byokey. Reads `--file`, else
 * `$CODEX_HOME/auth.json` (default `~/.codex/auth.json`): `{tokens: {access_token, refresh_token,
 * id_token, account_id}}`. The ChatGPT account id comes from the file, else from the id_token's
 * `https://api.openai.com/auth` claim; the expiry from the access token's JWT `exp`. A file in
 * API-key mode (`OPENAI_API_KEY`, no `tokens`) is refused with advice to use `add-api-key`.
 */
import { join, resolve } from 'node:path'
import { chatgptAccountId, jwtPayload } from '../providers/codex/login.ts'
import {
  homeDir,
  ImportError,
  type Imported,
  importArgs,
  isObject,
  nonEmptyString,
  readJsonObject,
  runImport,
} from './import-credentials.ts'
import { accountIdArg } from './provider-arg.ts'

const HINT = "log in with Codex CLI first ('codex login'), or pass --file PATH"

export async function importCodexCommand(argv: string[]): Promise<number> {
  const args = importArgs(argv, 'import-codex')
  if (!args) return 0
  const accountId = accountIdArg(args.account ?? 'codex-cli')
  const path = resolve(args.file ?? join(process.env['CODEX_HOME'] || join(homeDir(), '.codex'), 'auth.json'))
  return await runImport(args.db, () => {
    const json = readJsonObject(path, 'Codex CLI credentials', HINT)
    const imported: Imported = { ...fromCodexAuth(json, path), accountId, label: args.label ?? 'Codex CLI' }
    if (!imported.token['account_id']) {
      console.error(
        `byokey: warning: ${path} names no ChatGPT account id; requests may be refused until you log in again`,
      )
    }
    return imported
  })
}

/** The token byokey stores, from Codex CLI's auth.json. */
export function fromCodexAuth(
  json: Record<string, unknown>,
  source: string,
): Omit<Imported, 'accountId' | 'label'> {
  const tokens = json['tokens']
  if (!isObject(tokens)) {
    if (nonEmptyString(json['OPENAI_API_KEY'])) {
      throw new ImportError(
        `${source} holds an API key, not a ChatGPT login; store the key with 'byokey add-api-key codex -' (paste it on stdin)`,
      )
    }
    throw new ImportError(`${source} has no 'tokens' (not a ChatGPT login); ${HINT}`)
  }
  for (const field of ['access_token', 'refresh_token'] as const) {
    if (!nonEmptyString(tokens[field])) {
      throw new ImportError(`${source}: tokens.${field} is missing or not a string; ${HINT}`)
    }
  }
  const accountId = nonEmptyString(tokens['account_id'])
    ? tokens['account_id']
    : (chatgptAccountId(tokens['id_token']) ?? chatgptAccountId(tokens['access_token']))
  const exp = jwtPayload(tokens['access_token'])?.['exp']
  const expiresAt = typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? exp * 1000 : undefined

  const token: Record<string, unknown> = {
    access_token: tokens['access_token'],
    refresh_token: tokens['refresh_token'],
  }
  if (nonEmptyString(tokens['id_token'])) token['id_token'] = tokens['id_token']
  if (accountId) token['account_id'] = accountId
  return { provider: 'codex', token, source, ...(expiresAt !== undefined ? { expiresAt } : {}) }
}
