/**
 * The per-account slots behind `max_concurrency`: made once per account on first use, resized
 * when a reload changes the cap, none without a cap; a full account's `tryTake` says no until a
 * slot comes back. The queue is the gateway's own (`UpstreamSlots`), as a gateway hands it in.
 */
import { expect, test } from 'bun:test'
import { Accounts } from '../../src/accounts/index.ts'
import { UpstreamSlots } from '../../src/gateway/upstream-slots.ts'
import { claudeWithKeys } from '../helpers/accounts-config.ts'

const configWith = (extra: Record<string, unknown>) => claudeWithKeys(['a', 'b'], extra)

test('one queue per account under its cap; resized on reload; none without a cap', () => {
  const accounts = new Accounts(undefined, Date.now, (n) => new UpstreamSlots(n))
  const capped = configWith({ max_concurrency: 1 })
  const a = accounts.slotsFor('claude', 'a', capped)!
  expect(a.capacity).toBe(1)
  expect(accounts.slotsFor('claude', 'a', capped)).toBe(a)
  expect(accounts.slotsFor('claude', 'b', capped)).not.toBe(a)
  expect(a.tryTake()).toBe(true)
  expect(a.tryTake()).toBe(false)
  a.release()
  expect(a.tryTake()).toBe(true)
  expect(accounts.slotsFor('claude', 'a', configWith({ max_concurrency: 3 }))).toBe(a)
  expect(a.capacity).toBe(3)
  expect(a.tryTake()).toBe(true)
  expect(accounts.slotsFor('claude', 'a', configWith({}))).toBeUndefined()
  expect(configWith({}).providers['claude']!.max_concurrency_wait_ms).toBe(5000)
  // an Accounts without a way to make slots enforces no cap
  expect(new Accounts().slotsFor('claude', 'a', capped)).toBeUndefined()
})
