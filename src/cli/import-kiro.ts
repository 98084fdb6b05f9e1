/**
 * `byokey import-kiro`: copies the Kiro IDE's login into byokey (docs/protocols/kiro.md,
 * "Importing Kiro's own login"). Reads `--file`, else `~/.aws/sso/cache/kiro-auth-token.json`:
 * `{accessToken, refreshToken, expiresAt (ISO 8601), authMethod, provider, profileArn?,
 * clientIdHash?}`; a Builder ID login's client (`{clientId, clientSecret}`) comes from
 * `<clientIdHash>.json` beside it. Stored as the token a `byokey login kiro` leaves.
 */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
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

const HINT = "log in with the Kiro IDE first, or pass --file PATH (or use 'byokey login kiro')"

export async function importKiroCommand(argv: string[]): Promise<number> {
  const args = importArgs(argv, 'import-kiro')
  if (!args) return 0
  const accountId = args.account === undefined ? undefined : accountIdArg(args.account)
  const path = args.file
    ? resolve(args.file)
    : join(homeDir(), '.aws', 'sso', 'cache', 'kiro-auth-token.json')
  return await runImport(args.db, () => {
    const imported = fromKiroCache(readJsonObject(path, 'Kiro login', HINT), path)
    if (accountId !== undefined) imported.accountId = accountId
    if (args.label !== undefined) imported.label = args.label
    return imported
  })
}

/** The account byokey stores, from the Kiro IDE's token file (and its client file for Builder ID). */
export function fromKiroCache(json: Record<string, unknown>, source: string): Imported {
  if (!nonEmptyString(json['accessToken']))
    throw new ImportError(`${source}: accessToken is missing; ${HINT}`)
  if (!nonEmptyString(json['refreshToken']))
    throw new ImportError(`${source}: refreshToken is missing; ${HINT}`)
  const social = json['authMethod'] === 'social'
  const idp = nonEmptyString(json['provider']) ? json['provider'] : social ? 'Google' : 'BuilderId'
  const token: Record<string, unknown> = {
    access_token: json['accessToken'],
    refresh_token: json['refreshToken'],
    auth_method: social ? 'social' : 'builder_id',
  }
  if (nonEmptyString(json['profileArn'])) token['profile_arn'] = json['profileArn']
  if (social) token['idp'] = idp
  else {
    // Builder ID refreshes need the client the IDE registered, kept in a file named by its hash
    const hash = json['clientIdHash']
    const clientFile = nonEmptyString(hash) ? join(dirname(source), `${hash}.json`) : undefined
    if (!clientFile || !existsSync(clientFile)) {
      throw new ImportError(`${source}: a Builder ID login without its client file (clientIdHash); ${HINT}`)
    }
    const client = readJsonObject(clientFile, 'Kiro client registration', HINT)
    if (!nonEmptyString(client['clientId']) || !nonEmptyString(client['clientSecret'])) {
      throw new ImportError(`${clientFile}: clientId or clientSecret is missing`)
    }
    token['client_id'] = client['clientId']
    token['client_secret'] = client['clientSecret']
  }
  const out: Imported = {
    provider: 'kiro',
    accountId: social ? String(idp).toLowerCase() : 'builder-id',
    label: social ? `Kiro (${idp})` : 'AWS Builder ID',
    token,
    source,
  }
  const at = typeof json['expiresAt'] === 'string' ? Date.parse(json['expiresAt']) : Number.NaN
  if (Number.isFinite(at)) {
    out.expiresAt = at
    token['expires_at'] = Math.floor(at / 1000)
  }
  return out
}
