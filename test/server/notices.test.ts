/**
 * GatewayNotices between two instances: a reload asked of one reloads the other's own file (and
 * is not sent on again), accounts and key changes bring the other's store up to date (keys read
 * at once), cooldowns reach its accounts layer, and coordination coming back catches up.
 */
import { describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { Accounts } from '../../src/accounts/index.ts'
import { ConfigRef } from '../../src/config/snapshot.ts'
import type { Notice } from '../../src/coordination/types.ts'
import { ProviderRegistry } from '../../src/providers/registry.ts'
import { GatewayNotices } from '../../src/server/notices.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { claudeWithKeys } from '../helpers/accounts-config.ts'
import { capturedLog } from '../helpers/logs.ts'
import { sharedCoordinations } from '../helpers/shared-coordination.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'

/** Each instance's own config file: what a reload re-reads. */
const YAML = 'port: 0\n'
const claude = new ProviderRegistry().builtin.claude!
const parsed = claudeWithKeys(['a', 'b'])

function instances() {
  const dir = tempDir()
  const store = openSqliteStore(dir.join('b.db'))
  const coordinations = sharedCoordinations(2)
  const made = coordinations.map((coordination, i) => {
    const file = dir.join(`config-${i}.yaml`)
    writeFileSync(file, YAML)
    const config = new ConfigRef({ file, pollMs: 0 })
    const counts = { syncs: 0, keyReads: 0 }
    const accounts = new Accounts(store.cooldowns, Date.now, undefined, coordination)
    const notices = new GatewayNotices({
      coordination,
      config,
      sync: async () => {
        counts.syncs++
      },
      accounts,
      keysChanged: () => counts.keyReads++,
      log: capturedLog().log,
    })
    const heard: Notice[] = []
    coordination.onNotice((n) => heard.push(n))
    return { file, config, counts, accounts, notices, heard, coordination }
  })
  return {
    one: made[0]!,
    two: made[1]!,
    store,
    async [Symbol.asyncDispose]() {
      for (const m of made) m.notices.close()
      await store.close()
      dir[Symbol.dispose]()
    },
  }
}

const labels = (accounts: Accounts) => accounts.candidates(claude, parsed).credentials.map((c) => c.label)

describe('GatewayNotices', () => {
  test('a reload asked of one reloads the other from its own file, once', async () => {
    await using s = instances()
    writeFileSync(s.two.file, `${YAML}cooldown: { max_seconds: 7 }\n`)
    expect(s.one.notices.reload()).toMatchObject({ changed: false, version: 1 })
    await waitFor(() => s.two.config.current.version === 2)
    expect(s.two.config.current.config.cooldown.max_seconds).toBe(7)
    // the other's reload is not sent on
    await Bun.sleep(0)
    expect(s.one.heard).toEqual([])
  })

  test('a rejected reload is not sent to the others', async () => {
    await using s = instances()
    writeFileSync(s.one.file, 'port: [')
    expect(s.one.notices.reload().error).toBeDefined()
    await Bun.sleep(0)
    expect(s.two.heard).toEqual([])
  })

  test('accounts and keys changed on one: the other syncs its store, and reads keys at once', async () => {
    await using s = instances()
    s.one.notices.accountsChanged('claude')
    await waitFor(() => s.two.counts.syncs === 1)
    // told once its own write was in the store
    expect(s.one.counts.syncs).toBe(1)
    expect(s.two.counts.keyReads).toBe(0)
    s.one.notices.keysChanged()
    await waitFor(() => s.two.counts.keyReads === 1)
    expect(s.two.counts.syncs).toBe(2)
    expect(s.one.counts.syncs).toBe(2)
  })

  test("another instance's cooldown reaches this one's accounts layer", async () => {
    await using s = instances()
    s.one.accounts.report('claude', 'a', { kind: 'failed', failure: 'rate_limit', waitSeconds: 60 }, parsed)
    await waitFor(() => labels(s.two.accounts).join() === 'b')
  })

  test('coordination back after a loss: the store is synced, cooldowns and keys read again', async () => {
    await using s = instances()
    s.two.coordination.setShared(false)
    // written while the notices were lost
    s.store.cooldowns.put({
      provider: 'claude',
      account: 'b',
      untilMs: Date.now() + 60_000,
      reason: 'quota',
      failures: 1,
    })
    expect(labels(s.two.accounts)).toEqual(['a', 'b'])
    s.two.coordination.setShared(true)
    await waitFor(() => s.two.counts.keyReads === 1)
    expect(s.two.counts.syncs).toBe(1)
    expect(labels(s.two.accounts)).toEqual(['a'])
  })
})
