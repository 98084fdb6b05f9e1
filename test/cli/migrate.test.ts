/** `byokey migrate --to postgres://…` against a real PostgreSQL: copy, verify, run again, detect a change. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { SQL } from 'bun'
import type { TableCopy } from '../../src/store/copy/copy-to-postgres.ts'
import { openPostgresStore } from '../../src/store/postgres/index.ts'
import { migratePostgres } from '../../src/store/postgres/migrations.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { keyringFromEnv } from '../../src/store/token-seal.ts'
import type { Store, UsageDimension, UsageReport } from '../../src/store/types.ts'
import { expectNoSecret, runCli, serveRefusal, startServer } from '../helpers/process.ts'
import { hasPostgres, type PostgresServer, requireServers, startPostgres } from '../helpers/servers.ts'
import { type TempDir, tempDir } from '../helpers/tmp.ts'
import { usageRow } from '../helpers/usage-row.ts'

requireServers({ postgres: true })

const PASSWORD = 'Pg-Passw0rd-NEVER-SHOWN'
const SECRET_KEY = randomBytes(32).toString('base64')
const USAGE_ROWS = 10_000
const TOKEN = { access_token: 'sk-ant-oat01-MIGRATEDACCESS', refresh_token: 'sk-ant-ort01-MIGRATEDREFRESH' }
const keyring = () => keyringFromEnv('BYOKEY_SECRET_KEY', { BYOKEY_SECRET_KEY: SECRET_KEY })

/**
 * A report with its USD sums to the nano-dollar: PostgreSQL's SUM of doubles adds in another
 * order than SQLite's (compensated) one, which moves the 13th significant digit.
 */
function roundCost(r: UsageReport): UsageReport {
  const round = <T extends { cost_usd: number }>(x: T): T => ({
    ...x,
    cost_usd: Math.round(x.cost_usd * 1e9) / 1e9,
  })
  return { rows: r.rows.map(round), totals: round(r.totals) }
}

/** A URL with a password (the test server trusts 127.0.0.1, so any password is accepted). */
const withPassword = (url: string) => url.replace('postgres://byokey@', `postgres://byokey:${PASSWORD}@`)

async function migrateCli(dir: TempDir, args: string[]) {
  const r = await runCli(['migrate', '--db', dir.join('byokey.db'), ...args], {
    BYOKEY_HOME: dir.path,
    HOME: dir.path,
    BYOKEY_SECRET_KEY: '',
    BYOKEY_DATABASE_URL: '',
  })
  expectNoSecret(r, PASSWORD)
  return r
}

const tables = (stdout: string) =>
  Object.fromEntries((JSON.parse(stdout) as { tables: TableCopy[] }).tables.map((t) => [t.table, t]))

/** A SQLite database with two accounts (tokens sealed), keys, an admin key, a cooldown, a quota and (10k) usage rows. */
async function seed(dir: TempDir, usageRows = USAGE_ROWS): Promise<Store> {
  const store = openSqliteStore(dir.join('byokey.db'), {
    keyring: keyring(),
  })
  store.accounts.upsert({
    provider: 'claude',
    accountId: 'ada@example.com',
    kind: 'oauth',
    token: TOKEN,
    expiresAt: 1_900_000_000_000,
  })
  store.accounts.upsert({
    provider: 'codex',
    accountId: 'api-key',
    kind: 'api_key',
    token: { api_key: 'sk-proj-K' },
  })
  const kept = store.keys.create({ name: 'laptop', models: ['claude-*'], rpm: 60, budgetUsd: 12.5 })
  const gone = store.keys.create({ name: 'old' })
  store.keys.revoke(gone.key.id)
  store.adminKeys.create('ops')
  store.cooldowns.put({
    provider: 'claude',
    account: 'ada@example.com',
    untilMs: 1_800_000_000_000,
    reason: 'rate_limit',
    failures: 2,
  })
  store.quotas.save({
    provider: 'codex',
    account: 'api-key',
    observedAt: 1_700_000_000_000,
    quota: { windows: [{ name: 'requests', limit: 100, remaining: 42 }] },
  })
  const start = Date.UTC(2026, 10, 1)
  for (let i = 0; i < usageRows; i++) {
    store.usage.record(
      usageRow({
        ts: start + i * 60_000,
        provider: i % 3 === 0 ? 'codex' : 'claude',
        model: i % 3 === 0 ? 'gpt-5' : 'claude-sonnet-4-5',
        account: i % 3 === 0 ? 'api-key' : 'ada@example.com',
        inputTokens: 100 + (i % 17),
        outputTokens: 20 + (i % 5),
        latencyMs: 10 + (i % 90),
        status: i % 50 === 0 ? 429 : 200,
        ...(i % 2 === 0 ? { keyId: kept.key.id } : {}),
        ...(i % 7 === 0
          ? {}
          : { cost: { input: 1e-4, output: 2e-4, cacheRead: 0, cacheWrite: 0, reasoning: 0, total: 3e-4 } }),
      }),
    )
  }
  await store.usage.flush()
  return store
}

describe.skipIf(!hasPostgres)('byokey migrate', () => {
  let pg: PostgresServer
  let n = 0
  const database = async () => withPassword(await pg.createDatabase(`migrate_${++n}`))

  beforeAll(async () => {
    pg = await startPostgres()
  })
  afterAll(async () => {
    await pg?.[Symbol.asyncDispose]()
  })

  test('copies every table, verified by checksums; a second run copies nothing; a changed row is a mismatch', async () => {
    using dir = tempDir()
    const sqlite = await seed(dir)
    const url = await database()

    const first = await migrateCli(dir, ['--to', url, '--json', '--batch', '700'])
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    const copied = tables(first.stdout)
    expect(Object.keys(copied)).toEqual([
      'accounts',
      'gateway_keys',
      'admin_keys',
      'account_cooldowns',
      'account_quotas',
      'usage_records',
    ])
    const expected = {
      accounts: 2,
      gateway_keys: 2,
      admin_keys: 1,
      account_cooldowns: 1,
      account_quotas: 1,
      usage_records: USAGE_ROWS,
    }
    for (const [table, rows] of Object.entries(expected)) {
      expect(copied[table]).toMatchObject({ sqliteRows: rows, copied: rows, already: 0, match: true })
      expect(copied[table]!.postgresChecksum).toBe(copied[table]!.sqliteChecksum)
    }

    // what PostgreSQL holds, read with its own client: tokens as stored (sealed), every usage row
    const direct = new SQL(url)
    try {
      const tokens = (await direct`SELECT token_json FROM accounts`) as { token_json: string }[]
      expect(tokens.map((t) => t.token_json.startsWith('enc:v1:'))).toEqual([true, true])
      const [usage] =
        (await direct`SELECT COUNT(*)::int AS n, SUM(input_tokens)::int AS input FROM usage_records`) as {
          n: number
          input: number
        }[]
      const report = await sqlite.usage.report({ fromMs: 0, toMs: Date.UTC(2027, 0, 1), groupBy: [] })
      expect(usage).toEqual({ n: USAGE_ROWS, input: report.totals.input_tokens })
      // the id sequence was moved past the copied ids: a new row does not collide
      const [next] =
        (await direct`INSERT INTO usage_records (ts, provider, model, dialect, status, latency_ms)
        VALUES (1, 'p', 'm', 'openai-chat', 200, 1) RETURNING id`) as { id: string }[]
      expect(Number(next!.id)).toBeGreaterThan(USAGE_ROWS)
      await direct`DELETE FROM usage_records WHERE id = ${next!.id}`
    } finally {
      await direct.close()
    }

    // the product, opened on PostgreSQL with the same key, sees what it saw on SQLite
    const onPg = await openPostgresStore(url, { keyring: keyring() })
    try {
      expect(onPg.accounts.list()).toEqual(sqlite.accounts.list())
      expect(onPg.accounts.get('claude', 'ada@example.com')?.token).toEqual(TOKEN)
      expect(onPg.keys.list()).toEqual(sqlite.keys.list())
      expect(onPg.keys.digests()).toEqual(sqlite.keys.digests())
      expect(onPg.adminKeys.list()).toEqual(sqlite.adminKeys.list())
      expect(onPg.cooldowns.list()).toEqual(sqlite.cooldowns.list())
      expect(onPg.quotas.list()).toEqual(sqlite.quotas.list())
      for (const groupBy of [[], ['day', 'model'], ['key'], ['provider', 'account']] as UsageDimension[][]) {
        const q = { fromMs: 0, toMs: Date.UTC(2027, 0, 1), groupBy }
        expect(roundCost(await onPg.usage.report(q))).toEqual(roundCost(await sqlite.usage.report(q)))
      }
      expect(await onPg.usage.recent(50)).toEqual(await sqlite.usage.recent(50))
    } finally {
      await onPg.close()
    }

    // the text output says the same, without the password
    const again = await migrateCli(dir, ['--to', url])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain(`postgres://byokey:redacted@127.0.0.1:${pg.port}/migrate_${n}`)
    expect(again.stdout).toMatch(
      new RegExp(
        `^usage_records\\s+${USAGE_ROWS}\\s+0\\s+${USAGE_ROWS}\\s+[0-9a-f]{16}\\s+[0-9a-f]{16}\\s+ok$`,
        'm',
      ),
    )
    expect(again.stdout).toContain('all 6 tables match')

    // a row changed on one side after the copy is found, and only its table differs
    const change = new SQL(url)
    await change`UPDATE usage_records SET output_tokens = output_tokens + 1 WHERE id = 1234`
    await change.close()
    const changed = await migrateCli(dir, ['--to', url, '--json'])
    expect(changed.code).toBe(1)
    expect(changed.stderr).toContain('checksums differ for usage_records')
    const after = tables(changed.stdout)
    expect(after['usage_records']).toMatchObject({ copied: 0, already: USAGE_ROWS, match: false })
    expect(after['usage_records']!.postgresChecksum).not.toBe(after['usage_records']!.sqliteChecksum)
    expect(after['accounts']!.match).toBe(true)
    await sqlite.close()
    // 10k rows copied, read back and summed three times, with four processes: slow on a loaded machine
  }, 90_000)

  test('after the move, byokey secrets rotates the keys on PostgreSQL, with commands reading it through BYOKEY_DATABASE_URL', async () => {
    using dir = tempDir()
    const sqlite = await seed(dir, 100)
    await sqlite.close()
    const url = await database()
    expect((await migrateCli(dir, ['--to', url])).code).toBe(0)
    const newKey = randomBytes(32).toString('hex')
    const env = {
      BYOKEY_HOME: dir.path,
      HOME: dir.path,
      BYOKEY_DATABASE_URL: url,
      BYOKEY_SECRET_KEY: newKey,
      BYOKEY_SECRET_KEY_PREVIOUS: SECRET_KEY,
    }
    const rotated = await runCli(['secrets', 'rotate'], env)
    expect(rotated.stderr).toBe('')
    expect(rotated.code).toBe(0)
    expect(rotated.stdout).toContain('2 account tokens encrypted with key')
    expectNoSecret(rotated, PASSWORD)
    const listed = await runCli(['accounts', 'claude'], { ...env, BYOKEY_SECRET_KEY_PREVIOUS: '' })
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain('ada@example.com')
    // the old key alone no longer opens them
    const old = await runCli(['accounts', 'claude'], {
      ...env,
      BYOKEY_SECRET_KEY: SECRET_KEY,
      BYOKEY_SECRET_KEY_PREVIOUS: '',
    })
    expect(old.code).toBe(1)
    expect(old.stderr).toContain('2 of 2 account tokens cannot be read')
    expectNoSecret(old, PASSWORD)
  })

  test('a server on the migrated PostgreSQL starts with the key, refuses to without it, and warns on tokens in clear', async () => {
    using dir = tempDir()
    const sqlite = await seed(dir, 100)
    await sqlite.close()
    const url = await database()
    expect((await migrateCli(dir, ['--to', url])).code).toBe(0)
    const env = (key: string) => ({
      BYOKEY_HOME: dir.path,
      HOME: dir.path,
      BYOKEY_DATABASE_URL: url,
      BYOKEY_SECRET_KEY: key,
    })

    await using server = await startServer(['--port', '0'], env(SECRET_KEY))
    expect(server.lines.some((l) => String(l.msg).includes('stored in clear'))).toBe(false)
    expect(await server.stop()).toBe(0)

    const refused = await serveRefusal(['--port', '0'], env(''))
    expect(refused).toContain('server exited with 1')
    expect(refused).toContain('2 of 2 account tokens cannot be read')
    expect(refused).toContain('BYOKEY_SECRET_KEY is not set')
    expect(refused).not.toContain(PASSWORD)

    // tokens in clear on PostgreSQL: the server starts, and says so once
    const clear = await database()
    const plain = new SQL(clear)
    await migratePostgres(plain)
    await plain.close()
    await using open = await startServer(['--port', '0'], { ...env(''), BYOKEY_DATABASE_URL: clear })
    const warned = open.lines.filter((l) =>
      String(l.msg).includes('account tokens are stored in clear in PostgreSQL'),
    )
    expect(warned).toHaveLength(1)
    expect(JSON.stringify(open.lines)).not.toContain(PASSWORD)
  })

  test('--dry-run writes nothing, not even the schema, and says what it would copy', async () => {
    using dir = tempDir()
    const sqlite = await seed(dir, 100)
    await sqlite.close()
    const url = await database()
    const r = await migrateCli(dir, ['--to', url, '--dry-run', '--json'])
    expect(r.code).toBe(0)
    expect(tables(r.stdout)['usage_records']).toMatchObject({
      sqliteRows: 100,
      copied: 100,
      already: 0,
      match: true,
    })
    const direct = new SQL(url)
    const [t] = (await direct`SELECT to_regclass('usage_records') IS NULL AS none`) as { none: boolean }[]
    await direct.close()
    expect(t!.none).toBe(true)
  })

  test('an unreachable server or a missing file: exit 1 with a reason, the password nowhere', async () => {
    using dir = tempDir()
    const sqlite = await seed(dir, 100)
    await sqlite.close()
    const down = await migrateCli(dir, ['--to', `postgres://byokey:${PASSWORD}@127.0.0.1:1/none`])
    expect(down.code).toBe(1)
    expect(down.stderr).toContain('byokey migrate:')
    const missing = await migrateCli(dir, ['--to', withPassword(pg.url), '--db', dir.join('nope.db')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no database at')
    expect((await migrateCli(dir, [])).code).toBe(2)
    expect((await migrateCli(dir, ['--to', 'mysql://x'])).code).toBe(2)
  })
})
