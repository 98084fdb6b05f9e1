/** The accounts keys of the config: strategies, order, weights and cooldown caps, with their defaults. */
import { expect, test } from 'bun:test'
import { parseConfig } from '../../src/config/load.ts'

test('defaults: round robin, no order or weights, cooldowns capped at an hour', () => {
  const { config } = parseConfig('providers:\n  claude:\n    api_key: sk-x\n', 'a.yaml')
  expect(config.cooldown).toEqual({ max_seconds: 3600 })
  expect(config.providers['claude']).toMatchObject({ routing: 'round_robin', order: [], weights: {} })
  expect(config.providers['claude']?.cooldown).toBeUndefined()
})

test('every strategy parses, with its settings and a per-provider cap', () => {
  for (const routing of ['round_robin', 'fill_first', 'priority', 'weighted'] as const) {
    const { config } = parseConfig(`providers:\n  codex:\n    routing: ${routing}\n`, 'a.yaml')
    expect(config.providers['codex']?.routing).toBe(routing)
  }
  const { config } = parseConfig(
    `cooldown: { max_seconds: 900 }
providers:
  codex:
    routing: weighted
    weights: { big: 3, spare: 0 }
    order: [big]
    cooldown: { max_seconds: 60 }
`,
    'a.yaml',
  )
  expect(config.cooldown.max_seconds).toBe(900)
  expect(config.providers['codex']).toMatchObject({
    weights: { big: 3, spare: 0 },
    order: ['big'],
    cooldown: { max_seconds: 60 },
  })
})

test('an unknown strategy, a negative weight or a zero cap is an error naming the key', () => {
  expect(() => parseConfig('providers:\n  codex:\n    routing: random\n', 'a.yaml')).toThrow(
    /providers\.codex\.routing/,
  )
  expect(() => parseConfig('providers:\n  codex:\n    weights: { a: -1 }\n', 'a.yaml')).toThrow(
    /providers\.codex\.weights/,
  )
  expect(() => parseConfig('cooldown: { max_seconds: 0 }\n', 'a.yaml')).toThrow(/cooldown\.max_seconds/)
})
