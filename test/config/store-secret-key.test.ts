/** `store.secret_key_env`: its default, a custom name, and its keys counted among the config's secrets. */
import { describe, expect, test } from 'bun:test'
import { ConfigError, defaultConfig, parseConfig } from '../../src/config/load.ts'
import { configSecrets } from '../../src/config/secrets.ts'

describe('store.secret_key_env', () => {
  test('defaults to BYOKEY_SECRET_KEY and takes another variable name, nothing else', () => {
    expect(defaultConfig().store.secret_key_env).toBe('BYOKEY_SECRET_KEY')
    expect(parseConfig('store:\n  secret_key_env: TEAM_KEY\n', 'c.yaml').config.store.secret_key_env).toBe(
      'TEAM_KEY',
    )
    expect(() => parseConfig('store:\n  secret_key_env: "not a name"\n', 'c.yaml')).toThrow(ConfigError)
  })

  test('the key and the previous ones are secrets an error text must never carry', () => {
    const config = parseConfig('store:\n  secret_key_env: TEAM_KEY\n', 'c.yaml').config
    const env = {
      TEAM_KEY: ' current-key-text ',
      TEAM_KEY_PREVIOUS: 'old-one, old-two',
      BYOKEY_SECRET_KEY: 'unused',
    }
    const { fromEnv } = configSecrets(config, env)
    expect(fromEnv).toEqual(['current-key-text', 'old-one', 'old-two'])
    expect(configSecrets(defaultConfig(), {}).fromEnv).toEqual([])
  })
})
