import { describe, expect, test } from 'bun:test'
import {
  AccountUnavailableError,
  InvalidGrantError,
  NeedsLoginError,
  RefreshFailedError,
} from '../../src/oauth/errors.ts'
import { oauthRefresher, type Refresher } from '../../src/oauth/refresh-token.ts'
import { TokenManager, type TokenManagerOptions } from '../../src/oauth/token-manager.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import type { Store } from '../../src/store/types.ts'
import { type FakeOAuthOptions, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { jsonResponse, startFake } from '../helpers/fakes/server.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'

/** A real SQLite file, the fake OAuth server, a manager over both, and a seeded `claude/main` account. */
function setup(fakeOpts: FakeOAuthOptions = {}, mgrOpts: TokenManagerOptions = {}, expiresInMs = -1000) {
  const dir = tempDir()
  const dbPath = dir.join('byokey.db')
  const store = openSqliteStore(dbPath)
  const fake = startFakeOAuth(fakeOpts)
  const seeded = fake.issue()
  store.accounts.upsert({
    provider: 'claude',
    accountId: 'main',
    kind: 'oauth',
    token: { access_token: seeded.access_token, refresh_token: seeded.refresh_token },
    expiresAt: Date.now() + expiresInMs,
  })
  const refresher = oauthRefresher({ tokenUrl: fake.tokenUrl, clientId: 'test-client', style: 'json' })
  const mgr = new TokenManager(store.accounts, { claude: refresher }, mgrOpts)
  return {
    dbPath,
    store,
    fake,
    seeded,
    mgr,
    /** The account as another process would read it from the file. */
    fromFile(accountId = 'main') {
      const other: Store = openSqliteStore(dbPath)
      try {
        return other.accounts.get('claude', accountId)
      } finally {
        other.close()
      }
    },
    async [Symbol.asyncDispose]() {
      await fake.stop()
      store.close()
      dir[Symbol.dispose]()
    },
  }
}

async function caught<T extends Error>(p: Promise<unknown>, type: new (...a: never[]) => T): Promise<T> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(type)
    return e as T
  }
  throw new Error('resolved')
}

describe('TokenManager', () => {
  test('a token far from expiry is returned as is, without a refresh', async () => {
    await using s = setup({}, {}, 60 * 60_000)
    expect(await s.mgr.getFresh('claude')).toBe(s.seeded.access_token)
    expect(s.fake.counters.tokenCalls).toBe(0)
  })

  test('100 concurrent getFresh on an expired token: exactly one refresh, all get the new token', async () => {
    await using s = setup({ refreshDelayMs: 50 })
    const tokens = await Promise.all(Array.from({ length: 100 }, () => s.mgr.getFresh('claude', 'main')))
    expect(s.fake.counters.refreshes).toBe(1)
    expect(new Set(tokens).size).toBe(1)
    expect(tokens[0]).not.toBe(s.seeded.access_token)
    expect(s.fake.isValidAccess(tokens[0]!)).toBe(true)
    const acc = s.fromFile()!
    expect(acc.token.access_token).toBe(tokens[0]!)
    expect(acc.token.refresh_token).not.toBe(s.seeded.refresh_token) // rotated and stored
    expect(acc.state).toBe('ok')
    expect(acc.expiresAt! - Date.now()).toBeGreaterThan(3500_000)
    const sent = s.fake.tokenRequests()[0]!.body as Record<string, string>
    expect(sent).toEqual({
      grant_type: 'refresh_token',
      refresh_token: s.seeded.refresh_token,
      client_id: 'test-client',
    })
  })

  test('rotating refresh tokens: consecutive refreshes use the newest one', async () => {
    await using s = setup()
    await s.mgr.refresh('claude', 'main')
    await s.mgr.refresh('claude', 'main')
    expect(s.fake.counters.refreshes).toBe(2)
    expect(s.fromFile()!.state).toBe('ok')
  })

  test('a provider that does not rotate: the old refresh token is kept', async () => {
    await using s = setup({ rotate: false })
    await s.mgr.getFresh('claude')
    expect(s.fromFile()!.token.refresh_token).toBe(s.seeded.refresh_token)
  })

  test('invalid_grant: account kept, state needs_login in the file, error names `byokey login claude`, no retry', async () => {
    await using s = setup()
    s.fake.revoke(s.seeded.refresh_token)
    const e = await caught(s.mgr.getFresh('claude', 'main'), NeedsLoginError)
    expect(e.message).toContain('byokey login claude')
    expect(e.message).not.toContain(s.seeded.refresh_token)
    expect(e.message).not.toContain(s.seeded.access_token)
    const acc = s.fromFile()
    expect(acc).toBeDefined()
    expect(acc!.state).toBe('needs_login')
    expect(acc!.lastError).toContain('invalid_grant')
    expect(acc!.token.refresh_token).toBe(s.seeded.refresh_token)
    // Later calls fail at once without calling the provider again.
    await caught(s.mgr.getFresh('claude', 'main'), NeedsLoginError)
    await caught(
      s.mgr.withRefreshOn401('claude', 'main', async () => new Response('x')),
      NeedsLoginError,
    )
    expect(s.fake.counters.refreshes).toBe(1)
    // A new login (upsert) clears the state.
    const fresh = s.fake.issue()
    s.store.accounts.upsert({
      provider: 'claude',
      accountId: 'main',
      kind: 'oauth',
      token: fresh,
      expiresAt: Date.now() + 3600_000,
    })
    expect(await s.mgr.getFresh('claude', 'main')).toBe(fresh.access_token)
  })

  test('transient failure: refresh_failed recorded, no second call within the backoff, then it recovers', async () => {
    let now = Date.now()
    await using s = setup({}, { now: () => now })
    s.fake.failNext(1, 503, { error: 'temporarily_unavailable', error_description: 'try later' })
    const e = await caught(s.mgr.getFresh('claude'), RefreshFailedError)
    expect(e.message).toContain('temporarily_unavailable')
    expect(e.message).not.toContain(s.seeded.refresh_token)
    expect(e.retryAt).toBe(now + 30_000)
    const acc = s.fromFile()!
    expect(acc.state).toBe('refresh_failed')
    expect(acc.lastError).toContain('try later')
    expect(s.mgr.status('claude', 'main')).toMatchObject({
      state: 'refresh_failed',
      failures: 1,
      retryAt: now + 30_000,
    })

    now += 10_000
    const again = await caught(s.mgr.getFresh('claude'), RefreshFailedError)
    expect(again.message).toContain('next attempt in 20 s')
    expect(s.fake.counters.tokenCalls).toBe(1)

    // Second failure doubles the backoff.
    now += 20_001
    s.fake.failNext(1, 500, { error: 'server_error' })
    const second = await caught(s.mgr.getFresh('claude'), RefreshFailedError)
    expect(second.retryAt).toBe(now + 60_000)
    expect(s.fake.counters.tokenCalls).toBe(2)

    now += 60_001
    const token = await s.mgr.getFresh('claude')
    expect(s.fake.isValidAccess(token)).toBe(true)
    expect(s.fromFile()!.state).toBe('ok')
    expect(s.mgr.status('claude', 'main')?.retryAt).toBeUndefined()
  })

  test('backoff honours Retry-After and is capped', async () => {
    let now = Date.now()
    await using s = setup({}, { now: () => now, backoffMs: 1000, maxBackoffMs: 4000 })
    s.fake.failNext(1, 429, { error: 'rate_limited' }, { 'retry-after': '90' })
    expect((await caught(s.mgr.getFresh('claude'), RefreshFailedError)).retryAt).toBe(now + 90_000)
    for (const expected of [2000, 4000, 4000]) {
      now += 90_001
      s.fake.failNext(1, 503)
      expect((await caught(s.mgr.getFresh('claude'), RefreshFailedError)).retryAt).toBe(now + expected)
    }
  })

  test('a failed proactive refresh still hands out a token that has not expired', async () => {
    await using s = setup({}, {}, 2 * 60_000) // inside the 5-minute lead, still valid
    s.fake.failNext(1, 503)
    expect(await s.mgr.getFresh('claude')).toBe(s.seeded.access_token)
    expect(s.fromFile()!.state).toBe('refresh_failed')
    expect(await s.mgr.getFresh('claude')).toBe(s.seeded.access_token)
    expect(s.fake.counters.tokenCalls).toBe(1)
  })

  test('secrets in a refresher error are redacted from the recorded reason and the thrown message', async () => {
    await using s = setup()
    const leaky: Refresher = {
      async refresh(acc) {
        throw new Error(
          `upstream rejected ${String(acc.token.refresh_token)} and ${String(acc.token.access_token)}`,
        )
      },
    }
    const mgr = new TokenManager(s.store.accounts, { claude: leaky })
    const e = await caught(mgr.getFresh('claude'), RefreshFailedError)
    for (const text of [e.message, s.fromFile()!.lastError!]) {
      expect(text).not.toContain(s.seeded.refresh_token)
      expect(text).not.toContain(s.seeded.access_token)
      expect(text).toContain('[redacted]')
    }
  })

  test('a refresher throwing InvalidGrantError directly is honoured', async () => {
    await using s = setup()
    const mgr = new TokenManager(s.store.accounts, {
      claude: {
        refresh: async () => {
          throw new InvalidGrantError()
        },
      },
    })
    await caught(mgr.getFresh('claude'), NeedsLoginError)
    expect(s.fromFile()!.state).toBe('needs_login')
  })

  test('unknown account or provider without accounts: NeedsLoginError naming the login command', async () => {
    await using s = setup()
    expect((await caught(s.mgr.getFresh('codex'), NeedsLoginError)).message).toContain('byokey login codex')
    await caught(s.mgr.getFresh('claude', 'nope'), NeedsLoginError)
  })

  test('providers without a refresher get the stored token as is', async () => {
    await using s = setup()
    s.store.accounts.upsert({
      provider: 'copilot',
      accountId: 'gh',
      kind: 'oauth',
      token: { access_token: 'gho_x' },
    })
    expect(await s.mgr.getFresh('copilot')).toBe('gho_x')
  })

  test('background refresh renews a token nearing expiry and leaves the others alone', async () => {
    await using s = setup({}, {}, 2 * 60_000)
    const far = s.fake.issue()
    s.store.accounts.upsert({
      provider: 'claude',
      accountId: 'far',
      kind: 'oauth',
      token: far,
      expiresAt: Date.now() + 3600_000,
    })
    const bg = s.mgr.startBackground({ intervalMs: 20 })
    try {
      await waitFor(() => s.fromFile()?.token.access_token !== s.seeded.access_token)
    } finally {
      bg.stop()
    }
    expect(s.fake.isValidAccess(String(s.fromFile()!.token.access_token))).toBe(true)
    expect(s.fromFile('far')!.token.access_token).toBe(far.access_token)
    expect(s.fake.counters.refreshes).toBe(1)
    const calls = s.fake.counters.tokenCalls
    await Bun.sleep(80)
    expect(s.fake.counters.tokenCalls).toBe(calls) // stopped
  })

  test('background sweeps skip needs_login accounts and back off after a failure', async () => {
    await using s = setup({}, {}, 60_000)
    s.fake.failNext(1, 503)
    await s.mgr.refreshDue()
    await s.mgr.refreshDue()
    expect(s.fake.counters.tokenCalls).toBe(1)
    expect(s.fromFile()!.state).toBe('refresh_failed')
    s.store.accounts.setState('claude', 'main', 'needs_login', 'x')
    await s.mgr.refreshDue(Number.POSITIVE_INFINITY)
    expect(s.fake.counters.tokenCalls).toBe(1)
  })

  test('a refresher saying the account is done for marks it unavailable once: no more refreshes, no token', async () => {
    await using s = setup({}, {}, 60_000)
    let refreshes = 0
    const told: string[] = []
    const mgr = new TokenManager(
      s.store.accounts,
      {
        claude: {
          refresh: async (acc) => {
            refreshes++
            throw new AccountUnavailableError(
              'claude',
              acc.accountId,
              `the tier ended (upstream said ${String(acc.token.refresh_token)})`,
            )
          },
        },
      },
      { onUnavailable: (provider, account, reason) => told.push(`${provider}/${account}: ${reason}`) },
    )
    await mgr.refreshDue(Number.POSITIVE_INFINITY)
    expect(refreshes).toBe(1)
    const stored = s.fromFile()!
    expect(stored.state).toBe('unavailable')
    // the token the refresher quoted stays out of the mark, the log and the error
    expect(stored.lastError).toBe('the tier ended (upstream said [redacted])')
    expect(told).toEqual(['claude/main: the tier ended (upstream said [redacted])'])
    // neither a sweep, nor a request, nor a forced refresh calls the provider again
    await mgr.refreshDue(Number.POSITIVE_INFINITY)
    const e = await caught(mgr.getFresh('claude'), AccountUnavailableError)
    expect(e.reason).toBe(stored.lastError!)
    await caught(mgr.refresh('claude', 'main'), AccountUnavailableError)
    expect(refreshes).toBe(1)
    expect(told.length).toBe(1)
    // a new login clears the mark
    s.store.accounts.upsert({
      provider: 'claude',
      accountId: 'main',
      kind: 'oauth',
      token: { access_token: 'new-at' },
    })
    expect(await mgr.getFresh('claude')).toBe('new-at')
  })

  test('a refresh that succeeds after an answer gave the account up keeps the mark', async () => {
    await using s = setup()
    const mgr = new TokenManager(s.store.accounts, {
      claude: {
        refresh: async (acc) => {
          // a request on the old token met "tier ended" while this refresh was on its way
          s.store.accounts.markUnavailable('claude', acc.accountId, 'tier ended')
          return { token: { access_token: 'fresh', refresh_token: 'rt2' }, expiresAt: Date.now() + 3_600_000 }
        },
      },
    })
    await mgr.refresh('claude', 'main')
    expect(s.fromFile()).toMatchObject({ state: 'unavailable', lastError: 'tier ended' })
    await caught(mgr.getFresh('claude'), AccountUnavailableError)
  })

  describe('withRefreshOn401', () => {
    /** An upstream that accepts only tokens the fake OAuth server still considers issued and current. */
    function upstream(s: { fake: ReturnType<typeof startFakeOAuth> }, always401 = false) {
      const seen: string[] = []
      const server = startFake((req) => {
        const token = (req.headers.get('authorization') ?? '').replace(/^Bearer /, '')
        seen.push(token)
        if (always401 || token === stale) return jsonResponse({ error: 'unauthorized' }, 401)
        return s.fake.isValidAccess(token) ? jsonResponse({ ok: true }) : jsonResponse({ error: 'bad' }, 401)
      })
      let stale = ''
      return { server, seen, markStale: (t: string) => (stale = t) }
    }

    test('a 401 refreshes once and retries once with the new token', async () => {
      await using s = setup({}, {}, 60 * 60_000)
      const up = upstream(s)
      up.markStale(s.seeded.access_token) // revoked upstream although not expired
      await using _server = up.server
      const res = await s.mgr.withRefreshOn401('claude', 'main', (t) =>
        fetch(`${up.server.url}/v1/messages`, { headers: { authorization: `Bearer ${t}` } }),
      )
      expect(res.status).toBe(200)
      expect(up.seen).toHaveLength(2)
      expect(up.seen[0]).toBe(s.seeded.access_token)
      expect(up.seen[1]).not.toBe(s.seeded.access_token)
      expect(s.fake.counters.refreshes).toBe(1)
    })

    test('a second 401 is returned, not retried again', async () => {
      await using s = setup({}, {}, 60 * 60_000)
      const up = upstream(s, true)
      await using _server = up.server
      const res = await s.mgr.withRefreshOn401('claude', undefined, (t) =>
        fetch(`${up.server.url}/v1/messages`, { headers: { authorization: `Bearer ${t}` } }),
      )
      expect(res.status).toBe(401)
      expect(up.seen).toHaveLength(2)
      expect(s.fake.counters.refreshes).toBe(1)
    })

    test('a thrown error with status 401 counts; other errors pass through untouched', async () => {
      await using s = setup({}, {}, 60 * 60_000)
      let calls = 0
      const out = await s.mgr.withRefreshOn401('claude', 'main', async (t) => {
        calls++
        if (t === s.seeded.access_token) throw Object.assign(new Error('unauthorized'), { status: 401 })
        return 'ok'
      })
      expect(out).toBe('ok')
      expect(calls).toBe(2)
      const boom = new Error('boom')
      expect(
        s.mgr.withRefreshOn401('claude', 'main', async () => {
          throw boom
        }),
      ).rejects.toBe(boom)
    })

    test('a result of its own kind: isUnauthorized tells a 401, discard lets it go before the retry', async () => {
      await using s = setup({}, {}, 60 * 60_000)
      const events: string[] = []
      const out = await s.mgr.withRefreshOn401(
        'claude',
        'main',
        async (t) => {
          events.push(t === s.seeded.access_token ? 'call stale' : 'call fresh')
          return { status: t === s.seeded.access_token ? 401 : 200 }
        },
        {
          isUnauthorized: (r) => r.status === 401,
          discard: async (r) => {
            events.push(`discard ${r.status}`)
          },
        },
      )
      expect(out).toEqual({ status: 200 })
      expect(events).toEqual(['call stale', 'discard 401', 'call fresh'])
      expect(s.fake.counters.refreshes).toBe(1)
    })

    test('concurrent 401s with the same stale token share one refresh', async () => {
      await using s = setup({ refreshDelayMs: 30 }, {}, 60 * 60_000)
      const up = upstream(s)
      up.markStale(s.seeded.access_token)
      await using _server = up.server
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          s.mgr.withRefreshOn401('claude', 'main', (t) =>
            fetch(`${up.server.url}/x`, { headers: { authorization: `Bearer ${t}` } }),
          ),
        ),
      )
      expect(results.every((r) => r.status === 200)).toBe(true)
      expect(s.fake.counters.refreshes).toBe(1)
    })
  })
})

test('onRefresh hears how each refresh asked of the provider ended', async () => {
  const heard: string[] = []
  await using s = setup({}, { onRefresh: (provider, outcome) => heard.push(`${provider} ${outcome}`) })
  await s.mgr.refresh('claude', 'main')
  expect(heard).toEqual(['claude ok'])
  // the refresh token the fake rotated away is refused: the login is gone
  s.store.accounts.updateToken(
    'claude',
    'main',
    { access_token: 'a', refresh_token: s.seeded.refresh_token },
    0,
  )
  await caught(s.mgr.refresh('claude', 'main'), NeedsLoginError)
  expect(heard).toEqual(['claude ok', 'claude needs_login'])
})
