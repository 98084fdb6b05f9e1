/** `byokey secrets` and the secret key as the commands and the server see it: the real CLI on a temp database. */
import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { parseSecretKey } from '../../src/store/token-seal.ts'
import { expectNoSecret, runCli, SOURCE_CMD, serveRefusal } from '../helpers/process.ts'
import { type TempDir, tempDir } from '../helpers/tmp.ts'

const API_KEY = 'sk-ant-api03-SECRETATRESTKEY0123456789abcdef'
const OLD = randomBytes(32).toString('base64')
const NEW = randomBytes(32).toString('hex')
const idOf = (key: string) => parseSecretKey(key, 'K').id

function cliIn(dir: TempDir) {
  return (args: string[], env: Record<string, string> = {}, stdin?: string) =>
    runCli(
      args,
      {
        BYOKEY_HOME: dir.path,
        HOME: dir.path,
        BYOKEY_SECRET_KEY: '',
        BYOKEY_SECRET_KEY_PREVIOUS: '',
        ...env,
      },
      SOURCE_CMD,
      stdin,
    )
}

function storedTokens(dir: TempDir): string[] {
  const db = new Database(dir.join('byokey.db'), { readonly: true })
  try {
    return (db.query('SELECT token_json FROM accounts').all() as { token_json: string }[]).map(
      (r) => r.token_json,
    )
  } finally {
    db.close()
  }
}

describe('byokey secrets', () => {
  test('a key set: tokens are written encrypted, read back, and status says how they are kept', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    const add = await cli(['add-api-key', 'claude', '-'], { BYOKEY_SECRET_KEY: OLD }, API_KEY)
    expect(add.code).toBe(0)
    expect(readFileSync(dir.join('byokey.db')).toString('latin1')).not.toContain('SECRETATRESTKEY')
    expect(storedTokens(dir)).toEqual([expect.stringMatching(new RegExp(`^enc:v1:${idOf(OLD)}:`))])
    const listed = await cli(['accounts', 'claude'], { BYOKEY_SECRET_KEY: OLD })
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain('api-key')
    const status = await cli(['secrets', 'status'], { BYOKEY_SECRET_KEY: OLD })
    expect(status.code).toBe(0)
    expect(status.stdout).toContain(`current key: ${idOf(OLD)} (from BYOKEY_SECRET_KEY)`)
    expect(status.stdout).toContain(`1 token encrypted with key ${idOf(OLD)} (current)`)
    expectNoSecret(status, OLD, API_KEY)
  })

  test('without the key, or with another, a command stops with the variable named and rewrites nothing', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    expect((await cli(['add-api-key', 'claude', '-'], { BYOKEY_SECRET_KEY: OLD }, API_KEY)).code).toBe(0)
    const before = storedTokens(dir)
    for (const env of [{}, { BYOKEY_SECRET_KEY: NEW }] as Record<string, string>[]) {
      const r = await cli(['accounts', 'claude'], env)
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('1 of 1 account tokens cannot be read')
      expect(r.stderr).toContain('BYOKEY_SECRET_KEY')
      expect(r.stderr).not.toContain('    at ')
      expectNoSecret(r, NEW, API_KEY)
    }
    expect(storedTokens(dir)).toEqual(before)
  })

  test('the server does not start without the key, with a fatal line naming the variable', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    expect((await cli(['add-api-key', 'claude', '-'], { BYOKEY_SECRET_KEY: OLD }, API_KEY)).code).toBe(0)
    const outcome = await serveRefusal(['--port', '0'], {
      BYOKEY_HOME: dir.path,
      HOME: dir.path,
      BYOKEY_SECRET_KEY: NEW,
    })
    expect(outcome).toContain('server exited with 1')
    expect(outcome).toContain('cannot open the database')
    expect(outcome).toContain('BYOKEY_SECRET_KEY')
    expect(outcome).not.toContain(NEW)
  })

  test('rotate: the new key with the old one in _PREVIOUS re-encrypts every token; --decrypt writes them in clear', async () => {
    using dir = tempDir()
    const cli = cliIn(dir)
    // one row in clear (before any key), one under the old key
    expect((await cli(['add-api-key', 'claude', '-'], {}, API_KEY)).code).toBe(0)
    expect((await cli(['add-api-key', 'codex', '-'], { BYOKEY_SECRET_KEY: OLD }, `${API_KEY}2`)).code).toBe(0)
    const none = await cli(['secrets', 'rotate'])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('no secret key: set BYOKEY_SECRET_KEY')

    const both = { BYOKEY_SECRET_KEY: NEW, BYOKEY_SECRET_KEY_PREVIOUS: OLD }
    const status = await cli(['secrets', 'status', '--json'], both)
    expect(JSON.parse(status.stdout)).toEqual({
      current_key: idOf(NEW),
      tokens: { clear: 1, [idOf(OLD)]: 1 },
    })
    const r = await cli(['secrets', 'rotate'], both)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`2 account tokens encrypted with key ${idOf(NEW)}`)
    expect(storedTokens(dir).every((t) => t.startsWith(`enc:v1:${idOf(NEW)}:`))).toBe(true)
    expect((await cli(['accounts', 'codex'], { BYOKEY_SECRET_KEY: NEW })).code).toBe(0)

    expect((await cli(['secrets', 'rotate', '--decrypt'], both)).code).toBe(2)
    const clear = await cli(['secrets', 'rotate', '--decrypt'], { BYOKEY_SECRET_KEY_PREVIOUS: NEW })
    expect(clear.code).toBe(0)
    expect(storedTokens(dir).map((t) => JSON.parse(t))).toEqual([
      { api_key: API_KEY },
      { api_key: `${API_KEY}2` },
    ])
  })

  test('store.secret_key_env names another variable', async () => {
    using dir = tempDir()
    writeFileSync(dir.join('config.yaml'), 'store:\n  secret_key_env: TEAM_TOKEN_KEY\n')
    const cli = cliIn(dir)
    expect((await cli(['add-api-key', 'claude', '-'], { TEAM_TOKEN_KEY: OLD }, API_KEY)).code).toBe(0)
    expect(storedTokens(dir)[0]).toStartWith(`enc:v1:${idOf(OLD)}:`)
    const missing = await cli(['accounts', 'claude'], { BYOKEY_SECRET_KEY: OLD })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('TEAM_TOKEN_KEY is not set')
  })
})
