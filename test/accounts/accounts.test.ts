/**
 * The accounts layer on its own: a provider's credentials in strategy order minus those cooling
 * down, one probe after a cooldown ends, success healing, failure doubling the rest, the cap, and
 * cooldowns kept in a real SQLite file across a new `Accounts`.
 */
import { describe, expect, test } from 'bun:test'
import { Accounts, failedWith } from '../../src/accounts/index.ts'
import { parseConfig } from '../../src/config/load.ts'
import { ProviderRegistry } from '../../src/providers/registry.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { tempDir } from '../helpers/tmp.ts'

const yaml = (extra = '') => `
port: 0
${extra}
providers:
  claude:
    api_keys:
      - { api_key: sk-a, label: a }
      - { api_key: sk-b, label: b }
`
const claude = new ProviderRegistry().builtin.claude!

function setup(extra = '') {
  const { config } = parseConfig(yaml(extra), 'c.yaml')
  const clock = { now: Date.parse('2026-12-07T14:00:00Z') }
  const accounts = new Accounts(undefined, () => clock.now)
  const labels = () => accounts.candidates(claude, config).credentials.map((c) => c.label)
  return { config, clock, accounts, labels }
}

describe('Accounts', () => {
  test('a cooling account is skipped until its time, then probed by one request at a time', () => {
    const { config, clock, accounts, labels } = setup()
    expect(labels()).toEqual(['a', 'b'])
    const cooled = accounts.report('claude', 'a', failedWith(429, undefined, 2), config)
    expect(cooled).toMatchObject({ reason: 'rate_limit', seconds: 2, failures: 1 })
    expect(labels()).toEqual(['b'])
    expect(labels()).toEqual(['b'])
    clock.now += 2000
    // the cooldown ended: this request probes a first; a second one meanwhile does not get it
    expect(labels()).toEqual(['a', 'b'])
    expect(labels()).toEqual(['b'])
    accounts.report('claude', 'a', { kind: 'ok' }, config)
    expect(labels()).toEqual(['b', 'a'])
  })

  test('one probe per request: two healed accounts are probed by two requests', () => {
    const { config, clock, accounts, labels } = setup()
    accounts.report('claude', 'a', failedWith(429, undefined, 1), config)
    accounts.report('claude', 'b', failedWith(429, undefined, 1), config)
    clock.now += 1000
    expect(labels()).toEqual(['a'])
    expect(labels()).toEqual(['b'])
    // both probes in flight: nothing left to try, and the soonest retry is close
    const got = accounts.candidates(claude, config)
    expect(got.credentials).toEqual([])
    expect(got.soonestMs).toBeLessThanOrEqual(clock.now + 1000)
  })

  test('a failed probe doubles the backoff of its class', () => {
    const { config, clock, accounts, labels } = setup()
    expect(accounts.report('claude', 'a', failedWith(503, undefined, undefined), config)).toMatchObject({
      reason: 'overloaded',
      seconds: 5,
    })
    clock.now += 5000
    expect(labels()).toContain('a')
    expect(accounts.report('claude', 'a', failedWith(503, undefined, undefined), config)).toMatchObject({
      seconds: 10,
      failures: 2,
    })
  })

  test('an upstream wait past cooldown.max_seconds is capped (per provider too)', () => {
    const three = 3 * 86400
    const global = setup('cooldown: { max_seconds: 600 }')
    expect(
      global.accounts.report('claude', 'a', failedWith(429, undefined, three), global.config),
    ).toMatchObject({ seconds: 600, cappedFrom: three })
    const dflt = setup()
    expect(dflt.accounts.report('claude', 'a', failedWith(429, undefined, three), dflt.config)).toMatchObject(
      {
        seconds: 3600,
      },
    )
    const { config } = parseConfig(`${yaml()}    cooldown: { max_seconds: 30 }\n`, 'c.yaml')
    expect(new Accounts().report('claude', 'a', failedWith(429, undefined, three), config)).toMatchObject({
      seconds: 30,
    })
  })

  test('a bad request says nothing about the account', () => {
    const { config, accounts, labels } = setup()
    expect(accounts.report('claude', 'a', failedWith(400, undefined, undefined), config)).toBeUndefined()
    expect(labels()).toEqual(['a', 'b'])
  })

  test('when every account cools down, the soonest end is named', () => {
    const { config, clock, accounts } = setup()
    accounts.report('claude', 'a', failedWith(429, undefined, 30), config)
    accounts.report('claude', 'b', failedWith(429, undefined, 5), config)
    const got = accounts.candidates(claude, config)
    expect(got.credentials).toEqual([])
    expect(got.total).toBe(2)
    expect(got.soonestMs).toBe(clock.now + 5000)
  })

  test("a provider's only credential is tried even while it cools down", () => {
    const { config } = parseConfig('port: 0\nproviders:\n  claude:\n    api_key: sk-only\n', 'c.yaml')
    const accounts = new Accounts()
    accounts.report('claude', 'api_key', failedWith(429, undefined, 60), config)
    expect(accounts.candidates(claude, config).credentials.map((c) => c.label)).toEqual(['api_key'])
  })

  test('cooldowns are kept in SQLite and read by a new Accounts on the same file', () => {
    using dir = tempDir()
    const { config } = parseConfig(yaml(), 'c.yaml')
    const first = openSqliteStore(dir.join('byokey.db'))
    new Accounts(first.cooldowns).report('claude', 'a', failedWith(429, 'insufficient_quota', 120), config)
    first.close()
    const second = openSqliteStore(dir.join('byokey.db'))
    try {
      expect(second.cooldowns.list('claude')).toMatchObject([{ account: 'a', reason: 'quota', failures: 1 }])
      const again = new Accounts(second.cooldowns)
      expect(again.candidates(claude, config).credentials.map((c) => c.label)).toEqual(['b'])
    } finally {
      second.close()
    }
  })
})
