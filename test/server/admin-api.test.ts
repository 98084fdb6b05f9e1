/**
 * The management API over a real socket: every documented `/admin/v1` route refuses a call
 * without a valid admin key and answers one with it, never carrying a secret; usage sums equal
 * the rows'; accounts switch and go; logins run to a stored account; the gate's other refusals.
 */

import { describe, expect, test } from 'bun:test'
import { LOGIN_PROVIDERS } from '../../src/cli/login.ts'
import { AdminGate, isAdminUrl } from '../../src/server/admin/gate.ts'
import { isLoopbackPeer } from '../../src/server/browser-guard.ts'
import { openApiDocument } from '../../src/server/openapi.ts'
import { twoClaudeKeys } from '../helpers/accounts-config.ts'
import { fakeAnthropic } from '../helpers/fakes/index.ts'
import { copilotOAuthSettings, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { seedLogin, type TestGateway, testGateway } from '../helpers/gateway.ts'
import { waitFor } from '../helpers/tmp.ts'
import { seedUsage, sumRows, utcDay } from '../helpers/usage-seed.ts'

interface Call {
  status: number
  text: string
  json: Record<string, unknown>
}

function client(gw: TestGateway, key: string | undefined) {
  return async (method: string, path: string, body?: unknown): Promise<Call> => {
    const headers: Record<string, string> = {}
    if (key !== undefined) headers.authorization = `Bearer ${key}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    return {
      status: res.status,
      text,
      json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {},
    }
  }
}

const ACCESS = 'sk-ant-oat01-SECRET-ACCESS-TOKEN-0123456789'
const REFRESH = 'sk-ant-ort01-SECRET-REFRESH-TOKEN-0123456789'

/** A concrete call for each documented admin operation. */
function concretePath(path: string): string {
  return path.replace('{provider}', 'claude').replace('{account}', 'nobody').replace('{id}', 'missing')
}

const BODIES: Record<string, unknown> = {
  'POST /admin/v1/logins': { provider: 'nope' },
  'POST /admin/v1/logins/{id}/code': { code: 'x' },
  'POST /admin/v1/keys': { name: 'doc-key' },
}

describe('management API', () => {
  test('every documented route: 401 without a key or with a wrong one, an answer with it, no secret in any', async () => {
    await using gw = await testGateway()
    seedLogin(gw.store, 'claude', 'ada@example.com', { access_token: ACCESS, refresh_token: REFRESH })
    const { key } = gw.store.adminKeys.create('test')
    const gatewayKey = gw.store.keys.create({ name: 'existing' })
    const doc = openApiDocument('test') as { paths: Record<string, Record<string, unknown>> }
    const ops = Object.entries(doc.paths)
      .filter(([p]) => p.startsWith('/admin/v1/'))
      .flatMap(([p, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path: p })))
    expect(ops.length).toBeGreaterThanOrEqual(15)
    const secrets = [ACCESS, REFRESH, key, gatewayKey.secret]
    for (const { method, path } of ops) {
      const url = concretePath(path)
      const body = BODIES[`${method} ${path}`]
      const none = await client(gw, undefined)(method, url, body)
      expect({ op: `${method} ${path}`, status: none.status }).toEqual({
        op: `${method} ${path}`,
        status: 401,
      })
      expect(none.json).toMatchObject({ error: { type: 'authentication_error', code: 'admin_key_missing' } })
      const wrong = await client(gw, `${key}x`)(method, url, body)
      expect({ op: `${method} ${path}`, status: wrong.status }).toEqual({
        op: `${method} ${path}`,
        status: 401,
      })
      const ok = await client(gw, key)(method, url, body)
      expect({ op: `${method} ${path}`, auth: ok.status === 401 || ok.status === 403 }).toEqual({
        op: `${method} ${path}`,
        auth: false,
      })
      // an error is the one envelope
      if (ok.status >= 400)
        expect(ok.json).toMatchObject({ error: { message: expect.any(String), type: expect.any(String) } })
      for (const s of secrets) expect(ok.text).not.toContain(s)
      expect(ok.text).not.toMatch(/[0-9a-f]{64}/) // no digest either
    }
    // the document's admin routes say how they are authenticated
    expect(JSON.stringify(doc)).toContain('"adminKey"')
  })

  test('status, reload and a rejected reload', async () => {
    await using gw = await testGateway()
    const call = client(gw, gw.store.adminKeys.create('t').key)
    const status = await call('GET', '/admin/v1/status')
    expect(status.status).toBe(200)
    expect(status.json).toMatchObject({
      version: 'test',
      config_version: 1,
      database: 'open',
      pid: process.pid,
    })
    expect(typeof status.json['uptime_s']).toBe('number')
    gw.rewrite({ log: { level: 'debug' } })
    expect((await call('GET', '/admin/v1/status')).json['config_version']).toBe(2)
    await Bun.write(gw.configFile, 'port: "not a port"\n')
    const bad = await call('POST', '/admin/v1/reload')
    expect(bad.status).toBe(422)
    expect(bad.json).toMatchObject({ error: { code: 'config_invalid' } })
    expect((await call('GET', '/admin/v1/status')).json['config_version']).toBe(2)
  })

  test('usage: every grouping sums to the rows SQLite holds, totals included', async () => {
    await using gw = await testGateway()
    const call = client(gw, gw.store.adminKeys.create('t').key)
    const k1 = gw.store.keys.create({ name: 'one' }).key.id
    const k2 = gw.store.keys.create({ name: 'two' }).key.id
    const now = Date.now()
    await seedUsage(gw.store, [k1, k2], now)
    const db = gw.dir.join('byokey.db')
    const from = utcDay(now, 7)
    const to = now + 1
    const dayOf = (ts: unknown) => new Date(Number(ts)).toISOString().slice(0, 10)
    const groups: Record<string, (r: Record<string, unknown>) => string> = {
      day: (r) => dayOf(r['ts']),
      model: (r) => String(r['model']),
      provider: (r) => String(r['provider']),
      account: (r) => String(r['account']),
      key: (r) => String(r['key_id']),
    }
    for (const [dim, groupOf] of Object.entries(groups)) {
      const res = await call(
        'GET',
        `/admin/v1/usage?from=${new Date(from).toISOString()}&to=${to}&group_by=${dim}`,
      )
      expect(res.status).toBe(200)
      const expected = sumRows(db, from, to, groupOf)
      const rows = res.json['rows'] as Array<Record<string, unknown>>
      expect(rows.length).toBe(expected.size)
      for (const r of rows) {
        const want = expected.get(String(r[dim]))!
        expect(want).toBeDefined()
        for (const [field, value] of Object.entries(want)) {
          if (field === 'cost_usd') expect(r[field] as number).toBeCloseTo(value, 12)
          else
            expect({ dim, group: r[dim], field, value: r[field] }).toEqual({
              dim,
              group: r[dim],
              field,
              value,
            })
        }
      }
      const all = sumRows(db, from, to).get('all')!
      const totals = res.json['totals'] as Record<string, number>
      expect(totals['requests']).toBe(all.requests)
      expect(totals['errors']).toBe(all.errors)
      expect(totals['input_tokens']).toBe(all.input_tokens)
      expect(totals['cost_usd']).toBeCloseTo(all.cost_usd, 12)
      expect(totals['unpriced']).toBe(1)
    }
    // two dimensions: one row per (day, model), summing to the totals
    const stacked = await call('GET', `/admin/v1/usage?from=${from}&to=${to}&group_by=day,model`)
    const cells = stacked.json['rows'] as Array<Record<string, number | string>>
    const byDayModel = sumRows(db, from, to, (r) => `${dayOf(r['ts'])}|${r['model']}`)
    expect(cells.length).toBe(byDayModel.size)
    for (const c of cells)
      expect(c['input_tokens']).toBe(byDayModel.get(`${c['day']}|${c['model']}`)!.input_tokens)
    // a range leaves out what is outside it
    const today = await call('GET', `/admin/v1/usage?from=${utcDay(now, 0)}&to=${to}`)
    expect((today.json['totals'] as Record<string, number>)['requests']).toBe(
      sumRows(db, utcDay(now, 0), to).get('all')!.requests,
    )
    expect(today.json['rows']).toEqual([])
    for (const bad of [
      'group_by=week',
      'group_by=day,model,key',
      'from=yesterday',
      `from=${to}&to=${from}`,
    ]) {
      const r = await call('GET', `/admin/v1/usage?${bad}`)
      expect({ bad, status: r.status }).toEqual({ bad, status: 400 })
    }
  })

  test('requests: newest first, no bodies, the key and the cost of each', async () => {
    await using gw = await testGateway()
    const call = client(gw, gw.store.adminKeys.create('t').key)
    const k1 = gw.store.keys.create({ name: 'one' }).key.id
    const rows = await seedUsage(gw.store, [k1, k1])
    const res = await call('GET', '/admin/v1/requests?limit=3')
    const list = res.json['requests'] as Array<Record<string, unknown>>
    expect(list).toHaveLength(3)
    const newest = [...rows].filter((r) => !r.failedOver).sort((a, b) => b.ts - a.ts)[0]!
    expect(list[0]).toMatchObject({ model: newest.model, status: newest.status, key_id: k1 })
    expect(Object.keys(list[0]!)).not.toContain('body')
  })

  test('accounts: token state and cooldown shown; switch and remove', async () => {
    await using gw = await testGateway()
    const call = client(gw, gw.store.adminKeys.create('t').key)
    seedLogin(gw.store, 'claude', 'ada@example.com', { access_token: ACCESS, refresh_token: REFRESH })
    seedLogin(gw.store, 'claude', 'bob@example.com', {
      access_token: `${ACCESS}2`,
      refresh_token: `${REFRESH}2`,
    })
    gw.store.cooldowns.put({
      provider: 'claude',
      account: 'bob@example.com',
      untilMs: Date.now() + 60_000,
      reason: 'rate_limit',
      failures: 1,
    })
    const list = await call('GET', '/admin/v1/accounts')
    const claude = (list.json['providers'] as Array<Record<string, unknown>>).find(
      (p) => p.provider === 'claude',
    )!
    expect(claude['active']).toBe('ada@example.com')
    expect(claude['accounts']).toMatchObject([
      { id: 'ada@example.com', state: 'ok', active: true, cooldown_until: null },
      { id: 'bob@example.com', state: 'ok', active: false, cooldown_reason: 'rate_limit' },
    ])
    const sw = await call(
      'POST',
      `/admin/v1/accounts/claude/${encodeURIComponent('bob@example.com')}/activate`,
    )
    expect(sw.status).toBe(200)
    expect(gw.store.accounts.active('claude')?.accountId).toBe('bob@example.com')
    const rm = await call('DELETE', `/admin/v1/accounts/claude/${encodeURIComponent('bob@example.com')}`)
    expect(rm.json).toEqual({ provider: 'claude', removed: 'bob@example.com', active: 'ada@example.com' })
    expect(gw.store.accounts.list('claude').map((a) => a.accountId)).toEqual(['ada@example.com'])
    expect((await call('DELETE', '/admin/v1/accounts/claude/bob%40example.com')).status).toBe(404)
  })

  test('keys: created with limits, listed with spend and never the secret, rotated, revoked', async () => {
    await using gw = await testGateway()
    const call = client(gw, gw.store.adminKeys.create('t').key)
    const made = await call('POST', '/admin/v1/keys', {
      name: 'team',
      models: ['claude-*'],
      rpm: 60,
      budget_usd: 5,
      period: 'day',
    })
    expect(made.status).toBe(201)
    const secret = made.json['secret'] as string
    const id = (made.json['key'] as Record<string, string>)['id']!
    expect(secret).toMatch(/^byk-/)
    await seedUsage(gw.store, [id, 'other'])
    const listed = await call('GET', '/admin/v1/keys')
    expect(listed.text).not.toContain(secret)
    const k = (listed.json['keys'] as Array<Record<string, unknown>>)[0]!
    const today = sumRows(gw.dir.join('byokey.db'), utcDay(Date.now(), 0), Date.now() + 1, (r) =>
      String(r['key_id']),
    )
    expect(k).toMatchObject({ id, name: 'team', models: ['claude-*'], rpm: 60, budget_usd: 5, period: 'day' })
    expect(k['spend_today_usd'] as number).toBeCloseTo(today.get(id)?.cost_usd ?? 0, 12)
    expect(k['spend_period_usd']).toBe(k['spend_today_usd'])
    const rotated = await call('POST', `/admin/v1/keys/${id}/rotate`)
    expect(rotated.json['secret']).not.toBe(secret)
    const revoked = await call('DELETE', `/admin/v1/keys/${id}`)
    expect((revoked.json['key'] as Record<string, unknown>)['revoked_at']).toEqual(expect.any(String))
    for (const [body, param] of [
      [{ name: 'x', budget_usd: 5 }, 'period'],
      [{ name: 'x', expires_at: 'soon' }, 'expires_at'],
      [{}, 'name'],
    ] as const) {
      const bad = await call('POST', '/admin/v1/keys', body)
      expect({
        body,
        status: bad.status,
        param: (bad.json['error'] as Record<string, unknown>)['param'],
      }).toEqual({
        body,
        status: 400,
        param,
      })
    }
  })

  test('a request made with a key the API created is counted under it, priced from the price table', async () => {
    await using up = fakeAnthropic({ text: 'hello', usage: { input: 1000, output: 500 } })
    await using gw = await testGateway({ providers: { claude: twoClaudeKeys(up.url) } })
    const call = client(gw, gw.store.adminKeys.create('t').key)
    const made = await call('POST', '/admin/v1/keys', { name: 'app', budget_usd: 1, period: 'month' })
    const id = (made.json['key'] as Record<string, string>)['id']!
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': made.json['secret'] as string,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: 'claude-haiku-4-5',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    })
    expect(res.status).toBe(200)
    await res.text()
    // 1000 input and 500 output tokens of claude-haiku-4-5 at $1 and $5 per million
    const row = await waitFor(async () => {
      const r = await call('GET', '/admin/v1/usage?group_by=key')
      return (r.json['rows'] as Array<Record<string, unknown>>).find((x) => x['key'] === id)
    })
    expect(row).toMatchObject({ requests: 1, input_tokens: 1000, output_tokens: 500, unpriced: 0 })
    expect(row['cost_usd'] as number).toBeCloseTo(0.0035, 10)
    const key = ((await call('GET', '/admin/v1/keys')).json['keys'] as Array<Record<string, unknown>>)[0]!
    expect(key['spend_period_usd'] as number).toBeCloseTo(0.0035, 10)
    const [last] = (await call('GET', '/admin/v1/requests?limit=1')).json['requests'] as Array<
      Record<string, unknown>
    >
    expect(last).toMatchObject({ key_id: id, model: 'claude-haiku-4-5', provider: 'claude', status: 200 })
  })

  test('a Copilot login through the API: the device code to show, then the stored account', async () => {
    await using fake = startFakeOAuth({ deviceErrorStatus: 200, deviceInterval: 0.02, githubLogin: 'ada' })
    await using gw = await testGateway({
      providers: { copilot: { oauth: copilotOAuthSettings(fake) } },
    })
    const call = client(gw, gw.store.adminKeys.create('t').key)
    const offered = (await call('GET', '/admin/v1/logins')).json['providers'] as string[]
    expect([...offered].sort()).toEqual([
      'amp',
      'antigravity',
      'claude',
      'codex',
      'copilot',
      'gemini',
      'iflow',
      'kimi',
      'kiro',
      'qwen',
    ])
    // every login the command line runs can be started from a UI too
    expect([...offered].sort()).toEqual([...LOGIN_PROVIDERS].sort())
    const started = await call('POST', '/admin/v1/logins', { provider: 'copilot' })
    expect(started.status).toBe(202)
    const id = started.json['id'] as string
    const prompted = await waitFor(async () => {
      const r = await call('GET', `/admin/v1/logins/${id}`)
      return r.json['prompt'] ? r.json : undefined
    })
    expect(prompted).toMatchObject({
      status: 'pending',
      prompt: { kind: 'device_code', user_code: 'WDJB-MJHT', verification_uri: expect.any(String) },
    })
    fake.approveDevice()
    const done = await waitFor(async () => {
      const r = await call('GET', `/admin/v1/logins/${id}`)
      return r.json['status'] !== 'pending' ? r : undefined
    })
    expect(done.json).toMatchObject({
      status: 'succeeded',
      account: { id: 'ada', active: true },
      error: null,
    })
    const stored = gw.store.accounts.get('copilot', 'ada')!
    expect(done.text).not.toContain(stored.token['github_token'] as string)
    expect((await call('POST', `/admin/v1/logins/${id}/code`, { code: 'late' })).status).toBe(400)
  })

  test('a Qwen login through the API: its device code shown, then the stored account', async () => {
    await using fake = startFakeOAuth({ deviceInterval: 0.02 })
    await using gw = await testGateway({
      providers: {
        qwen: {
          oauth: { device_code_url: fake.deviceCodeUrl, token_url: fake.tokenUrl, client_id: fake.clientId },
        },
      },
    })
    const call = client(gw, gw.store.adminKeys.create('t').key)
    const id = (await call('POST', '/admin/v1/logins', { provider: 'qwen' })).json['id'] as string
    const prompt = await waitFor(
      async () => (await call('GET', `/admin/v1/logins/${id}`)).json['prompt'] as Record<string, unknown>,
    )
    expect(prompt['kind']).toBe('device_code')
    expect(prompt['user_code']).toBe('WDJB-MJHT')
    fake.approveDevice()
    const done = await waitFor(async () => {
      const r = await call('GET', `/admin/v1/logins/${id}`)
      return r.json['status'] !== 'pending' ? r.json : undefined
    }, 10_000)
    expect(done['status']).toBe('succeeded')
    expect(gw.store.accounts.list('qwen')).toHaveLength(1)
  })

  test('a Claude login through the API: the URL to open, the pasted redirect, the stored account; cancel', async () => {
    await using fake = startFakeOAuth({
      tokenFields: () => ({
        account: { email_address: 'ada@example.com' },
        organization: { name: 'Ada Co' },
      }),
    })
    await using gw = await testGateway({
      providers: {
        claude: {
          oauth: {
            authorize_url: fake.authorizeUrl,
            token_url: fake.tokenUrl,
            client_id: 'test-client',
            redirect_port: 0,
          },
        },
      },
    })
    const call = client(gw, gw.store.adminKeys.create('t').key)
    const id = (await call('POST', '/admin/v1/logins', { provider: 'claude', label: 'mine' })).json[
      'id'
    ] as string
    const prompt = await waitFor(
      async () =>
        (await call('GET', `/admin/v1/logins/${id}`)).json['prompt'] as { kind: string; url: string },
    )
    // (toMatchObject with a matcher would put the matcher in place of the field)
    expect(prompt.kind).toBe('auth_url')
    expect(prompt.url.startsWith(`${fake.authorizeUrl}?`)).toBe(true)
    // the browser ends on a callback this machine may not reach: the user pastes where it went
    const redirect = await fetch(prompt.url, { redirect: 'manual' })
    const pasted = await call('POST', `/admin/v1/logins/${id}/code`, {
      code: redirect.headers.get('location'),
    })
    expect(pasted.status).toBe(200)
    const done = await waitFor(async () => {
      const r = await call('GET', `/admin/v1/logins/${id}`)
      return r.json['status'] !== 'pending' ? r.json : undefined
    })
    expect(done).toMatchObject({ status: 'succeeded', account: { id: 'ada@example.com', label: 'mine' } })
    expect(gw.store.accounts.get('claude', 'ada@example.com')?.kind).toBe('oauth')

    const second = (await call('POST', '/admin/v1/logins', { provider: 'claude' })).json['id'] as string
    expect((await call('DELETE', `/admin/v1/logins/${second}`)).json['status']).toBe('cancelled')
    const unknown = await call('POST', '/admin/v1/logins', { provider: 'nope' })
    expect(unknown.status).toBe(400)
    expect(unknown.json).toMatchObject({ error: { param: 'provider' } })
  })

  test('a page of another origin is refused; the dashboard calling its own origin passes with its key', async () => {
    await using gw = await testGateway()
    const { key } = gw.store.adminKeys.create('t')
    const call = (origin: string) =>
      fetch(`${gw.url}/admin/v1/reload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, origin, 'content-length': '0' },
      })
    const foreign = await call('http://evil.example')
    expect(foreign.status).toBe(403)
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('origin_not_allowed')
    const own = await call(gw.url)
    expect(own.status).toBe(200)
    expect(own.headers.get('access-control-allow-origin')).toBeNull()
    // the same Origin on an inference route is still a browser page the guard keeps out
    const inference = await fetch(`${gw.url}/v1/models`, { headers: { origin: gw.url } })
    expect(inference.status).toBe(403)
  })

  test('admin.key_env names a key too; admin.enabled off answers 404', async () => {
    process.env.BYOKEY_TEST_ADMIN_KEY = 'byka-from-the-environment-0123456789'
    try {
      await using gw = await testGateway({ admin: { key_env: 'BYOKEY_TEST_ADMIN_KEY' } })
      expect(
        (await client(gw, 'byka-from-the-environment-0123456789')('GET', '/admin/v1/status')).status,
      ).toBe(200)
      expect(
        (await client(gw, 'byka-from-the-environment-012345678')('GET', '/admin/v1/status')).status,
      ).toBe(401)
      gw.rewrite({ admin: { enabled: false } })
      const off = await client(gw, 'byka-from-the-environment-0123456789')('GET', '/admin/v1/status')
      expect(off.status).toBe(404)
      expect((await fetch(`${gw.url}/dashboard`)).status).toBe(404)
    } finally {
      delete process.env.BYOKEY_TEST_ADMIN_KEY
    }
  })
})

describe('admin gate', () => {
  test('loopback addresses are this machine; others are refused unless admin.allow_remote', async () => {
    for (const a of ['127.0.0.1', '127.8.9.1', '::1', '::ffff:127.0.0.1'])
      expect(isLoopbackPeer(a)).toBe(true)
    for (const a of ['10.0.0.2', '192.168.1.5', '::ffff:10.0.0.1', 'fe80::1'])
      expect(isLoopbackPeer(a)).toBe(false)
    await using gw = await testGateway()
    const { key } = gw.store.adminKeys.create('t')
    const gate = new AdminGate(gw.store.adminKeys)
    const req = new Request('http://127.0.0.1:1/admin/v1/status', {
      headers: { authorization: `Bearer ${key}` },
    })
    const refused = gate.screen(req, gw.config.current, '192.168.1.5')
    expect(gate.screen(req, gw.config.current, undefined)?.status).toBe(403)
    expect(refused?.status).toBe(403)
    expect(refused?.message).toContain('admin.allow_remote')
    expect(gate.screen(req, gw.config.current, '127.0.0.1')).toBeUndefined()
    gw.rewrite({ admin: { allow_remote: true } })
    expect(gate.screen(req, gw.config.current, '192.168.1.5')).toBeUndefined()
  })

  test('which URLs the gate screens', () => {
    for (const u of [
      'http://h/admin/v1/status',
      '/admin/v1/x',
      'http://h:1/dashboard',
      'http://h/dashboard/app.js',
    ])
      expect(isAdminUrl(u)).toBe(true)
    for (const u of ['http://h/v1/chat/completions', 'http://h/', 'http://h/v1/admin/', 'http://admin/'])
      expect(isAdminUrl(u)).toBe(false)
  })
})
