/** Accounts on every store: one active per provider, re-login, marking, removal, the version that moves. */
import { describe, expect, test } from 'bun:test'
import { storeBackends } from '../helpers/store-backends.ts'

for (const backend of storeBackends()) {
  describe.skipIf(backend.skip)(`accounts on ${backend}`, () => {
    test('accounts: first is active, one active per provider, removal promotes another', async () => {
      await using s = await backend.open()
      const { store } = s
      const a = store.accounts
      a.upsert({
        provider: 'claude',
        accountId: 'one',
        kind: 'oauth',
        token: { access_token: '1' },
        expiresAt: 100,
      })
      a.upsert({
        provider: 'claude',
        accountId: 'two',
        label: 'Work',
        kind: 'oauth',
        token: { access_token: '2' },
      })
      a.upsert({ provider: 'codex', accountId: 'k', kind: 'api_key', token: { api_key: 'sk' } })
      expect(a.active('claude')?.accountId).toBe('one')
      expect(a.active('codex')?.accountId).toBe('k')
      expect(a.setActive('claude', 'two')).toBe(true)
      expect(a.setActive('claude', 'ghost')).toBe(false)
      expect(a.list('claude').map((x) => [x.accountId, x.active])).toEqual([
        ['one', false],
        ['two', true],
      ])
      // re-login refreshes the token and clears an error state, keeps the label
      a.setState('claude', 'two', 'needs_login', 'invalid_grant')
      expect(a.get('claude', 'two')).toMatchObject({ state: 'needs_login', lastError: 'invalid_grant' })
      a.upsert({ provider: 'claude', accountId: 'two', kind: 'oauth', token: { access_token: '2b' } })
      expect(a.get('claude', 'two')).toMatchObject({
        state: 'ok',
        label: 'Work',
        token: { access_token: '2b' },
        active: true,
      })
      expect(a.get('claude', 'two')?.lastError).toBeUndefined()
      // an account its provider gave up: marked once (the second marking changes nothing), and a
      // new login clears it like any other state
      expect(a.markUnavailable('claude', 'two', 'tier ended')).toBe(true)
      expect(a.markUnavailable('claude', 'two', 'tier ended again')).toBe(false)
      expect(a.markUnavailable('claude', 'ghost', 'x')).toBe(false)
      expect(a.get('claude', 'two')).toMatchObject({ state: 'unavailable', lastError: 'tier ended' })
      a.upsert({ provider: 'claude', accountId: 'two', kind: 'oauth', token: { access_token: '2c' } })
      expect(a.get('claude', 'two')).toMatchObject({ state: 'ok', token: { access_token: '2c' } })
      a.updateToken('claude', 'one', { access_token: '1b' }, 200)
      expect(a.get('claude', 'one')).toMatchObject({ token: { access_token: '1b' }, expiresAt: 200 })
      expect(a.remove('claude', 'two')).toBe(true)
      expect(a.active('claude')?.accountId).toBe('one')
      expect(a.remove('claude', 'two')).toBe(false)
      // and so it is in the backend
      await store.sync()
      const other = await s.another()
      expect(other.accounts.list()).toEqual(a.list())
    })

    test('the accounts version moves with every account write, from this connection or another', async () => {
      await using s = await backend.open()
      const { store } = s
      const a = store.accounts
      const seen = [a.version()]
      const moved = () => {
        const v = a.version()
        expect(seen).not.toContain(v)
        seen.push(v)
      }
      a.upsert({ provider: 'claude', accountId: 'one', kind: 'oauth', token: { access_token: 't1' } })
      moved()
      a.upsert({ provider: 'claude', accountId: 'two', kind: 'api_key', token: { api_key: 'k' } })
      moved()
      a.setActive('claude', 'two')
      moved()
      a.updateToken('claude', 'one', { access_token: 't2' }, Date.now() + 1000)
      moved()
      a.setState('claude', 'one', 'needs_login', 'invalid_grant')
      moved()
      a.remove('claude', 'one')
      moved()
      // reading moves nothing
      a.list('claude')
      a.active('claude')
      expect(a.version()).toBe(seen.at(-1)!)
      // another process's `byokey logout`, on its own connection
      const other = await s.another()
      other.accounts.remove('claude', 'two')
      await other.close()
      await store.sync()
      moved()
    })
  })
}
