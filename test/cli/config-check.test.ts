import { describe, expect, test } from 'bun:test'
import { chmodSync, writeFileSync } from 'node:fs'
import { expectNoSecret, runCli } from '../helpers/process.ts'
import { type TempDir, tempDir } from '../helpers/tmp.ts'

/** Writes `text` to `name` in `dir` and runs `byokey config check -c` on it. */
async function check(dir: TempDir, name: string, text: string) {
  const file = dir.join(name)
  writeFileSync(file, text)
  return { file, ...(await runCli(['config', 'check', '-c', file])) }
}

describe('byokey config check', () => {
  test('a valid file: exit 0, one summary line with counts and no key values', async () => {
    using dir = tempDir()
    const file = dir.join('config.yaml')
    writeFileSync(
      file,
      [
        'port: 9001',
        'providers:',
        '  claude:',
        '    api_key: sk-ant-secret-value-123456',
        '    api_keys:',
        '      - api_key: sk-ant-second-value-654321',
        'upstreams:',
        '  - name: local',
        '    dialect: openai-chat',
        '    base_url: http://127.0.0.1:1/v1',
        '    api_key_env: LOCAL_KEY',
        '',
      ].join('\n'),
    )
    chmodSync(file, 0o600)
    const r = await runCli(['config', 'check', '-c', file])
    expect(r.code).toBe(0)
    expect(r.stdout.trim().split('\n')).toEqual([
      `${file}: ok, 1 provider (claude), 1 upstream, 3 keys, listens on 127.0.0.1:9001`,
    ])
    expect(r.stdout + r.stderr).not.toContain('secret-value')
    expect(r.stdout + r.stderr).not.toContain('second-value')
  })

  test('an invalid file: exit 1 with file:line and the field', async () => {
    using dir = tempDir()
    const { file, ...r } = await check(dir, 'config.yaml', 'port: 8018\nlog:\n  level: shouting\n')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${file}:3: log.level:`)
    expect(r.stdout).toBe('')
  })

  test('a YAML syntax error and a wrongly typed key are reported with their line, never the key value', async () => {
    using dir = tempDir()
    const a = await check(dir, 'broken.yaml', 'port: 8018\nproviders:\n  claude:\n    api_key: [unclosed\n')
    expect(a.code).toBe(1)
    expect(a.stderr).toMatch(new RegExp(`^${a.file}:\\d+: `))

    const b = await check(dir, 'typed.yaml', 'providers:\n  claude:\n    api_key: 12345678901234567\n')
    expect(b.code).toBe(1)
    expect(b.stderr).toContain(`${b.file}:3: providers.claude.api_key:`)
    expect(b.stderr).not.toContain('12345678901234567')
  })

  test('unknown keys are warnings with their line; the file still passes', async () => {
    using dir = tempDir()
    const { file, ...r } = await check(dir, 'config.yaml', 'port: 8018\nprot: 9000\n')
    expect(r.code).toBe(0)
    expect(r.stderr).toContain(`${file}:2: unknown key 'prot'`)
  })

  test('a named file that does not exist fails; the default path missing means built-in defaults', async () => {
    using dir = tempDir()
    const missing = await runCli(['config', 'check', '-c', dir.join('nope.yaml')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('config file not found')
    const defaults = await runCli(['config', 'check'], { BYOKEY_HOME: dir.path })
    expect(defaults.code).toBe(0)
    expect(defaults.stdout).toContain('built-in defaults')
  })

  test('usage: no subcommand or an unknown one exits 2', async () => {
    expect((await runCli(['config'])).code).toBe(2)
    const r = await runCli(['config', 'lint'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown config subcommand 'lint'")
    const help = await runCli(['config', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Examples:')
  })

  test('coordination on Redis with no URL in the file or BYOKEY_REDIS_URL: the problem serve would refuse', async () => {
    using dir = tempDir()
    const file = dir.join('config.yaml')
    writeFileSync(file, 'coordination:\n  kind: redis\n')
    chmodSync(file, 0o600)
    const r = await runCli(['config', 'check', '-c', file], { BYOKEY_REDIS_URL: '' })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `${file}: coordination.kind is redis: set coordination.url or BYOKEY_REDIS_URL`,
    )
    const withEnv = await runCli(['config', 'check', '-c', file], { BYOKEY_REDIS_URL: 'redis://cache:6379' })
    expect(withEnv.code).toBe(0)
  })

  test('a store on PostgreSQL with no URL, or one of another kind: the problem serve would refuse, no password shown', async () => {
    using dir = tempDir()
    const file = dir.join('config.yaml')
    writeFileSync(file, 'store:\n  kind: postgres\n')
    chmodSync(file, 0o600)
    const r = await runCli(['config', 'check', '-c', file], { BYOKEY_DATABASE_URL: '' })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${file}: store.kind is postgres but no URL is given`)
    const withEnv = await runCli(['config', 'check', '-c', file], { BYOKEY_DATABASE_URL: 'postgres://db/b' })
    expect(withEnv.code).toBe(0)
    writeFileSync(file, 'store:\n  kind: postgres\n  url: mysql://u:hunter22@db/b\n')
    const wrong = await runCli(['config', 'check', '-c', file], { BYOKEY_DATABASE_URL: '' })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain('store.url must be a postgres:// URL')
    expectNoSecret(wrong, 'hunter22')
  })
})
