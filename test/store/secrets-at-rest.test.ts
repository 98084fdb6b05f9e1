/** Tokens at rest on every store: sealed with a key, old clear rows read and sealed on write, wrong keys refused, rotation. */
import { describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { keyringFromEnv, SecretKeyError } from '../../src/store/token-seal.ts'
import type { Store } from '../../src/store/types.ts'
import { type OpenedStore, storeBackends } from '../helpers/store-backends.ts'

const ACCESS = 'sk-ant-oat01-ACCESSTOKENTEXT'
const REFRESH = 'sk-ant-ort01-REFRESHTOKENTEXT'
const API_KEY = 'sk-proj-STOREDAPIKEYTEXT'
const ring = (key: Buffer, previous?: Buffer) =>
  keyringFromEnv('BYOKEY_SECRET_KEY', {
    BYOKEY_SECRET_KEY: key.toString('base64'),
    ...(previous ? { BYOKEY_SECRET_KEY_PREVIOUS: previous.toString('hex') } : {}),
  })
const noKey = () => keyringFromEnv('BYOKEY_SECRET_KEY', {})

/** The SQLite database's bytes, main file and write-ahead log, as text. */
function fileText(file: string): string {
  return [file, `${file}-wal`]
    .filter((p) => existsSync(p))
    .map((p) => readFileSync(p).toString('latin1'))
    .join('')
}

async function storedTokens(s: OpenedStore): Promise<string[]> {
  const rows = (await s.rawRows('accounts')) as { account_id: string; token_json: string }[]
  return rows.sort((a, b) => a.account_id.localeCompare(b.account_id)).map((r) => r.token_json)
}

async function seed(store: Store): Promise<void> {
  store.accounts.upsert({
    provider: 'claude',
    accountId: 'a',
    kind: 'oauth',
    token: { access_token: ACCESS, refresh_token: REFRESH },
    expiresAt: 5,
  })
  store.accounts.upsert({ provider: 'codex', accountId: 'b', kind: 'api_key', token: { api_key: API_KEY } })
  await store.sync()
}

/** What opening the same data with `keyring` throws, if anything. */
async function openError(s: OpenedStore, keyring: ReturnType<typeof ring>): Promise<unknown> {
  try {
    await (await s.another({ keyring })).close()
  } catch (e) {
    return e
  }
  return undefined
}

for (const backend of storeBackends()) {
  describe.skipIf(backend.skip)(`tokens at rest on ${backend}`, () => {
    test('with a key, stored rows hold no token text, and the store reads the tokens back', async () => {
      const key = ring(randomBytes(32))
      await using s = await backend.open({ keyring: key })
      await seed(s.store)
      s.store.accounts.updateToken('claude', 'a', { access_token: `${ACCESS}2`, refresh_token: REFRESH }, 9)
      await s.store.sync()
      const stored = await storedTokens(s)
      expect(stored.every((t) => t.startsWith(`enc:v1:${key.current!.id}:`))).toBe(true)
      for (const secret of [ACCESS, REFRESH, API_KEY, 'access_token']) {
        expect(stored.join('\n')).not.toContain(secret)
      }
      await s.store.close()
      if (s.file) {
        // the file's bytes: no copy of a token anywhere in it, the log included
        for (const secret of [ACCESS, REFRESH, API_KEY]) expect(fileText(s.file)).not.toContain(secret)
      }
      const again = await s.another()
      expect(again.accounts.get('claude', 'a')).toMatchObject({
        token: { access_token: `${ACCESS}2`, refresh_token: REFRESH },
        expiresAt: 9,
      })
      expect(again.accounts.list().map((a) => a.token)).toEqual([
        { access_token: `${ACCESS}2`, refresh_token: REFRESH },
        { api_key: API_KEY },
      ])
      expect(again.accounts.tokenSeals()).toEqual({ [key.current!.id]: 2 })
    })

    test('rows written in clear are read with a key set, and sealed on their next write', async () => {
      await using s = await backend.open({ keyring: noKey() })
      await seed(s.store)
      expect((await storedTokens(s)).join('\n')).toContain(REFRESH)
      const key = ring(randomBytes(32))
      const store = await s.another({ keyring: key })
      expect(store.accounts.get('codex', 'b')?.token).toEqual({ api_key: API_KEY })
      expect(store.accounts.tokenSeals()).toEqual({ clear: 2 })
      store.accounts.updateToken('claude', 'a', { access_token: 'new', refresh_token: REFRESH })
      await store.sync()
      expect(store.accounts.tokenSeals()).toEqual({ [key.current!.id]: 1, clear: 1 })
      const [a, b] = await storedTokens(s)
      expect(a).toStartWith('enc:v1:')
      expect(JSON.parse(b!)).toEqual({ api_key: API_KEY })
    })

    test('a missing or wrong key fails the open with the variable named, and no row is rewritten', async () => {
      await using s = await backend.open({ keyring: ring(randomBytes(32)) })
      await seed(s.store)
      const before = await storedTokens(s)
      for (const keyring of [noKey(), ring(randomBytes(32))]) {
        const err = await openError(s, keyring)
        expect(err).toBeInstanceOf(Error)
        expect((err as Error).message).toMatch(/2 of 2 account tokens cannot be read: .*BYOKEY_SECRET_KEY/)
        expect(await storedTokens(s)).toEqual(before)
      }
      expect(await openError(s, noKey())).toBeInstanceOf(SecretKeyError)
    })

    test('rotation: the old key in _PREVIOUS opens old rows, resealTokens moves every row to the new key', async () => {
      const oldKey = randomBytes(32)
      const oldRing = ring(oldKey)
      await using s = await backend.open({ keyring: oldRing })
      await seed(s.store)
      await s.store.close()
      const newRing = ring(randomBytes(32), oldKey)
      const store = await s.another({ keyring: newRing })
      const updatedAt = store.accounts.list().map((a) => a.updatedAt)
      expect(store.accounts.tokenSeals()).toEqual({ [oldRing.current!.id]: 2 })
      expect(await store.accounts.resealTokens()).toBe(2)
      expect(await store.accounts.resealTokens()).toBe(0)
      expect(store.accounts.tokenSeals()).toEqual({ [newRing.current!.id]: 2 })
      await store.close()
      // the new key alone opens the data now, with the accounts as they were
      const alone = await s.another({ keyring: ring(newRing.current!.key) })
      expect(alone.accounts.get('claude', 'a')?.token).toEqual({
        access_token: ACCESS,
        refresh_token: REFRESH,
      })
      expect(alone.accounts.list().map((a) => a.updatedAt)).toEqual(updatedAt)
      expect(await openError(s, oldRing)).toBeInstanceOf(Error)
    })

    test.skipIf(backend.name !== 'postgres')(
      'PostgreSQL without a key warns once at open that tokens are in clear',
      async () => {
        const heard: string[] = []
        const warn = (_: Record<string, unknown>, message: string) => heard.push(message)
        await using s = await backend.open({ keyring: keyringFromEnv('TEAM_KEY', {}), warn })
        expect(heard).toEqual([
          'account tokens are stored in clear in PostgreSQL: set TEAM_KEY to encrypt them',
        ])
        heard.length = 0
        await (await s.another({ keyring: ring(randomBytes(32)), warn })).close()
        expect(heard).toEqual([])
      },
    )
  })
}
