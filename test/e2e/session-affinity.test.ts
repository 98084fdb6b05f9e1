/**
 * Session affinity end to end: 30 conversations over 3 Claude keys behind a fake Anthropic
 * upstream, with the real Anthropic SDK as the client and a real SQLite store. Every turn of a
 * conversation lands on one key; cooling that key down moves its conversations (and only them)
 * to another key, where they stay.
 */
import { expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { errorReply, fakeAnthropic } from '../helpers/fakes/index.ts'
import type { Recorded } from '../helpers/fakes/server.ts'
import { testGateway } from '../helpers/gateway.ts'
import { CLIENT_KEY } from './support.ts'

const MODEL = 'claude-sonnet-4-6'
const KEYS = ['a', 'b', 'c'] as const
type Key = (typeof KEYS)[number]
const keyOf = (rec: Recorded) => rec.headers['x-api-key']!.replace('sk-key-', '') as Key

test('30 conversations over 3 keys: each stays on one key; cooling a key moves its conversations only', async () => {
  let failing: Key | undefined
  const calls: Array<{ key: Key; ok: boolean }> = []
  const up = fakeAnthropic((rec) => {
    const key = keyOf(rec)
    const refused = key === failing
    calls.push({ key, ok: !refused })
    return refused ? errorReply(429, { retryAfter: 600 }) : { text: `turn answered by ${key}` }
  })
  await using _up = up
  await using gw = await testGateway({
    providers: {
      claude: {
        base_url: up.url,
        api_keys: KEYS.map((k) => ({ api_key: `sk-key-${k}`, label: k })),
      },
    },
  })
  const client = new Anthropic({ baseURL: gw.url, apiKey: CLIENT_KEY, maxRetries: 0 })
  const N = 30
  const history: Anthropic.MessageParam[][] = []
  for (let n = 0; n < N; n++) {
    // the even conversations open alike and differ only in Claude Code's session id in
    // metadata.user_id; the odd ones are told apart by their first message
    const opening = n % 2 === 0 ? 'conversation 0: hello' : `conversation ${n}: hello`
    history.push([{ role: 'user', content: opening }])
  }
  const userIdOf = (n: number) => (n % 2 === 0 ? `user_1f_account_2e_session_${n}` : undefined)
  const turn = async (n: number, said: string) => {
    const messages = history[n]!
    const reply = await client.messages.create({
      model: MODEL,
      max_tokens: 64,
      system: 'You are terse.',
      messages,
      ...(userIdOf(n) ? { metadata: { user_id: userIdOf(n)! } } : {}),
    })
    const text = reply.content.map((b) => (b.type === 'text' ? b.text : '')).join('')
    messages.push({ role: 'assistant', content: text }, { role: 'user', content: said })
    return text.replace('turn answered by ', '') as Key
  }
  // four turns each; every round starts one conversation further on, so plain round robin
  // would hand a conversation another key each round
  const served = history.map(() => new Set<Key>())
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < N; i++) {
      const n = (i + round) % N
      served[n]!.add(await turn(n, `round ${round}`))
    }
  }
  expect(calls.every((c) => c.ok)).toBe(true)
  expect(served.map((keys) => keys.size)).toEqual(history.map(() => 1))
  const home = new Map(served.map((keys, n) => [n, [...keys][0]!]))
  // round robin spread the new conversations over all three keys, the even ones too
  expect(new Set(home.values())).toEqual(new Set(KEYS))
  expect(new Set([...home].filter(([n]) => n % 2 === 0).map(([, k]) => k))).toEqual(new Set(KEYS))

  // key a starts refusing: its first caller is told 429, the key cools down
  failing = 'a'
  const onA = [...home].filter(([, k]) => k === 'a').map(([n]) => n)
  expect(onA.length).toBeGreaterThan(0)
  const mark = calls.length
  const moved = new Map<number, Key>()
  for (let round = 0; round < 3; round++) {
    for (let n = 0; n < N; n++) {
      const key = await turn(n, `after ${round}`)
      if (onA.includes(n)) {
        // moved off a, and stays on its new key for every later turn
        expect(key).not.toBe('a')
        if (!moved.has(n)) moved.set(n, key)
        expect(key).toBe(moved.get(n)!)
      } else {
        expect(key).toBe(home.get(n)!)
      }
    }
  }
  // a was asked once (the request that found it refusing), then rested
  expect(calls.slice(mark).filter((c) => c.key === 'a')).toHaveLength(1)
  expect(gw.store.cooldowns.list('claude')).toMatchObject([{ account: 'a', reason: 'rate_limit' }])
})
