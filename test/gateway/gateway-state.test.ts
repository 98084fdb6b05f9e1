/**
 * What a gateway keeps between requests belongs to that gateway: two in one process (tests, or an
 * embedder running two configs) must not see each other's state.
 */
import { describe, expect, test } from 'bun:test'
import { parseConfig } from '../../src/config/load.ts'
import { GatewayState } from '../../src/gateway/gateway-state.ts'
import { UpstreamSlots } from '../../src/gateway/upstream-slots.ts'
import { createLogger } from '../../src/log.ts'
import { Context, RequestContexts } from '../../src/server/context.ts'
import { requestIn } from '../e2e/support.ts'
import { fakeOpenAI } from '../helpers/fakes/index.ts'
import { testGateway } from '../helpers/gateway.ts'

describe('round-robin positions', () => {
  test('two gateways in one process each start their round robin at the first key', async () => {
    await using up = fakeOpenAI({ text: 'ok' })
    const providers = {
      codex: {
        base_url: `${up.url}/v1`,
        // the same request every time: without affinity off it would stay on its first key
        affinity: false,
        api_keys: [
          { api_key: 'key-one', label: 'one' },
          { api_key: 'key-two', label: 'two' },
        ],
      },
    }
    await using first = await testGateway({ providers })
    await using second = await testGateway({ providers })
    for (const gw of [first, second, first, second]) {
      expect((await requestIn('openai-chat', gw.url, 'gpt-5', false)).status).toBe(200)
    }
    expect(up.requests.map((r) => r.headers['authorization'])).toEqual([
      'Bearer key-one',
      'Bearer key-one',
      'Bearer key-two',
      'Bearer key-two',
    ])
  })
})

describe('request contexts', () => {
  test("a request's context is found only through the contexts of the gateway that set it", () => {
    const state = new GatewayState(new UpstreamSlots(4))
    const { config } = parseConfig('port: 0\n', 'c.yaml')
    const snapshot = { config, version: 1, hash: '', loadedAt: 0, secrets: [] }
    const ctx = new Context('req_1', 0, snapshot, createLogger({ level: 'silent' }), state)
    const mine = new RequestContexts()
    const theirs = new RequestContexts()
    const req = new Request('http://localhost/v1/models')
    mine.set(req, ctx)
    expect(mine.of(req)).toBe(ctx)
    expect(() => theirs.of(req)).toThrow(/request context missing/)
    expect(() => mine.of(new Request('http://localhost/v1/models'))).toThrow(/request context missing/)
  })
})
