/** Account cooldowns in SQLite: written, replaced, cleared, and still there after the file is reopened. */
import { expect, test } from 'bun:test'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { tempDir } from '../helpers/tmp.ts'

test('a cooldown is replaced per account, cleared, and survives a reopen', () => {
  using dir = tempDir()
  const file = dir.join('byokey.db')
  const first = openSqliteStore(file)
  first.cooldowns.put({ provider: 'claude', account: 'a', untilMs: 1000, reason: 'rate_limit', failures: 1 })
  first.cooldowns.put({ provider: 'claude', account: 'a', untilMs: 5000, reason: 'quota', failures: 2 })
  first.cooldowns.put({ provider: 'codex', account: 'b', untilMs: 2000, reason: 'auth', failures: 1 })
  first.cooldowns.put({ provider: 'claude', account: 'c', untilMs: 3000, reason: 'upstream', failures: 1 })
  first.cooldowns.clear('claude', 'c')
  first.close()
  const second = openSqliteStore(file)
  try {
    expect(second.cooldowns.list('claude')).toEqual([
      { provider: 'claude', account: 'a', untilMs: 5000, reason: 'quota', failures: 2 },
    ])
    expect(second.cooldowns.list().map((c) => `${c.provider}/${c.account}`)).toEqual(['claude/a', 'codex/b'])
  } finally {
    second.close()
  }
})
