/**
 * `byokey migrate --to postgres://…`: copies the SQLite database (accounts with their tokens as
 * stored, gateway and admin keys, cooldowns, quotas, usage) into PostgreSQL, after bringing
 * PostgreSQL's schema up to date. Prints per table the rows in SQLite, copied, already there and
 * both checksums; exit 1 when a table's checksums differ. The URL's password is never printed.
 */
import { Database } from 'bun:sqlite'
import { existsSync } from 'node:fs'
import { SQL } from 'bun'
import { maskSecrets, redactUrlCredentials } from '../log.ts'
import { copyToPostgres, type TableCopy } from '../store/copy/copy-to-postgres.ts'
import { redactedDatabaseUrl } from '../store/database-url.ts'
import { migratePostgres } from '../store/postgres/migrations.ts'
import { migrate as migrateSqlite } from '../store/sqlite/migrations.ts'
import { intFlag, parseCommand, UsageError } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { noExtraArgs } from './provider-arg.ts'
import { dbPath } from './store-access.ts'

/** The environment variable a PostgreSQL URL may come from instead of `--to` (kept out of `ps`). */
const URL_ENV = 'BYOKEY_DATABASE_URL'

export async function migrateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    to: { type: 'string' },
    db: { type: 'string' },
    'dry-run': { type: 'boolean' },
    batch: { type: 'string' },
    json: { type: 'boolean' },
  })
  if (values.help) {
    console.log(COMMAND_HELP['migrate'])
    return 0
  }
  noExtraArgs(positionals, 0, 'migrate')
  const url = values.to ?? process.env[URL_ENV]
  if (!url) throw new UsageError(`migrate needs --to postgres://… (or ${URL_ENV})`)
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new UsageError(`--to takes a postgres:// URL (got '${url.split('@').pop()}')`)
  }
  const batch = intFlag('batch', values.batch, 1, 10_000) ?? 1000
  const dryRun = values['dry-run'] === true
  const file = dbPath(values.db)
  if (!existsSync(file)) {
    console.error(`byokey migrate: no database at ${file}`)
    return 1
  }
  const secrets = urlSecrets(url)
  const shown = redactedDatabaseUrl(url)
  const say = (line: string) => {
    if (!values.json) console.log(line)
  }

  const db = new Database(file, { strict: true })
  const pg = new SQL({ url, max: 2, connectionTimeout: 10 })
  try {
    db.exec('PRAGMA busy_timeout = 5000')
    // a file of an older byokey gets its columns first, as the server would on open
    migrateSqlite(db)
    say(`${dryRun ? 'checking (dry run)' : 'copying'} ${file} → ${shown}`)
    // a dry run writes nothing, its schema included: tables not made yet count as empty
    if (!dryRun) say(`PostgreSQL schema at version ${await migratePostgres(pg)}`)
    say(header())
    const tables = await copyToPostgres(db, pg, { batch, dryRun, onTable: (t) => say(line(t)) })
    const bad = tables.filter((t) => !t.match)
    if (values.json) console.log(JSON.stringify({ target: shown, dry_run: dryRun, tables }, null, 2))
    if (bad.length === 0) say(`all ${tables.length} tables match`)
    else {
      console.error(
        `byokey migrate: checksums differ for ${bad.map((t) => t.table).join(', ')}: PostgreSQL holds other rows under the same keys, or lacks some (another row took their place)`,
      )
    }
    return bad.length === 0 ? 0 : 1
  } catch (e) {
    console.error(
      `byokey migrate: ${redactUrlCredentials(maskSecrets((e as Error).message ?? String(e), secrets))}`,
    )
    return 1
  } finally {
    await pg.close()
    db.close()
  }
}

/** The URL's password, as written and decoded, for masking in error texts. */
function urlSecrets(url: string): string[] {
  let password = ''
  try {
    password = new URL(url).password
  } catch {
    return []
  }
  if (!password) return []
  try {
    return [password, decodeURIComponent(password)]
  } catch {
    return [password]
  }
}

const COLUMNS = ['table', 'sqlite', 'copied', 'already', 'checksum sqlite', 'checksum postgres', '']

function header(): string {
  return row(COLUMNS)
}

function line(t: TableCopy): string {
  return row([
    t.table,
    String(t.sqliteRows),
    String(t.copied),
    String(t.already),
    t.sqliteChecksum.slice(0, 16),
    t.postgresChecksum.slice(0, 16),
    t.match ? 'ok' : 'MISMATCH',
  ])
}

function row(cells: string[]): string {
  const widths = [18, 8, 8, 8, 17, 18, 0]
  return cells
    .map((c, i) => (i === 0 || i >= 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]! - 1).padEnd(widths[i]!)))
    .join('')
    .trimEnd()
}
