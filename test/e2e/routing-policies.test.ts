/**
 * A BYOKEY config's `routing_policies` route requests: three Claude keys behind a fake Anthropic
 * upstream that counts the calls per key, with a policy instead of `providers.claude.routing`.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { fakeAnthropic } from '../helpers/fakes/index.ts'
import { type TestGateway, testGateway } from '../helpers/gateway.ts'
import { CLIENT_KEY } from './support.ts'

const KEYS = { 'sk-key-a': 'a', 'sk-key-b': 'b', 'sk-key-c': 'c' } as const
type Label = (typeof KEYS)[keyof typeof KEYS]

function countingUpstream() {
  const calls: Record<Label, number> = { a: 0, b: 0, c: 0 }
  const up = fakeAnthropic((rec) => {
    const label = KEYS[rec.headers['x-api-key'] as keyof typeof KEYS]
    calls[label] += 1
    return { text: `answer from ${label}` }
  })
  return { up, calls }
}

function gatewayFor(url: string, policy: Record<string, unknown>, claude: Record<string, unknown> = {}) {
  return testGateway({
    providers: {
      claude: {
        base_url: url,
        api_keys: Object.entries(KEYS).map(([api_key, label]) => ({ api_key, label })),
        ...claude,
      },
    },
    routing_policies: [{ provider: 'claude', ...policy }],
  })
}

/** `n` requests, each a new conversation so session affinity leaves the choice to the strategy. */
async function ask(gw: TestGateway, n: number): Promise<string[]> {
  const client = new Anthropic({ baseURL: gw.url, apiKey: CLIENT_KEY, maxRetries: 0 })
  const answers: string[] = []
  for (let i = 0; i < n; i++) {
    const m = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 16,
      messages: [{ role: 'user', content: `hi ${crypto.randomUUID()}` }],
    })
    answers.push(m.content.map((b) => (b.type === 'text' ? b.text : '')).join(''))
  }
  return answers
}

describe('routing_policies', () => {
  test('priority with accounts: every request goes to the first account named', async () => {
    const { up, calls } = countingUpstream()
    await using _up = up
    await using gw = await gatewayFor(up.url, { strategy: 'priority', accounts: ['c', 'a'] })
    expect(await ask(gw, 4)).toEqual(Array(4).fill('answer from c'))
    expect(calls).toEqual({ a: 0, b: 0, c: 4 })
  })

  test('weighted_round_robin: each key gets its share of the requests', async () => {
    const { up, calls } = countingUpstream()
    await using _up = up
    await using gw = await gatewayFor(up.url, {
      strategy: 'weighted_round_robin',
      weights: { a: 3, b: 1, c: 0 },
    })
    await ask(gw, 8)
    expect(calls).toEqual({ a: 6, b: 2, c: 0 })
  })

  test("the provider's own routing wins over the policy", async () => {
    const { up, calls } = countingUpstream()
    await using _up = up
    await using gw = await gatewayFor(
      up.url,
      { strategy: 'priority', accounts: ['c'] },
      { routing: 'round_robin' },
    )
    await ask(gw, 6)
    expect(calls).toEqual({ a: 2, b: 2, c: 2 })
  })
})
