import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { checkObject, JsoncError, keysOf, rawValueOf, remove, setRaw } from '../../src/cli/jsonc-object.ts'
import { runCli } from '../helpers/process.ts'
import { tempDir } from '../helpers/tmp.ts'

const COMMENTED = `{
  // my Amp settings
  "amp.showCosts": false, // I know what it costs
  "amp.mcpServers": {
    "files": { "command": "npx", "args": ["-y", "@mcp/files", "/work"] }, // trailing comma next
  },
  /* the old proxy */
  "amp.url": "https://proxy.example:8443",
}
`

describe('jsonc-object', () => {
  test('a key is set where it is; every other byte stays', () => {
    const out = setRaw(COMMENTED, 'amp.url', '"http://127.0.0.1:8018"')
    expect(out).toBe(COMMENTED.replace('"https://proxy.example:8443"', '"http://127.0.0.1:8018"'))
  })

  test('a new key goes after the last, indented like the first, keeping the trailing-comma style', () => {
    const noUrl = remove(COMMENTED, 'amp.url')
    expect(keysOf(noUrl)).toEqual(['amp.showCosts', 'amp.mcpServers'])
    expect(noUrl).toContain('/* the old proxy */')
    const out = setRaw(noUrl, 'amp.url', '"http://127.0.0.1:8018"')
    expect(out).toContain('  },\n  /* the old proxy */\n  "amp.url": "http://127.0.0.1:8018",\n}\n')
    const plain = setRaw('{\n    "a": 1\n}\n', 'b', 'true')
    expect(plain).toBe('{\n    "a": 1,\n    "b": true\n}\n')
    expect(JSON.parse(plain)).toEqual({ a: 1, b: true })
    expect(JSON.parse(setRaw('{"a":1}', 'b', '2'))).toEqual({ a: 1, b: 2 })
    expect(JSON.parse(setRaw('', 'b', '2'))).toEqual({ b: 2 })
    expect(JSON.parse(setRaw('{}', 'b', '2'))).toEqual({ b: 2 })
  })

  test('removing keys leaves valid JSON behind', () => {
    expect(JSON.parse(remove('{"a": 1, "b": 2}', 'b'))).toEqual({ a: 1 })
    expect(JSON.parse(remove('{"a": 1, "b": 2}', 'a'))).toEqual({ b: 2 })
    expect(remove('{\n  "a": 1,\n  "b": 2\n}\n', 'b')).toBe('{\n  "a": 1\n}\n')
    expect(remove('{\n  "a": 1\n}\n', 'a')).toBe('{\n}\n')
  })

  test('values are read as written; strings and comments with braces do not confuse the scan', () => {
    expect(rawValueOf(COMMENTED, 'amp.url')).toBe('"https://proxy.example:8443"')
    expect(rawValueOf('{"a": {"b": "}//"}, /* } */ "c": [1]}', 'c')).toBe('[1]')
    expect(rawValueOf('{"a": 1}', 'z')).toBeUndefined()
  })

  test('what is not a JSON object is refused, never rewritten', () => {
    for (const bad of [
      '[1, 2]',
      '{"a": 1',
      '{"a" 1}',
      '{"a": 1} extra',
      '{"a": "x}',
      '/* open {"a":1}',
      'nope',
    ]) {
      expect(() => checkObject(bad)).toThrow(JsoncError)
    }
  })
})

describe('byokey amp inject', () => {
  const run = (home: string, ...args: string[]) =>
    runCli(['amp', 'inject', ...args], { HOME: home, BYOKEY_HOME: home })

  test('round trip: the URL set, every other key and comment kept, a backup made; --undo restores it', async () => {
    using dir = tempDir()
    const settings = dir.join('.config', 'amp', 'settings.json')
    mkdirSync(dir.join('.config', 'amp'), { recursive: true })
    writeFileSync(settings, COMMENTED, { mode: 0o600 })
    writeFileSync(
      dir.join('config.yaml'),
      'port: 18018\nhost: 0.0.0.0\namp:\n  settings:\n    amp.showCosts: true\n',
    )

    const injected = await run(dir.path)
    expect(injected.stderr).toBe('')
    expect(injected.code).toBe(0)
    expect(injected.stdout).toContain('http://127.0.0.1:18018')
    const after = readFileSync(settings, 'utf8')
    expect(rawValueOf(after, 'amp.url')).toBe('"http://127.0.0.1:18018"')
    expect(rawValueOf(after, 'amp.showCosts')).toBe('true')
    expect(after).toBe(
      COMMENTED.replace('"https://proxy.example:8443"', '"http://127.0.0.1:18018"').replace(
        '"amp.showCosts": false',
        '"amp.showCosts": true',
      ),
    )
    expect(readFileSync(`${settings}.byokey-backup`, 'utf8')).toBe(COMMENTED)
    expect(statSync(settings).mode & 0o777).toBe(0o600)

    // a second inject with --url keeps the original backup
    expect((await run(dir.path, '--url', 'http://gw.lan:9000/')).code).toBe(0)
    expect(rawValueOf(readFileSync(settings, 'utf8'), 'amp.url')).toBe('"http://gw.lan:9000"')
    expect(readFileSync(`${settings}.byokey-backup`, 'utf8')).toBe(COMMENTED)

    // the person's own edit after the inject survives the undo
    writeFileSync(settings, setRaw(readFileSync(settings, 'utf8'), 'amp.notifications.enabled', 'false'))
    const undone = await run(dir.path, '--undo')
    expect(undone.code).toBe(0)
    const restored = readFileSync(settings, 'utf8')
    expect(restored).toBe(setRaw(COMMENTED, 'amp.notifications.enabled', 'false'))
    expect(existsSync(`${settings}.byokey-backup`)).toBe(false)
    expect((await run(dir.path, '--undo')).code).toBe(1)
  }, 30_000) // five CLI processes, on a busy machine

  test('no settings file yet: created with amp.url, and --undo removes it again', async () => {
    using dir = tempDir()
    const settings = dir.join('.config', 'amp', 'settings.json')
    const r = await run(dir.path, '--url', 'http://127.0.0.1:8018')
    expect(r.code).toBe(0)
    expect(JSON.parse(readFileSync(settings, 'utf8'))).toEqual({ 'amp.url': 'http://127.0.0.1:8018' })
    expect((await run(dir.path, '--undo')).code).toBe(0)
    expect(existsSync(settings)).toBe(false)
  })

  test('a settings file that is not a JSON object is left alone', async () => {
    using dir = tempDir()
    const settings = dir.join('amp-settings.json')
    writeFileSync(settings, '{"amp.url": "x",,}')
    const r = await run(dir.path, '--settings-file', settings)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('was left as it is')
    expect(readFileSync(settings, 'utf8')).toBe('{"amp.url": "x",,}')
    expect(existsSync(`${settings}.byokey-backup`)).toBe(false)
  })

  test('a URL that is not http(s) is a usage error', async () => {
    using dir = tempDir()
    const r = await run(dir.path, '--url', 'ftp://x')
    expect(r.code).toBe(2)
    expect(existsSync(dir.join('.config', 'amp', 'settings.json'))).toBe(false)
  })
})
