import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { statSync, writeFileSync } from 'node:fs'
import pkg from '../../package.json' with { type: 'json' }
import { fakeOpenAI } from '../helpers/fakes/index.ts'
import { runCli, startServer } from '../helpers/process.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'

describe('byokey command line', () => {
  test('--version and version print the package version', async () => {
    for (const args of [['--version'], ['-V'], ['version']]) {
      const r = await runCli(args)
      expect(r.code).toBe(0)
      expect(r.stdout.trim()).toBe(pkg.version)
    }
  })

  test('--help on every command shows usage with examples', async () => {
    for (const args of [['--help'], ['serve', '--help'], ['reload', '--help'], ['help', 'serve']]) {
      const r = await runCli(args)
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('Usage:')
      expect(r.stdout).toMatch(/Examples?:/)
    }
  })

  test('hardening: command names that are Object.prototype keys are unknown commands', async () => {
    for (const name of ['constructor', '__proto__', 'toString']) {
      const r = await runCli([name])
      expect({ name, code: r.code }).toEqual({ name, code: 2 })
      expect(r.stderr).toContain(`unknown command '${name}'`)
    }
    const help = await runCli(['help', 'hasOwnProperty'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage:')
  })

  test('usage errors exit 2 and say what is wrong', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['serve', '--port', 'abc'], /--port must be a whole number/],
      [['serve', '--port', '70000'], /--port must be a whole number from 0 to 65535/],
      [['serve', '--log-level', 'loud'], /--log-level must be one of/],
      [['serve', '--bogus'], /bogus/],
      [['serve', 'extra'], /serve takes no arguments/],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(args)
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(message)
    }
  })

  test('a config error exits 1 naming the file, line and field', async () => {
    using dir = tempDir()
    const file = dir.join('config.yaml')
    writeFileSync(file, 'port: 8018\nlog:\n  level: shouting\n')
    const r = await runCli(['serve', '-c', file, '--db', dir.join('b.db')])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${file}:3: log.level:`)
    const missing = await runCli(['serve', '-c', dir.join('none.yaml')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('none.yaml: config file not found')
  })

  test('serve: request ids, health, reload by command and SIGHUP, graceful SIGTERM', async () => {
    using dir = tempDir()
    const config = dir.join('config.yaml')
    writeFileSync(config, 'port: 0\nprot: 5\n')
    await using server = await startServer(['-c', config, '--db', dir.join('data', 'byokey.db')], {
      BYOKEY_HOME: dir.path,
    })
    // the typo is visible
    await server.waitForLine((l) => l.msg.includes("unknown key 'prot'"))
    // DB created private
    expect(statSync(dir.join('data', 'byokey.db')).mode & 0o777).toBe(0o600)
    expect(statSync(dir.join('data', 'byokey.sock')).mode & 0o777).toBe(0o600)

    const health = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'client-id-42' } })
    expect(health.status).toBe(200)
    expect(health.headers.get('x-request-id')).toBe('client-id-42')
    const line = await server.waitForLine((l) => l.msg === 'request' && l['reqId'] === 'client-id-42')
    expect(line['path']).toBe('/healthz')
    const minted = await fetch(`${server.url}/readyz`)
    expect(minted.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
    expect((await minted.json()) as unknown).toEqual({
      status: 'ready',
      config_version: 1,
      database: 'open',
      upstream: { in_flight: 0, queued: 0, limit: expect.any(Number) },
    })

    const reload = async () => runCli(['reload', '--db', dir.join('data', 'byokey.db')])
    expect((await reload()).stdout.trim()).toBe('configuration unchanged (version 1)')
    // a bad file: reload says why, the old config stays live
    writeFileSync(config, 'port: 0\nserver:\n  body_limit_bytes: tiny\n')
    const bad = await reload()
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('server.body_limit_bytes')
    expect(
      ((await (await fetch(`${server.url}/readyz`)).json()) as { config_version: number }).config_version,
    ).toBe(1)
    // SIGHUP re-reads a good file
    writeFileSync(config, 'port: 0\nserver:\n  body_limit_bytes: 4096\n')
    server.proc.kill('SIGHUP')
    await waitFor(
      async () =>
        ((await (await fetch(`${server.url}/readyz`)).json()) as { config_version: number })
          .config_version === 2,
      3000,
    )

    expect(await server.stop()).toBe(0)
    await server.waitForLine((l) => l.msg === 'stopped')
  })
})

describe('serve under load and shutdown', () => {
  test('queued usage records survive SIGTERM, and in-flight requests finish first', async () => {
    using dir = tempDir()
    await using up = fakeOpenAI({ text: 'hello', usage: { input: 7, output: 3 }, headersDelayMs: 300 })
    const config = dir.join('config.yaml')
    writeFileSync(
      config,
      `port: 0
server: { usage_flush_ms: 600000 }
upstreams:
  - { name: up, dialect: openai-chat, base_url: "${up.url}/v1", api_key: sk-upstream-secret, models: [m1] }
`,
    )
    const db = dir.join('byokey.db')
    const server = await startServer(['-c', config, '--db', db], { BYOKEY_HOME: dir.path })
    const ask = () =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-secret' },
        body: JSON.stringify({ model: 'up/m1', messages: [{ role: 'user', content: 'hi' }] }),
      })
    for (let i = 0; i < 5; i++) expect((await ask()).status).toBe(200)
    // one more is still waiting on the upstream when SIGTERM arrives
    const inFlight = ask()
    await Bun.sleep(100)
    expect(await server.stop()).toBe(0)
    expect((await inFlight).status).toBe(200)
    const rows = new Database(db)
      .query('SELECT provider, model, input_tokens, output_tokens, status FROM usage_records')
      .all()
    expect(rows).toHaveLength(6)
    expect(rows[0]).toEqual({ provider: 'up', model: 'm1', input_tokens: 7, output_tokens: 3, status: 200 })
    const logs = JSON.stringify(server.lines)
    expect(logs).not.toContain('sk-upstream-secret')
    expect(logs).not.toContain('sk-client-secret')
  })
})
