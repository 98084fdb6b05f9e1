/**
 * One refresh per account across instances: two token managers, each over its own connection to
 * one SQLite file (two processes' view of one store), sharing one lock table. Real fake OAuth
 * server on 127.0.0.1; real SQLite.
 */
import { describe, expect, test } from 'bun:test'
import { LocalCoordination } from '../../src/coordination/local.ts'
import type { Coordination } from '../../src/coordination/types.ts'
import { RefreshFailedError } from '../../src/oauth/errors.ts'
import { oauthRefresher, type Refresher } from '../../src/oauth/refresh-token.ts'
import { TokenManager } from '../../src/oauth/token-manager.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { type FakeOAuthOptions, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { sharedCoordinations } from '../helpers/shared-coordination.ts'
import { tempDir } from '../helpers/tmp.ts'

/** `delayMs`: how long each refresh waits before it calls the OAuth server (so others wait on its lock). */
function twoInstances(coordination: Coordination, fakeOpts: FakeOAuthOptions = {}, delayMs = 0) {
  const dir = tempDir()
  const db = dir.join('byokey.db')
  const stores = [openSqliteStore(db), openSqliteStore(db)] as const
  const fake = startFakeOAuth(fakeOpts)
  const seeded = fake.issue()
  stores[0].accounts.upsert({
    provider: 'claude',
    accountId: 'main',
    kind: 'oauth',
    token: { access_token: seeded.access_token, refresh_token: seeded.refresh_token },
    expiresAt: Date.now() - 1000,
  })
  const oauth = oauthRefresher({ tokenUrl: fake.tokenUrl, clientId: 'test-client', style: 'json' })
  const refresher: Refresher = { refresh: (acc) => Bun.sleep(delayMs).then(() => oauth.refresh(acc)) }
  const managers = stores.map(
    (s) => new TokenManager(s.accounts, { claude: refresher }, { coordination, refreshLockMs: 2000 }),
  )
  return {
    stores,
    managers,
    fake,
    seeded,
    async [Symbol.asyncDispose]() {
      await fake.stop()
      for (const s of stores) await s.close()
      await coordination.close()
      dir[Symbol.dispose]()
    },
  }
}

describe('TokenManager across instances', () => {
  test('100 concurrent getFresh over two instances on an expired token: exactly one refresh', async () => {
    await using s = twoInstances(sharedCoordinations(1)[0]!, { refreshDelayMs: 50 })
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, i) => s.managers[i % 2]!.getFresh('claude', 'main')),
    )
    expect(s.fake.counters.refreshes).toBe(1)
    expect(new Set(tokens).size).toBe(1)
    expect(s.fake.isValidAccess(tokens[0]!)).toBe(true)
  })

  test('with local coordination each instance refreshes on its own, as one instance always did', async () => {
    await using s = twoInstances(new LocalCoordination(), { refreshDelayMs: 50, rotate: false })
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.managers[i % 2]!.getFresh('claude', 'main')))
    expect(s.fake.counters.refreshes).toBe(2)
  })

  test('a lock whose holder died is taken once its lease ends, and the waiter refreshes', async () => {
    const coordination = sharedCoordinations(1)[0]!
    await using s = twoInstances(coordination)
    // an instance that took the lock and never came back
    expect(await coordination.tryLock('refresh:claude:main', 200)).toBeDefined()
    const token = await s.managers[1]!.getFresh('claude', 'main')
    expect(s.fake.counters.refreshes).toBe(1)
    expect(s.fake.isValidAccess(token)).toBe(true)
  })

  test("the holder's failed refresh backs the waiter off without a call of its own", async () => {
    await using s = twoInstances(sharedCoordinations(1)[0]!, {}, 100)
    s.fake.failNext(1, 503, { error: 'temporarily_unavailable', error_description: 'try later' })
    const [first, second] = await Promise.allSettled([
      s.managers[0]!.getFresh('claude', 'main'),
      Bun.sleep(20).then(() => s.managers[1]!.getFresh('claude', 'main')),
    ])
    expect(s.fake.counters.tokenCalls).toBe(1)
    for (const r of [first, second]) {
      expect(r.status).toBe('rejected')
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RefreshFailedError)
    }
    expect(((second as PromiseRejectedResult).reason as Error).message).toContain('try later')
    // the waiter backs off too: no call of its own within the backoff
    await expect(s.managers[1]!.getFresh('claude', 'main')).rejects.toBeInstanceOf(RefreshFailedError)
    expect(s.fake.counters.tokenCalls).toBe(1)
  })
})
