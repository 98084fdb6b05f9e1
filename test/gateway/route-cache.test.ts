import { describe, expect, test } from 'bun:test'
import { parseConfig } from '../../src/config/load.ts'
import { routeFor } from '../../src/gateway/pipeline.ts'
import { RouteCache, type Routed } from '../../src/gateway/route-cache.ts'
import { ProviderRegistry } from '../../src/providers/registry.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { tempDir } from '../helpers/tmp.ts'

const YAML = `
upstreams:
  - { name: up, dialect: openai-chat, base_url: "http://127.0.0.1:9/v1", api_key: k, models: [listed-model] }
model_alias:
  up: [{ name: listed-model, alias: fast }]
`

/** What routing reads of a gateway, made fresh as `startGateway` makes it. */
const newGateway = () => ({ providers: new ProviderRegistry(), routes: new RouteCache() })

/** The accounts' version as the cache sees it: `current` for now, counting how often it is read. */
class Versioned {
  reads = 0
  constructor(public current: number) {}
  version(): number {
    this.reads++
    return this.current
  }
}

describe('routes remembered per config snapshot', () => {
  test('a route that depends on the config alone is resolved once per snapshot', () => {
    const gateway = newGateway()
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
    const gateway = newGateway()
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
    const gateway = newGateway()
    const { config } = parseConfig(YAML, 'c.yaml')
    expect(() => routeFor(gateway, 'no-such-model', config)).toThrow(/not served/)
    const cache = new RouteCache()
    const key = { config, accounts: undefined, catalog: 0 }
    let calls = 0
    const resolve = () => {
      calls++
      return routeFor(gateway, 'up/x', config)
    }
    for (let i = 0; i < 3000; i++) cache.route(key, `m${i}`, resolve)
    expect(calls).toBe(3000)
    // the oldest were let go when the table filled; the newest are still there
    cache.route(key, 'm2999', resolve)
    expect(calls).toBe(3000)
    cache.route(key, 'm0', resolve)
    expect(calls).toBe(3001)
  })
})

describe('routes keyed by what they depend on', () => {
  const counting = (routed: () => Routed) => {
    const resolve = () => {
      resolve.calls++
      return routed()
    }
    resolve.calls = 0
    return resolve
  }

  test('a bare catalogue model is resolved once while the accounts stay as they are', () => {
    using dir = tempDir()
    const store = openSqliteStore(dir.join('k.db'))
    const gateway = newGateway()
    const { config } = parseConfig('port: 0\n', 'k.yaml')
    const first = routeFor(gateway, 'gpt-4.1', config, store.accounts)
    expect(routeFor(gateway, 'gpt-4.1', config, store.accounts)).toBe(first)
    store.close()
  })

  test('a login written by another connection (a `byokey login` process) re-routes', () => {
    using dir = tempDir()
    const server = openSqliteStore(dir.join('shared.db'))
    const gateway = newGateway()
    const { config } = parseConfig('port: 0\n', 'x.yaml')
    expect(routeFor(gateway, 'gpt-4.1', config, server.accounts).provider.id).toBe('codex')
    const cli = openSqliteStore(dir.join('shared.db'))
    cli.accounts.upsert({ provider: 'copilot', accountId: 'gh', kind: 'oauth', token: { access_token: 'x' } })
    cli.close()
    expect(routeFor(gateway, 'gpt-4.1', config, server.accounts).provider.id).toBe('copilot')
    // and a logout by it routes back
    const again = openSqliteStore(dir.join('shared.db'))
    again.accounts.remove('copilot', 'gh')
    again.close()
    expect(routeFor(gateway, 'gpt-4.1', config, server.accounts).provider.id).toBe('codex')
    server.close()
  })

  test('any part of the key that changes resolves again; an equal key does not', () => {
    const { config } = parseConfig(YAML, 'd.yaml')
    const { config: other } = parseConfig(YAML, 'd.yaml')
    const cache = new RouteCache()
    const accounts = new Versioned(3)
    // gpt-4.1: served by codex and copilot, so chosen by credentials; the other two are not
    const models = ['gpt-4.1', 'claude/x', 'up/x']
    const resolvers = models.map((m) => counting(() => routeFor(newGateway(), m, config)))
    const calls = () => resolvers.map((r) => r.calls)
    const all = (key: { config: typeof config; catalog: number }) => {
      for (const [i, m] of models.entries()) cache.route({ ...key, accounts }, m, resolvers[i]!)
    }
    all({ config, catalog: 1 })
    all({ config, catalog: 1 })
    expect(calls()).toEqual([1, 1, 1])
    // only a route chosen by credentials reads the accounts' version, and follows it
    const reads = accounts.reads
    cache.route({ config, catalog: 1, accounts }, 'claude/x', resolvers[1]!)
    cache.route({ config, catalog: 1, accounts }, 'up/x', resolvers[2]!)
    expect(accounts.reads).toBe(reads)
    accounts.current = 4
    all({ config, catalog: 1 })
    expect(calls()).toEqual([2, 1, 1])
    all({ config, catalog: 2 })
    expect(calls()).toEqual([3, 2, 2])
    all({ config: other, catalog: 2 })
    expect(calls()).toEqual([4, 3, 3])
  })

  test('two gateways in one process keep separate route caches', () => {
    const { config } = parseConfig(YAML, 'e.yaml')
    const a = new RouteCache()
    const b = new RouteCache()
    const key = { config, accounts: undefined, catalog: 0 }
    const resolve = counting(() => routeFor(newGateway(), 'up/x', config))
    const fromA = a.route(key, 'up/x', resolve)
    const fromB = b.route(key, 'up/x', resolve)
    expect(resolve.calls).toBe(2)
    expect(fromB).not.toBe(fromA)
    expect(a.route(key, 'up/x', resolve)).toBe(fromA)
    expect(resolve.calls).toBe(2)
  })
})
