/**
 * The limits an upstream reports on its answers reach `byokey status` and `byokey accounts`, run
 * as their own processes beside a running server.
 */
import { describe, expect, test } from 'bun:test'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { requestIn } from '../e2e/support.ts'
import { fakeAnthropic } from '../helpers/fakes/index.ts'
import { sleep } from '../helpers/fakes/server.ts'
import { expectNoSecret, runCli, SOURCE_CMD, startServerIn } from '../helpers/process.ts'
import { tempDir } from '../helpers/tmp.ts'

const KEY = 'sk-ant-api03-QUOTASECRETKEY0123456789abcdef'
const RESET = new Date(Date.now() + 3_600_000).toISOString()

describe('limits in status and accounts', () => {
  test("a key's answer headers show as remaining/limit/reset, in --json and as text", async () => {
    using dir = tempDir()
    await using upstream = fakeAnthropic(
      { text: 'ok' },
      {
        headers: {
          'anthropic-ratelimit-requests-limit': '50',
          'anthropic-ratelimit-requests-remaining': '49',
          'anthropic-ratelimit-requests-reset': RESET,
        },
      },
    )
    const config = `port: 0\nproviders:\n  claude:\n    base_url: ${upstream.url}\n    api_keys:\n      - api_key: ${KEY}\n        label: team\n`
    await using server = await startServerIn(dir, config)
    const res = await requestIn('anthropic-messages', server.url, 'claude/any-model', false)
    expect(res.status).toBe(200)
    await res.text()

    // the server writes what changed about once a second
    let saved = false
    for (let i = 0; i < 100 && !saved; i++) {
      const store = openSqliteStore(dir.join('byokey.db'))
      try {
        saved = store.quotas.list('claude').length > 0
      } finally {
        store.close()
      }
      if (!saved) await sleep(50)
    }
    expect(saved).toBe(true)

    const env = { BYOKEY_HOME: dir.path, HOME: dir.path }
    const json = await runCli(['status', '--json'], env, SOURCE_CMD)
    expectNoSecret(json, KEY)
    const status = JSON.parse(json.stdout) as { providers: Array<{ provider: string; quotas: unknown[] }> }
    expect(status.providers.find((p) => p.provider === 'claude')?.quotas).toEqual([
      {
        account: 'team',
        observed_at: expect.any(String),
        status: null,
        resets_at: null,
        windows: [
          {
            name: 'requests',
            limit: 50,
            remaining: 49,
            used_percent: null,
            window_minutes: null,
            resets_at: RESET,
            status: null,
          },
        ],
      },
    ])

    const text = await runCli(['accounts', 'claude'], env, SOURCE_CMD)
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^ {2}team \(config key\) limits: requests 49\/50 left \(resets in (59m|1h)/m)
    const accountsJson = JSON.parse(
      (await runCli(['accounts', 'claude', '--json'], env, SOURCE_CMD)).stdout,
    ) as {
      quotas: Array<{ account: string }>
    }
    expect(accountsJson.quotas.map((q) => q.account)).toEqual(['team'])
  })
})
