/**
 * Two instances' accounts layers joined by their notices: a cooldown started on one rests the
 * account on both, a success on one heals it on both, one instance probes a healed account, a
 * conversation's account follows it to the other instance, and a catch-up reads the store.
 * Notices pass straight from one to the other (what a shared coordination delivers).
 */
import { describe, expect, test } from 'bun:test'
import { Accounts, failedWith } from '../../src/accounts/index.ts'
import { parseConfig } from '../../src/config/load.ts'
import type { Notice } from '../../src/coordination/types.ts'
import { ProviderRegistry } from '../../src/providers/registry.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { tempDir } from '../helpers/tmp.ts'

const { config } = parseConfig(
  `
port: 0
providers:
  claude:
    api_keys:
      - { api_key: sk-a, label: a }
      - { api_key: sk-b, label: b }
`,
  'c.yaml',
)
const claude = new ProviderRegistry().builtin.claude!

function pair() {
  const clock = { now: Date.parse('2026-12-07T14:00:00Z') }
  const sent: Notice[][] = [[], []]
  const instances: Accounts[] = []
  for (const i of [0, 1]) {
    const other = 1 - i
    const publish = (n: Notice) => {
      sent[i]!.push(n)
      // what the wire does: a copy, delivered to the other instance only
      instances[other]?.hear(JSON.parse(JSON.stringify(n)) as Notice)
    }
    instances.push(new Accounts(undefined, () => clock.now, undefined, { publish }))
  }
  const labels = (i: number, session?: string) =>
    instances[i]!.candidates(
      claude,
      config,
      undefined,
      session === undefined ? undefined : () => session,
    ).credentials.map((c) => c.label)
  return { clock, sent, a: instances[0]!, b: instances[1]!, labels }
}

describe('Accounts across instances', () => {
  test('a 429 through one instance cools the account on the other; a success heals it on both', () => {
    const { clock, a, b, labels, sent } = pair()
    a.report('claude', 'a', failedWith(429, undefined, 30), config)
    expect(sent[0]).toEqual([
      {
        kind: 'cooldown',
        cooldown: {
          provider: 'claude',
          account: 'a',
          untilMs: clock.now + 30_000,
          reason: 'rate_limit',
          failures: 1,
        },
      },
    ])
    expect(labels(1)).toEqual(['b'])
    clock.now += 30_000
    // the probe is taken by one instance: the other leaves the account alone
    expect(labels(1)).toEqual(['a', 'b'])
    expect(labels(0)).toEqual(['b'])
    b.report('claude', 'a', { kind: 'ok' }, config)
    expect(sent[1]).toContainEqual({ kind: 'cooldown-cleared', provider: 'claude', account: 'a' })
    expect(labels(0)).toContain('a')
    // the notices of the other instance are applied, never sent again
    expect(sent[0]!.filter((n) => n.kind !== 'probing')).toHaveLength(1)
  })

  test('a probe handed back unused lets the other instance probe', () => {
    const { clock, a, labels } = pair()
    a.report('claude', 'a', failedWith(429, undefined, 1), config)
    clock.now += 1000
    expect(labels(0)).toEqual(['a', 'b'])
    expect(labels(1)).toEqual(['b'])
    a.report('claude', 'a', { kind: 'abandoned' }, config)
    expect(labels(1)).toEqual(['a', 'b'])
  })

  test('a conversation served through one instance stays on its account on the other', () => {
    const { a, labels } = pair()
    const first = labels(0, 's1')[0]!
    a.report('claude', first, { kind: 'ok' }, config, () => 's1')
    for (let i = 0; i < 3; i++) expect(labels(1, 's1')[0]).toBe(first)
  })

  test('a catch-up reads the cooldowns from the store again', async () => {
    using dir = tempDir()
    const store = openSqliteStore(dir.join('byokey.db'))
    try {
      const mine = new Accounts(store.cooldowns)
      expect(mine.candidates(claude, config).credentials.map((c) => c.label)).toEqual(['a', 'b'])
      // written by another instance while this one heard nothing
      store.cooldowns.put({
        provider: 'claude',
        account: 'b',
        untilMs: Date.now() + 60_000,
        reason: 'quota',
        failures: 1,
      })
      expect(mine.candidates(claude, config).credentials.map((c) => c.label)).toContain('b')
      mine.reloadCooldowns()
      expect(mine.candidates(claude, config).credentials.map((c) => c.label)).toEqual(['a'])
    } finally {
      await store.close()
    }
  })
})
