import { describe, expect, test } from 'bun:test'
import { parseConfig } from '../../src/config/load.ts'
import { COPILOT_MODELS } from '../../src/providers/copilot/models.ts'
import { copilotProvider } from '../../src/providers/copilot/upstream.ts'
import { ProviderRegistry } from '../../src/providers/registry.ts'
import { LiveModels } from '../../src/providers/shared/live-models.ts'

describe('a live model list', () => {
  test('the starting list until a list is reported; an empty report keeps what was there', () => {
    const live = new LiveModels(COPILOT_MODELS)
    expect(live.list).toBe(COPILOT_MODELS)
    expect(live.version).toBe(0)
    live.report([{ id: 'reported' }])
    expect(live.list.map((m) => m.id)).toEqual(['reported'])
    expect(live.version).toBe(1)
    live.report([])
    expect(live.list.map((m) => m.id)).toEqual(['reported'])
    expect(live.version).toBe(1)
  })

  test('learning adds only new ids after the starting list; the same ids again keep the version', () => {
    const live = new LiveModels([{ id: 'known', contextWindow: 1000 }])
    live.learn([{ id: 'known' }, { id: 'new' }, { id: 'new' }])
    expect(live.list).toEqual([{ id: 'known', contextWindow: 1000 }, { id: 'new' }])
    expect(live.version).toBe(1)
    live.learn([{ id: 'new' }])
    expect(live.version).toBe(1)
    // a list naming nothing new is the starting list again
    live.learn([{ id: 'known' }])
    expect(live.list.map((m) => m.id)).toEqual(['known'])
    expect(live.version).toBe(2)
  })

  test('each Copilot provider serves its own list', () => {
    const mine = new LiveModels(COPILOT_MODELS)
    const a = copilotProvider(mine)
    const b = copilotProvider()
    mine.report([{ id: 'only-mine' }])
    const { config } = parseConfig('port: 0\n', 'c.yaml')
    expect(a.models(config).map((m) => m.id)).toEqual(['only-mine'])
    expect(b.models(config)).toBe(COPILOT_MODELS)
  })

  test('two registries start from the static catalogue, each at catalogue version 0', () => {
    const a = new ProviderRegistry()
    const b = new ProviderRegistry()
    expect(a.builtin.copilot).not.toBe(b.builtin.copilot)
    expect(a.catalog.find((e) => e.provider === 'copilot')?.models).toBe(COPILOT_MODELS)
    expect([a.catalogVersion, b.catalogVersion]).toEqual([0, 0])
  })

  test("an upstream's reported models move the catalogue version, once per new list", () => {
    const r = new ProviderRegistry()
    expect(r.upstreamModels('up')).toEqual([])
    r.learnUpstream('up', [{ id: 'a' }, { id: 'b' }])
    expect(r.upstreamModels('up')).toEqual(['a', 'b'])
    expect(r.catalogVersion).toBe(1)
    r.learnUpstream('up', [{ id: 'a' }, { id: 'b' }])
    expect(r.catalogVersion).toBe(1)
    r.learnUpstream('up', [{ id: 'a' }])
    expect(r.upstreamModels('up')).toEqual(['a'])
    expect(r.catalogVersion).toBe(2)
  })
})
