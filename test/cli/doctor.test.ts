import { describe, expect, test } from 'bun:test'
import { chmodSync, writeFileSync } from 'node:fs'
import { clockCheck } from '../../src/cli/doctor.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import type { Account } from '../../src/store/types.ts'
import { runCli, startServer } from '../helpers/process.ts'
import { type TempDir, tempDir } from '../helpers/tmp.ts'

/** An unsigned JWT with these claims: doctor reads `iat`, never the signature. */
function jwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'none' })}.${part(claims)}.sig-not-checked`
}

/** A port that was free a moment ago (the listener on port 0 is closed again). */
function freePort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = probe.port
  probe.stop(true)
  return port
}

function writeConfig(dir: TempDir, port: number): string {
  const file = dir.join('config.yaml')
  // no model-list reads: the key has no local base_url, and tests call nothing but 127.0.0.1
  writeFileSync(
    file,
    `port: ${port}\nmodel_lists: { enabled: false }\nproviders:\n  claude:\n    api_key: sk-ant-config-key-never-printed\n`,
  )
  chmodSync(file, 0o600)
  return file
}

const SECRET_ACCESS = jwt({ iat: Math.floor(Date.now() / 1000) - 60, sub: 'access-token-never-printed' })
const SECRET_REFRESH = 'refresh-token-never-printed'

function seed(db: string, accessToken = SECRET_ACCESS): void {
  const store = openSqliteStore(db)
  try {
    store.accounts.upsert({
      provider: 'codex',
      accountId: 'me@example.com',
      kind: 'oauth',
      token: { access_token: accessToken, refresh_token: SECRET_REFRESH },
      expiresAt: Date.now() + 3_600_000,
    })
    store.accounts.upsert({
      provider: 'claude',
      accountId: 'api-key',
      kind: 'api_key',
      token: { api_key: 'sk-ant-stored-key-never-printed' },
    })
  } finally {
    store.close()
  }
}

function noSecrets(text: string): void {
  for (const s of ['never-printed', SECRET_ACCESS, SECRET_REFRESH]) expect(text).not.toContain(s)
}

describe('byokey doctor', () => {
  test('all fine: a ✓ line per check and exit 0, no token or key printed', async () => {
    using dir = tempDir()
    const db = dir.join('data', 'byokey.db')
    seed(db)
    const r = await runCli(['doctor', '-c', writeConfig(dir, freePort()), '--db', db])
    noSecrets(r.stdout + r.stderr)
    const lines = r.stdout.trim().split('\n')
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      '✓ config',
      '✓ database',
      '✓ port',
      '✓ account',
      '✓ account',
      '✓ clock',
      'all checks passed',
    ])
    expect(lines[1]).toContain('mode 0600')
    expect(lines[2]).toMatch(/127\.0\.0\.1:\d+ is free/)
    expect(r.stdout).toContain('✓ account: claude/api-key: api_key ok')
    expect(r.stdout).toContain('✓ account: codex/me@example.com: oauth ok, expires in ')
    expect(r.stdout).toContain("not behind the issue time of codex/me@example.com's access token")
    expect(r.code).toBe(0)
  })

  test('failures: bad file mode, a port held by another program, a lost login, a token from the future', async () => {
    using dir = tempDir()
    const db = dir.join('byokey.db')
    seed(db, jwt({ iat: Math.floor(Date.now() / 1000) + 3600 }))
    const store = openSqliteStore(db)
    store.accounts.setState('codex', 'me@example.com', 'needs_login', 'refresh token revoked')
    store.close()
    chmodSync(db, 0o644)
    using other = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('not byokey') })
    const r = await runCli(['doctor', '-c', writeConfig(dir, other.port ?? 0), '--db', db])
    noSecrets(r.stdout + r.stderr)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`✗ database: ${db} is mode 0644, expected 0600: run chmod 600 ${db}`)
    expect(r.stdout).toContain(`✗ port: 127.0.0.1:${other.port} is in use by another program`)
    expect(r.stdout).toMatch(
      /✗ account: codex\/me@example.com: oauth needs_login, expires in \d+m \d+s, last error: refresh token revoked: run 'byokey login codex'/,
    )
    expect(r.stdout).toMatch(
      /✗ clock: this clock is at least \d+m \d+s behind the issuer of codex\/me@example.com's token/,
    )
    expect(r.stdout.trim().split('\n').at(-1)).toBe('4 checks failed')
  })

  test('an invalid config fails with file:line and skips the port check', async () => {
    using dir = tempDir()
    const file = dir.join('config.yaml')
    writeFileSync(file, 'port: 8018\nlog:\n  level: loud\n')
    const r = await runCli(['doctor', '-c', file, '--db', dir.join('byokey.db')])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`✗ config: ${file}:3: log.level:`)
    expect(r.stdout).toContain('– port: unknown until the config is valid')
    expect(r.stdout).toContain('✓ database: ')
    expect(r.stdout).toContain('not created yet')
  })

  test('the port of a running byokey passes: it answers on the control socket', async () => {
    using dir = tempDir()
    const db = dir.join('data', 'byokey.db')
    const config = writeConfig(dir, 0)
    await using server = await startServer(['-c', config, '--db', db], { BYOKEY_HOME: dir.path })
    const r = await runCli(['doctor', '-c', writeConfig(dir, Number(new URL(server.url).port)), '--db', db])
    expect(r.stdout).toContain(`✓ port: held by the running byokey (pid ${server.proc.pid}, ${server.url})`)
    expect(r.code).toBe(0)
    // another database: no control socket to ask, so the port itself is asked who it is
    const port = new URL(server.url).port
    const probe = await runCli(['doctor', '-c', writeConfig(dir, Number(port)), '--db', dir.join('other.db')])
    expect(probe.stdout).toContain(`✓ port: 127.0.0.1:${port} is held by a byokey with another database`)
    expect(probe.code).toBe(0)
  })

  test('clock: skipped without a JWT, a token issued within 5 minutes ahead is not skew', () => {
    const now = Date.UTC(2026, 0, 1)
    const account = (access: unknown): Account => ({
      provider: 'codex',
      accountId: 'a',
      kind: 'oauth',
      active: true,
      token: { access_token: access },
      state: 'ok',
      createdAt: now,
      updatedAt: now,
    })
    expect(clockCheck([account('opaque-token')], now).status).toBe('skip')
    expect(clockCheck([account(jwt({ iat: now / 1000 + 240 }))], now).status).toBe('ok')
    expect(clockCheck([account(jwt({ iat: now / 1000 + 360 }))], now)).toMatchObject({
      status: 'fail',
      detail: "this clock is at least 6m behind the issuer of codex/a's token: sync it (NTP)",
    })
  })
})
