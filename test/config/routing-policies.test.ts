/** BYOKEY's `routing_policies` at load: mapped onto a provider's routing, order and weights, or a warning saying why not. */
import { expect, test } from 'bun:test'
import { parseConfig } from '../../src/config/load.ts'
import { mapRoutingPolicies } from '../../src/config/routing-policies.ts'

const load = (yaml: string) => parseConfig(yaml, 'byokey.yaml')

test('each BYOKEY strategy becomes the nearest of ours; random ones say so', () => {
  const expected = {
    round_robin: 'round_robin',
    weighted_round_robin: 'weighted',
    priority: 'priority',
    random: 'round_robin',
    weighted_random: 'weighted',
  } as const
  for (const [strategy, routing] of Object.entries(expected)) {
    const { config, warnings } = load(`routing_policies:\n  - provider: codex\n    strategy: ${strategy}\n`)
    expect(config.providers['codex']?.routing).toBe(routing)
    expect(warnings.length).toBe(strategy.endsWith('random') ? 1 : 0)
    if (strategy.endsWith('random'))
      expect(warnings[0]).toMatch(/^byokey\.yaml:2: routing_policies\.0: .*random/)
  }
})

test('priority accounts become the order, weights the weights; the provider keeps its keys', () => {
  const { config, warnings } = load(`providers:
  claude:
    api_keys: [{ api_key: sk-a, label: a }, { api_key: sk-b, label: b }]
routing_policies:
  - { provider: claude, strategy: priority, accounts: [b, a] }
  - { provider: gemini, strategy: weighted_round_robin, weights: { big: 3 } }
`)
  expect(warnings).toEqual([])
  expect(config.providers['claude']).toMatchObject({ routing: 'priority', order: ['b', 'a'] })
  expect(config.providers['claude']?.api_keys.map((k) => k.label)).toEqual(['a', 'b'])
  // a provider only the policy names gets the defaults of any other provider
  expect(config.providers['gemini']).toMatchObject({
    routing: 'weighted',
    weights: { big: 3 },
    enabled: true,
    affinity: true,
  })
})

test("a provider's own routing wins, and the warning says so with the policy's line", () => {
  const { config, warnings } = load(`providers:
  claude:
    routing: fill_first
routing_policies:
  - provider: claude
    strategy: priority
    accounts: [b]
`)
  expect(config.providers['claude']).toMatchObject({ routing: 'fill_first', order: [] })
  expect(warnings).toEqual([
    'byokey.yaml:5: routing_policies.0: providers.claude.routing is set and wins over this policy; the policy is ignored',
  ])
})

test('an explicit order or weights stays; the policy fills only what is missing', () => {
  const { config } = load(`providers:
  claude: { order: [x], weights: { x: 2 } }
routing_policies:
  - { provider: claude, strategy: priority, accounts: [y], weights: { y: 5 } }
`)
  expect(config.providers['claude']).toMatchObject({ routing: 'priority', order: ['x'], weights: { x: 2 } })
})

test('family policies, a second policy per provider and allow-lists are warned about and left out', () => {
  const { config, warnings } = load(`routing_policies:
  - { provider: claude, family: opus, strategy: priority }
  - { provider: codex, strategy: round_robin, accounts: [a] }
  - { provider: codex, strategy: priority }
`)
  expect(config.providers['claude']).toBeUndefined()
  expect(config.providers['codex']).toMatchObject({ routing: 'round_robin', order: [] })
  expect(warnings).toHaveLength(3)
  expect(warnings[0]).toMatch(/^byokey\.yaml:2: routing_policies\.0: .*model family.*ignored/)
  expect(warnings[1]).toMatch(/^byokey\.yaml:3: routing_policies\.1: .*stays in rotation/)
  expect(warnings[2]).toMatch(/^byokey\.yaml:4: routing_policies\.2: .*earlier policy/)
})

test('a policy of the wrong shape is a config error with file, line and field', () => {
  expect(() => load('routing_policies:\n  - provider: claude\n    strategy: fastest\n')).toThrow(
    /^byokey\.yaml:3: routing_policies\.0\.strategy: /,
  )
  expect(() => load('routing_policies:\n  - strategy: priority\n')).toThrow(
    /^byokey\.yaml:2: routing_policies\.0/,
  )
  expect(() => load('routing_policies:\n  - { provider: claude, weights: { a: -1 } }\n')).toThrow(
    /routing_policies\.0\.weights/,
  )
  expect(() => load('routing_policies: { provider: claude }\n')).toThrow(
    /^byokey\.yaml:1: routing_policies: /,
  )
})

test('no policies: nothing changes', () => {
  expect(mapRoutingPolicies([], () => new Set())).toEqual({ settings: {}, warnings: [] })
})
