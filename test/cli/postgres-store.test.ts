/**
 * Commands and `serve` on PostgreSQL: chosen by `BYOKEY_DATABASE_URL` or the config's `store:`,
 * no SQLite file made, the URL's password never printed or logged, `/readyz` following the
 * database's health.
 */
import { describe, expect, test } from 'bun:test'
import { existsSync, writeFileSync } from 'node:fs'
import { expectNoSecret, runCli, startServer } from '../helpers/process.ts'
import { hasPostgres, requireServers, startPostgres } from '../helpers/servers.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'

requireServers({ postgres: true })

const PASSWORD = 'sekret-pg-password'
/** Trust auth on the test server takes any password: this one must still never be shown. */
const withPassword = (url: string) => url.replace('postgres://byokey@', `postgres://byokey:${PASSWORD}@`)

describe.skipIf(!hasPostgres)('store on PostgreSQL from the command line', () => {
  test('keys made with BYOKEY_DATABASE_URL are listed through the config store, and no SQLite file appears', async () => {
    await using pg = await startPostgres()
    using home = tempDir()
    const url = withPassword(pg.url)
    const env = { BYOKEY_HOME: home.path }
    const made = await runCli(['keys', 'create', '--name', 'team'], { ...env, BYOKEY_DATABASE_URL: url })
    expect(made.code).toBe(0)
    const secret = made.stdout.trim()
    expect(secret).toMatch(/^byk-/)

    writeFileSync(home.join('config.yaml'), `store:\n  kind: postgres\n  url: ${url}\n`)
    const listed = await runCli(['keys', 'list', '--json'], env)
    expect(listed.code).toBe(0)
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((k) => k.name)).toEqual(['team'])
    expect(existsSync(home.join('byokey.db'))).toBe(false)
    expectNoSecret(made, PASSWORD)
    expectNoSecret(listed, PASSWORD, secret)
  })

  test('a command that cannot reach PostgreSQL fails, naming the database without its password', async () => {
    await using pg = await startPostgres()
    using home = tempDir()
    const url = withPassword(pg.url)
    await pg.stop()
    const r = await runCli(['keys', 'list'], { BYOKEY_HOME: home.path, BYOKEY_DATABASE_URL: url })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(`127.0.0.1:${pg.port}`)
    expectNoSecret(r, PASSWORD)
  })

  test('serve on PostgreSQL: /readyz turns 503 within a second of losing it and 200 when it is back', async () => {
    await using pg = await startPostgres()
    using home = tempDir()
    const url = withPassword(pg.url)
    writeFileSync(home.join('config.yaml'), 'port: 0\nmodel_lists: { enabled: false }\n')
    await using server = await startServer(['-c', home.join('config.yaml')], {
      BYOKEY_HOME: home.path,
      BYOKEY_DATABASE_URL: url,
    })
    const ready = async () => (await fetch(`${server.url}/readyz`)).status
    expect(await ready()).toBe(200)
    await pg.kill()
    // the probe runs every 250 ms and gives up after 500 ms; the bound leaves room for a loaded machine
    await waitFor(async () => (await ready()) === 503, 3000, 50)
    await pg.start()
    await waitFor(async () => (await ready()) === 200, 10_000, 50)
    expect(await server.stop()).toBe(0)
    const logged = JSON.stringify(server.lines) + (await server.stderr())
    expect(logged).not.toContain(PASSWORD)
    expect(logged).toContain('PostgreSQL does not answer')
    expect(existsSync(home.join('byokey.db'))).toBe(false)
  })
})
