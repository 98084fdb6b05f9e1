import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { adminKeyHash } from '../../src/store/sqlite/admin-keys.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { tempDir } from '../helpers/tmp.ts'

describe('admin keys', () => {
  test('a created key verifies, only its hash is stored, a revoked one stops verifying', () => {
    using dir = tempDir()
    const file = dir.join('byokey.db')
    const store = openSqliteStore(file)
    const { key, info } = store.adminKeys.create('dashboard')
    expect(key).toMatch(/^byka-[A-Za-z0-9_-]{43}$/)
    expect(info.hint).toBe(key.slice(-4))
    expect(store.adminKeys.verify(key)?.id).toBe(info.id)
    expect(store.adminKeys.verify(`${key}x`)).toBeUndefined()
    expect(store.adminKeys.verify('')).toBeUndefined()
    expect(store.adminKeys.list()).toEqual([
      {
        id: info.id,
        name: 'dashboard',
        hint: info.hint,
        createdAt: info.createdAt,
        lastUsedAt: expect.any(Number),
      },
    ])
    store.close()

    const raw = new Database(file)
    const dump = JSON.stringify(raw.query('SELECT * FROM admin_keys').all())
    raw.close()
    expect(dump).not.toContain(key)
    expect(dump).toContain(adminKeyHash(key))

    const again = openSqliteStore(file)
    expect(again.adminKeys.revoke('dashboard')).toBe(true)
    expect(again.adminKeys.revoke(info.id)).toBe(false)
    expect(again.adminKeys.verify(key)).toBeUndefined()
    again.close()
  })
})
