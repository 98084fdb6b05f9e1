/**
 * Gemini logins on the command line: `import-gemini-cli` from a Gemini CLI home in a temp dir,
 * then `status`, `accounts`, `switch` and `logout` on gemini accounts.
 */
import { describe, expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import type { Store } from '../../src/store/types.ts'
import { unsignedJwt } from '../helpers/fakes/oauth.ts'
import { expectNoSecret, runCli } from '../helpers/process.ts'
import { type TempDir, tempDir } from '../helpers/tmp.ts'

const ACCESS = 'ya29.a0-access-token-secret-value'
const REFRESH = '1//0g-refresh-token-secret-value'

function cliIn(dir: TempDir) {
  return (args: string[]) => runCli(args, { BYOKEY_HOME: dir.path, HOME: dir.path })
}

function withDb<T>(dir: TempDir, fn: (store: Store) => T): T {
  const store = openSqliteStore(dir.join('byokey.db'))
  try {
    return fn(store)
  } finally {
    store.close()
  }
}

/** Gemini CLI's `~/.gemini/oauth_creds.json` under the test's HOME. */
function writeCreds(dir: TempDir, creds: Record<string, unknown>): string {
  mkdirSync(dir.join('.gemini'), { recursive: true })
  const file = dir.join('.gemini/oauth_creds.json')
  writeFileSync(file, JSON.stringify(creds))
  return file
}

describe('import-gemini-cli', () => {
  test('help with examples, listed in the main help', async () => {
    using dir = tempDir()
    const main = await cliIn(dir)(['--help'])
    expect(main.stdout).toContain('  import-gemini-cli ')
    const r = await cliIn(dir)(['import-gemini-cli', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Usage: byokey import-gemini-cli')
    expect(r.stdout).toContain('Examples:')
  })

  test('reads ~/.gemini/oauth_creds.json: tokens, expiry, the email as account id; no token printed', async () => {
    using dir = tempDir()
    const expiry = Date.now() + 40 * 60_000
    writeCreds(dir, {
      access_token: ACCESS,
      refresh_token: REFRESH,
      scope: 'https://www.googleapis.com/auth/cloud-platform openid',
      token_type: 'Bearer',
      id_token: unsignedJwt({ email: 'grace@example.com', sub: '42' }),
      expiry_date: expiry,
    })
    const r = await cliIn(dir)(['import-gemini-cli'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('gemini: imported account grace@example.com [Gemini CLI]')
    expectNoSecret(r, ACCESS, REFRESH)
    const acc = withDb(dir, (s) => s.accounts.get('gemini', 'grace@example.com'))!
    expect(acc.kind).toBe('oauth')
    expect(acc.active).toBe(true)
    expect(acc.expiresAt).toBe(expiry)
    expect(acc.token).toEqual({
      access_token: ACCESS,
      refresh_token: REFRESH,
      expires_at: Math.floor(expiry / 1000),
      token_type: 'Bearer',
      scope: 'https://www.googleapis.com/auth/cloud-platform openid',
      email: 'grace@example.com',
    })
  })

  test('--file, --account; without an id token the id is gemini-cli; broken files exit 1', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const missing = await cli(['import-gemini-cli'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('Gemini CLI credentials not found at')
    expect(missing.stderr).toContain('oauth_creds.json')

    const file = dir.join('elsewhere.json')
    writeFileSync(file, JSON.stringify({ access_token: ACCESS, refresh_token: REFRESH }))
    const ok = await cli(['import-gemini-cli', '--file', file])
    expect(ok.code).toBe(0)
    expect(withDb(dir, (s) => s.accounts.get('gemini', 'gemini-cli')?.token.refresh_token)).toBe(REFRESH)
    const named = await cli(['import-gemini-cli', '--file', file, '--account', 'work'])
    expect(named.code).toBe(0)
    expect(
      withDb(dir, (s) =>
        s.accounts
          .list('gemini')
          .map((a) => a.accountId)
          .sort(),
      ),
    ).toEqual(['gemini-cli', 'work'])

    writeFileSync(file, JSON.stringify({ GEMINI_API_KEY: 'k' }))
    const notLogin = await cli(['import-gemini-cli', '--file', file])
    expect(notLogin.code).toBe(1)
    expect(notLogin.stderr).toContain('access_token is missing')
    writeFileSync(file, '{nope')
    expect((await cli(['import-gemini-cli', '--file', file])).code).toBe(1)
  })
})

describe('account commands on gemini logins', () => {
  test('status, accounts, switch and logout', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    withDb(dir, (s) => {
      for (const id of ['ada@example.com', 'grace@example.com']) {
        s.accounts.upsert({
          provider: 'gemini',
          accountId: id,
          kind: 'oauth',
          token: { access_token: `${ACCESS}-${id}`, refresh_token: REFRESH, email: id, project_id: 'p' },
          expiresAt: Date.now() + 3600_000,
        })
        Bun.sleepSync(2)
      }
    })
    const status = await cli(['status'])
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(/^gemini:.*ada@example\.com/m)

    const list = await cli(['accounts', 'google'])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/ada@example\.com.*\(active\)/)
    expect(list.stdout).toContain('grace@example.com')
    expectNoSecret(list, ACCESS, REFRESH)

    expect((await cli(['switch', 'gemini', 'grace@example.com'])).code).toBe(0)
    expect(withDb(dir, (s) => s.accounts.active('gemini')?.accountId)).toBe('grace@example.com')

    expect((await cli(['logout', 'gemini'])).code).toBe(0)
    expect(withDb(dir, (s) => s.accounts.list('gemini').map((a) => a.accountId))).toEqual(['ada@example.com'])
    expect(withDb(dir, (s) => s.accounts.active('gemini')?.accountId)).toBe('ada@example.com')
  })
})
