/**
 * `byokey keys …` and what keys do to `serve`: a key is printed once and stored as a digest, lists
 * mask it, rotation and revocation take effect on a running server; beyond loopback the server
 * refuses to start without keys (unless told `--insecure-no-auth`), and starts with one.
 */
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { keyDigest } from '../../src/store/key-secret.ts'
import { runCli, SOURCE_CMD, startServer } from '../helpers/process.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'

const keys = (dbFile: string, ...args: string[]) => runCli(['keys', ...args, '--db', dbFile])

describe('keys command', () => {
  test('create prints the key once, alone on stdout; list masks it; the file holds only its digest', async () => {
    using dir = tempDir()
    const db = dir.join('byokey.db')
    const made = await keys(
      db,
      'create',
      '--name',
      'laptop',
      '--models',
      'claude-*,gpt-5*',
      '--rpm',
      '30',
      '--budget',
      '5',
      '--period',
      'day',
      '--expires',
      '30d',
    )
    expect(made.code).toBe(0)
    const secret = made.stdout.trim()
    expect(secret).toMatch(/^byk-[A-Za-z0-9_-]{43}$/)
    expect(made.stderr).toContain("Created gateway key 'laptop'")
    expect(made.stderr).toContain('cannot show it again')

    const list = await keys(db, 'list')
    expect(list.code).toBe(0)
    expect(list.stdout).toContain(
      `laptop  ${secret.slice(0, 12)}…  active  models claude-*,gpt-5*  30 rpm  $0.00 of $5.00 per day  expires `,
    )
    expect(list.stdout).not.toContain(secret.slice(12))
    const json = JSON.parse((await keys(db, 'list', '--json')).stdout) as Array<Record<string, unknown>>
    expect(json[0]).toMatchObject({
      name: 'laptop',
      state: 'active',
      rpm: 30,
      models: ['claude-*', 'gpt-5*'],
    })
    expect(JSON.stringify(json)).not.toContain(secret.slice(12))
    expect(JSON.stringify(json)).not.toContain(keyDigest(secret))

    const raw = readFileSync(db).toString('latin1')
    expect(raw).not.toContain(secret)
    expect(raw).toContain(keyDigest(secret))
  }, 60_000)

  test('names are unique among live keys; rotate and revoke take an id or a name', async () => {
    using dir = tempDir()
    const db = dir.join('byokey.db')
    const first = (await keys(db, 'create', '--name', 'ci')).stdout.trim()
    const again = await keys(db, 'create', '--name', 'ci')
    expect(again.code).toBe(1)
    expect(again.stderr).toContain("a key named 'ci' exists")
    const rotated = await keys(db, 'rotate', 'ci', '--json')
    expect(rotated.code).toBe(0)
    const r = JSON.parse(rotated.stdout) as { id: string; name: string; key: string }
    expect(r.name).toBe('ci')
    expect(r.key).not.toBe(first)
    const revoked = await keys(db, 'revoke', r.id)
    expect(revoked.code).toBe(0)
    expect(revoked.stdout).toContain(`Revoked key 'ci' (${r.id})`)
    expect((await keys(db, 'revoke', r.id)).code).toBe(1)
    expect((await keys(db, 'rotate', r.id)).stderr).toContain('is revoked')
    expect((await keys(db, 'list')).stdout).toContain(`${r.id}  ci  ${r.key.slice(0, 12)}…  revoked`)
    // a revoked key's name is free again
    expect((await keys(db, 'create', '--name', 'ci')).code).toBe(0)
  }, 60_000)

  test('bad options are usage errors (exit 2) naming the flag', async () => {
    using dir = tempDir()
    const db = dir.join('byokey.db')
    const cases: Array<[string[], string]> = [
      [['create'], '--name'],
      [['create', '--name', 'x', '--rpm', '0'], '--rpm'],
      [['create', '--name', 'x', '--budget', 'ten'], '--budget'],
      [['create', '--name', 'x', '--budget', '1', '--period', 'week'], '--period'],
      [['create', '--name', 'x', '--period', 'day'], '--period goes with --budget'],
      [['create', '--name', 'x', '--expires', 'soon'], '--expires'],
      [['create', '--name', 'x', '--expires', '2001-01-01'], 'in the past'],
      [['rotate'], 'needs a key'],
      [['frobnicate'], 'create, list, revoke, rotate'],
    ]
    for (const [args, says] of cases) {
      const r = await keys(db, ...args)
      expect({ args, code: r.code }).toEqual({ args, code: 2 })
      expect(r.stderr).toContain(says)
    }
    expect((await keys(db, 'revoke', 'nobody')).code).toBe(1)
  }, 60_000)
})

describe('serve beyond loopback', () => {
  const serveArgs = (dir: ReturnType<typeof tempDir>) => [
    '-c',
    dir.join('config.yaml'),
    '--host',
    '0.0.0.0',
    '-p',
    '0',
    '--db',
    dir.join('byokey.db'),
  ]

  test('without keys it refuses to start and says how to make one', async () => {
    using dir = tempDir()
    await Bun.write(dir.join('config.yaml'), 'port: 0\n')
    const proc = Bun.spawn([...SOURCE_CMD, 'serve', ...serveArgs(dir)], {
      env: { ...process.env, BYOKEY_HOME: dir.path },
      stdio: ['ignore', 'pipe', 'pipe'],
      // should it start after all, it must not outlive the test
      timeout: 20_000,
    })
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
    expect(code).toBe(1)
    expect(out).toContain('refusing to listen on 0.0.0.0 without gateway keys')
    expect(out).toContain('byokey keys create --name NAME')
    expect(out).toContain('--insecure-no-auth')
  }, 60_000)

  test('--insecure-no-auth starts it anyway, saying so loudly', async () => {
    using dir = tempDir()
    await Bun.write(dir.join('config.yaml'), 'port: 0\n')
    await using server = await startServer([...serveArgs(dir), '--insecure-no-auth'], {
      BYOKEY_HOME: dir.path,
    })
    const warning = await server.waitForLine((l) => String(l.msg).startsWith('INSECURE'))
    expect(warning.level).toBe(40)
    const port = new URL(server.url).port
    const res = await fetch(`http://127.0.0.1:${port}/v1/models`)
    expect(res.status).toBe(200)
    await res.body?.cancel()
    expect(await server.stop()).toBe(0)
  }, 60_000)

  test('with a key it starts, and requests need that key', async () => {
    using dir = tempDir()
    await Bun.write(dir.join('config.yaml'), 'port: 0\n')
    const secret = (await keys(dir.join('byokey.db'), 'create', '--name', 'lan')).stdout.trim()
    await using server = await startServer(serveArgs(dir), { BYOKEY_HOME: dir.path })
    const base = `http://127.0.0.1:${new URL(server.url).port}`
    const without = await fetch(`${base}/v1/models`)
    expect(without.status).toBe(401)
    await without.body?.cancel()
    const withKey = await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })
    expect(withKey.status).toBe(200)
    await withKey.body?.cancel()

    // a key made beside the running server works within a second; a revoked one stops as soon
    const second = (await keys(dir.join('byokey.db'), 'create', '--name', 'second')).stdout.trim()
    const statusWith = async (key: string) => {
      const res = await fetch(`${base}/v1/models?key=${key}`)
      await res.body?.cancel()
      return res.status
    }
    await waitFor(async () => (await statusWith(second)) === 200, 5000, 100)
    expect((await keys(dir.join('byokey.db'), 'revoke', 'second')).code).toBe(0)
    await waitFor(async () => (await statusWith(second)) === 401, 5000, 100)
    expect(await statusWith(secret)).toBe(200)
    expect(await server.stop()).toBe(0)
    const logs = JSON.stringify(server.lines)
    expect(logs).not.toContain(secret)
    expect(logs).not.toContain(second)
  }, 60_000)
})
