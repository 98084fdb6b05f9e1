import { describe, expect, test } from 'bun:test'
import { ConfigError, defaultConfig, parseConfig } from '../../src/config/load.ts'

describe('config loading', () => {
  test('built-in defaults fill every field', () => {
    const c = defaultConfig()
    expect(c.port).toBe(8018)
    expect(c.host).toBe('127.0.0.1')
    expect(c.log).toEqual({ level: 'info', format: 'auto', max_size_mb: 10, daily: false, keep: 5 })
    expect(c.server.body_limit_bytes).toBe(50 * 1024 * 1024)
    expect(c.providers).toEqual({})
    expect(c.upstreams).toEqual([])
    expect(c.payload).toEqual({ default: [], override: [], filter: [] })
    expect(Object.isFrozen(c.log)).toBe(true)
  })

  test('YAML with BYOKEY keys: providers, api_keys, aliases, payload', () => {
    const { config, warnings } = parseConfig(
      `port: 9001
host: 0.0.0.0
providers:
  claude:
    api_key: sk-ant-1
  codex:
    enabled: false
    api_keys:
      - api_key: sk-1
        label: work
        base_url: http://127.0.0.1:1/v1
model_alias:
  claude:
    - { name: claude-sonnet-4-5, alias: sonnet }
payload:
  override:
    - models: ["gpt-*"]
      params: { "reasoning.effort": high }
log:
  level: debug
`,
      'c.yaml',
    )
    expect(warnings).toEqual([])
    expect(config.port).toBe(9001)
    expect(config.providers['claude']?.api_key).toBe('sk-ant-1')
    expect(config.providers['claude']?.enabled).toBe(true)
    expect(config.providers['codex']?.enabled).toBe(false)
    expect(config.providers['codex']?.api_keys[0]).toEqual({
      api_key: 'sk-1',
      label: 'work',
      base_url: 'http://127.0.0.1:1/v1',
    })
    expect(config.model_alias['claude']?.[0]).toEqual({
      name: 'claude-sonnet-4-5',
      alias: 'sonnet',
      fork: false,
    })
    expect(config.payload.override[0]?.params).toEqual({ 'reasoning.effort': 'high' })
    expect(config.log.level).toBe('debug')
  })

  test('JSON by file extension gives the same config as YAML', () => {
    const yaml = parseConfig(
      'port: 9002\nupstreams:\n  - {name: ds, dialect: openai-chat, base_url: "http://x/v1"}\n',
      'a.yaml',
    )
    const json = parseConfig(
      JSON.stringify(
        { port: 9002, upstreams: [{ name: 'ds', dialect: 'openai-chat', base_url: 'http://x/v1' }] },
        null,
        2,
      ),
      'a.json',
    )
    expect(json.config).toEqual(yaml.config)
    expect(json.config.upstreams[0]).toEqual({
      name: 'ds',
      dialect: 'openai-chat',
      base_url: 'http://x/v1',
      models: [],
      headers: {},
      enabled: true,
    })
  })

  test('unknown keys are warned about with file, line and dotted path, and ignored', () => {
    const { config, warnings } = parseConfig(
      'port: 9003\nprot: 1\nproviders:\n  claude:\n    apikey: x\n',
      'c.yaml',
    )
    expect(config.port).toBe(9003)
    expect(warnings).toEqual([
      "c.yaml:2: unknown key 'prot' (ignored; check the spelling)",
      "c.yaml:5: unknown key 'providers.claude.apikey' (ignored; check the spelling)",
    ])
  })

  test('a wrong value names the file, line and field', () => {
    const err = (() => {
      try {
        parseConfig('host: localhost\nport: "eighty"\n', 'bad.yaml')
      } catch (e) {
        return e as ConfigError
      }
      throw new Error('expected an error')
    })()
    expect(err).toBeInstanceOf(ConfigError)
    expect(err.line).toBe(2)
    expect(err.field).toBe('port')
    expect(err.message).toStartWith('bad.yaml:2: port: ')
    expect(err.message).toContain('"eighty"')
  })

  test('nested wrong values point at their own line', () => {
    expect(() =>
      parseConfig('upstreams:\n  - name: a\n    dialect: soap\n    base_url: http://x\n', 'u.yaml'),
    ).toThrow(/^u\.yaml:3: upstreams\.0\.dialect: /)
  })

  test('hardening #2: a key of the wrong type is named in the error, never quoted', () => {
    const key = 'sk-ant-api03-WrongTypeKey123456'
    for (const text of [
      `providers:\n  claude:\n    api_key: [${key}]\n`,
      `upstreams:\n  - {name: a, dialect: gemini, base_url: "http://x", headers: {x-api-key: [${key}]}}\n`,
    ]) {
      const err = (() => {
        try {
          parseConfig(text, 'k.yaml')
        } catch (e) {
          return e as ConfigError
        }
        throw new Error('accepted')
      })()
      expect(err.field).toMatch(/api_key|x-api-key/)
      expect(err.message).not.toContain(key)
    }
  })

  test('YAML syntax errors and duplicate keys carry the line', () => {
    expect(() => parseConfig('port: 1\nport: 2\n', 'd.yaml')).toThrow(/^d\.yaml:2: .*unique/)
    expect(() => parseConfig('a: [1, 2\nb: 3\n', 's.yaml')).toThrow(/^s\.yaml:\d+: /)
  })

  test('invalid JSON is an error naming the file', () => {
    expect(() => parseConfig('{"port": 1,}', 'x.json')).toThrow(/^x\.json/)
  })

  test('duplicate upstream names are rejected', () => {
    expect(() =>
      parseConfig(
        'upstreams:\n  - {name: a, dialect: gemini, base_url: "http://x"}\n  - {name: a, dialect: gemini, base_url: "http://y"}\n',
        'd.yaml',
      ),
    ).toThrow(/upstreams\.1\.name: duplicate upstream name 'a'/)
  })

  test("BYOKEY's providers.i_flow is read as providers.iflow; with both, iflow wins and i_flow is warned about", () => {
    const one = parseConfig(
      'providers:\n  i_flow:\n    base_url: http://a/v1\n    oauth: {client_secret: s}\n',
      'c.yaml',
    )
    expect(one.config.providers['iflow']).toMatchObject({
      base_url: 'http://a/v1',
      oauth: { client_secret: 's' },
    })
    expect(one.config.providers['i_flow']).toBeUndefined()
    expect(one.warnings).toEqual([])
    const both = parseConfig(
      'providers:\n  i_flow: {base_url: http://a/v1}\n  iflow: {base_url: http://b/v1}\n',
      'c.yaml',
    )
    expect(both.config.providers['iflow']?.base_url).toBe('http://b/v1')
    expect(both.warnings).toEqual([
      'c.yaml: providers.i_flow and providers.iflow name the same provider; providers.i_flow is ignored',
    ])
  })

  test('command-line overrides win and are validated too', () => {
    const { config } = parseConfig('port: 9004\nlog: {level: warn}\n', 'o.yaml', {
      port: 9100,
      log: { level: 'debug' },
    })
    expect(config.port).toBe(9100)
    expect(config.log.level).toBe('debug')
    expect(() => parseConfig('port: 1\n', 'o.yaml', { port: 70000 })).toThrow(/port/)
  })
})
