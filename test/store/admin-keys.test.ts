/** Management API keys on every store: only their hash is at rest; verify, list, revoke. */
import { describe, expect, test } from 'bun:test'
import { adminKeyHash } from '../../src/store/sqlite/admin-keys.ts'
import { storeBackends } from '../helpers/store-backends.ts'

for (const backend of storeBackends()) {
  describe.skipIf(backend.skip)(`admin keys on ${backend}`, () => {
    test('a created key verifies, only its hash is stored, a revoked one stops verifying', async () => {
      await using s = await backend.open()
      const { store } = s
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
      await store.close()

      const dump = JSON.stringify(await s.rawRows('admin_keys'))
      expect(dump).not.toContain(key)
      expect(dump).toContain(adminKeyHash(key))

      const again = await s.another()
      expect(again.adminKeys.list()[0]?.lastUsedAt).toBeNumber()
      expect(again.adminKeys.revoke('dashboard')).toBe(true)
      expect(again.adminKeys.revoke(info.id)).toBe(false)
      expect(again.adminKeys.verify(key)).toBeUndefined()
    })
  })
}
