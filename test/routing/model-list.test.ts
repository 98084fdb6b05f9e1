import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { validate } from '../../src/config/load.ts'
import type { Config } from '../../src/config/schema.ts'
import { BUILTIN_MODELS } from '../../src/providers/catalog.ts'
import { type Catalog, listModels, resolveModel } from '../../src/routing/index.ts'

const cfg = (raw: Record<string, unknown> = {}): Config => validate(raw, 'test').config

const up = (name: string, models: string[], extra: Record<string, unknown> = {}) => ({
  name,
  dialect: 'openai-chat',
  base_url: `http://127.0.0.1:1/${name}`,
  models,
  ...extra,
})

const SONNET = { id: 'claude-sonnet-4-5', contextWindow: 200_000, maxOutput: 64_000 }
const SONNET_AG = { id: 'claude-sonnet-4-5', contextWindow: 100_000, maxOutput: 32_000 }
const OPUS = { id: 'claude-opus-4-6', contextWindow: 200_000, maxOutput: 128_000 }
const GPT5 = { id: 'gpt-5', contextWindow: 400_000 }
const GPT51 = { id: 'gpt-5.1', contextWindow: 400_000 }
const GPT51_COPILOT = { id: 'gpt-5.1', contextWindow: 128_000 }
const GPT4O = { id: 'gpt-4o', contextWindow: 128_000 }

const CATALOG: Catalog = [
  { provider: 'claude', models: [SONNET, OPUS] },
  { provider: 'codex', models: [GPT5, GPT51] },
  { provider: 'copilot', models: [GPT51_COPILOT, SONNET, GPT4O] },
  { provider: 'antigravity', models: [SONNET_AG] },
]

const ids = (config: Config) => listModels(config, CATALOG).map((m) => `${m.id} @${m.ownedBy}`)

describe('listModels', () => {
  test('catalogue order; multi-provider models also as provider/model', () => {
    expect(ids(cfg())).toEqual([
      'claude-sonnet-4-5 @claude',
      'claude/claude-sonnet-4-5 @claude',
      'copilot/claude-sonnet-4-5 @copilot',
      'antigravity/claude-sonnet-4-5 @antigravity',
      'claude-opus-4-6 @claude',
      'gpt-5 @codex',
      'gpt-5.1 @codex',
      'codex/gpt-5.1 @codex',
      'copilot/gpt-5.1 @copilot',
      'gpt-4o @copilot',
    ])
  })

  test("info is each provider's own entry, on qualified ids too", () => {
    const list = listModels(cfg(), CATALOG)
    const byId = new Map(list.map((m) => [m.id, m]))
    expect(byId.get('claude-sonnet-4-5')?.info).toBe(SONNET)
    expect(byId.get('antigravity/claude-sonnet-4-5')?.info).toBe(SONNET_AG)
    expect(byId.get('copilot/gpt-5.1')?.info).toBe(GPT51_COPILOT)
  })

  test('the built-in catalogue is the default, with its limits', () => {
    const list = listModels(cfg())
    const expected = BUILTIN_MODELS.flatMap((e) => e.models.map((m) => m.id))
    // Ids several providers serve are listed bare for the first, and qualified for each of them.
    expect(list.filter((m) => !m.id.includes('/')).map((m) => m.id)).toEqual([...new Set(expected)])
    expect(list.find((m) => m.id === 'gpt-4.1')?.ownedBy).toBe('codex')
    expect(list.find((m) => m.id === 'copilot/gpt-4.1')?.ownedBy).toBe('copilot')
    const opus = list.find((m) => m.id === 'claude-opus-4-6')
    expect(opus).toMatchObject({ ownedBy: 'claude', info: { contextWindow: 200_000, maxOutput: 128_000 } })
  })

  test('a disabled provider is hidden, bare ids move to the next enabled provider', () => {
    expect(ids(cfg({ providers: { claude: { enabled: false }, codex: { enabled: false } } }))).toEqual([
      'claude-sonnet-4-5 @copilot',
      'copilot/claude-sonnet-4-5 @copilot',
      'antigravity/claude-sonnet-4-5 @antigravity',
      'gpt-5.1 @copilot',
      'copilot/gpt-5.1 @copilot',
      'gpt-4o @copilot',
    ])
  })

  test('excluded_models globs hide models of that provider only', () => {
    const list = ids(cfg({ excluded_models: { copilot: ['gpt-*'], anthropic: ['*opus*'] } }))
    expect(list).toEqual([
      'claude-sonnet-4-5 @claude',
      'claude/claude-sonnet-4-5 @claude',
      'copilot/claude-sonnet-4-5 @copilot',
      'antigravity/claude-sonnet-4-5 @antigravity',
      'gpt-5 @codex',
      'gpt-5.1 @codex',
      'codex/gpt-5.1 @codex',
    ])
  })

  test('a bare id excluded by the provider it routes to is not listed; the qualified ids are', () => {
    // Routing does not consult exclusions, so bare `gpt-5.1` still goes to codex: listing it as copilot's would lie.
    expect(
      ids(cfg({ excluded_models: { codex: ['gpt-5.1'] } })).filter((s) => s.includes('gpt-5.1')),
    ).toEqual(['copilot/gpt-5.1 @copilot'])
  })

  test('aliases replace the model; fork keeps the original too; info is kept', () => {
    const c = cfg({
      model_alias: {
        claude: [
          { name: 'claude-opus-4-6', alias: 'opus' },
          { name: 'claude-sonnet-4-5', alias: 'sonnet', fork: true },
        ],
      },
    })
    const list = listModels(c, CATALOG)
    expect(list.map((m) => `${m.id} @${m.ownedBy}`)).toEqual([
      'sonnet @claude',
      'claude-sonnet-4-5 @claude',
      'claude/claude-sonnet-4-5 @claude',
      'copilot/claude-sonnet-4-5 @copilot',
      'antigravity/claude-sonnet-4-5 @antigravity',
      'opus @claude',
      'gpt-5 @codex',
      'gpt-5.1 @codex',
      'codex/gpt-5.1 @codex',
      'copilot/gpt-5.1 @copilot',
      'gpt-4o @copilot',
    ])
    expect(list.find((m) => m.id === 'opus')?.info).toBe(OPUS)
  })

  test('aliases under non-primary providers are listed (BYOKEY drops them) without hiding the bare id', () => {
    const c = cfg({ model_alias: { copilot: [{ name: 'gpt-5.1', alias: 'cp-51' }] } })
    const list = listModels(c, CATALOG)
    expect(list.slice(6, 10).map((m) => `${m.id} @${m.ownedBy}`)).toEqual([
      'gpt-5.1 @codex',
      'cp-51 @copilot',
      'codex/gpt-5.1 @codex',
      'copilot/gpt-5.1 @copilot',
    ])
    expect(list.find((m) => m.id === 'cp-51')?.info).toBe(GPT51_COPILOT)
  })

  test('aliases with a suffix in the name, of uncatalogued models, and of upstream models', () => {
    const c = cfg({
      upstreams: [up('openrouter', ['anthropic/claude-x'])],
      model_alias: {
        claude: [
          { name: 'claude-opus-4-6(high)', alias: 'deep' },
          { name: 'claude-future-9', alias: 'future' },
        ],
        copilot: [{ name: 'claude-opus-4-6', alias: 'cp-opus' }],
        openrouter: [{ name: 'anthropic/claude-x', alias: 'cx' }],
        nonsense: [{ name: 'gpt-5', alias: 'ignored' }],
      },
    })
    const list = listModels(c, CATALOG)
    const find = (id: string) => list.find((m) => m.id === id)
    // `deep` is listed beside opus, and does not replace it.
    expect(list.slice(4, 6).map((m) => m.id)).toEqual(['deep', 'claude-opus-4-6'])
    expect(find('deep')?.info).toBe(OPUS)
    expect(find('future')).toEqual({ id: 'future', ownedBy: 'claude' })
    // copilot does not serve opus in the catalogue, but the alias routes there; info from the model.
    expect(find('cp-opus')).toEqual({ id: 'cp-opus', ownedBy: 'copilot', info: OPUS })
    expect(find('cx')).toEqual({ id: 'cx', ownedBy: 'openrouter' })
    expect(find('ignored')).toBeUndefined()
  })

  test('aliases of disabled or excluding providers are not listed', () => {
    const c = cfg({
      providers: { codex: { enabled: false } },
      excluded_models: { claude: ['claude-opus-*', 'snt'] },
      model_alias: {
        codex: [{ name: 'gpt-5', alias: 'five' }],
        claude: [
          { name: 'claude-opus-4-6', alias: 'opus' },
          { name: 'claude-sonnet-4-5', alias: 'snt' },
        ],
      },
    })
    const list = listModels(c, CATALOG).map((m) => m.id)
    expect(list).not.toContain('five')
    expect(list).not.toContain('opus')
    expect(list).not.toContain('snt')
  })

  test('an alias shadowing a catalogue id is listed for the provider it routes to', () => {
    const c = cfg({ model_alias: { claude: [{ name: 'claude-opus-4-6', alias: 'gpt-4o' }] } })
    const list = listModels(c, CATALOG)
    expect(list.filter((m) => m.id === 'gpt-4o')).toEqual([{ id: 'gpt-4o', ownedBy: 'claude', info: OPUS }])
  })

  test('upstream models as upstream/model, and bare unless a built-in provider serves the id', () => {
    const c = cfg({
      upstreams: [
        up('ollama', ['qwen3:8b', 'gpt-5', 'shared']),
        up('vllm', ['shared', 'llama-3']),
        up('off', ['hidden'], { enabled: false }),
        up('openrouter', ['anthropic/claude-x']),
      ],
    })
    expect(ids(c).slice(10)).toEqual([
      'ollama/qwen3:8b @ollama',
      'qwen3:8b @ollama',
      'ollama/gpt-5 @ollama',
      'ollama/shared @ollama',
      'shared @ollama',
      'vllm/shared @vllm',
      'vllm/llama-3 @vllm',
      'llama-3 @vllm',
      // `anthropic/claude-x` bare would route to claude by its qualifier, so only the qualified id.
      'openrouter/anthropic/claude-x @openrouter',
    ])
  })

  test('an upstream model whose built-in provider is disabled is listed bare for the upstream', () => {
    const c = cfg({ providers: { codex: { enabled: false } }, upstreams: [up('ollama', ['gpt-5'])] })
    expect(ids(c)).toContain('gpt-5 @ollama')
  })

  test('excluded_models applies to upstreams by name', () => {
    const c = cfg({ upstreams: [up('ollama', ['a', 'b'])], excluded_models: { ollama: ['b'] } })
    expect(ids(c).slice(10)).toEqual(['ollama/a @ollama', 'a @ollama'])
  })

  test('no duplicates, stable across calls', () => {
    const c = cfg({
      upstreams: [up('ollama', ['gpt-4o', 'gpt-4o'])],
      model_alias: {
        claude: [{ name: 'claude-opus-4-6', alias: 'x' }],
        codex: [{ name: 'gpt-5', alias: 'x' }],
      },
    })
    const a = listModels(c, CATALOG)
    expect(new Set(a.map((m) => m.id)).size).toBe(a.length)
    expect(listModels(c, CATALOG)).toEqual(a)
    expect(a.filter((m) => m.id === 'x')).toEqual([{ id: 'x', ownedBy: 'claude', info: OPUS }])
  })
})

describe('listModels agrees with resolveModel', () => {
  const providers = ['claude', 'codex', 'copilot', 'antigravity', 'anthropic'] as const
  const models = [
    'claude-sonnet-4-5',
    'claude-opus-4-6',
    'gpt-5',
    'gpt-5.1',
    'gpt-4o',
    'new-model',
    'copilot/gpt-5',
  ]
  const names = ['ollama', 'openai', 'vllm'] as const
  const arbConfig = fc.record({
    disabled: fc.subarray([...providers]),
    excluded: fc.dictionary(
      fc.constantFrom(...providers, ...names),
      fc.array(fc.constantFrom('gpt-*', '*sonnet*', 'x')),
    ),
    aliases: fc.dictionary(
      fc.constantFrom(...providers, ...names),
      fc.array(
        fc.record({
          name: fc.constantFrom(...models, 'claude-opus-4-6(high)'),
          alias: fc.constantFrom('a', 'b', 'gpt-5', 'sonnet', 'ollama/x', 'a(high)'),
          fork: fc.boolean(),
        }),
        { maxLength: 3 },
      ),
    ),
    upstreams: fc.uniqueArray(
      fc.record({
        name: fc.constantFrom(...names),
        models: fc.array(fc.constantFrom(...models, 'x', 'anthropic/x'), { maxLength: 4 }),
        enabled: fc.boolean(),
      }),
      { selector: (u) => u.name, maxLength: 3 },
    ),
  })

  test('every listed id resolves to its owner when all providers are available; ids are unique', () => {
    fc.assert(
      fc.property(arbConfig, (g) => {
        const config = cfg({
          providers: Object.fromEntries(g.disabled.map((p) => [p, { enabled: false }])),
          excluded_models: g.excluded,
          model_alias: g.aliases,
          upstreams: g.upstreams.map((u) => up(u.name, u.models, { enabled: u.enabled })),
        })
        const list = listModels(config, CATALOG)
        expect(new Set(list.map((m) => m.id)).size).toBe(list.length)
        for (const m of list) {
          const route = resolveModel(m.id, { config, catalog: CATALOG, available: () => true })
          const owner = route.target.kind === 'provider' ? route.target.id : route.target.name
          expect(owner).toBe(m.ownedBy)
        }
      }),
      { numRuns: 300 },
    )
  })
})
