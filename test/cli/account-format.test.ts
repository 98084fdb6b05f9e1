/** How an account its provider gave up is shown: in full, red on a terminal that takes colour. */
import { describe, expect, test } from 'bun:test'
import { describeAccount, paintFor, plain } from '../../src/cli/account-format.ts'
import type { Account } from '../../src/store/types.ts'

const account = (over: Partial<Account> = {}): Account => ({
  provider: 'qwen',
  accountId: 'q',
  kind: 'oauth',
  active: true,
  token: {},
  state: 'ok',
  createdAt: 0,
  updatedAt: 0,
  ...over,
})

const REASON = `Qwen's OAuth free tier has ended (upstream: "${'x'.repeat(250)}"); pay; \`byokey login qwen\` clears the mark`

describe('an unavailable account', () => {
  test('is described with its whole reason, in red where colour is wanted', () => {
    const gone = account({ state: 'unavailable', lastError: REASON })
    expect(describeAccount(gone, 0)).toBe(`oauth UNAVAILABLE: ${REASON}`)
    const red = paintFor({ isTTY: true }, {})
    expect(describeAccount(gone, 0, red)).toBe(`\x1b[31moauth UNAVAILABLE: ${REASON}\x1b[39m`)
    // a healthy account is not painted
    expect(describeAccount(account(), 0, red)).toBe('oauth ok')
  })

  test('colour only on a terminal, and never with NO_COLOR set', () => {
    expect(paintFor({ isTTY: false }, {})).toBe(plain)
    expect(paintFor({}, {})).toBe(plain)
    expect(paintFor({ isTTY: true }, { NO_COLOR: '1' })).toBe(plain)
    expect(paintFor({ isTTY: true }, { NO_COLOR: '' })).not.toBe(plain)
  })
})
