/** Which store a process opens: the environment over the config, PostgreSQL only with a postgres:// URL. */
import { expect, test } from 'bun:test'
import { describeTarget, storeTarget } from '../../src/cli/store-access.ts'
import { defaultConfig } from '../../src/config/load.ts'

const store = (over: Record<string, unknown> = {}) => defaultConfig({ store: over }).store

test('SQLite by default; store.kind postgres with its url; BYOKEY_DATABASE_URL over both', () => {
  expect(storeTarget(store(), '/d/byokey.db', {})).toEqual({ kind: 'sqlite', file: '/d/byokey.db' })
  const pg = store({ kind: 'postgres', url: 'postgres://u:pw@db:5432/b', sync_ms: 250 })
  expect(storeTarget(pg, '/d/byokey.db', {})).toEqual({
    kind: 'postgres',
    url: 'postgres://u:pw@db:5432/b',
    syncMs: 250,
    usageBufferRows: 100_000,
  })
  const env = { BYOKEY_DATABASE_URL: 'postgresql://e@other/b' }
  expect(storeTarget(store(), '/d/byokey.db', env)).toMatchObject({
    kind: 'postgres',
    url: env.BYOKEY_DATABASE_URL,
  })
  expect(storeTarget(pg, '/d/byokey.db', env)).toMatchObject({ url: env.BYOKEY_DATABASE_URL, syncMs: 250 })
  // set but empty: not set
  expect(storeTarget(store(), '/d/byokey.db', { BYOKEY_DATABASE_URL: '' }).kind).toBe('sqlite')
})

test('postgres without a URL, or a URL of another kind, is refused without quoting it', () => {
  expect(() => storeTarget(store({ kind: 'postgres' }), '/d/byokey.db', {})).toThrow(/BYOKEY_DATABASE_URL/)
  const wrong = store({ kind: 'postgres', url: 'mysql://u:hunter22@db/b' })
  expect(() => storeTarget(wrong, '/d/byokey.db', {})).toThrow('store.url must be a postgres:// URL')
  expect(() => storeTarget(store(), '/d', { BYOKEY_DATABASE_URL: 'redis://:hunter22@r' })).toThrow(
    'BYOKEY_DATABASE_URL must be a postgres:// URL',
  )
  // the schema takes any string, so its errors (which quote what they found) never see the URL
  expect(() => defaultConfig({ store: { kind: 'postgres', url: 'mysql://u:hunter22@db/b' } })).not.toThrow()
})

test('a target is described without the password', () => {
  const t = storeTarget(store({ kind: 'postgres', url: 'postgres://u:hunter22@db:5432/b' }), '/d', {})
  expect(describeTarget(t)).toBe('postgres://u:redacted@db:5432/b')
  expect(describeTarget({ kind: 'sqlite', file: '/d/byokey.db' })).toBe('/d/byokey.db')
})
