import { describe, expect, test } from 'bun:test'
import { parseConfig } from '../../src/config/load.ts'
import { ProviderRegistry } from '../../src/providers/registry.ts'
import { routeFor } from '../../src/server/gateway/pipeline.ts'
import { cachedRoute } from '../../src/server/gateway/route-cache.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { tempDir } from '../helpers/tmp.ts'

const YAML = `
upstreams:
  - { name: up, dialect: openai-chat, base_url: "http://127.0.0.1:9/v1", api_key: k, models: [listed-model] }
model_alias:
  up: [{ name: listed-model, alias: fast }]
`

const gateway = { providers: new ProviderRegistry() }

describe('routes remembered per config snapshot', () => {
  test('a route that depends on the config alone is resolved once per snapshot', () => {
    const { config } = parseConfig(YAML, 'a.yaml')
    for (const model of ['up/anything', 'listed-model', 'fast', 'fast(high)']) {
      const first = routeFor(gateway, model, config)
      expect(routeFor(gateway, model, config)).toBe(first)
    }
    expect(routeFor(gateway, 'fast(high)', config).route).toMatchObject({
      model: 'listed-model',
      reasoning: { effort: 'high' },
    })
    // a reload is a new snapshot: nothing carries over from the old one
    const { config: reloaded } = parseConfig(YAML.replace('alias: fast', 'alias: quick'), 'a.yaml')
    expect(routeFor(gateway, 'quick', reloaded).route.model).toBe('listed-model')
    expect(() => routeFor(gateway, 'fast', reloaded)).toThrow(/not served/)
  })

  test('a bare catalogue model follows logins, which change no config', () => {
    using dir = tempDir()
    const store = openSqliteStore(dir.join('r.db'))
    const { config } = parseConfig('port: 0\n', 'b.yaml')
    // nobody serves it yet: the first provider in catalogue order, which then fails on credentials
    expect(routeFor(gateway, 'gpt-4.1', config, store.accounts).provider.id).toBe('codex')
    store.accounts.upsert({
      provider: 'copilot',
      accountId: 'gh',
      kind: 'oauth',
      token: { access_token: 'x' },
    })
    expect(routeFor(gateway, 'gpt-4.1', config, store.accounts).provider.id).toBe('copilot')
    store.close()
  })

  test('unknown models are not remembered, and the table stays bounded', () => {
    const { config } = parseConfig(YAML, 'c.yaml')
    expect(() => routeFor(gateway, 'no-such-model', config)).toThrow(/not served/)
    let calls = 0
    const resolve = () => {
      calls++
      return routeFor(gateway, 'up/x', config)
    }
    for (let i = 0; i < 3000; i++) cachedRoute(config, `m${i}`, resolve)
    expect(calls).toBe(3000)
    // the oldest were let go when the table filled; the newest are still there
    cachedRoute(config, 'm2999', resolve)
    expect(calls).toBe(3000)
    cachedRoute(config, 'm0', resolve)
    expect(calls).toBe(3001)
  })
})
