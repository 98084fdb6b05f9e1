/** Account cooldowns on every store: written, replaced, cleared, and still there for the next store object. */
import { describe, expect, test } from 'bun:test'
import { storeBackends } from '../helpers/store-backends.ts'

for (const backend of storeBackends()) {
  describe.skipIf(backend.skip)(`cooldowns on ${backend}`, () => {
    test('a cooldown is replaced per account, cleared, and survives a reopen', async () => {
      await using s = await backend.open()
      const first = s.store
      first.cooldowns.put({
        provider: 'claude',
        account: 'a',
        untilMs: 1000,
        reason: 'rate_limit',
        failures: 1,
      })
      first.cooldowns.put({ provider: 'claude', account: 'a', untilMs: 5000, reason: 'quota', failures: 2 })
      first.cooldowns.put({ provider: 'codex', account: 'b', untilMs: 2000, reason: 'auth', failures: 1 })
      first.cooldowns.put({
        provider: 'claude',
        account: 'c',
        untilMs: 3000,
        reason: 'upstream',
        failures: 1,
      })
      first.cooldowns.clear('claude', 'c')
      await first.close()
      const second = await s.another()
      expect(second.cooldowns.list('claude')).toEqual([
        { provider: 'claude', account: 'a', untilMs: 5000, reason: 'quota', failures: 2 },
      ])
      expect(second.cooldowns.list().map((c) => `${c.provider}/${c.account}`)).toEqual([
        'claude/a',
        'codex/b',
      ])
    })
  })
}
