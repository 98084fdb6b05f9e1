import { describe, expect, test } from 'bun:test'
import { parseConfig } from '../../src/config/load.ts'
import { listModels, RouteError, resolveModel } from '../../src/routing/index.ts'

const { config } = parseConfig(
  'upstreams:\n  - { name: up, dialect: openai-chat, base_url: "http://127.0.0.1:9/v1", models: [declared] }\n',
  'c.yaml',
)
const learned = (name: string) => (name === 'up' ? ['reported', 'gpt-4o'] : [])

describe('models an upstream reported', () => {
  test('route bare after its declared ones; never over a catalogue model', () => {
    const ctx = { config, available: () => true }
    expect(() => resolveModel('reported', ctx)).toThrow(RouteError)
    expect(resolveModel('reported', { ...ctx, upstreamModels: learned }).target).toEqual({
      kind: 'upstream',
      name: 'up',
    })
    expect(resolveModel('declared', { ...ctx, upstreamModels: learned }).target).toEqual({
      kind: 'upstream',
      name: 'up',
    })
    expect(resolveModel('gpt-4o', { ...ctx, upstreamModels: learned }).target).toEqual({
      kind: 'provider',
      id: 'codex',
    })
  })

  test('are listed as up/model and bare, as declared ones are', () => {
    const ids = (l: ReturnType<typeof listModels>) => l.filter((m) => m.ownedBy === 'up').map((m) => m.id)
    expect(ids(listModels(config))).toEqual(['up/declared', 'declared'])
    expect(ids(listModels(config, undefined, learned))).toEqual([
      'up/declared',
      'declared',
      'up/reported',
      'reported',
      'up/gpt-4o',
    ])
  })
})
