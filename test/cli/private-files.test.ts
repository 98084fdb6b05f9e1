/**
 * Files that can hold what an attacker on the same machine wants: the log file is created 0600
 * (its folder 0700) like the database, request log lines drop query credentials in any case, and a
 * config file holding keys that others can read is named with the command that fixes it. A real
 * `byokey serve` process on 127.0.0.1.
 */
import { describe, expect, test } from 'bun:test'
import { chmodSync, statSync, writeFileSync } from 'node:fs'
import { runCli, startServer } from '../helpers/process.ts'
import { type TempDir, tempDir } from '../helpers/tmp.ts'

const KEY = 'sk-ant-api03-ConfigFileSecret0123456789'
const modeOf = (path: string) => statSync(path).mode & 0o777

/** `byokey serve --log-file` on a private config without keys; its lines are read from the file. */
function serveLoggingTo(dir: TempDir, logFile: string) {
  const config = dir.join('config.yaml')
  writeFileSync(config, 'port: 0\n', { mode: 0o600 })
  return startServer(
    ['-c', config, '--db', dir.join('byokey.db'), '--log-file', logFile],
    { BYOKEY_HOME: dir.path },
    undefined,
    { logFile },
  )
}

describe('hardening #8: private log file, query keys in any case, readable config warned', () => {
  test('serve --log-file creates the file 0600 in a 0700 folder, and its lines hold no query key', async () => {
    using dir = tempDir()
    const logFile = dir.join('logs', 'deep', 'byokey.log')
    await using server = await serveLoggingTo(dir, logFile)
    expect(modeOf(logFile)).toBe(0o600)
    expect(modeOf(dir.join('logs', 'deep'))).toBe(0o700)
    expect(modeOf(dir.join('logs'))).toBe(0o700)

    const secrets = ['AIzaLower1', 'AIzaTitle2', 'AIzaUpper3', 'sk-apikey4', 'sk-dashed5', 'at-token6']
    const query = ['key', 'Key', 'KEY', 'api_key', 'Api-Key', 'access_token'].map(
      (k, i) => `${k}=${secrets[i]}`,
    )
    const res = await fetch(`${server.url}/healthz?alt=sse&${query.join('&')}`, {
      headers: { 'x-request-id': 'query-keys' },
    })
    expect(res.status).toBe(200)
    const line = await server.waitForLine((l) => l.msg === 'request' && l['reqId'] === 'query-keys')
    expect(String(line['path'])).toStartWith('/healthz?alt=sse&key=[redacted]&Key=[redacted]&KEY=[redacted]')
    const text = await Bun.file(logFile).text()
    for (const s of secrets) expect(text).not.toContain(s)
  })

  test('an existing log file that others could read is tightened to 0600, and the log says so', async () => {
    using dir = tempDir()
    const logFile = dir.join('byokey.log')
    writeFileSync(logFile, '')
    chmodSync(logFile, 0o644)
    await using server = await serveLoggingTo(dir, logFile)
    expect(modeOf(logFile)).toBe(0o600)
    const warned = await server.waitForLine((l) => l.msg.includes('tightened to 0600'))
    expect(warned['mode']).toBe('0644')
  })

  test('a config file holding a key and readable by others is warned about at start and on reload', async () => {
    using dir = tempDir()
    const config = dir.join('config.yaml')
    const db = dir.join('byokey.db')
    writeFileSync(
      config,
      `port: 0\nmodel_lists: { enabled: false }\nproviders:\n  claude:\n    api_key: ${KEY}\n`,
    )
    chmodSync(config, 0o644)
    await using server = await startServer(['-c', config, '--db', db], { BYOKEY_HOME: dir.path })
    const warned = await server.waitForLine((l) => l.msg.includes(`chmod 600 ${config}`))
    expect(warned.level).toBe(40)
    expect(warned['mode']).toBe('0644')
    expect(JSON.stringify(server.lines)).not.toContain(KEY)
    // a reload of a changed file that still holds keys says it again
    writeFileSync(
      config,
      `port: 0\nmodel_lists: { enabled: false }\nproviders:\n  claude:\n    api_key: ${KEY}-2\n`,
    )
    expect((await runCli(['reload', '--db', db])).code).toBe(0)
    await server.waitForLine((l) => l.msg === 'config reloaded')
    expect(server.lines.filter((l) => l.msg.includes(`chmod 600 ${config}`))).toHaveLength(2)
  })

  test('no warning for a private config file, nor for a readable one without keys', async () => {
    for (const [mode, text] of [
      [
        0o600,
        `port: 0\nupstreams:\n  - {name: up, dialect: openai-chat, base_url: http://127.0.0.1:9, api_key: ${KEY}}\n`,
      ],
      [
        0o644,
        'port: 0\nupstreams:\n  - {name: up, dialect: openai-chat, base_url: http://127.0.0.1:9, api_key_env: SOME_VAR}\n',
      ],
    ] as const) {
      using dir = tempDir()
      const config = dir.join('config.yaml')
      writeFileSync(config, text)
      chmodSync(config, mode)
      await using server = await startServer(['-c', config, '--db', dir.join('byokey.db')], {
        BYOKEY_HOME: dir.path,
      })
      await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'after-start' } })
      await server.waitForLine((l) => l['reqId'] === 'after-start')
      expect(server.lines.filter((l) => l.msg.includes('chmod'))).toEqual([])
    }
  })
})
