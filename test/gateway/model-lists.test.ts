import { describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { parseConfig } from '../../src/config/load.ts'
import { ConfigRef } from '../../src/config/snapshot.ts'
import { refreshModelLists, startModelListReader } from '../../src/gateway/model-lists.ts'
import { CODEX_MODELS } from '../../src/providers/codex/models.ts'
import { ProviderRegistry } from '../../src/providers/registry.ts'
import { fakeAnthropic, fakeGemini, fakeOpenAI } from '../helpers/fakes/index.ts'
import { sleep } from '../helpers/fakes/server.ts'
import { capturedLog } from '../helpers/logs.ts'
import { tempDir } from '../helpers/tmp.ts'

const reply = { text: 'unused' }

const configFor = (providers: Record<string, unknown>) =>
  parseConfig(JSON.stringify({ port: 0, providers }), 'c.yaml').config

const ids = (registry: ProviderRegistry, provider: string) =>
  registry.catalog.find((e) => e.provider === provider)?.models.map((m) => m.id) ?? []

describe('model lists of API keys', () => {
  test('are read by default: hourly, each call bounded by 10 s', () => {
    expect(parseConfig('port: 0\n', 'c.yaml').config.model_lists).toEqual({
      enabled: true,
      refresh_seconds: 3600,
      timeout_ms: 10_000,
    })
  })

  test("each provider's keys add what their list names beyond the catalogue, nothing else", async () => {
    await using openai = fakeOpenAI(reply, {
      key: 'sk-o',
      models: [
        { id: 'gpt-4o' },
        { id: 'gpt-4o-mini' },
        { id: 'text-embedding-3-small' },
        { id: 'whisper-1' },
      ],
    })
    await using anthropic = fakeAnthropic(reply, {
      models: [{ id: 'claude-new-model', display_name: 'Claude New', created_at: '2026-01-02T00:00:00Z' }],
    })
    await using gemini = fakeGemini(reply, { models: [{ name: 'gemini-new', inputTokenLimit: 32_000 }] })
    const registry = new ProviderRegistry()
    const config = configFor({
      codex: { api_key: 'sk-o', base_url: `${openai.url}/v1` },
      claude: { api_key: 'sk-a', base_url: anthropic.url },
      gemini: { api_key: 'g-key', base_url: gemini.url },
    })
    const { log } = capturedLog()
    await refreshModelLists(registry, config, undefined, log)

    const codex = ids(registry, 'codex')
    expect(codex.slice(0, CODEX_MODELS.length)).toEqual(CODEX_MODELS.map((m) => m.id))
    expect(codex.slice(CODEX_MODELS.length)).toEqual(['gpt-4o-mini'])
    // the catalogue's entry for a model it knew keeps its limits
    const gpt4o = registry.catalog.find((e) => e.provider === 'codex')?.models.find((m) => m.id === 'gpt-4o')
    expect(gpt4o?.contextWindow).toBe(128_000)
    const claudeNew = registry.catalog
      .find((e) => e.provider === 'claude')
      ?.models.find((m) => m.id === 'claude-new-model')
    expect(claudeNew).toEqual({ id: 'claude-new-model', displayName: 'Claude New', created: 1767312000 })
    const geminiNew = registry.catalog
      .find((e) => e.provider === 'gemini')
      ?.models.find((m) => m.id === 'gemini-new')
    expect(geminiNew).toMatchObject({ id: 'gemini-new', contextWindow: 32_000 })
    expect(ids(registry, 'copilot')).not.toContain('gpt-4o-mini')

    // each list call carried its provider's key header
    expect(openai.last().headers['authorization']).toBe('Bearer sk-o')
    expect(anthropic.last().headers['x-api-key']).toBe('sk-a')
    expect(gemini.last().headers['x-goog-api-key']).toBe('g-key')

    const version = registry.catalogVersion
    expect(version).toBe(3)
    // the same lists again: the catalogue's version stays, so cached routes stay
    await refreshModelLists(registry, config, undefined, log)
    expect(registry.catalogVersion).toBe(version)
  })

  test('a failing list call is logged without the key and keeps the last list', async () => {
    await using openai = fakeOpenAI(reply, { key: 'sk-good', models: [{ id: 'gpt-4o-mini' }] })
    const registry = new ProviderRegistry()
    const { log, text, lines } = capturedLog()
    const refreshWith = (key: string) =>
      refreshModelLists(
        registry,
        configFor({ codex: { api_key: key, base_url: `${openai.url}/v1` } }),
        undefined,
        log,
      )
    await refreshWith('sk-good')
    expect(ids(registry, 'codex')).toContain('gpt-4o-mini')
    const version = registry.catalogVersion

    await refreshWith('sk-revoked-secret')
    expect(ids(registry, 'codex')).toContain('gpt-4o-mini')
    expect(registry.catalogVersion).toBe(version)
    const warn = lines().find((l) => l['msg'] === 'model list: the upstream refused; keeping the last list')
    expect(warn).toMatchObject({ provider: 'codex', account: 'api_key', status: 401 })

    // an upstream that is gone: the same
    await openai.stop()
    await refreshWith('sk-good')
    expect(ids(registry, 'codex')).toContain('gpt-4o-mini')
    expect(lines().some((l) => l['msg'] === 'model list: the call failed; keeping the last list')).toBe(true)
    expect(text()).not.toContain('sk-revoked-secret')
    expect(text()).not.toContain('sk-good')
  })

  test('a provider without API keys is not asked, and what its removed keys listed is dropped', async () => {
    await using openai = fakeOpenAI(reply, { models: [{ id: 'gpt-4o-mini' }] })
    const registry = new ProviderRegistry()
    const { log } = capturedLog()
    const keyless = configFor({ codex: { base_url: `${openai.url}/v1` } })
    await refreshModelLists(registry, keyless, undefined, log)
    expect(openai.requests).toHaveLength(0)
    expect(registry.catalogVersion).toBe(0)

    await refreshModelLists(
      registry,
      configFor({ codex: { api_key: 'k', base_url: `${openai.url}/v1` } }),
      undefined,
      log,
    )
    expect(ids(registry, 'codex')).toContain('gpt-4o-mini')
    await refreshModelLists(registry, keyless, undefined, log)
    expect(ids(registry, 'codex')).toEqual(CODEX_MODELS.map((m) => m.id))
    expect(openai.requests).toHaveLength(1)
  })
})

describe('the background reader', () => {
  test('honours model_lists.enabled, and reads again when the config changes', async () => {
    await using first = fakeOpenAI(reply, { models: [{ id: 'model-of-first' }] })
    await using second = fakeOpenAI(reply, { models: [{ id: 'model-of-second' }] })
    using dir = tempDir()
    const file = dir.join('config.yaml')
    const write = (base: string, enabled: boolean) =>
      writeFileSync(
        file,
        JSON.stringify({
          port: 0,
          model_lists: { enabled },
          providers: { codex: { api_key: 'k', base_url: base } },
        }),
      )
    write(`${first.url}/v1`, false)
    const config = new ConfigRef({ file, pollMs: 0 })
    const registry = new ProviderRegistry()
    const { log } = capturedLog()
    const reader = startModelListReader(registry, config, undefined, log, 5)
    const until = async (id: string) => {
      for (let i = 0; i < 400 && !ids(registry, 'codex').includes(id); i++) await sleep(5)
      return ids(registry, 'codex').includes(id)
    }
    try {
      write(`${first.url}/v1`, true)
      expect(config.reload().error).toBeUndefined()
      expect(await until('model-of-first')).toBe(true)
      // off, nothing was read: the one call is the one after it was turned on
      expect(first.requests.filter((r) => r.path === '/v1/models')).toHaveLength(1)

      write(`${second.url}/v1`, true)
      expect(config.reload().error).toBeUndefined()
      expect(await until('model-of-second')).toBe(true)
      // what only the key that left listed is gone with the next read
      expect(ids(registry, 'codex')).not.toContain('model-of-first')
    } finally {
      reader.stop()
      config.close()
    }
  })

  test('an upstream that names its models keeps exactly those, forgetting what it reported before', async () => {
    await using openai = fakeOpenAI(reply, { models: [{ id: 'reported' }] })
    const registry = new ProviderRegistry()
    const { log } = capturedLog()
    const up = (models: string[]) =>
      parseConfig(
        JSON.stringify({
          upstreams: [
            { name: 'up', dialect: 'openai-chat', base_url: `${openai.url}/v1`, api_key: 'k', models },
          ],
        }),
        'c.yaml',
      ).config
    await refreshModelLists(registry, up([]), undefined, log)
    expect(registry.upstreamModels('up')).toEqual(['reported'])
    await refreshModelLists(registry, up(['declared']), undefined, log)
    expect(registry.upstreamModels('up')).toEqual([])
    expect(openai.requests).toHaveLength(1)
  })
})
