import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import type { Store } from '../../src/store/types.ts'
import { unsignedJwt } from '../helpers/fakes/oauth.ts'
import { expectNoSecret, runCli, SOURCE_CMD, startServer } from '../helpers/process.ts'
import { type TempDir, tempDir } from '../helpers/tmp.ts'

/** Runs the real CLI with byokey's files, HOME and the other CLIs' homes inside `dir`. */
function cliIn(dir: TempDir) {
  return (args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) =>
    runCli(
      args,
      { BYOKEY_HOME: dir.path, HOME: dir.path, CODEX_HOME: '', CLAUDE_CONFIG_DIR: '', ...opts.env },
      SOURCE_CMD,
      opts.stdin,
    )
}

/** Opens the test's database, runs `fn`, closes it. */
function withDb<T>(dir: TempDir, fn: (store: Store) => T): T {
  const store = openSqliteStore(dir.join('byokey.db'))
  try {
    return fn(store)
  } finally {
    store.close()
  }
}

const KEY = 'sk-ant-api03-THISISASECRETKEY0123456789abcdef3f9a'

describe('account commands', () => {
  test('every new command has help with examples, and the main help lists them', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const commands = [
      'status',
      'accounts',
      'switch',
      'logout',
      'add-api-key',
      'import-claude-code',
      'import-codex',
    ]
    const main = await cli(['--help'])
    for (const c of commands) {
      expect(main.stdout).toContain(`  ${c} `)
      const r = await cli([c, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(`Usage: byokey ${c}`)
      expect(r.stdout).toContain('Examples:')
    }
    expect(existsSync(dir.join('byokey.db'))).toBe(false)
  })

  test('status without a database: server not running, main providers not logged in, no file created', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const r = await cli(['status'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('server: not running')
    for (const p of ['claude', 'codex', 'copilot'])
      expect(r.stdout).toMatch(new RegExp(`^${p}:\\s+not logged in$`, 'm'))
    expect(existsSync(dir.join('byokey.db'))).toBe(false)
    const json = JSON.parse((await cli(['status', '--json'])).stdout) as {
      server: { running: boolean }
      providers: Array<{ provider: string; active: string | null; accounts: unknown[]; quotas: unknown[] }>
    }
    expect(json.server.running).toBe(false)
    expect(json.providers.find((p) => p.provider === 'codex')).toEqual({
      provider: 'codex',
      active: null,
      accounts: [],
      quotas: [],
    })
    expect((await cli(['status', 'extra'])).code).toBe(2)
  })

  test('add-api-key from stdin: stored as an api_key account, shown masked, never echoed', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const r = await cli(['add-api-key', 'anthropic', '-', '--label', 'work'], { stdin: `  ${KEY}\n` })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('claude: added API key account api-key [work] (sk-…3f9a), active')
    expectNoSecret(r, KEY, 'THISISASECRETKEY')
    const acc = withDb(dir, (s) => s.accounts.get('claude', 'api-key'))
    expect(acc).toMatchObject({
      kind: 'api_key',
      token: { api_key: KEY },
      active: true,
      label: 'work',
      state: 'ok',
    })
    expect(acc?.expiresAt).toBeUndefined()

    // a second key is added beside the first, not over it, and does not take over
    const second = await cli(['add-api-key', 'claude', '-'], { stdin: 'sk-second-key-0000000000001111' })
    expect(second.code).toBe(0)
    expect(second.stdout).toContain('added API key account api-key-2')
    expect(second.stdout).toContain("run 'byokey switch claude api-key-2' to use it")
    // the key on the command line works too; --account naming an API-key account replaces its key
    const replaced = await cli([
      'add-api-key',
      'claude',
      'sk-replacement-key-99998888',
      '--account',
      'api-key',
    ])
    expect(replaced.code).toBe(0)
    expect(replaced.stdout).toContain('replaced the key of API key account api-key [work]')
    expectNoSecret(replaced, 'sk-replacement-key-99998888')
    withDb(dir, (s) => {
      expect(s.accounts.list('claude').map((a) => [a.accountId, a.active, a.token['api_key']])).toEqual([
        ['api-key', true, 'sk-replacement-key-99998888'],
        ['api-key-2', false, 'sk-second-key-0000000000001111'],
      ])
    })
  })

  test('add-api-key rejects empty, oversized and malformed keys and unknown providers (exit 2, nothing stored)', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const cases: Array<[string[], string | undefined, RegExp]> = [
      [['add-api-key', 'claude', '-'], '', /the API key is empty/],
      [['add-api-key', 'claude', '-'], ' \n\t\n', /the API key is empty/],
      [['add-api-key', 'claude', '-'], `sk-${'x'.repeat(4094)}`, /4097 bytes; at most 4096/],
      [['add-api-key', 'claude', '-'], 'sk-abc def', /whitespace/],
      [['add-api-key', 'claude'], undefined, /needs the key, or '-'/],
      [['add-api-key'], undefined, /needs a provider/],
      [
        ['add-api-key', 'openrouterx', 'sk-x'],
        undefined,
        /unknown provider 'openrouterx'; valid providers: claude, codex/,
      ],
      [['add-api-key', 'claude', 'sk-x', 'extra'], undefined, /unexpected argument 'extra'/],
      [['add-api-key', 'claude', 'sk-x', '--account', 'bad id!'], undefined, /--account must be 1 to 64/],
    ]
    for (const [args, stdin, message] of cases) {
      const r = await cli(args, stdin === undefined ? {} : { stdin })
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(message)
    }
    // exactly 4096 bytes is accepted
    const max = `sk-${'y'.repeat(4093)}`
    const ok = await cli(['add-api-key', 'codex', '-'], { stdin: max })
    expect(ok.code).toBe(0)
    expectNoSecret(ok, max)
    withDb(dir, (s) => {
      expect(s.accounts.list('claude')).toEqual([])
      expect(s.accounts.get('codex', 'api-key')?.token).toEqual({ api_key: max })
    })
  })

  test('add-api-key refuses to overwrite an OAuth account, and imports refuse to overwrite an API key', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    withDb(dir, (s) =>
      s.accounts.upsert({
        provider: 'claude',
        accountId: 'claude-code',
        kind: 'oauth',
        token: { access_token: 'at' },
      }),
    )
    const r = await cli(['add-api-key', 'claude', KEY, '--account', 'claude-code'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("claude account 'claude-code' holds OAuth credentials")
    expectNoSecret(r, KEY)
    expect(withDb(dir, (s) => s.accounts.get('claude', 'claude-code')?.kind)).toBe('oauth')

    await cli(['add-api-key', 'codex', 'sk-codex-key-123456789012', '--account', 'codex-cli'])
    mkdirSync(dir.join('.codex'))
    writeFileSync(
      dir.join('.codex', 'auth.json'),
      JSON.stringify({ tokens: { access_token: unsignedJwt({ exp: 2e9 }), refresh_token: 'rt' } }),
    )
    const imp = await cli(['import-codex'])
    expect(imp.code).toBe(1)
    expect(imp.stderr).toContain("codex account 'codex-cli' holds an API key")
    expect(withDb(dir, (s) => s.accounts.get('codex', 'codex-cli')?.kind)).toBe('api_key')
  })

  test('accounts lists id, label, active marker, kind and state; aliases; --json without tokens', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const empty = await cli(['accounts', 'openai'])
    expect(empty.code).toBe(0)
    expect(empty.stdout.trim()).toBe(
      "no accounts for codex; run 'byokey login codex' or 'byokey add-api-key codex -'",
    )
    withDb(dir, (s) => {
      s.accounts.upsert({
        provider: 'codex',
        accountId: 'codex-cli',
        label: 'Codex CLI',
        kind: 'oauth',
        token: { access_token: 'secret-access-token-value' },
        expiresAt: Date.now() + 3 * 3600_000 + 12 * 60_000 + 30_000,
      })
      Bun.sleepSync(2) // listed in the order they were added
      s.accounts.upsert({ provider: 'codex', accountId: 'api-key', kind: 'api_key', token: { api_key: KEY } })
    })
    const r = await cli(['accounts', 'chatgpt'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      '  codex-cli [Codex CLI] (active) oauth ok, expires in 3h 12m\n  api-key api_key ok\n',
    )
    const json = await cli(['accounts', 'codex', '--json'])
    const parsed = JSON.parse(json.stdout) as { provider: string; accounts: Array<Record<string, unknown>> }
    expect(parsed.provider).toBe('codex')
    expect(parsed.accounts.map((a) => [a['id'], a['kind'], a['active'], a['state']])).toEqual([
      ['codex-cli', 'oauth', true, 'ok'],
      ['api-key', 'api_key', false, 'ok'],
    ])
    expectNoSecret(json, KEY, 'secret-access-token-value')
    expect((await cli(['accounts'])).code).toBe(2)
    expect((await cli(['accounts', 'nope'])).stderr).toContain("unknown provider 'nope'")
  })

  test('switch sets the active account; an unknown account exits 1 listing the existing ones', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const none = await cli(['switch', 'github', 'x'])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('no accounts for copilot')
    withDb(dir, (s) => {
      s.accounts.upsert({
        provider: 'copilot',
        accountId: 'alice',
        kind: 'oauth',
        token: { access_token: 'a' },
      })
      s.accounts.upsert({
        provider: 'copilot',
        accountId: 'bob',
        label: 'Bob',
        kind: 'oauth',
        token: { access_token: 'b' },
      })
    })
    const r = await cli(['switch', 'github', 'bob'])
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe('copilot: active account is now bob [Bob]')
    expect(withDb(dir, (s) => s.accounts.active('copilot')?.accountId)).toBe('bob')
    const unknown = await cli(['switch', 'copilot', 'carol'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain("no copilot account 'carol'; accounts: alice, bob (active)")
    expect(withDb(dir, (s) => s.accounts.active('copilot')?.accountId)).toBe('bob')
    expect((await cli(['switch', 'copilot'])).code).toBe(2)
  })

  test('logout removes the active account and promotes another; --account; nothing to remove exits 1', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const nothing = await cli(['logout', 'claude'])
    expect(nothing.code).toBe(1)
    expect(nothing.stderr).toContain('nothing to log out: no accounts for claude')
    withDb(dir, (s) => {
      for (const id of ['one', 'two', 'three']) {
        s.accounts.upsert({
          provider: 'claude',
          accountId: id,
          kind: 'api_key',
          token: { api_key: `k-${id}` },
        })
      }
    })
    const r = await cli(['logout', 'anthropic'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('claude: removed account one')
    expect(r.stdout).toMatch(/claude: active account is now (two|three)/)
    const active = withDb(dir, (s) => s.accounts.active('claude')?.accountId)
    expect(['two', 'three']).toContain(active!)
    const other = active === 'two' ? 'three' : 'two'

    const byId = await cli(['logout', 'claude', '--account', other])
    expect(byId.code).toBe(0)
    expect(byId.stdout).toContain(`claude: active account is still ${active}`)
    const unknown = await cli(['logout', 'claude', '--account', 'ghost'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain(`no claude account 'ghost'; accounts: ${active} (active)`)
    const last = await cli(['logout', 'claude'])
    expect(last.stdout).toContain('claude: no accounts left')
    expect(withDb(dir, (s) => s.accounts.list('claude'))).toEqual([])
  })

  test('status shows counts, the active account, kind, ok/expired/needs_login/refresh_failed, expiry and last error', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const now = Date.now()
    withDb(dir, (s) => {
      s.accounts.upsert({
        provider: 'claude',
        accountId: 'claude-code',
        label: 'Claude Code',
        kind: 'oauth',
        token: { access_token: 'claude-secret-at' },
        expiresAt: now + 2 * 86400_000 + 5 * 3600_000 + 60_000,
      })
      s.accounts.upsert({
        provider: 'claude',
        accountId: 'api-key',
        kind: 'api_key',
        token: { api_key: KEY },
      })
      s.accounts.upsert({
        provider: 'codex',
        accountId: 'codex-cli',
        kind: 'oauth',
        token: { access_token: 'x' },
        expiresAt: now - 5 * 60_000 - 30_000,
      })
      s.accounts.upsert({ provider: 'copilot', accountId: 'gh', kind: 'oauth', token: { access_token: 'y' } })
      s.accounts.setState('copilot', 'gh', 'needs_login', 'invalid_grant: token revoked')
      s.accounts.upsert({ provider: 'qwen', accountId: 'q', kind: 'oauth', token: { access_token: 'z' } })
      s.accounts.setState('qwen', 'q', 'refresh_failed', 'upstream 503\nretrying')
    })
    const r = await cli(['status'])
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toBe('server: not running')
    expect(r.stdout).toMatch(
      /^claude:\s+2 accounts, active: claude-code \[Claude Code\] \(oauth ok, expires in 2d 5h\)$/m,
    )
    // the CLI reads the clock a moment after the test did: up to a few seconds on a loaded machine
    expect(r.stdout).toMatch(
      /^codex:\s+1 account, active: codex-cli \(oauth expired, expired 5m 3\ds ago\)$/m,
    )
    expect(r.stdout).toMatch(
      /^copilot:\s+1 account, active: gh \(oauth needs_login, last error: invalid_grant: token revoked\)$/m,
    )
    expect(r.stdout).toMatch(
      /^qwen:\s+1 account, active: q \(oauth refresh_failed, last error: upstream 503 retrying\)$/m,
    )
    expect(r.stdout).toMatch(/^gemini:\s+not logged in$/m)
    expect(r.stdout).not.toMatch(/^kiro:/m)
    expectNoSecret(r, KEY, 'claude-secret-at')

    const json = await cli(['status', '--json'])
    expectNoSecret(json, KEY, 'claude-secret-at')
    const parsed = JSON.parse(json.stdout) as {
      providers: Array<{
        provider: string
        active: string
        accounts: Array<{ state: string; last_error: string }>
      }>
    }
    const byId = Object.fromEntries(parsed.providers.map((p) => [p.provider, p]))
    expect(byId['claude']?.accounts.length).toBe(2)
    expect(byId['codex']?.accounts[0]?.state).toBe('expired')
    expect(byId['copilot']?.accounts[0]).toMatchObject({
      state: 'needs_login',
      last_error: 'invalid_grant: token revoked',
    })
  })

  test('status sees a running server through the control socket beside the database', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    // the key added below has no local base_url: no model-list reads (tests call only 127.0.0.1)
    writeFileSync(dir.join('config.yaml'), 'port: 0\nmodel_lists: { enabled: false }\n')
    await using server = await startServer(['-c', dir.join('config.yaml')], { BYOKEY_HOME: dir.path })
    // the commands work beside a running server (same database, WAL)
    expect((await cli(['add-api-key', 'codex', '-'], { stdin: 'sk-live-server-key-000000' })).code).toBe(0)
    const r = await cli(['status'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`server: running (pid ${server.proc.pid}, ${server.url})`)
    expect(r.stdout).toMatch(/^codex:\s+1 account, active: api-key \(api_key ok\)$/m)
    const json = JSON.parse((await cli(['status', '--json'])).stdout) as { server: Record<string, unknown> }
    expect(json.server).toMatchObject({ running: true, pid: server.proc.pid, url: server.url })
  })

  test('import-claude-code reads ~/.claude/.credentials.json into an oauth account, never printing tokens', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const missing = await cli(['import-claude-code'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain(
      `Claude Code credentials not found at ${dir.join('.claude', '.credentials.json')}`,
    )

    const expiresAt = Date.now() + 8 * 3600_000 + 90_000
    mkdirSync(dir.join('.claude'))
    const creds = {
      claudeAiOauth: {
        accessToken: 'sk-ant-oat01-ACCESS-secret',
        refreshToken: 'sk-ant-ort01-REFRESH-secret',
        expiresAt,
        scopes: ['user:inference'],
        subscriptionType: 'max',
      },
    }
    writeFileSync(dir.join('.claude', '.credentials.json'), JSON.stringify(creds))
    const r = await cli(['import-claude-code'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('claude: imported account claude-code [Claude Code] from ')
    expect(r.stdout).toContain('(access token expires in 8h 1m), active')
    expectNoSecret(r, 'ACCESS-secret', 'REFRESH-secret')
    const acc = withDb(dir, (s) => s.accounts.get('claude', 'claude-code'))
    expect(acc).toMatchObject({
      kind: 'oauth',
      label: 'Claude Code',
      active: true,
      expiresAt,
      token: {
        access_token: 'sk-ant-oat01-ACCESS-secret',
        refresh_token: 'sk-ant-ort01-REFRESH-secret',
        expires_at: Math.floor(expiresAt / 1000),
      },
    })
    expect(Object.keys(acc!.token).sort()).toEqual(['access_token', 'expires_at', 'refresh_token'])

    // importing again updates the same account
    const again = await cli(['import-claude-code'])
    expect(again.stdout).toContain('claude: updated account claude-code')
    expect(withDb(dir, (s) => s.accounts.list('claude').length)).toBe(1)

    // --file, --account, --label; an already expired token is imported with a note
    const other = dir.join('other.json')
    writeFileSync(
      other,
      JSON.stringify({ claudeAiOauth: { ...creds.claudeAiOauth, expiresAt: Date.now() - 60_000 } }),
    )
    const custom = await cli([
      'import-claude-code',
      '--file',
      other,
      '--account',
      'work',
      '--label',
      'Work Max',
    ])
    expect(custom.code).toBe(0)
    expect(custom.stdout).toContain(`claude: imported account work [Work Max] from ${other}`)
    expect(custom.stdout).toContain('the access token has already expired')
    expect(custom.stdout).toContain("run 'byokey switch claude work' to use it")
  })

  test('import-claude-code: CLAUDE_CONFIG_DIR, and clear errors for malformed files', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    mkdirSync(dir.join('cc'))
    writeFileSync(
      dir.join('cc', '.credentials.json'),
      JSON.stringify({ claudeAiOauth: { accessToken: 'at-cc' } }),
    )
    const r = await cli(['import-claude-code'], { env: { CLAUDE_CONFIG_DIR: dir.join('cc') } })
    expect(r.code).toBe(0)
    expect(withDb(dir, (s) => s.accounts.get('claude', 'claude-code')?.token)).toEqual({
      access_token: 'at-cc',
    })

    const cases: Array<[string, RegExp]> = [
      ['{not json', /is not valid Claude Code credentials: not JSON/],
      ['[1,2]', /expected a JSON object/],
      ['{"primaryApiKey":"sk-zzz"}', /has no 'claudeAiOauth' login/],
      ['{"claudeAiOauth":{"refreshToken":"rt"}}', /claudeAiOauth.accessToken is missing/],
      ['{"claudeAiOauth":{"accessToken":"at","expiresAt":"soon"}}', /claudeAiOauth.expiresAt is not a time/],
    ]
    for (const [content, message] of cases) {
      const file = dir.join('bad.json')
      writeFileSync(file, content)
      const bad = await cli(['import-claude-code', '--file', file, '--account', 'bad'])
      expect(bad.code).toBe(1)
      expect(bad.stderr).toMatch(message)
      expectNoSecret(bad, 'sk-zzz')
    }
    expect(withDb(dir, (s) => s.accounts.get('claude', 'bad'))).toBeUndefined()
    expect((await cli(['import-claude-code', 'extra'])).code).toBe(2)
  })

  test('import-codex reads ~/.codex/auth.json: account id from the id_token claim, expiry from the access token', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const missing = await cli(['import-codex'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain(`Codex CLI credentials not found at ${dir.join('.codex', 'auth.json')}`)

    const exp = Math.floor(Date.now() / 1000) + 9 * 86400 + 3600 + 30
    const accessToken = unsignedJwt({ exp, [`https://api.openai.com/auth`]: { chatgpt_plan_type: 'plus' } })
    const idToken = unsignedJwt({
      email: 'a@example.com',
      exp,
      'https://api.openai.com/auth': { chatgpt_account_id: 'acct-from-claims', chatgpt_plan_type: 'plus' },
    })
    mkdirSync(dir.join('.codex'))
    writeFileSync(
      dir.join('.codex', 'auth.json'),
      JSON.stringify({
        OPENAI_API_KEY: null,
        tokens: { id_token: idToken, access_token: accessToken, refresh_token: 'codex-refresh-secret' },
        last_refresh: '2026-01-01T00:00:00Z',
      }),
    )
    const r = await cli(['import-codex'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('codex: imported account codex-cli [Codex CLI] from ')
    expect(r.stdout).toContain('(access token expires in 9d 1h), active')
    expectNoSecret(r, accessToken, idToken, 'codex-refresh-secret')
    expect(withDb(dir, (s) => s.accounts.get('codex', 'codex-cli'))).toMatchObject({
      kind: 'oauth',
      label: 'Codex CLI',
      expiresAt: exp * 1000,
      token: {
        access_token: accessToken,
        refresh_token: 'codex-refresh-secret',
        id_token: idToken,
        account_id: 'acct-from-claims',
      },
    })
  })

  test('import-codex: CODEX_HOME, account_id from the file, API-key mode refused with advice, malformed files', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    mkdirSync(dir.join('ch'))
    writeFileSync(
      dir.join('ch', 'auth.json'),
      JSON.stringify({
        tokens: { access_token: 'opaque-at', refresh_token: 'rt', account_id: 'acct-in-file' },
      }),
    )
    const r = await cli(['import-codex', '--account', 'shared', '--label', 'Team'], {
      env: { CODEX_HOME: dir.join('ch') },
    })
    expect(r.code).toBe(0)
    const acc = withDb(dir, (s) => s.accounts.get('codex', 'shared'))
    expect(acc).toMatchObject({
      label: 'Team',
      token: { access_token: 'opaque-at', refresh_token: 'rt', account_id: 'acct-in-file' },
    })
    expect(acc?.expiresAt).toBeUndefined()

    const apiKeyFile = dir.join('apikey.json')
    writeFileSync(apiKeyFile, JSON.stringify({ OPENAI_API_KEY: 'sk-proj-file-secret-123' }))
    const apiMode = await cli(['import-codex', '--file', apiKeyFile])
    expect(apiMode.code).toBe(1)
    expect(apiMode.stderr).toContain(
      "holds an API key, not a ChatGPT login; store the key with 'byokey add-api-key codex -'",
    )
    expectNoSecret(apiMode, 'sk-proj-file-secret-123')

    const cases: Array<[string, RegExp]> = [
      ['nope', /not valid Codex CLI credentials: not JSON/],
      ['{}', /has no 'tokens'/],
      ['{"tokens":{"access_token":"a"}}', /tokens.refresh_token is missing/],
    ]
    for (const [content, message] of cases) {
      const file = dir.join('bad.json')
      writeFileSync(file, content)
      const bad = await cli(['import-codex', '--file', file, '--account', 'bad'])
      expect(bad.code).toBe(1)
      expect(bad.stderr).toMatch(message)
    }
    expect(withDb(dir, (s) => s.accounts.list('codex').map((a) => a.accountId))).toEqual(['shared'])
  })
})

// --- gemini logins: import-gemini-cli from a Gemini CLI home in the temp dir, and the account commands

const GOOGLE_ACCESS = 'ya29.a0-access-token-secret-value'
const GOOGLE_REFRESH = '1//0g-refresh-token-secret-value'

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
  }, 30_000)

  test('reads ~/.gemini/oauth_creds.json: tokens, expiry, the email as account id; no token printed', async () => {
    using dir = tempDir()
    const expiry = Date.now() + 40 * 60_000
    writeCreds(dir, {
      access_token: GOOGLE_ACCESS,
      refresh_token: GOOGLE_REFRESH,
      scope: 'https://www.googleapis.com/auth/cloud-platform openid',
      token_type: 'Bearer',
      id_token: unsignedJwt({ email: 'grace@example.com', sub: '42' }),
      expiry_date: expiry,
    })
    const r = await cliIn(dir)(['import-gemini-cli'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('gemini: imported account grace@example.com [Gemini CLI]')
    expectNoSecret(r, GOOGLE_ACCESS, GOOGLE_REFRESH)
    const acc = withDb(dir, (s) => s.accounts.get('gemini', 'grace@example.com'))!
    expect(acc.kind).toBe('oauth')
    expect(acc.active).toBe(true)
    expect(acc.expiresAt).toBe(expiry)
    expect(acc.token).toEqual({
      access_token: GOOGLE_ACCESS,
      refresh_token: GOOGLE_REFRESH,
      expires_at: Math.floor(expiry / 1000),
      token_type: 'Bearer',
      scope: 'https://www.googleapis.com/auth/cloud-platform openid',
      email: 'grace@example.com',
    })
  }, 30_000)

  test('--file, --account; without an id token the id is gemini-cli; broken files exit 1', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const missing = await cli(['import-gemini-cli'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('Gemini CLI credentials not found at')
    expect(missing.stderr).toContain('oauth_creds.json')

    const file = dir.join('elsewhere.json')
    writeFileSync(file, JSON.stringify({ access_token: GOOGLE_ACCESS, refresh_token: GOOGLE_REFRESH }))
    const ok = await cli(['import-gemini-cli', '--file', file])
    expect(ok.code).toBe(0)
    expect(withDb(dir, (s) => s.accounts.get('gemini', 'gemini-cli')?.token.refresh_token)).toBe(
      GOOGLE_REFRESH,
    )
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
  }, 30_000)
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
          token: {
            access_token: `${GOOGLE_ACCESS}-${id}`,
            refresh_token: GOOGLE_REFRESH,
            email: id,
            project_id: 'p',
          },
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
    expectNoSecret(list, GOOGLE_ACCESS, GOOGLE_REFRESH)

    expect((await cli(['switch', 'gemini', 'grace@example.com'])).code).toBe(0)
    expect(withDb(dir, (s) => s.accounts.active('gemini')?.accountId)).toBe('grace@example.com')

    expect((await cli(['logout', 'gemini'])).code).toBe(0)
    expect(withDb(dir, (s) => s.accounts.list('gemini').map((a) => a.accountId))).toEqual(['ada@example.com'])
    expect(withDb(dir, (s) => s.accounts.active('gemini')?.accountId)).toBe('ada@example.com')
  }, 30_000)
})
