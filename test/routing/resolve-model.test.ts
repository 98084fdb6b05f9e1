import { describe, expect, test } from 'bun:test'
import { validate } from '../../src/config/load.ts'
import type { Config } from '../../src/config/schema.ts'
import type { ProviderId } from '../../src/providers/ids.ts'
import {
  type Catalog,
  type ResolveContext,
  RouteError,
  resolveModel,
  resolveRoute,
} from '../../src/routing/index.ts'

const cfg = (raw: Record<string, unknown> = {}): Config => validate(raw, 'test').config

const up = (name: string, models: string[], extra: Record<string, unknown> = {}) => ({
  name,
  dialect: 'openai-chat',
  base_url: `http://127.0.0.1:1/${name}`,
  models,
  ...extra,
})

/** Models served by several providers, which the built-in catalogue does not have yet. */
const CATALOG: Catalog = [
  { provider: 'claude', models: [{ id: 'claude-sonnet-4-5' }, { id: 'claude-opus-4-6' }] },
  { provider: 'codex', models: [{ id: 'gpt-5' }, { id: 'gpt-5.1' }] },
  { provider: 'copilot', models: [{ id: 'gpt-5.1' }, { id: 'claude-sonnet-4-5' }, { id: 'gpt-4o' }] },
  { provider: 'antigravity', models: [{ id: 'claude-sonnet-4-5' }] },
]

const all = () => true
const only =
  (...ids: ProviderId[]) =>
  (p: ProviderId) =>
    ids.includes(p)

function ctx(config: Config, available: ResolveContext['available'] = all): ResolveContext {
  return { config, available, catalog: CATALOG }
}

function notFound(fn: () => unknown): RouteError {
  try {
    fn()
  } catch (e) {
    if (e instanceof RouteError) return e
    throw e
  }
  throw new Error('expected a RouteError')
}

describe('resolveModel: catalogue', () => {
  test('the built-in catalogue is the default', () => {
    const r = resolveModel('claude-opus-4-6', { config: cfg(), available: all })
    expect(r).toEqual({
      target: { kind: 'provider', id: 'claude' },
      model: 'claude-opus-4-6',
      requested: 'claude-opus-4-6',
    })
    expect(resolveModel('gpt-5', { config: cfg(), available: all }).target).toEqual({
      kind: 'provider',
      id: 'codex',
    })
    expect(resolveModel('gemini-2.5-pro', { config: cfg(), available: all }).target).toEqual({
      kind: 'provider',
      id: 'gemini',
    })
  })

  test('first available provider in catalogue order', () => {
    const c = cfg()
    expect(resolveModel('claude-sonnet-4-5', ctx(c)).target).toEqual({ kind: 'provider', id: 'claude' })
    expect(resolveModel('claude-sonnet-4-5', ctx(c, only('antigravity'))).target).toEqual({
      kind: 'provider',
      id: 'antigravity',
    })
    expect(resolveModel('claude-sonnet-4-5', ctx(c, only('copilot', 'antigravity'))).target).toEqual({
      kind: 'provider',
      id: 'copilot',
    })
  })

  test('none available → the first serving provider (the call then fails on credentials)', () => {
    expect(
      resolveModel(
        'gpt-5.1',
        ctx(cfg(), () => false),
      ).target,
    ).toEqual({ kind: 'provider', id: 'codex' })
  })

  test('available is only asked about providers serving the model', () => {
    const asked: ProviderId[] = []
    resolveModel(
      'gpt-5.1',
      ctx(cfg(), (p) => {
        asked.push(p)
        return false
      }),
    )
    expect(asked).toEqual(['codex', 'copilot'])
  })

  test('enabled: false removes a provider from the choice (BYOKEY ignores it)', () => {
    const c = cfg({ providers: { claude: { enabled: false } } })
    expect(resolveModel('claude-sonnet-4-5', ctx(c)).target).toEqual({ kind: 'provider', id: 'copilot' })
    // Even when it is the only available one.
    expect(resolveModel('claude-sonnet-4-5', ctx(c, only('claude'))).target).toEqual({
      kind: 'provider',
      id: 'copilot',
    })
  })

  test('enabled: false under a provider alias key counts too', () => {
    const c = cfg({ providers: { anthropic: { enabled: false } } })
    expect(resolveModel('claude-sonnet-4-5', ctx(c)).target).toEqual({ kind: 'provider', id: 'copilot' })
  })

  test('every serving provider disabled → not found, saying why', () => {
    const c = cfg({ providers: { claude: { enabled: false } } })
    const e = notFound(() => resolveModel('claude-opus-4-6', ctx(c)))
    expect(e.info.message).toContain('providers.claude.enabled is false')
  })

  test('the thinking suffix is split off before the lookup', () => {
    expect(resolveModel('claude-opus-4-6(high)', ctx(cfg()))).toEqual({
      target: { kind: 'provider', id: 'claude' },
      model: 'claude-opus-4-6',
      reasoning: { mode: 'on', effort: 'high' },
      requested: 'claude-opus-4-6(high)',
    })
    expect(resolveModel('gpt-5-thinking-2048', ctx(cfg()))).toMatchObject({
      model: 'gpt-5',
      reasoning: { mode: 'on', budgetTokens: 2048 },
    })
  })

  test('a rejected suffix stays in the name, which is then not found', () => {
    const e = notFound(() => resolveModel('gpt-5(med)', ctx(cfg())))
    expect(e.info.message).toContain("'gpt-5(med)'")
  })
})

describe('resolveModel: upstream models', () => {
  test('enabled upstreams in config order, after the catalogue', () => {
    const c = cfg({
      upstreams: [up('ollama', ['qwen3:8b', 'gpt-5']), up('vllm', ['qwen3:8b', 'llama-3'])],
    })
    expect(resolveModel('qwen3:8b', ctx(c))).toEqual({
      target: { kind: 'upstream', name: 'ollama' },
      model: 'qwen3:8b',
      requested: 'qwen3:8b',
    })
    expect(resolveModel('llama-3', ctx(c)).target).toEqual({ kind: 'upstream', name: 'vllm' })
    // The catalogue comes first, even when its provider has no credential.
    expect(
      resolveModel(
        'gpt-5',
        ctx(c, () => false),
      ).target,
    ).toEqual({ kind: 'provider', id: 'codex' })
  })

  test('a model of a disabled provider falls through to an upstream serving it', () => {
    const c = cfg({ providers: { codex: { enabled: false } }, upstreams: [up('ollama', ['gpt-5'])] })
    expect(resolveModel('gpt-5', ctx(c)).target).toEqual({ kind: 'upstream', name: 'ollama' })
  })

  test('a disabled upstream is never routed', () => {
    const c = cfg({ upstreams: [up('ollama', ['llama-3'], { enabled: false }), up('vllm', ['llama-3'])] })
    expect(resolveModel('llama-3', ctx(c)).target).toEqual({ kind: 'upstream', name: 'vllm' })
    const only1 = cfg({ upstreams: [up('ollama', ['llama-3'], { enabled: false })] })
    expect(notFound(() => resolveModel('llama-3', ctx(only1))).info.message).toContain("'ollama'")
    expect(notFound(() => resolveModel('ollama/llama-3', ctx(only1))).info.message).toContain(
      "upstream 'ollama' is disabled",
    )
  })

  test('the suffix works on upstream models', () => {
    const c = cfg({ upstreams: [up('ollama', ['qwen3:8b'])] })
    expect(resolveModel('qwen3:8b(low)', ctx(c))).toMatchObject({
      target: { kind: 'upstream', name: 'ollama' },
      model: 'qwen3:8b',
      reasoning: { mode: 'on', effort: 'low' },
    })
  })

  test('an id declared verbatim is not split by the suffix grammar', () => {
    const c = cfg({ upstreams: [up('ollama', ['deep-thinking-8', 'deep'])] })
    expect(resolveModel('deep-thinking-8', ctx(c))).toEqual({
      target: { kind: 'upstream', name: 'ollama' },
      model: 'deep-thinking-8',
      requested: 'deep-thinking-8',
    })
    expect(resolveModel('ollama/deep-thinking-8', ctx(c)).model).toBe('deep-thinking-8')
    expect(resolveModel('ollama/deep-thinking-9', ctx(c))).toMatchObject({
      model: 'deep',
      reasoning: { budgetTokens: 9 },
    })
  })
})

describe('resolveModel: what a route depends on', () => {
  // The gateway's route cache keys a route to a configured upstream by the config alone: no
  // question about credentials may decide one.
  test('a route to an upstream never asks which providers are available', () => {
    const c = cfg({
      providers: { codex: { enabled: false } },
      upstreams: [up('ollama', ['qwen3:8b', 'gpt-5', 'deep'])],
      model_alias: { ollama: [{ name: 'qwen3:8b', alias: 'fast' }] },
    })
    const unasked = () => {
      throw new Error('availability asked for a route to an upstream')
    }
    for (const model of [
      'qwen3:8b',
      'qwen3:8b(low)',
      'ollama/anything',
      'fast',
      'fast(high)',
      'gpt-5',
      'deep-thinking-2',
    ]) {
      expect(resolveModel(model, ctx(c, unasked)).target).toEqual({ kind: 'upstream', name: 'ollama' })
    }
  })
})

describe('resolveRoute: whether credentials chose the route', () => {
  // The gateway's route cache keys a route by the accounts only when this says so: any route whose
  // target can change with `available` must say so.
  test('a route says it was chosen by credentials exactly when another `available` changes it', () => {
    const c = cfg({
      providers: { antigravity: { enabled: false } },
      upstreams: [up('ollama', ['qwen3:8b', 'gpt-5', 'gpt-4o'])],
      model_alias: {
        copilot: [{ name: 'gpt-5.1', alias: 'fast' }],
        ollama: [{ name: 'qwen3:8b', alias: 'local' }],
      },
    })
    const choices: ResolveContext['available'][] = [
      all,
      () => false,
      only('claude'),
      only('codex'),
      only('copilot'),
      only('antigravity'),
    ]
    const models = [
      'claude-sonnet-4-5',
      'claude-sonnet-4-5(high)',
      'claude-opus-4-6',
      'gpt-5',
      'gpt-5.1',
      'gpt-5.1(low)',
      'gpt-4o',
      'qwen3:8b',
      'fast',
      'local',
      'copilot/gpt-5',
      'ollama/x',
      'claude/claude-sonnet-4-5',
    ]
    const chosenBy: string[] = []
    for (const model of models) {
      const targets = new Set(choices.map((a) => JSON.stringify(resolveRoute(model, ctx(c, a)).route.target)))
      const says = choices.map((a) => resolveRoute(model, ctx(c, a)).byCredentials)
      expect(new Set(says).size).toBe(1)
      if (targets.size > 1) expect(says[0]).toBe(true)
      if (says[0]) chosenBy.push(model)
    }
    // several enabled built-in providers serve these bare ids; everything else has one answer
    expect(chosenBy).toEqual(['claude-sonnet-4-5', 'claude-sonnet-4-5(high)', 'gpt-5.1', 'gpt-5.1(low)'])
  })

  test('resolveModel is resolveRoute without the flag', () => {
    const c = cfg()
    expect(resolveModel('gpt-5.1', ctx(c, only('copilot')))).toEqual(
      resolveRoute('gpt-5.1', ctx(c, only('copilot'))).route,
    )
  })
})

describe('resolveModel: qualifier', () => {
  test('provider/model and provider aliases go to that provider without a catalogue check', () => {
    const c = cfg()
    expect(resolveModel('copilot/gpt-5.1', ctx(c))).toEqual({
      target: { kind: 'provider', id: 'copilot' },
      model: 'gpt-5.1',
      requested: 'copilot/gpt-5.1',
    })
    expect(resolveModel('anthropic/claude-future-9', ctx(c)).target).toEqual({
      kind: 'provider',
      id: 'claude',
    })
    expect(resolveModel('OpenAI/gpt-9', ctx(c)).target).toEqual({ kind: 'provider', id: 'codex' })
    expect(resolveModel('antigravity/claude-sonnet-4-5', ctx(c, only('claude'))).target).toEqual({
      kind: 'provider',
      id: 'antigravity',
    })
  })

  test('an explicit qualifier reaches a disabled provider', () => {
    const c = cfg({ providers: { claude: { enabled: false } } })
    expect(resolveModel('claude/claude-opus-4-6', ctx(c)).target).toEqual({ kind: 'provider', id: 'claude' })
  })

  test('the suffix applies to the bare model', () => {
    expect(resolveModel('claude/claude-opus-4-6(16000)', ctx(cfg()))).toEqual({
      target: { kind: 'provider', id: 'claude' },
      model: 'claude-opus-4-6',
      reasoning: { mode: 'on', budgetTokens: 16000 },
      requested: 'claude/claude-opus-4-6(16000)',
    })
  })

  test('upstream names are checked first and exactly; the rest keeps its slashes', () => {
    const c = cfg({ upstreams: [up('openrouter', []), up('openai', [])] })
    expect(resolveModel('openrouter/anthropic/claude-x', ctx(c))).toEqual({
      target: { kind: 'upstream', name: 'openrouter' },
      model: 'anthropic/claude-x',
      requested: 'openrouter/anthropic/claude-x',
    })
    // An upstream named like a provider alias wins over the alias.
    expect(resolveModel('openai/gpt-5', ctx(c)).target).toEqual({ kind: 'upstream', name: 'openai' })
    // Upstream names are case-sensitive; `OpenAI` is the provider alias.
    expect(resolveModel('OpenAI/gpt-5', ctx(c)).target).toEqual({ kind: 'provider', id: 'codex' })
  })

  test('a disabled upstream is no qualifier: a provider alias of the same name takes over', () => {
    const c = cfg({ upstreams: [up('openai', [], { enabled: false })] })
    expect(resolveModel('openai/gpt-5', ctx(c)).target).toEqual({ kind: 'provider', id: 'codex' })
  })

  test('unknown qualifiers and empty rests are not qualifiers', () => {
    const c = cfg({ upstreams: [up('ollama', ['unknown/x'])] })
    expect(resolveModel('unknown/x', ctx(c)).target).toEqual({ kind: 'upstream', name: 'ollama' })
    expect(notFound(() => resolveModel('copilot/', ctx(c))).info.message).toContain("'copilot/'")
    expect(notFound(() => resolveModel('/gpt-5', ctx(c))).info.message).toContain("'/gpt-5'")
    expect(() => resolveModel('nope/gpt-5', ctx(c))).toThrow(RouteError)
  })
})

describe('resolveModel: aliases', () => {
  const aliased = (extra: Record<string, unknown> = {}) =>
    cfg({
      model_alias: {
        claude: [
          { name: 'claude-sonnet-4-5', alias: 'sonnet' },
          { name: 'claude-opus-4-6(high)', alias: 'deep' },
        ],
        copilot: [
          { name: 'claude-sonnet-4-5', alias: 'sonnet' },
          { name: 'gpt-5.1', alias: 'my/model' },
        ],
      },
      ...extra,
    })

  test('the alias routes to the provider it is declared under, with its name', () => {
    expect(resolveModel('sonnet', ctx(aliased(), only('copilot')))).toEqual({
      target: { kind: 'provider', id: 'claude' },
      model: 'claude-sonnet-4-5',
      requested: 'sonnet',
    })
  })

  test('the same alias twice: the first in config order wins', () => {
    const c = cfg({
      model_alias: {
        copilot: [{ name: 'claude-sonnet-4-5', alias: 'sonnet' }],
        claude: [{ name: 'claude-sonnet-4-5', alias: 'sonnet' }],
      },
    })
    expect(resolveModel('sonnet', ctx(c)).target).toEqual({ kind: 'provider', id: 'copilot' })
  })

  test('the alias matches the whole string, before qualifiers', () => {
    expect(resolveModel('my/model', ctx(aliased()))).toEqual({
      target: { kind: 'provider', id: 'copilot' },
      model: 'gpt-5.1',
      requested: 'my/model',
    })
  })

  test('alias(suffix) resolves the alias and keeps the suffix', () => {
    expect(resolveModel('sonnet(high)', ctx(aliased()))).toEqual({
      target: { kind: 'provider', id: 'claude' },
      model: 'claude-sonnet-4-5',
      reasoning: { mode: 'on', effort: 'high' },
      requested: 'sonnet(high)',
    })
    expect(resolveModel('sonnet-thinking-1024', ctx(aliased())).reasoning).toEqual({
      mode: 'on',
      budgetTokens: 1024,
    })
  })

  test("a suffix in the alias's name applies; the client's suffix beats it", () => {
    expect(resolveModel('deep', ctx(aliased()))).toMatchObject({
      model: 'claude-opus-4-6',
      reasoning: { mode: 'on', effort: 'high' },
    })
    expect(resolveModel('deep(none)', ctx(aliased()))).toMatchObject({
      model: 'claude-opus-4-6',
      reasoning: { mode: 'off', effort: 'none' },
    })
  })

  test('an alias equal to a catalogue id shadows it', () => {
    const c = cfg({ model_alias: { claude: [{ name: 'claude-opus-4-6', alias: 'gpt-5' }] } })
    expect(resolveModel('gpt-5', ctx(c))).toMatchObject({
      target: { kind: 'provider', id: 'claude' },
      model: 'claude-opus-4-6',
    })
  })

  test('an exact alias with parentheses beats the suffix grammar', () => {
    const c = cfg({ model_alias: { codex: [{ name: 'gpt-5', alias: 'fast(low)' }] } })
    expect(resolveModel('fast(low)', ctx(c))).toEqual({
      target: { kind: 'provider', id: 'codex' },
      model: 'gpt-5',
      requested: 'fast(low)',
    })
  })

  test('alias keys may be provider aliases or upstream names', () => {
    const c = cfg({
      upstreams: [up('openrouter', [])],
      model_alias: {
        anthropic: [{ name: 'claude-opus-4-6', alias: 'opus' }],
        openrouter: [{ name: 'anthropic/claude-x', alias: 'cx' }],
        nonsense: [{ name: 'gpt-5', alias: 'ignored' }],
      },
    })
    expect(resolveModel('opus', ctx(c)).target).toEqual({ kind: 'provider', id: 'claude' })
    expect(resolveModel('cx', ctx(c))).toEqual({
      target: { kind: 'upstream', name: 'openrouter' },
      model: 'anthropic/claude-x',
      requested: 'cx',
    })
    expect(() => resolveModel('ignored', ctx(c))).toThrow(RouteError)
  })

  test('an alias under a disabled provider still routes (declared explicitly); under a disabled upstream it does not', () => {
    const c = aliased({ providers: { claude: { enabled: false } } })
    expect(resolveModel('sonnet', ctx(c)).target).toEqual({ kind: 'provider', id: 'claude' })
    const u = cfg({
      upstreams: [up('openrouter', [], { enabled: false })],
      model_alias: { openrouter: [{ name: 'x', alias: 'cx' }], codex: [{ name: 'gpt-5', alias: 'cx' }] },
    })
    expect(resolveModel('cx', ctx(u)).target).toEqual({ kind: 'provider', id: 'codex' })
  })

  test('aliases are exact and case-sensitive', () => {
    expect(() => resolveModel('Sonnet', ctx(aliased()))).toThrow(RouteError)
    expect(() => resolveModel('sonnet ', ctx(aliased()))).toThrow(RouteError)
  })
})

describe('RouteError', () => {
  test('carries a not_found model_not_found ErrorInfo that says how to find models', () => {
    const e = notFound(() => resolveModel('gpt-99', ctx(cfg())))
    expect(e).toBeInstanceOf(Error)
    expect(e.name).toBe('RouteError')
    expect(e.info).toMatchObject({ kind: 'not_found', code: 'model_not_found', param: 'model' })
    expect(e.info.message).toBe(
      "The model 'gpt-99' is not served by this gateway. GET /v1/models lists the models this gateway serves; use provider/model to pick a provider explicitly.",
    )
    expect(e.message).toBe(e.info.message)
  })

  test('the empty string is not found', () => {
    expect(() => resolveModel('', ctx(cfg()))).toThrow(RouteError)
  })
})

describe('hardening: model names that are Object.prototype keys', () => {
  const NAMES = [
    '__proto__/x',
    'constructor/x',
    'toString',
    'hasOwnProperty/x',
    '__proto__',
    'constructor/gpt-5',
  ]

  test('are unknown models, never an inherited property taken for a provider', () => {
    for (const name of NAMES) {
      expect(notFound(() => resolveModel(name, ctx(cfg()))).message).toStartWith(
        `The model '${name}' is not served`,
      )
    }
  })

  test('as config keys (model_alias, excluded_models) they name no provider', () => {
    const config = cfg({
      model_alias: { constructor: [{ name: 'gpt-5', alias: 'via-constructor' }] },
      excluded_models: { constructor: ['*'], toString: ['*'] },
    })
    expect(notFound(() => resolveModel('via-constructor', ctx(config))).info.code).toBe('model_not_found')
    expect(resolveModel('gpt-5', ctx(config)).target).toEqual({ kind: 'provider', id: 'codex' })
  })
})
