/**
 * Gateway keys on the Amp routes: Amp's model calls and its forwarded API need a key once keys
 * are in use, and a client's gateway key is never sent on to Amp; Amp's login redirect, which a
 * browser follows, needs none.
 */
import { expect, test } from 'bun:test'
import { type FakeAmpcode, fakeAmpcode } from '../helpers/fakes/ampcode.ts'
import { envelopeMessage, gatewayWithEveryUpstream, postJson } from './support.ts'

const ampConfig = (amp: FakeAmpcode, extra: Record<string, unknown> = {}) => ({
  amp: { base_url: amp.url, ...extra },
})
const messages = { model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }

test('served and forwarded Amp calls need a gateway key; the login redirect does not', async () => {
  await using amp = fakeAmpcode()
  await using env = await gatewayWithEveryUpstream({ text: 'ok' }, { config: ampConfig(amp) })
  const { secret } = env.gw.store.keys.create({ name: 'amp user' })
  const served = `${env.gw.url}/api/provider/anthropic/v1/messages`
  const without = await postJson(served, messages)
  expect(without.status).toBe(401)
  expect(envelopeMessage('anthropic-messages', await without.json(), 401)).toContain('Missing gateway key')
  const withKey = await postJson(served, messages, { authorization: `Bearer ${secret}` })
  expect(withKey.status).toBe(200)
  await withKey.text()

  const forwarded = await fetch(`${env.gw.url}/api/user`)
  expect(forwarded.status).toBe(401)
  await forwarded.body?.cancel()
  expect(amp.requests.filter((r) => r.path.startsWith('/api/'))).toHaveLength(0)

  const login = await fetch(`${env.gw.url}/auth/cli-login?authToken=t`, { redirect: 'manual' })
  expect(login.status).toBe(302)
})

test('with no Amp credential of its own, byokey refuses to forward rather than send the gateway key', async () => {
  await using amp = fakeAmpcode()
  await using env = await gatewayWithEveryUpstream({ text: 'ok' }, { config: ampConfig(amp) })
  const { secret } = env.gw.store.keys.create({ name: 'amp user' })
  const res = await fetch(`${env.gw.url}/api/user`, { headers: { authorization: `Bearer ${secret}` } })
  expect(res.status).toBe(401)
  expect(envelopeMessage('openai-chat', await res.json(), 401)).toContain('no Amp credential')
  expect(amp.requests.filter((r) => r.path.startsWith('/api/'))).toHaveLength(0)
})

test('with byokey’s Amp key, a keyed client’s call goes on with that key, not the gateway key', async () => {
  await using amp = fakeAmpcode()
  await using env = await gatewayWithEveryUpstream(
    { text: 'ok' },
    { config: ampConfig(amp, { upstream_key: 'amp-shared-key-of-this-byokey' }) },
  )
  const { secret } = env.gw.store.keys.create({ name: 'amp user' })
  const res = await fetch(`${env.gw.url}/api/user`, { headers: { authorization: `Bearer ${secret}` } })
  expect(res.status).toBe(200)
  await res.body?.cancel()
  const sent = JSON.stringify(amp.requests.filter((r) => r.path.startsWith('/api/')))
  expect(sent).toContain('amp-shared-key-of-this-byokey')
  expect(sent).not.toContain(secret)
})
