/** Tokens at rest in the SQLite file: sealed with a key, old clear rows read and sealed on write, wrong keys refused. */
import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { keyringFromEnv, SecretKeyError } from '../../src/store/token-seal.ts'
import { type TempDir, tempDir } from '../helpers/tmp.ts'

const ACCESS = 'sk-ant-oat01-ACCESSTOKENTEXT'
const REFRESH = 'sk-ant-ort01-REFRESHTOKENTEXT'
const API_KEY = 'sk-proj-STOREDAPIKEYTEXT'
const ring = (key: Buffer, previous?: Buffer) =>
  keyringFromEnv('BYOKEY_SECRET_KEY', {
    BYOKEY_SECRET_KEY: key.toString('base64'),
    ...(previous ? { BYOKEY_SECRET_KEY_PREVIOUS: previous.toString('hex') } : {}),
  })

/** The database's bytes, main file and write-ahead log, as text. */
function fileText(dir: TempDir): string {
  const path = dir.join('byokey.db')
  return [path, `${path}-wal`]
    .filter((p) => existsSync(p))
    .map((p) => readFileSync(p).toString('latin1'))
    .join('')
}

function storedTokens(dir: TempDir): string[] {
  const db = new Database(dir.join('byokey.db'), { readonly: true })
  try {
    return (
      db.query('SELECT token_json FROM accounts ORDER BY account_id').all() as { token_json: string }[]
    ).map((r) => r.token_json)
  } finally {
    db.close()
  }
}

function seed(dir: TempDir, keyring = ring(randomBytes(32))) {
  const store = openSqliteStore(dir.join('byokey.db'), { keyring })
  store.accounts.upsert({
    provider: 'claude',
    accountId: 'a',
    kind: 'oauth',
    token: { access_token: ACCESS, refresh_token: REFRESH },
    expiresAt: 5,
  })
  store.accounts.upsert({ provider: 'codex', accountId: 'b', kind: 'api_key', token: { api_key: API_KEY } })
  return store
}

describe('tokens at rest in SQLite', async () => {
  test('with a key, the file holds no token text, and the store reads the tokens back', async () => {
    using dir = tempDir()
    const key = ring(randomBytes(32))
    const store = seed(dir, key)
    store.accounts.updateToken('claude', 'a', { access_token: `${ACCESS}2`, refresh_token: REFRESH }, 9)
    await store.close()
    const bytes = fileText(dir)
    for (const secret of [ACCESS, REFRESH, API_KEY, 'access_token']) expect(bytes).not.toContain(secret)
    expect(storedTokens(dir).every((t) => t.startsWith(`enc:v1:${key.current!.id}:`))).toBe(true)

    const again = openSqliteStore(dir.join('byokey.db'), { keyring: key })
    expect(again.accounts.get('claude', 'a')).toMatchObject({
      token: { access_token: `${ACCESS}2`, refresh_token: REFRESH },
      expiresAt: 9,
    })
    expect(again.accounts.list().map((a) => a.token)).toEqual([
      { access_token: `${ACCESS}2`, refresh_token: REFRESH },
      { api_key: API_KEY },
    ])
    await again.close()
  })

  test('rows written in clear are read with a key set, and sealed on their next write', async () => {
    using dir = tempDir()
    await seed(dir, keyringFromEnv('BYOKEY_SECRET_KEY', {})).close()
    expect(fileText(dir)).toContain(REFRESH)
    const key = ring(randomBytes(32))
    const store = openSqliteStore(dir.join('byokey.db'), { keyring: key })
    expect(store.accounts.get('codex', 'b')?.token).toEqual({ api_key: API_KEY })
    expect(store.accounts.tokenSeals()).toEqual({ clear: 2 })
    store.accounts.updateToken('claude', 'a', { access_token: 'new', refresh_token: REFRESH })
    expect(store.accounts.tokenSeals()).toEqual({ [key.current!.id]: 1, clear: 1 })
    await store.close()
    const [a, b] = storedTokens(dir)
    expect(a).toStartWith('enc:v1:')
    expect(JSON.parse(b!)).toEqual({ api_key: API_KEY })
  })

  test('a missing or wrong key fails the open with the variable named, and no row is rewritten', async () => {
    using dir = tempDir()
    await seed(dir).close()
    const before = storedTokens(dir)
    for (const keyring of [keyringFromEnv('BYOKEY_SECRET_KEY', {}), ring(randomBytes(32))]) {
      let err: unknown
      try {
        await openSqliteStore(dir.join('byokey.db'), { keyring }).close()
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(SecretKeyError)
      expect((err as Error).message).toMatch(/^2 of 2 account tokens cannot be read: .*BYOKEY_SECRET_KEY/)
      expect(storedTokens(dir)).toEqual(before)
    }
  })

  test('rotation: the old key in _PREVIOUS opens old rows, resealTokens moves every row to the new key', async () => {
    using dir = tempDir()
    const oldKey = randomBytes(32)
    const oldRing = ring(oldKey)
    await seed(dir, oldRing).close()
    const newRing = ring(randomBytes(32), oldKey)
    const store = openSqliteStore(dir.join('byokey.db'), { keyring: newRing })
    const updatedAt = store.accounts.list().map((a) => a.updatedAt)
    expect(store.accounts.tokenSeals()).toEqual({ [oldRing.current!.id]: 2 })
    expect(await store.accounts.resealTokens()).toBe(2)
    expect(await store.accounts.resealTokens()).toBe(0)
    expect(store.accounts.tokenSeals()).toEqual({ [newRing.current!.id]: 2 })
    expect(store.accounts.list().map((a) => a.updatedAt)).toEqual(updatedAt)
    await store.close()
    // the new key alone opens the database now
    const alone = openSqliteStore(dir.join('byokey.db'), { keyring: ring(newRing.current!.key) })
    expect(alone.accounts.get('claude', 'a')?.token).toEqual({ access_token: ACCESS, refresh_token: REFRESH })
    await alone.close()
    expect(() => openSqliteStore(dir.join('byokey.db'), { keyring: oldRing })).toThrow(SecretKeyError)
  })
})
