/**
 * The compiled binary must behave like `bun src/main.ts`: serve, log, hot-reload and use SQLite,
 * from a folder without node_modules. Built once for the whole file.
 */

import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import pkg from '../../package.json' with { type: 'json' }
import { compile } from '../../scripts/build.ts'
import { recordOrder } from '../../scripts/bytecode-order.ts'
import { daemonIn, portClosed } from '../helpers/daemon.ts'
import { fakeAnthropic, fakeOpenAI } from '../helpers/fakes/index.ts'
import { runCli, startServer } from '../helpers/process.ts'
import { execOf, verifyUnit } from '../helpers/service-files.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'

const build = tempDir('byokey-bin-')
const bin = build.join('byokey')

beforeAll(async () => {
  expect(await compile(bin)).toBe(true)
}, 120_000)
afterAll(() => build[Symbol.dispose]())

describe('compiled binary', () => {
  test('a start and its first requests record the bytecode order the build lays the binary out by', async () => {
    const out = build.join('serve.order')
    await recordOrder(bin, out)
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('v2')
    // one line per function the run used: thousands for a start that serves
    expect(lines.filter((l) => /^F [0-9a-f]+$/.test(l)).length).toBeGreaterThan(1000)
  }, 60_000)

  test('answers --version', async () => {
    const r = await runCli(['--version'], {}, [bin])
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe(pkg.version)
  })

  test('serves /healthz, logs JSON, hot-reloads its config and writes a private SQLite file', async () => {
    using dir = tempDir()
    const config = dir.join('config.yaml')
    writeFileSync(config, 'port: 0\n')
    // a stray .env in the working folder must not be picked up
    writeFileSync(dir.join('.env'), 'NODE_ENV=production\n')
    await using server = await startServer(['-c', config], { BYOKEY_HOME: dir.path }, [bin])
    const h = await fetch(`${server.url}/healthz`)
    expect(h.status).toBe(200)
    expect(h.headers.get('x-request-id')).toBeTruthy()
    expect(statSync(dir.join('byokey.db')).mode & 0o777).toBe(0o600)
    writeFileSync(`${config}.tmp`, 'port: 0\nserver:\n  body_limit_bytes: 4096\n')
    Bun.spawnSync(['mv', `${config}.tmp`, config])
    await waitFor(
      async () =>
        ((await (await fetch(`${server.url}/readyz`)).json()) as { config_version: number })
          .config_version === 2,
      3000,
    )
    await server.waitForLine((l) => l.msg === 'config reloaded')
    expect(await server.stop()).toBe(0)
    await server.waitForLine((l) => l.msg === 'stopped')
  })

  test('proxies a request and its usage row reaches the database through the writer thread', async () => {
    using dir = tempDir()
    await using up = fakeOpenAI({ text: 'hello from upstream', usage: { input: 12, output: 3 } })
    const config = dir.join('config.yaml')
    writeFileSync(
      config,
      `port: 0\nmodel_lists: { enabled: false }\nserver: { usage_flush_ms: 20 }\nupstreams:\n  - { name: up, dialect: openai-chat, base_url: "${up.url}/v1", api_key: k }\n`,
    )
    await using server = await startServer(['-c', config], { BYOKEY_HOME: dir.path }, [bin])
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'up/m', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res.status).toBe(200)
    expect(
      ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content,
    ).toBe('hello from upstream')
    const db = new Database(dir.join('byokey.db'), { readonly: true })
    const row = () =>
      db
        .query('SELECT provider, model, input_tokens, output_tokens, status FROM usage_records')
        .get() as Record<string, unknown> | null
    // written by the timer, while the server runs
    await waitFor(() => row() ?? undefined, 3000)
    expect(row()).toEqual({ provider: 'up', model: 'm', input_tokens: 12, output_tokens: 3, status: 200 })
    db.close()
    expect(await server.stop()).toBe(0)
    // the row came from the writer thread, not from the main-thread fallback
    expect(server.lines.some((l) => String(l.msg).startsWith('usage writer thread failed'))).toBe(false)
  })

  test('the bundled price table and metrics work offline: a keyed request is priced and counted', async () => {
    using dir = tempDir()
    await using up = fakeAnthropic({ text: 'priced', usage: { input: 1000, output: 500 } })
    const config = dir.join('config.yaml')
    writeFileSync(
      config,
      `port: 0\nmodel_lists: { enabled: false }\nserver: { usage_flush_ms: 20 }\nproviders:\n  claude: { api_key: k, base_url: "${up.url}" }\n`,
    )
    const made = await runCli(['keys', 'create', '--name', 'bin', '--db', dir.join('byokey.db')], {}, [bin])
    expect(made.code).toBe(0)
    const secret = made.stdout.trim()
    await using server = await startServer(['-c', config], { BYOKEY_HOME: dir.path }, [bin])
    const res = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': secret },
      body: JSON.stringify({
        model: 'claude-haiku-4-5',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    })
    expect(res.status).toBe(200)
    await res.text()
    const db = new Database(dir.join('byokey.db'), { readonly: true })
    const row = () =>
      db.query('SELECT key_id, cost_usd FROM usage_records').get() as {
        key_id: string
        cost_usd: number
      } | null
    const written = await waitFor(() => row() ?? undefined, 3000)
    db.close()
    // claude-haiku-4-5 at $1 / $5 per million input / output tokens
    expect(written.cost_usd).toBeCloseTo(0.0035, 12)
    expect(written.key_id).toMatch(/^key_/)
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toContain('byokey_cost_usd_total{provider="claude",model="claude-haiku-4-5"} 0.0035')
    expect(await server.stop()).toBe(0)
  }, 60_000)

  test('serves the dashboard from inside itself and the management API with a key it printed', async () => {
    using dir = tempDir()
    const config = dir.join('config.yaml')
    writeFileSync(config, 'port: 0\n')
    const created = await runCli(['admin-key', 'create', '--name', 'bin'], { BYOKEY_HOME: dir.path }, [bin])
    expect(created.code).toBe(0)
    const key = created.stdout.trim()
    expect(key).toMatch(/^byka-/)
    await using server = await startServer(['-c', config], { BYOKEY_HOME: dir.path }, [bin])
    const page = await fetch(`${server.url}/dashboard`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(await page.text()).toContain('src="/dashboard/app.js"')
    const js = await fetch(`${server.url}/dashboard/app.js`)
    expect(js.headers.get('content-type')).toStartWith('text/javascript')
    // Chart.js is bundled in, not fetched from anywhere
    const script = await js.text()
    expect(script).toContain('@kurkle/color')
    expect(script).not.toMatch(/https?:\/\/(cdn|unpkg|jsdelivr)/)
    const status = await fetch(`${server.url}/admin/v1/status`, {
      headers: { authorization: `Bearer ${key}` },
    })
    expect(status.status).toBe(200)
    expect(((await status.json()) as { version: string }).version).toBe(pkg.version)
    expect((await fetch(`${server.url}/admin/v1/status`)).status).toBe(401)
    const listed = await runCli(['admin-key', 'list'], { BYOKEY_HOME: dir.path }, [bin])
    expect(listed.stdout).toContain(`bin  …${key.slice(-4)}`)
    expect(listed.stdout).not.toContain(key)
    expect((await runCli(['admin-key', 'revoke', 'bin'], { BYOKEY_HOME: dir.path }, [bin])).code).toBe(0)
    expect(
      (await fetch(`${server.url}/admin/v1/status`, { headers: { authorization: `Bearer ${key}` } })).status,
    ).toBe(401)
  })

  test('service install --print: the unit runs the binary itself, and its ExecStart serves', async () => {
    using dir = tempDir()
    const config = dir.join('config.yaml')
    writeFileSync(config, 'port: 0\n')
    const env = { HOME: dir.path, XDG_CONFIG_HOME: dir.join('xdg'), BYOKEY_HOME: dir.join('data') }
    const r = await runCli(['service', 'install', '--print', '-c', config], env, [bin])
    expect(r.code).toBe(0)
    expect(await verifyUnit(dir.path, r.stdout, 'user')).toBe('')
    const { argv, env: unitEnv } = execOf(r.stdout)
    expect(argv).toEqual([bin, 'serve', '-c', config])
    mkdirSync(dir.join('data'))
    await using server = await startServer(argv.slice(2), unitEnv, [argv[0]!])
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
    expect(await server.stop()).toBe(0)
  })

  test('start runs the binary itself in the background; its log rotates into private files; stop ends it', async () => {
    using dir = tempDir()
    const config = dir.join('config.yaml')
    writeFileSync(config, 'port: 0\nlog:\n  max_size_mb: 0.002\n  keep: 2\n')
    await using d = daemonIn(dir, [bin])
    const start = await d.run('start', '-c', config)
    expect(start.code).toBe(0)
    const rec = d.readPid()
    // the binary runs itself: no runtime, no script path in front of `serve`
    expect(rec.command.startsWith(`${bin} serve `)).toBe(true)
    for (let i = 0; i < 40; i++)
      expect((await fetch(`${rec.url}/healthz?key=AIzaRotated${i}`)).status).toBe(200)
    expect((await d.run('stop')).code).toBe(0)
    expect(await portClosed(rec.url)).toBe(true)
    expect(existsSync(d.pidFile)).toBe(false)
    const logs = readdirSync(dir.path)
      .filter((f) => f.startsWith('byokey.log'))
      .sort()
    expect(logs).toEqual(['byokey.log', 'byokey.log.1', 'byokey.log.2'])
    for (const f of logs) {
      expect({ f, mode: statSync(dir.join(f)).mode & 0o777 }).toEqual({ f, mode: 0o600 })
      expect(readFileSync(dir.join(f), 'utf8')).not.toContain('AIzaRotated')
    }
    // the last line before exit reached the file
    expect(readFileSync(dir.join('byokey.log'), 'utf8')).toContain('"msg":"stopped"')
  })
})
