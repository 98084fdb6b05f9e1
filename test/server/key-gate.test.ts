/** The pieces of gateway-key admission: where a key is read from, requests per minute, budget periods, the bind check. */
import { describe, expect, test } from 'bun:test'
import { isLoopbackPeer } from '../../src/server/browser-guard.ts'
import { KeyBudgets, periodEnd, periodStart } from '../../src/server/key-budgets.ts'
import { keyAllowsModel, needsGatewayKey, openBindRefusal, presentedKey } from '../../src/server/key-gate.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { tempDir } from '../helpers/tmp.ts'
import { usageRow } from '../helpers/usage-row.ts'

describe('presentedKey', () => {
  const req = (headers: Record<string, string>, query = '') =>
    new Request(`http://h/v1/x${query}`, { headers })
  test('each client’s way of sending it', () => {
    expect(presentedKey(req({ authorization: 'Bearer byk-a' }))).toBe('byk-a')
    expect(presentedKey(req({ authorization: 'bearer  byk-a ' }))).toBe('byk-a')
    expect(presentedKey(req({ 'x-api-key': 'byk-b' }))).toBe('byk-b')
    expect(presentedKey(req({ 'x-goog-api-key': 'byk-c' }))).toBe('byk-c')
    expect(presentedKey(req({}, '?alt=sse&key=byk-d'))).toBe('byk-d')
  })
  test('none, or an Authorization that is not a bearer token', () => {
    expect(presentedKey(req({}))).toBeUndefined()
    expect(presentedKey(req({ authorization: 'Basic dTpw' }))).toBeUndefined()
    expect(presentedKey(req({ authorization: 'Bearer ' }))).toBeUndefined()
    expect(presentedKey(req({}, '?keys=x'))).toBeUndefined()
  })
})

test('model globs: none allow every model', () => {
  const key = { id: 'k', name: 'n', prefix: 'p', createdAt: 0 }
  expect(keyAllowsModel(key, 'anything')).toBe(true)
  expect(keyAllowsModel({ ...key, models: ['claude-*', 'gpt-5'] }, 'claude-haiku-4-5')).toBe(true)
  expect(keyAllowsModel({ ...key, models: ['claude-*', 'gpt-5'] }, 'gpt-5')).toBe(true)
  expect(keyAllowsModel({ ...key, models: ['claude-*', 'gpt-5'] }, 'gpt-5-codex')).toBe(false)
})

describe('budget periods (UTC)', () => {
  const at = Date.UTC(2026, 11, 31, 23, 59, 59)
  test('day and month, across a year end', () => {
    expect(periodStart('day', at)).toBe(Date.UTC(2026, 11, 31))
    expect(periodEnd('day', at)).toBe(Date.UTC(2027, 0, 1))
    expect(periodStart('month', at)).toBe(Date.UTC(2026, 11, 1))
    expect(periodEnd('month', at)).toBe(Date.UTC(2027, 0, 1))
  })

  test('spend is read once per period, then moved on by rows as they are written', async () => {
    using dir = tempDir()
    const store = openSqliteStore(dir.join('b.db'))
    const row = (ts: number, keyId: string, total: number) =>
      usageRow({
        ts,
        keyId,
        cost: { input: total, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, total },
      })
    store.usage.record(row(Date.UTC(2026, 10, 30), 'k', 100)) // last month: not counted
    store.usage.record(row(Date.UTC(2026, 11, 2), 'k', 1)) // this month, not today
    store.usage.record(row(Date.UTC(2026, 11, 31, 1), 'k', 2)) // today (queued, not yet written)
    const budgets = new KeyBudgets(store.usage)
    await budgets.ready(at)
    expect(budgets.ready(at)).toBeUndefined()
    expect(budgets.spent('k', 'month', at)).toBe(3)
    expect(budgets.spent('k', 'day', at)).toBe(2)
    const later = row(Date.UTC(2026, 11, 31, 2), 'k', 0.5)
    budgets.add(later)
    store.usage.record(later)
    expect(budgets.spent('k', 'month', at)).toBe(3.5)
    expect(budgets.spent('k', 'day', at)).toBe(2.5)
    expect(budgets.spent('other', 'day', at)).toBe(0)
    // the next day starts from the rows again
    const nextDay = budgets.ready(Date.UTC(2027, 0, 1, 5))
    expect(nextDay).toBeInstanceOf(Promise)
    await nextDay
    expect(budgets.spent('k', 'day', Date.UTC(2027, 0, 1, 5))).toBe(0)
    await store.close()
  })

  test('a failed load is reported, budgets stay as last known, and it is retried a second later', async () => {
    using dir = tempDir()
    const store = openSqliteStore(dir.join('gone.db'))
    await store.close()
    const errors: unknown[] = []
    const budgets = new KeyBudgets(store.usage, (err) => errors.push(err))
    await budgets.ready(at)
    expect(errors).toHaveLength(1)
    expect(budgets.spent('k', 'day', at)).toBe(0)
    // not on every request while the store is away
    expect(budgets.ready(at + 999)).toBeUndefined()
    await budgets.ready(at + 1000)
    expect(errors).toHaveLength(2)
  })
})

test('listening beyond loopback needs keys', () => {
  for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) {
    expect(openBindRefusal(host, false)).toBeUndefined()
  }
  for (const host of ['0.0.0.0', '::', '192.168.1.20', 'gateway.lan']) {
    expect(openBindRefusal(host, false)).toContain(`refusing to listen on ${host} without gateway keys`)
    expect(openBindRefusal(host, true)).toBeUndefined()
  }
})

test('peers on this machine', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackPeer(a)).toBe(true)
  for (const a of ['10.0.0.2', '::ffff:10.0.0.2', 'fe80::1', '192.168.1.20'])
    expect(isLoopbackPeer(a)).toBe(false)
})

test('which requests need a key: the API, Amp’s API; not health, not Amp’s login redirects', () => {
  for (const [m, p] of [
    ['POST', '/v1/chat/completions'],
    ['GET', '/v1/models'],
    ['POST', '/v1beta/models/g:generateContent'],
    ['POST', '/api/provider/anthropic/v1/messages'],
    ['GET', '/api/user'],
    ['POST', '/v0/management/x'],
  ] as const)
    expect(needsGatewayKey(m, p)).toBe(true)
  for (const [m, p] of [
    ['GET', '/healthz'],
    ['GET', '/openapi.json'],
    ['GET', '/v1/login'],
    ['GET', '/auth/cli-login'],
    ['GET', '/metrics'],
  ] as const)
    expect(needsGatewayKey(m, p)).toBe(false)
})
