import { describe, expect, test } from 'bun:test'
import { validate } from '../../src/config/load.ts'
import {
  codeAssistBase,
  GEMINI_CLI_CLIENT_ID,
  GEMINI_CLI_SCOPES,
  GEMINI_CODE_PAGE,
  geminiApp,
} from '../../src/providers/gemini/login.ts'
import { geminiLoginSetup, prepareSubscription } from '../../src/providers/gemini/subscription.ts'
import { gemini } from '../../src/providers/gemini/upstream.ts'
import type { UpstreamCall } from '../../src/providers/types.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import { fakeGemini } from '../helpers/fakes/gemini.ts'
import { tempDir } from '../helpers/tmp.ts'

const login = {
  kind: 'oauth' as const,
  secret: 'ya29.token',
  label: 'me',
  extra: { projectId: 'proj-stored' },
}

function callWith(over: Partial<UpstreamCall> = {}, providers: Record<string, unknown> = {}): UpstreamCall {
  return {
    dialect: 'gemini',
    model: 'gemini-2.5-pro',
    stream: false,
    body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    credential: login,
    inbound: new Headers(),
    config: validate({ providers: { gemini: { base_url: 'http://127.0.0.1:9', ...providers } } }, 't').config,
    ...over,
  }
}

describe('gemini login app', () => {
  test("Gemini CLI's app: port 8085, /oauth2callback, its scopes and code page", () => {
    const app = geminiApp(validate({}, 't').config)
    expect(app.clientId).toBe(GEMINI_CLI_CLIENT_ID)
    expect(app.redirectUri).toBe('http://localhost:8085/oauth2callback')
    expect(app.scopes).toEqual(GEMINI_CLI_SCOPES)
    expect(app.codePageUrl).toBe(GEMINI_CODE_PAGE)
  })

  test('Code Assist server: code_assist_url, else base_url, else Google', () => {
    const c = (p: Record<string, unknown>) => validate({ providers: { gemini: p } }, 't').config
    expect(codeAssistBase(c({}))).toBe('https://cloudcode-pa.googleapis.com')
    expect(codeAssistBase(c({ base_url: 'http://a' }))).toBe('http://a')
    expect(codeAssistBase(c({ base_url: 'http://a', code_assist_url: 'http://b' }))).toBe('http://b')
  })
})

describe('prepareSubscription', () => {
  test('generate: the envelope around the body, Bearer token, Gemini CLI user agent', () => {
    const call = callWith()
    const p = prepareSubscription(call)
    expect(p.url).toBe('http://127.0.0.1:9/v1internal:generateContent')
    expect(p.headers.authorization).toBe('Bearer ya29.token')
    expect(p.headers['x-goog-api-key']).toBeUndefined()
    expect(p.headers['user-agent']).toMatch(/^GeminiCLI\/\d+\.\d+\.\d+\/gemini-2\.5-pro \(\w+; \w+\)$/)
    expect(p.body).toEqual({
      model: 'gemini-2.5-pro',
      project: 'proj-stored',
      user_prompt_id: p.body.user_prompt_id,
      request: call.body,
    })
    expect(typeof p.body.user_prompt_id).toBe('string')
  })

  test('stream: alt=sse; a configured project wins; Gemini CLI keeps its own user agent', () => {
    const inbound = new Headers({ 'user-agent': 'GeminiCLI/0.61.0/gemini-2.5-pro (linux; x64)' })
    const p = prepareSubscription(callWith({ stream: true, inbound }, { project_id: 'proj-conf' }))
    expect(p.url).toBe('http://127.0.0.1:9/v1internal:streamGenerateContent?alt=sse')
    expect(p.headers.accept).toBe('text/event-stream')
    expect(p.headers['user-agent']).toBe('GeminiCLI/0.61.0/gemini-2.5-pro (linux; x64)')
    expect(p.body.project).toBe('proj-conf')
  })

  test('an API key still calls the Gemini API as it is', () => {
    const p = gemini.prepare(callWith({ credential: { kind: 'api_key', secret: 'k', label: 'api_key' } }))
    expect(p.url).toBe('http://127.0.0.1:9/v1beta/models/gemini-2.5-pro:generateContent')
    expect(p.headers['x-goog-api-key']).toBe('k')
    expect(p.body).toEqual(callWith().body)
    expect(gemini.upstreamCodec?.({ kind: 'api_key', secret: 'k', label: 'api_key' })).toBeUndefined()
  })
})

describe('geminiLoginSetup', () => {
  test('ensure stores a discovered project once; stale and forget drop it', async () => {
    using dir = tempDir()
    const store = openSqliteStore(dir.join('a.db'))
    await using up = fakeGemini({ text: 'x' }, { codeAssist: { project: 'proj-found' } })
    const config = validate({ providers: { gemini: { base_url: up.url } } }, 't').config
    store.accounts.upsert({
      provider: 'gemini',
      accountId: 'me',
      kind: 'oauth',
      token: { access_token: 'ya29.t' },
    })
    const ctx = {
      config,
      accounts: store.accounts,
      accountId: 'me',
      accessToken: 'ya29.t',
      signal: new AbortController().signal,
    }
    await geminiLoginSetup.ensure(ctx)
    expect(store.accounts.get('gemini', 'me')?.token).toEqual({
      access_token: 'ya29.t',
      project_id: 'proj-found',
    })
    await geminiLoginSetup.ensure(ctx)
    expect(up.requests).toHaveLength(1) // stored: not asked again

    expect(
      geminiLoginSetup.stale(
        config,
        403,
        '{"error":{"message":"Permission denied on resource project proj-found."}}',
      ),
    ).toBe(true)
    expect(geminiLoginSetup.stale(config, 404, 'Project not found')).toBe(true)
    expect(geminiLoginSetup.stale(config, 403, 'The caller does not have permission')).toBe(false)
    expect(geminiLoginSetup.stale(config, 500, 'project')).toBe(false)
    const configured = validate({ providers: { gemini: { project_id: 'p' } } }, 't').config
    expect(geminiLoginSetup.stale(configured, 403, 'project')).toBe(false)

    geminiLoginSetup.forget(store.accounts, 'me')
    expect(store.accounts.get('gemini', 'me')?.token).toEqual({ access_token: 'ya29.t' })
    store.close()
  })

  test('a configured project: nothing is asked', async () => {
    using dir = tempDir()
    const store = openSqliteStore(dir.join('a.db'))
    await using up = fakeGemini({ text: 'x' }, { codeAssist: true })
    const config = validate({ providers: { gemini: { base_url: up.url, project_id: 'p' } } }, 't').config
    store.accounts.upsert({
      provider: 'gemini',
      accountId: 'me',
      kind: 'oauth',
      token: { access_token: 'ya29.t' },
    })
    await geminiLoginSetup.ensure({
      config,
      accounts: store.accounts,
      accountId: 'me',
      accessToken: 'ya29.t',
      signal: new AbortController().signal,
    })
    expect(up.requests).toHaveLength(0)
    expect(store.accounts.get('gemini', 'me')?.token.project_id).toBeUndefined()
    store.close()
  })
})
