/** `coordination:` in the config: local by default, Redis with its URL from the file or the environment. */
import { describe, expect, test } from 'bun:test'
import { coordinationSettings } from '../../src/config/coordination.ts'
import { ConfigError, defaultConfig, parseConfig } from '../../src/config/load.ts'
import { configSecrets } from '../../src/config/secrets.ts'

const parse = (yaml: string) => parseConfig(yaml, 'c.yaml').config
const PASSWORD = 's3cret-Redis-pw'

describe('coordination settings', () => {
  test('local by default, whatever the environment says', () => {
    expect(defaultConfig().coordination).toEqual({ kind: 'local' })
    const env = { BYOKEY_REDIS_URL: 'redis://127.0.0.1:6379' }
    expect(coordinationSettings(defaultConfig(), env)).toEqual({ kind: 'local' })
  })

  test('redis: the URL from BYOKEY_REDIS_URL when set, else from the file; the prefix', () => {
    const file = parse('coordination:\n  kind: redis\n  url: redis://cache:6379/2\n  prefix: prod\n')
    expect(coordinationSettings(file, {})).toEqual({
      kind: 'redis',
      url: 'redis://cache:6379/2',
      prefix: 'prod',
    })
    expect(coordinationSettings(file, { BYOKEY_REDIS_URL: 'redis://other:6379' })).toEqual({
      kind: 'redis',
      url: 'redis://other:6379',
      prefix: 'prod',
    })
    expect(coordinationSettings(file, { BYOKEY_REDIS_URL: '' }).url).toBe('redis://cache:6379/2')
    const fromEnv = parse('coordination:\n  kind: redis\n')
    expect(coordinationSettings(fromEnv, { BYOKEY_REDIS_URL: `rediss://:${PASSWORD}@cache:6380` })).toEqual({
      kind: 'redis',
      url: `rediss://:${PASSWORD}@cache:6380`,
    })
  })

  test('redis without a URL, or with one that is not Redis, says what to set and never quotes it', () => {
    const none = parse('coordination:\n  kind: redis\n')
    expect(() => coordinationSettings(none, {})).toThrow(
      'coordination.kind is redis: set coordination.url or BYOKEY_REDIS_URL',
    )
    const http = parse(`coordination:\n  kind: redis\n  url: http://u:${PASSWORD}@cache:6379\n`)
    expect(() => coordinationSettings(http, {})).toThrow('coordination.url must start with redis://')
    const broken = parse(`coordination:\n  kind: redis\n`)
    const err = (() => {
      try {
        coordinationSettings(broken, { BYOKEY_REDIS_URL: `redis//:${PASSWORD}@cache` })
      } catch (e) {
        return e as Error
      }
      throw new Error('expected an error')
    })()
    expect(err.message).toStartWith('BYOKEY_REDIS_URL is not a URL')
    expect(err.message).not.toContain(PASSWORD)
  })

  test('an unknown kind or a bad prefix is a config error naming the key', () => {
    expect(() => parse('coordination:\n  kind: memcached\n')).toThrow(ConfigError)
    expect(() => parse('coordination:\n  kind: memcached\n')).toThrow(/c\.yaml:2: coordination\.kind: /)
    expect(() => parse('coordination:\n  kind: redis\n  prefix: "a b"\n')).toThrow(/coordination\.prefix/)
    expect(parseConfig('coordination:\n  kind: redis\n  urll: x\n', 'c.yaml').warnings[0]).toContain(
      "unknown key 'coordination.urll'",
    )
  })

  test("the URL's password is a secret, from the file and from the environment", () => {
    const file = parse(`coordination:\n  kind: redis\n  url: redis://:${PASSWORD}@cache:6379\n`)
    expect(configSecrets(file, {}).inFile).toContain(PASSWORD)
    const env = { BYOKEY_REDIS_URL: `redis://byokey:${PASSWORD}-env@cache:6379` }
    expect(configSecrets(defaultConfig(), env).fromEnv).toContain(`${PASSWORD}-env`)
  })
})
