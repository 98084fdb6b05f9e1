/**
 * What the README promises about usage rows. Against a crash: a real server process on a real
 * SQLite file is killed with SIGKILL (no shutdown code runs), and every request answered some
 * time before the kill must have its row. The documented bound is `server.usage_flush_ms`
 * (default 50 ms) plus the writer thread's commit; the test waits four times that before the
 * kill so a loaded machine does not make it flaky. Batching every 250 ms, as before, still had
 * the last rows queued. Then the rows of requests that end unusually.
 */
import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { errorReply, fakeAnthropic, fakeOpenAI } from '../helpers/fakes/index.ts'
import { startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { testGateway } from '../helpers/gateway.ts'
import { startServerIn } from '../helpers/process.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'

/** The wait between the last answer and the kill: the default flush bound (50 ms) with margin. */
const KILL_AFTER_MS = 200

describe('hardening #10: kill -9 loses the last usage batch', () => {
  test('every request answered before a kill -9 has its usage row in SQLite', async () => {
    using dir = tempDir()
    await using up = fakeOpenAI({ text: 'counted', usage: { input: 7, output: 2 } })
    // no usage_flush_ms: the default is what the README promises
    await using server = await startServerIn(
      dir,
      `port: 0\nmodel_lists: { enabled: false }\nupstreams:\n  - { name: up, dialect: openai-chat, base_url: "${up.url}/v1", api_key: k }\n`,
    )

    const answered: string[] = []
    const ask = async (id: string, stream: boolean) => {
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': id },
        body: JSON.stringify({ model: 'up/m', stream, messages: [{ role: 'user', content: 'hi' }] }),
      })
      const text = await res.text()
      expect(res.status).toBe(200)
      expect(res.headers.get('x-request-id')).toBe(id)
      expect(text).toContain('counted')
      answered.push(id)
    }

    const db = new Database(dir.join('byokey.db'), { readonly: true })
    const rowsNow = () => (db.query('SELECT COUNT(*) AS n FROM usage_records').get() as { n: number }).n

    // 200 requests, 8 at a time, streamed and not; their rows are written while the server runs
    // (which also has the writer thread up before the part that counts)
    let next = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 200) {
          const i = next++
          await ask(`load-${i}`, i % 2 === 0)
        }
      }),
    )
    await waitFor(async () => rowsNow() === 200, 5000)

    // a last burst starts a new batch; the kill comes shortly after its last answer
    await Promise.all(Array.from({ length: 10 }, (_, i) => ask(`last-${i}`, i % 2 === 0)))
    await Bun.sleep(KILL_AFTER_MS)
    server.proc.kill('SIGKILL')
    expect(await server.proc.exited).not.toBe(0)
    db.close()

    // a fresh connection, as the next start would open it (WAL recovery included)
    const after = new Database(dir.join('byokey.db'))
    const rows = after
      .query(
        'SELECT request_id AS id, status, input_tokens AS input, output_tokens AS output FROM usage_records',
      )
      .all() as { id: string; status: number; input: number; output: number }[]
    after.close()
    const seen = new Set(rows.map((r) => r.id))
    expect(answered).toHaveLength(210)
    expect(answered.filter((id) => !seen.has(id))).toEqual([])
    expect(rows).toHaveLength(210)
    for (const r of rows) expect(r).toMatchObject({ status: 200, input: 7, output: 2 })
  }, 30_000)
})

describe('usage rows: what else the README promises', () => {
  test('SIGTERM: a stream cut at the shutdown deadline still gets its row', async () => {
    using dir = tempDir()
    await using up = fakeOpenAI({ text: 'a slow answer in many parts', chunkText: 2, delayMs: 100 })
    await using server = await startServerIn(
      dir,
      `port: 0\nmodel_lists: { enabled: false }\nserver: { shutdown_timeout_ms: 0 }\nupstreams:\n  - { name: up, dialect: openai-chat, base_url: "${up.url}/v1", api_key: k }\n`,
    )
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'cut-at-shutdown' },
      body: JSON.stringify({ model: 'up/m', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    await reader.read()
    expect(await server.stop('SIGTERM')).toBe(0)
    await reader.cancel().catch(() => {})
    const db = new Database(dir.join('byokey.db'))
    const rows = db.query('SELECT request_id AS id, status FROM usage_records').all()
    db.close()
    expect(rows).toEqual([{ id: 'cut-at-shutdown', status: 499 }])
  })

  test('a subscription token the upstream refuses, and that cannot be refreshed, still leaves its row', async () => {
    await using oauth = startFakeOAuth({ tokenStyle: 'json', rotate: true })
    await using up = fakeAnthropic(() => errorReply(401, { message: 'OAuth access token has expired.' }), {
      requireOAuthBeta: true,
    })
    await using gw = await testGateway({
      providers: {
        claude: { base_url: up.url, oauth: { token_url: oauth.tokenUrl, client_id: oauth.clientId } },
      },
    })
    const issued = oauth.issue()
    oauth.revoke(issued.refresh_token)
    gw.store.accounts.upsert({
      provider: 'claude',
      accountId: 'me',
      kind: 'oauth',
      token: { access_token: issued.access_token, refresh_token: issued.refresh_token },
      expiresAt: Date.now() + 3_600_000,
    })
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        'x-request-id': 'refused-upstream',
      },
      body: JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    })
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      'byokey login claude',
    )
    expect(up.requests).toHaveLength(1)
    await gw.store.usage.flush()
    expect(await gw.store.usage.recent(10)).toEqual([
      expect.objectContaining({
        requestId: 'refused-upstream',
        provider: 'claude',
        account: 'me',
        status: 401,
      }),
    ])
  })
})
