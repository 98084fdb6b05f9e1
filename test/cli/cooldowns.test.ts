/** `byokey accounts` and `status` show an account's cooldown, in text and in --json. */
import { expect, test } from 'bun:test'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { runCli, SOURCE_CMD } from '../helpers/process.ts'
import { tempDir } from '../helpers/tmp.ts'

test('a stored account cooling down, and a key whose cooldown ended', async () => {
  using dir = tempDir()
  const db = dir.join('byokey.db')
  const until = Date.now() + 10 * 60_000
  const store = openSqliteStore(db)
  store.accounts.upsert({
    provider: 'claude',
    accountId: 'work',
    kind: 'api_key',
    token: { api_key: 'sk-w' },
  })
  store.cooldowns.put({ provider: 'claude', account: 'work', untilMs: until, reason: 'quota', failures: 1 })
  store.cooldowns.put({
    provider: 'claude',
    account: 'spare',
    untilMs: 1000,
    reason: 'overloaded',
    failures: 2,
  })
  store.close()
  const env = { BYOKEY_HOME: dir.path, HOME: dir.path }
  const cli = (args: string[]) => runCli([...args, '--db', db], env, SOURCE_CMD)

  const text = (await cli(['accounts', 'claude'])).stdout
  expect(text).toMatch(/work \(active\) api_key ok, cooling down until \d\d:\d\d — quota/)
  expect(text).toContain('key spare: cooldown ended (overloaded), the next request probes it')
  const json = JSON.parse((await cli(['accounts', 'claude', '--json'])).stdout) as {
    accounts: Array<Record<string, unknown>>
    key_cooldowns: Array<Record<string, unknown>>
  }
  expect(json.accounts[0]).toMatchObject({
    id: 'work',
    cooldown_until: new Date(until).toISOString(),
    cooldown_reason: 'quota',
  })
  expect(json.key_cooldowns).toEqual([
    { label: 'spare', cooldown_until: new Date(1000).toISOString(), cooldown_reason: 'overloaded' },
  ])
  const status = (await cli(['status'])).stdout
  expect(status).toMatch(/ {2}work: cooling down until \d\d:\d\d — quota/)
  const statusJson = JSON.parse((await cli(['status', '--json'])).stdout) as {
    providers: Array<{
      provider: string
      active: string | null
      accounts: Array<Record<string, unknown>>
      quotas?: unknown[]
    }>
  }
  const claude = statusJson.providers.find((p) => p.provider === 'claude')
  expect(claude?.accounts[0]).toMatchObject({ cooldown_reason: 'quota' })
  // a provider without cooldowns answers as before (no key_cooldowns)
  const codex = statusJson.providers.find((p) => p.provider === 'codex')
  expect(codex).toEqual({ provider: 'codex', active: null, accounts: [], quotas: [] })
})
