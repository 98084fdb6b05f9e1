/** What the import commands (`import-claude-code`, `import-codex`, `import-gemini-cli`) share: reading a CLI's credentials file and storing it as an OAuth account. */
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import type { Store } from '../store/types.ts'
import { accountName, describeExpiry } from './account-format.ts'
import { parseCommand } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { noExtraArgs } from './provider-arg.ts'
import { withStore } from './store-access.ts'

/** A problem with the credentials being imported: printed as is, exit 1. */
export class ImportError extends Error {}

export function homeDir(): string {
  return process.env['HOME'] || homedir()
}

/** The file parsed as a JSON object, or an `ImportError` saying what is wrong (never quoting the content). */
export function readJsonObject(path: string, what: string, hint: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ImportError(`${what} not found at ${path}; ${hint}`)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new ImportError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  return parseJsonObject(text, `${path} is not valid ${what}`)
}

export function parseJsonObject(text: string, problem: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ImportError(`${problem}: not JSON`)
  }
  if (!isObject(parsed)) throw new ImportError(`${problem}: expected a JSON object`)
  return parsed
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== ''
}

export interface Imported {
  provider: string
  accountId: string
  label: string
  token: Record<string, unknown>
  expiresAt?: number
  /** Where the credentials came from, for the message. */
  source: string
}

/** Upserts the account (re-importing refreshes it); refuses to turn an API-key account into an OAuth one. */
export function storeImported(store: Store, imp: Imported): number {
  const existing = store.accounts.get(imp.provider, imp.accountId)
  if (existing && existing.kind !== 'oauth') {
    console.error(
      `byokey: ${imp.provider} account '${imp.accountId}' holds an API key; choose another --account or 'byokey logout ${imp.provider} --account ${imp.accountId}' first`,
    )
    return 1
  }
  const acc = store.accounts.upsert({
    provider: imp.provider,
    accountId: imp.accountId,
    label: imp.label,
    kind: 'oauth',
    token: imp.token,
    ...(imp.expiresAt !== undefined ? { expiresAt: imp.expiresAt } : {}),
  })
  const expiry = describeExpiry(acc.expiresAt)
  console.log(
    `${imp.provider}: ${existing ? 'updated' : 'imported'} account ${accountName(acc)} from ${imp.source}${expiry ? ` (access token ${expiry})` : ''}${acc.active ? ', active' : ''}`,
  )
  if (acc.expiresAt !== undefined && acc.expiresAt <= Date.now()) {
    console.log(
      imp.token['refresh_token']
        ? 'the access token has already expired; the imported refresh token can renew it'
        : 'the access token has expired and there is no refresh token; log in again with the original CLI and re-import',
    )
  }
  if (!acc.active) console.log(`run 'byokey switch ${imp.provider} ${imp.accountId}' to use it`)
  return 0
}

/** The options an import command takes. */
export interface ImportArgs {
  db?: string | undefined
  account?: string | undefined
  label?: string | undefined
  file?: string | undefined
}

/** Parses an import command's options; undefined when it printed the command's help instead. */
export function importArgs(argv: string[], command: string): ImportArgs | undefined {
  const { values, positionals } = parseCommand(argv, {
    db: { type: 'string' },
    account: { type: 'string' },
    label: { type: 'string' },
    file: { type: 'string' },
  })
  if (values.help) {
    console.log(COMMAND_HELP[command])
    return undefined
  }
  noExtraArgs(positionals, 0, command)
  return values
}

/** Stores what `read` finds; an `ImportError` is printed and exits 1. */
export async function runImport(
  db: string | undefined,
  read: () => Imported | Promise<Imported>,
): Promise<number> {
  let imported: Imported
  try {
    imported = await read()
  } catch (e) {
    if (!(e instanceof ImportError)) throw e
    console.error(`byokey: ${e.message}`)
    return 1
  }
  return await withStore(db, { create: true }, (store) => storeImported(store!, imported))
}
