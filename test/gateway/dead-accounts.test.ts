/** The client's error for a provider whose stored accounts were given up: provider, account, reason, count. */
import { expect, test } from 'bun:test'
import { unavailableError, unavailableInfo } from '../../src/gateway/dead-accounts.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { tempDir } from '../helpers/tmp.ts'

test('unavailableInfo is a 403 permission error with a code of its own', () => {
  expect(unavailableInfo('qwen', 'q', 'tier ended')).toEqual({
    kind: 'permission',
    status: 403,
    code: 'account_unavailable',
    message: "Provider 'qwen': account 'q' no longer works: tier ended",
  })
})

test('unavailableError names the first account given up and counts the others; none: undefined', () => {
  using dir = tempDir()
  const store = openSqliteStore(dir.join('byokey.db'))
  try {
    const a = store.accounts
    expect(unavailableError('qwen', a)).toBeUndefined()
    expect(unavailableError('qwen', undefined)).toBeUndefined()
    // listed by creation, then id: ids in creation order keep the order certain
    for (const id of ['a1', 'b2', 'c3']) {
      a.upsert({ provider: 'qwen', accountId: id, kind: 'oauth', token: { access_token: `at-${id}` } })
    }
    a.setState('qwen', 'a1', 'needs_login', 'invalid_grant')
    expect(unavailableError('qwen', a)).toBeUndefined()
    a.markUnavailable('qwen', 'b2', 'tier ended')
    const single = unavailableError('qwen', a)!
    expect(single.status).toBe(403)
    expect(single.info).toMatchObject({ kind: 'permission', code: 'account_unavailable' })
    expect(single.message).toBe("Provider 'qwen': account 'b2' no longer works: tier ended")
    a.markUnavailable('qwen', 'c3', 'tier ended too')
    expect(unavailableError('qwen', a)!.info.message).toBe(
      "Provider 'qwen': account 'b2' no longer works: tier ended (and 1 more account(s) of 'qwen' likewise)",
    )
    // another provider's accounts are not this one's
    expect(unavailableError('kimi', a)).toBeUndefined()
  } finally {
    store.close()
  }
})
