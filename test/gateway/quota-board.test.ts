import { describe, expect, test } from 'bun:test'
import { QuotaBoard } from '../../src/gateway/quota-board.ts'
import { claude } from '../../src/providers/claude/upstream.ts'
import { gemini } from '../../src/providers/gemini/upstream.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { requestIn } from '../e2e/support.ts'
import { errorReply, fakeAnthropic } from '../helpers/fakes/index.ts'
import { sleep } from '../helpers/fakes/server.ts'
import { testGateway } from '../helpers/gateway.ts'
import { tempDir } from '../helpers/tmp.ts'

const limits = (remaining: number) =>
  new Headers({
    'anthropic-ratelimit-requests-limit': '50',
    'anthropic-ratelimit-requests-remaining': `${remaining}`,
  })

describe('the quota board', () => {
  test('keeps the latest answer per account, and writes an account only when its limits change', () => {
    using dir = tempDir()
    const store = openSqliteStore(dir.join('byokey.db'))
    try {
      const board = new QuotaBoard()
      board.capture(claude, 'work', limits(49))
      board.capture(claude, 'work', limits(48))
      board.capture(claude, 'home', limits(10))
      // nothing is read or written until the flush
      expect(board.latest('claude', 'work')).toBeUndefined()
      expect(store.quotas.list()).toEqual([])
      board.flush(store.quotas)
      expect(board.latest('claude', 'work')?.windows[0]?.remaining).toBe(48)
      const first = store.quotas.list('claude')
      expect(first.map((q) => [q.account, q.quota.windows[0]?.remaining])).toEqual([
        ['home', 10],
        ['work', 48],
      ])

      // the same limits again: the stored row stays as it was
      board.capture(claude, 'work', limits(48))
      board.flush(store.quotas)
      expect(store.quotas.list('claude')).toEqual(first)
      board.capture(claude, 'work', limits(47))
      board.flush(store.quotas)
      expect(store.quotas.list('claude').find((q) => q.account === 'work')?.quota.windows[0]?.remaining).toBe(
        47,
      )
    } finally {
      store.close()
    }
  })

  test('a provider without limit headers leaves nothing, and a store opened later reads what was written', () => {
    using dir = tempDir()
    const board = new QuotaBoard()
    const store = openSqliteStore(dir.join('byokey.db'))
    board.capture(gemini, 'api_key', limits(1))
    board.capture(claude, 'api_key', new Headers({ 'content-type': 'application/json' }))
    board.capture(claude, 'k', limits(5))
    board.flush(store.quotas)
    store.close()
    const again = openSqliteStore(dir.join('byokey.db'))
    try {
      expect(again.quotas.list().map((q) => `${q.provider}/${q.account}`)).toEqual(['claude/k'])
    } finally {
      again.close()
    }
  })
})

describe('limits captured by the gateway', () => {
  test('an error answer reports its limits too: a 429 leaves remaining 0 for its key', async () => {
    await using upstream = fakeAnthropic(errorReply(429, { message: 'slow down', retryAfter: 5 }), {
      headers: {
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
      },
    })
    await using gw = await testGateway({
      providers: { claude: { api_key: 'sk-ant-k', base_url: upstream.url } },
    })
    const res = await requestIn('anthropic-messages', gw.url, 'claude/any-model', false)
    expect(res.status).toBe(429)
    await res.text()
    let saved: number | undefined
    for (let i = 0; i < 100 && saved === undefined; i++) {
      saved = gw.store.quotas.list('claude')[0]?.quota.windows[0]?.remaining
      if (saved === undefined) await sleep(50)
    }
    expect(saved).toBe(0)
    expect(gw.store.quotas.list('claude').map((q) => q.account)).toEqual(['api_key'])
  })
})
