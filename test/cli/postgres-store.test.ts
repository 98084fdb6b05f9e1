/**
 * Commands and `serve` on PostgreSQL: chosen by `BYOKEY_DATABASE_URL` or the config's `store:`,
 * no SQLite file made, the URL's password never printed or logged, `/readyz` following the
 * database's health.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, writeFileSync } from 'node:fs'
import { fakeOpenAI } from '../helpers/fakes/index.ts'
import { expectNoSecret, runCli, startServer } from '../helpers/process.ts'
import { hasPostgres, requireServers, startPostgres } from '../helpers/servers.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'

requireServers({ postgres: true })
// each test starts its own PostgreSQL server
setDefaultTimeout(30_000)

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

  test('serve on PostgreSQL: usage rows land there; /readyz follows the server going and coming back', async () => {
    await using pg = await startPostgres()
    await using up = fakeOpenAI({ text: 'hello', usage: { input: 12, output: 3 } })
    using home = tempDir()
    const url = withPassword(pg.url)
    writeFileSync(
      home.join('config.yaml'),
      `port: 0\nmodel_lists: { enabled: false }\nserver: { usage_flush_ms: 20 }\nupstreams:\n  - { name: up, dialect: openai-chat, base_url: "${up.url}/v1", api_key: k }\n`,
    )
    await using server = await startServer(['-c', home.join('config.yaml')], {
      BYOKEY_HOME: home.path,
      BYOKEY_DATABASE_URL: url,
    })
    const ready = async () => (await fetch(`${server.url}/readyz`)).status
    expect(await ready()).toBe(200)
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'up/m', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res.status).toBe(200)
    await res.text()
    const sql = new Bun.SQL(pg.url, { max: 1 })
    const rows = () => sql`SELECT provider, input_tokens, output_tokens, status FROM usage_records`
    // written by the timer, while the server runs
    const [row] = await waitFor(async () => {
      const r = await rows()
      return r.length > 0 ? r : undefined
    }, 5000)
    expect(row).toEqual({ provider: 'up', input_tokens: '12', output_tokens: '3', status: 200 })
    // the server runs with synchronous_commit off: what was committed reaches the disk before the kill
    await sql`CHECKPOINT`
    await sql.close()
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
