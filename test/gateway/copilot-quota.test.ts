/**
 * Copilot seats' quotas: GitHub's `quota_snapshots` as quota windows, read per login in the
 * background from the fake GitHub, kept in the quota board and the store, shown by `accounts`.
 */
import { describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { stringify } from 'yaml'
import { ConfigRef } from '../../src/config/snapshot.ts'
import { readCopilotQuotas, startCopilotQuotaReader } from '../../src/gateway/copilot-quota.ts'
import { QuotaBoard } from '../../src/gateway/quota-board.ts'
import { parseCopilotQuota } from '../../src/providers/copilot/quota.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { COPILOT_USER, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { sleep } from '../helpers/fakes/server.ts'
import { capturedLog } from '../helpers/logs.ts'
import { runCli, SOURCE_CMD } from '../helpers/process.ts'
import { tempDir } from '../helpers/tmp.ts'

const PREMIUM = {
  name: 'premium_interactions',
  limit: 300,
  remaining: 120,
  usedPercent: 60,
  resetsAt: '2026-01-01T00:00:00.000Z',
}

describe('parseCopilotQuota', () => {
  test('one window per snapshot; unlimited ones carry only their status', () => {
    expect(parseCopilotQuota(COPILOT_USER)).toEqual({
      resetsAt: '2026-01-01T00:00:00.000Z',
      windows: [PREMIUM, { name: 'chat', status: 'unlimited' }],
    })
  })

  test('no snapshots, or not an object: no quota', () => {
    expect(parseCopilotQuota({ login: 'octocat' })).toBeUndefined()
    expect(parseCopilotQuota({ quota_snapshots: {} })).toBeUndefined()
    expect(parseCopilotQuota('nope')).toBeUndefined()
    expect(parseCopilotQuota({ quota_snapshots: { chat: { unlimited: false, remaining: 'x' } } })).toEqual({
      windows: [{ name: 'chat' }],
    })
  })
})

describe('the Copilot quota reader', () => {
  test('reads each login with its GitHub token into the board and the store; accounts shows it', async () => {
    await using github = startFakeOAuth()
    using dir = tempDir()
    const db = dir.join('byokey.db')
    const configFile = dir.join('config.yaml')
    writeFileSync(
      configFile,
      stringify({ providers: { copilot: { oauth: { token_exchange_url: github.copilotTokenUrl } } } }),
    )
    const store = openSqliteStore(db)
    const config = new ConfigRef({ file: configFile, pollMs: 0 })
    const { log, text } = capturedLog()
    const board = new QuotaBoard()
    const githubToken = github.issue().access_token
    // a login whose GitHub token was revoked: logged, no quota, the other login still read
    for (const [accountId, github_token] of [
      ['octocat', githubToken],
      ['gone', 'gho-revoked'],
    ] as const) {
      store.accounts.upsert({ provider: 'copilot', accountId, kind: 'oauth', token: { github_token } })
    }
    const reader = startCopilotQuotaReader(config, store.accounts, board, store.quotas, log, 10)
    try {
      for (
        let i = 0;
        i < 200 && (store.quotas.list('copilot').length === 0 || !text().includes('GitHub refused'));
        i++
      )
        await sleep(10)
    } finally {
      reader.stop()
      config.close()
    }
    expect(board.latest('copilot', 'octocat')?.windows[0]).toEqual(PREMIUM)
    expect(board.latest('copilot', 'gone')).toBeUndefined()
    expect(store.quotas.list('copilot').map((q) => [q.account, q.quota.windows.length])).toEqual([
      ['octocat', 2],
    ])
    const reads = github.server.requests.filter((r) => r.path === '/copilot_internal/user')
    expect(reads.find((r) => r.headers['authorization'] === `token ${githubToken}`)).toBeDefined()
    expect(text()).toContain('copilot quota: GitHub refused')
    expect(text()).not.toContain(githubToken)
    store.close()

    const env = { BYOKEY_HOME: dir.path, HOME: dir.path }
    const shown = (await runCli(['accounts', 'copilot', '--db', db], env, SOURCE_CMD)).stdout
    expect(shown).toContain('premium_interactions 120/300 left')
    expect(shown).toContain('chat unlimited')
    const json = JSON.parse(
      (await runCli(['accounts', 'copilot', '--json', '--db', db], env, SOURCE_CMD)).stdout,
    )
    expect(JSON.stringify(json)).toContain('"used_percent":60')
  })

  test('a quota that changed is written again; one that did not is not', async () => {
    let remaining = 120
    await using github = startFakeOAuth({
      copilotUser: () => ({
        ...COPILOT_USER,
        quota_snapshots: {
          premium_interactions: { ...COPILOT_USER.quota_snapshots.premium_interactions, remaining },
        },
      }),
    })
    using dir = tempDir()
    const store = openSqliteStore(dir.join('byokey.db'))
    const { log } = capturedLog()
    const config = new ConfigRef({
      pollMs: 0,
      overrides: { providers: { copilot: { oauth: { token_exchange_url: github.copilotTokenUrl } } } },
    })
    const board = new QuotaBoard()
    store.accounts.upsert({
      provider: 'copilot',
      accountId: 'octocat',
      kind: 'oauth',
      token: { github_token: github.issue().access_token },
    })
    const saved: number[] = []
    const quotas = {
      save: (q: Parameters<typeof store.quotas.save>[0]) => saved.push(q.quota.windows[0]?.remaining ?? -1),
      list: () => [],
    }
    await readCopilotQuotas(config.current.config, store.accounts, board, quotas, log)
    await readCopilotQuotas(config.current.config, store.accounts, board, quotas, log)
    remaining = 119
    await readCopilotQuotas(config.current.config, store.accounts, board, quotas, log)
    expect(saved).toEqual([120, 119])
    store.close()
  })
})
