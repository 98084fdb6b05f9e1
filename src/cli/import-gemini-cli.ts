/**
 * `byokey import-gemini-cli`: copies Gemini CLI's Google login into byokey as a gemini account.
 * Reads `--file`, else `~/.gemini/oauth_creds.json`: `{access_token, refresh_token, scope,
 * token_type, id_token, expiry_date (unix ms)}` (docs/protocols/gemini-code-assist.md, "Importing
 * Gemini CLI's login"). The login belongs to the same OAuth app byokey's gemini login uses, so its
 * refresh token renews it. The account is named by the id token's email (else `gemini-cli`); the
 * Code Assist project is found on the first request, as after a login without one.
 */
import { join, resolve } from 'node:path'
import { jwtPayload } from '../providers/codex/login.ts'
import type { GoogleToken } from '../providers/shared/google-oauth.ts'
import {
  homeDir,
  ImportError,
  type Imported,
  importArgs,
  nonEmptyString,
  readJsonObject,
  runImport,
} from './import-credentials.ts'
import { accountIdArg } from './provider-arg.ts'

const HINT = "log in with Gemini CLI first ('gemini', then 'Login with Google'), or pass --file PATH"

export async function importGeminiCliCommand(argv: string[]): Promise<number> {
  const args = importArgs(argv, 'import-gemini-cli')
  if (!args) return 0
  const path = resolve(args.file ?? join(homeDir(), '.gemini', 'oauth_creds.json'))
  return await runImport(args.db, () => {
    const found = fromGeminiCreds(readJsonObject(path, 'Gemini CLI credentials', HINT), path)
    const email = typeof found.token['email'] === 'string' ? found.token['email'] : undefined
    return {
      ...found,
      accountId: accountIdArg(args.account ?? email ?? 'gemini-cli'),
      label: args.label ?? 'Gemini CLI',
    }
  })
}

/** The token byokey stores (`GoogleToken`), from Gemini CLI's oauth_creds.json. */
export function fromGeminiCreds(
  json: Record<string, unknown>,
  source: string,
): Omit<Imported, 'accountId' | 'label'> {
  for (const field of ['access_token', 'refresh_token'] as const) {
    if (!nonEmptyString(json[field])) {
      throw new ImportError(`${source}: ${field} is missing or not a string (not a Google login); ${HINT}`)
    }
  }
  const token: GoogleToken = {
    access_token: json['access_token'] as string,
    refresh_token: json['refresh_token'] as string,
  }
  const expiry = json['expiry_date']
  const expiresAt = typeof expiry === 'number' && Number.isFinite(expiry) && expiry > 0 ? expiry : undefined
  if (expiresAt !== undefined) token.expires_at = Math.floor(expiresAt / 1000)
  if (nonEmptyString(json['token_type'])) token.token_type = json['token_type']
  if (nonEmptyString(json['scope'])) token.scope = json['scope']
  const email = jwtPayload(json['id_token'])?.['email']
  if (nonEmptyString(email)) token.email = email
  return {
    provider: 'gemini',
    token: token as unknown as Record<string, unknown>,
    source,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  }
}
