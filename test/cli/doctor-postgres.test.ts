/**
 * `byokey doctor` on a PostgreSQL store (`BYOKEY_DATABASE_URL`): it checks the database the
 * servers use, not a SQLite file beside it, reads the accounts from it, and says when it cannot
 * be reached, never showing the URL's password.
 */
import { describe, expect, test } from 'bun:test'
import { chmodSync, existsSync, writeFileSync } from 'node:fs'
import { openPostgresStore } from '../../src/store/postgres/index.ts'
import { runCli } from '../helpers/process.ts'
import { freePort, hasPostgres, requireServers, startPostgres } from '../helpers/servers.ts'
import { tempDir } from '../helpers/tmp.ts'

requireServers({ postgres: true })

describe.skipIf(!hasPostgres)('doctor on PostgreSQL', () => {
  test('checks the PostgreSQL store and its accounts; an unreachable one fails without its password', async () => {
    await using pg = await startPostgres()
    using dir = tempDir()
    const seeded = await openPostgresStore(pg.url)
    seeded.accounts.upsert({
      provider: 'claude',
      accountId: 'team',
      kind: 'oauth',
      token: { access_token: 'at-never-printed', refresh_token: 'rt-never-printed' },
      expiresAt: Date.now() + 3_600_000,
    })
    await seeded.close()
    const config = dir.join('config.yaml')
    writeFileSync(config, `port: ${await freePort()}\nmodel_lists: { enabled: false }\n`)
    chmodSync(config, 0o600)
    const env = { BYOKEY_HOME: dir.path, HOME: dir.path, BYOKEY_SECRET_KEY: '' }

    const withPassword = pg.url.replace('byokey@', 'byokey:pg-secret-password@')
    const ok = await runCli(['doctor', '-c', config], { ...env, BYOKEY_DATABASE_URL: withPassword })
    expect(ok.stdout).toContain(
      `database: postgres://byokey:redacted@127.0.0.1:${pg.port}/byokey answers; tokens: 1 in clear`,
    )
    expect(ok.stdout).toMatch(/claude\/team/)
    expect(ok.code).toBe(0)
    // the SQLite file beside it is neither checked nor made
    expect(existsSync(dir.join('byokey.db'))).toBe(false)

    const gone = `postgres://byokey:pg-secret-password@127.0.0.1:${await freePort()}/byokey`
    const down = await runCli(['doctor', '-c', config], { ...env, BYOKEY_DATABASE_URL: gone })
    expect(down.code).toBe(1)
    expect(down.stdout).toMatch(/✗ database: postgres:\/\/byokey:redacted@127\.0\.0\.1:\d+\/byokey: /)
    for (const out of [ok.stdout, ok.stderr, down.stdout, down.stderr]) {
      expect(out).not.toContain('pg-secret-password')
      expect(out).not.toContain('never-printed')
    }
  }, 30_000)
})
