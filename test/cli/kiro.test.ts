/**
 * The Kiro commands of the real CLI, with HOME and byokey's files in a temp dir: `login kiro`
 * against fakes of AWS SSO OIDC, `import-kiro` from the Kiro IDE's token cache (social and
 * Builder ID), and the account commands on the result.
 */
import { describe, expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { stringify } from 'yaml'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { startFakeKiroAuth } from '../helpers/fakes/kiro.ts'
import { expectNoSecret, runCli } from '../helpers/process.ts'
import { type TempDir, tempDir } from '../helpers/tmp.ts'

function cliIn(dir: TempDir) {
  return (args: string[]) =>
    runCli(args, { BYOKEY_HOME: dir.path, HOME: dir.path, XDG_CONFIG_HOME: dir.join('xdg') })
}

function account(dir: TempDir, id: string) {
  const store = openSqliteStore(dir.join('byokey.db'))
  try {
    return store.accounts.get('kiro', id)
  } finally {
    store.close()
  }
}

function writeCache(dir: TempDir, name: string, json: unknown) {
  mkdirSync(dir.join('.aws', 'sso', 'cache'), { recursive: true })
  writeFileSync(dir.join('.aws', 'sso', 'cache', name), JSON.stringify(json))
}

describe('kiro commands', () => {
  test('login kiro: AWS Builder ID through the device flow, stored and active', async () => {
    using dir = tempDir()
    await using auth = startFakeKiroAuth({ autoApprove: true })
    const config = dir.join('config.yaml')
    writeFileSync(config, stringify({ providers: { kiro: { oauth: { oidc_url: auth.url } } } }))
    const cli = cliIn(dir)
    const r = await cli(['login', 'kiro', '-c', config])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`enter the code ${auth.userCode()}`)
    expect(r.stdout).toContain('logged in to kiro as builder-id')
    const acc = account(dir, 'builder-id')!
    expect(acc).toMatchObject({ kind: 'oauth', active: true, token: { auth_method: 'builder_id' } })
    expectNoSecret(r, acc.token['access_token'] as string, acc.token['refresh_token'] as string)
    const bad = await cli(['login', 'kiro', '--idp', 'myspace', '-c', config])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--idp takes google or github')
  }, 60_000)

  test("import-kiro: the IDE's social login, then status, accounts, switch and logout", async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const missing = await cli(['import-kiro'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('kiro-auth-token.json')
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString()
    writeCache(dir, 'kiro-auth-token.json', {
      accessToken: 'kiro-imported-access-secret',
      refreshToken: 'kiro-imported-refresh-secret',
      expiresAt,
      authMethod: 'social',
      provider: 'Github',
      profileArn: 'arn:aws:codewhisperer:us-east-1:1:profile/X',
    })
    const r = await cli(['import-kiro'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('kiro: imported account github')
    expectNoSecret(r, 'kiro-imported-access-secret', 'kiro-imported-refresh-secret')
    expect(account(dir, 'github')).toMatchObject({
      kind: 'oauth',
      token: {
        access_token: 'kiro-imported-access-secret',
        refresh_token: 'kiro-imported-refresh-secret',
        auth_method: 'social',
        profile_arn: 'arn:aws:codewhisperer:us-east-1:1:profile/X',
      },
      expiresAt: Date.parse(expiresAt),
    })

    // a Builder ID login needs the client file the IDE keeps beside it
    writeCache(dir, 'kiro-auth-token.json', {
      accessToken: 'a2',
      refreshToken: 'r2',
      expiresAt,
      authMethod: 'IdC',
      provider: 'BuilderId',
      clientIdHash: 'abc123',
    })
    const noClient = await cli(['import-kiro'])
    expect(noClient.code).toBe(1)
    expect(noClient.stderr).toContain('client file')
    writeCache(dir, 'abc123.json', { clientId: 'cid', clientSecret: 'csecret', expiresAt })
    expect((await cli(['import-kiro'])).code).toBe(0)
    expect(account(dir, 'builder-id')?.token).toMatchObject({
      auth_method: 'builder_id',
      client_id: 'cid',
      client_secret: 'csecret',
    })

    const status = await cli(['status'])
    expect(status.stdout).toMatch(/^kiro:.*github/m)
    const list = await cli(['accounts', 'kiro'])
    expect(list.stdout).toContain('builder-id')
    expect((await cli(['switch', 'kiro', 'builder-id'])).code).toBe(0)
    expect(account(dir, 'builder-id')?.active).toBe(true)
    expect((await cli(['logout', 'kiro', '--account', 'github'])).code).toBe(0)
    expect(account(dir, 'github')).toBeUndefined()
    expectNoSecret(status, 'kiro-imported-access-secret')
  }, 60_000)
})
