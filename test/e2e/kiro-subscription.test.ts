/**
 * Kiro logins serving requests, end to end against fakes of AWS SSO OIDC, Kiro's auth service and
 * the CodeWhisperer streaming API (test/helpers/fakes/kiro.ts), real SQLite, and the real OpenAI
 * and Anthropic SDKs: each login run with the test playing the user, stored, used; one refresh
 * under 50 concurrent requests; a revoked login asking for a new one; text, streams and a tool
 * round trip in every client dialect, the fake checking Kiro's headers and body shape.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { fromKiroCache } from '../../src/cli/import-kiro.ts'
import { loginKiroBuilderId, loginKiroSocial } from '../../src/providers/kiro/login.ts'
import {
  type FakeKiroAuth,
  KIRO_PROFILE_ARN,
  startFakeKiroApi,
  startFakeKiroAuth,
} from '../helpers/fakes/kiro.ts'
import { testGateway } from '../helpers/gateway.ts'

const MODEL = 'kiro-claude-sonnet-4-5'
type Gw = Awaited<ReturnType<typeof testGateway>>

async function setup(opts: { refreshDelayMs?: number } = {}) {
  const auth = startFakeKiroAuth(opts)
  const api = startFakeKiroApi(auth)
  const gw = await testGateway({
    providers: { kiro: { base_url: api.url, oauth: { oidc_url: auth.url, auth_service_url: auth.url } } },
  })
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'any', maxRetries: 0 })
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'any', maxRetries: 0 })
  return { auth, api, gw, openai, anthropic }
}

/** A stored login whose access token has expired, as the gateway finds it an hour later. */
function seedExpired(gw: Gw, auth: FakeKiroAuth, kind: 'builder_id' | 'social') {
  const t = auth.issue(kind)
  auth.expireAccess()
  const token: Record<string, unknown> = {
    access_token: t.access,
    refresh_token: t.refresh,
    auth_method: kind,
  }
  if (kind === 'builder_id') Object.assign(token, { client_id: t.clientId, client_secret: t.clientSecret })
  else token['profile_arn'] = KIRO_PROFILE_ARN
  gw.store.accounts.upsert({
    provider: 'kiro',
    accountId: kind,
    kind: 'oauth',
    token,
    expiresAt: Date.now() - 1000,
  })
  return t
}

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'weather',
    description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}

describe('Kiro logins', () => {
  test('AWS Builder ID: client registration, device approval, stored, used by a request', async () => {
    const { auth, api, gw, openai } = await setup()
    await using _a = auth
    await using _api = api
    await using _gw = gw
    const printed: string[] = []
    const account = await loginKiroBuilderId({
      config: gw.config.current.config,
      print: (line) => {
        printed.push(line)
        // the user opens the page and approves the code shown
        if (line.includes(auth.userCode() ?? '\0')) auth.approveDevice()
      },
    })
    expect(printed.join('\n')).toContain(auth.userCode()!)
    expect(auth.counts.registers).toBe(1)
    const register = auth.server.requests.find((r) => r.path === '/client/register')!
    expect(register.body).toMatchObject({
      clientType: 'public',
      scopes: expect.arrayContaining(['codewhisperer:completions']),
    })
    const device = auth.server.requests.find((r) => r.path === '/device_authorization')!
    expect(Object.keys(device.body as object).sort()).toEqual(['clientId', 'clientSecret', 'startUrl'])
    expect(account).toMatchObject({ provider: 'kiro', accountId: 'builder-id', kind: 'oauth' })
    expect(account.token).toMatchObject({
      auth_method: 'builder_id',
      client_id: expect.any(String),
      client_secret: expect.any(String),
    })
    expect(account.expiresAt).toBeGreaterThan(Date.now())
    gw.store.accounts.upsert(account)

    const res = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(res.choices[0]?.message.content).toBe('hello from kiro')
    const call = api.calls()[0]!
    expect(call.headers['authorization']).toBe(`Bearer ${account.token['access_token']}`)
    const body = call.body as {
      conversationState: { currentMessage: { userInputMessage: { modelId: string } } }
      profileArn?: string
    }
    expect(body.conversationState.currentMessage.userInputMessage.modelId).toBe('claude-sonnet-4.5')
    expect(body.profileArn).toBeUndefined()
    await gw.store.usage.flush()
    expect((await gw.store.usage.recent(1))[0]).toMatchObject({
      provider: 'kiro',
      account: 'builder-id',
      status: 200,
    })
  })

  test('social login: PKCE through the loopback callback, the profile ARN on every call', async () => {
    const { auth, api, gw, anthropic } = await setup()
    await using _a = auth
    await using _api = api
    await using _gw = gw
    const account = await loginKiroSocial({
      config: gw.config.current.config,
      idp: 'Github',
      print: () => {},
      redirectPort: 0,
      // the browser: Kiro's login page redirects to the callback
      openBrowser: (url) => void fetch(url).catch(() => {}),
    })
    const login = auth.server.requests.find((r) => r.path === '/login')!
    expect(login.query).toMatchObject({
      idp: 'Github',
      code_challenge_method: 'S256',
      prompt: 'select_account',
    })
    expect(account).toMatchObject({
      accountId: 'github',
      token: { auth_method: 'social', profile_arn: KIRO_PROFILE_ARN },
    })
    gw.store.accounts.upsert(account)

    const msg = await anthropic.messages.create({
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text'])
    expect(msg.content[0]).toMatchObject({ type: 'thinking', thinking: 'a greeting' })
    expect(msg.content[1]).toMatchObject({ type: 'text', text: 'hello from kiro' })
    expect((api.calls()[0]!.body as { profileArn: string }).profileArn).toBe(KIRO_PROFILE_ARN)
  })

  test("the Kiro IDE's imported login serves requests and is refreshed once its token expires", async () => {
    const { auth, api, gw, openai } = await setup()
    await using _a = auth
    await using _api = api
    await using _gw = gw
    const t = auth.issue('social')
    auth.expireAccess()
    const imported = fromKiroCache(
      {
        accessToken: t.access,
        refreshToken: t.refresh,
        expiresAt: new Date(Date.now() - 60_000).toISOString(),
        authMethod: 'social',
        provider: 'Google',
        profileArn: KIRO_PROFILE_ARN,
      },
      '/home/someone/.aws/sso/cache/kiro-auth-token.json',
    )
    gw.store.accounts.upsert({
      provider: imported.provider,
      accountId: imported.accountId,
      kind: 'oauth',
      token: imported.token,
      ...(imported.expiresAt !== undefined ? { expiresAt: imported.expiresAt } : {}),
    })
    const res = await openai.chat.completions.create({
      model: 'kiro-auto',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(res.choices[0]?.message.content).toBe('hello from kiro')
    expect(auth.counts.refreshes).toBe(1)
    const call = api.calls()[0]!
    expect((call.body as { profileArn: string }).profileArn).toBe(KIRO_PROFILE_ARN)
    expect(
      (call.body as { conversationState: { currentMessage: { userInputMessage: { modelId: string } } } })
        .conversationState.currentMessage.userInputMessage.modelId,
    ).toBe('auto')
    expect(gw.store.accounts.get('kiro', 'google')!.token['refresh_token']).not.toBe(t.refresh)
  })

  for (const kind of ['builder_id', 'social'] as const) {
    test(`${kind}: an expired token is refreshed once under 50 concurrent requests`, async () => {
      const { auth, api, gw, openai } = await setup({ refreshDelayMs: 100 })
      await using _a = auth
      await using _api = api
      await using _gw = gw
      const old = seedExpired(gw, auth, kind)
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
        ),
      )
      expect(results.every((r) => r.choices[0]?.message.content === 'hello from kiro')).toBe(true)
      expect(auth.counts.refreshes).toBe(1)
      const stored = gw.store.accounts.get('kiro', kind)!
      expect(stored.token['refresh_token']).not.toBe(old.refresh)
      expect(stored.token['access_token']).not.toBe(old.access)
      expect(stored.token['auth_method']).toBe(kind)
      expect(Object.keys(stored.token).some((k) => /[A-Z]/.test(k))).toBe(false)
      expect(new Set(api.calls().map((c) => c.headers['authorization'])).size).toBe(1)
    })

    test(`${kind}: a revoked login is a 401 naming \`byokey login kiro\`, and the account needs a login`, async () => {
      const { auth, api, gw, openai } = await setup()
      await using _a = auth
      await using _api = api
      await using _gw = gw
      const old = seedExpired(gw, auth, kind)
      auth.revokeAll()
      const err = (await openai.chat.completions
        .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>
      expect(err).toBeInstanceOf(OpenAI.APIError)
      expect(err.status).toBe(401)
      expect(err.message).toContain('byokey login kiro')
      expect(api.calls()).toHaveLength(0)
      expect(gw.store.accounts.get('kiro', kind)!.state).toBe('needs_login')
      expect(gw.logText()).not.toContain(old.refresh)
    })
  }
})

describe('Kiro through every client', () => {
  async function loggedIn() {
    const s = await setup()
    const t = s.auth.issue('social')
    s.gw.store.accounts.upsert({
      provider: 'kiro',
      accountId: 'github',
      kind: 'oauth',
      token: {
        access_token: t.access,
        refresh_token: t.refresh,
        auth_method: 'social',
        profile_arn: KIRO_PROFILE_ARN,
      },
      expiresAt: Date.now() + 3_600_000,
    })
    return s
  }

  test('OpenAI Chat: text, stream with reasoning, and a tool round trip', async () => {
    const { auth, api, gw, openai } = await loggedIn()
    await using _a = auth
    await using _api = api
    await using _gw = gw
    const res = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(res.choices[0]?.message.content).toBe('hello from kiro')
    expect(res.choices[0]?.finish_reason).toBe('stop')

    const stream = await openai.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    })
    let text = ''
    let reasoning = ''
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined
      text += d?.content ?? ''
      reasoning += d?.reasoning_content ?? ''
    }
    expect(text).toBe('hello from kiro')
    expect(reasoning).toBe('a greeting')

    const first = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [WEATHER_TOOL],
    })
    const call = first.choices[0]?.message.tool_calls?.[0]
    expect(first.choices[0]?.finish_reason).toBe('tool_calls')
    expect(call).toMatchObject({ id: 'tooluse_abc123', function: { name: 'weather' } })
    expect(JSON.parse((call as { function: { arguments: string } }).function.arguments)).toEqual({
      city: 'Paris',
    })

    const second = await openai.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: 'tooluse_abc123', content: 'sunny' },
      ],
      tools: [WEATHER_TOOL],
    })
    let answer = ''
    for await (const chunk of second) answer += chunk.choices[0]?.delta.content ?? ''
    expect(answer).toBe('It is sunny in Paris.')
    const sent = api.calls().at(-1)!.body as {
      conversationState: { history: Array<Record<string, { content: string; toolUses?: unknown[] }>> }
    }
    expect(sent.conversationState.history[0]?.['userInputMessage']?.content).toBe(
      'Be brief.\n\nWeather in Paris?',
    )
    expect(sent.conversationState.history[1]?.['assistantResponseMessage']?.toolUses).toEqual([
      { toolUseId: 'tooluse_abc123', name: 'weather', input: { city: 'Paris' } },
    ])
  })

  test('Anthropic Messages: text, stream with thinking, and a tool round trip', async () => {
    const { auth, api, gw, anthropic } = await loggedIn()
    await using _a = auth
    await using _api = api
    await using _gw = gw
    const stream = anthropic.messages.stream({
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    })
    const final = await stream.finalMessage()
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text'])
    expect(final.content[1]).toMatchObject({ text: 'hello from kiro' })

    const tools = [
      {
        name: 'weather',
        description: 'Weather of a city',
        input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
      },
    ]
    const first = await anthropic.messages.create({
      model: MODEL,
      max_tokens: 64,
      tools,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    })
    expect(first.stop_reason).toBe('tool_use')
    const use = first.content.find((b) => b.type === 'tool_use')
    expect(use).toMatchObject({ id: 'tooluse_abc123', name: 'weather', input: { city: 'Paris' } })
    const streamed = anthropic.messages.stream({
      model: MODEL,
      max_tokens: 64,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tooluse_abc123', content: 'sunny' }] },
      ],
    })
    const second = await streamed.finalMessage()
    expect(second.content).toEqual([expect.objectContaining({ type: 'text', text: 'It is sunny in Paris.' })])
    const toolResults = (
      api.calls().at(-1)!.body as {
        conversationState: {
          currentMessage: { userInputMessage: { userInputMessageContext: { toolResults: unknown } } }
        }
      }
    ).conversationState.currentMessage.userInputMessage.userInputMessageContext.toolResults
    expect(toolResults).toEqual([
      { toolUseId: 'tooluse_abc123', status: 'success', content: [{ text: 'sunny' }] },
    ])
  })

  test('OpenAI Responses and Gemini, streamed and not', async () => {
    const { auth, api, gw } = await loggedIn()
    await using _a = auth
    await using _api = api
    await using _gw = gw
    const post = (path: string, body: unknown) =>
      fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const responses = await post('/v1/responses', { model: MODEL, input: 'hi' })
    expect(responses.status).toBe(200)
    expect(JSON.stringify(await responses.json())).toContain('hello from kiro')
    const rStream = await post('/v1/responses', { model: MODEL, input: 'hi', stream: true })
    const rText = await rStream.text()
    expect(rText).toContain('response.completed')
    expect(rText).toContain('from kiro')
    const gemini = await post(`/v1beta/models/${MODEL}:generateContent`, {
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
    })
    expect(gemini.status).toBe(200)
    const g = (await gemini.json()) as {
      candidates: Array<{ content: { parts: Array<{ text: string; thought?: boolean }> } }>
    }
    expect(
      g.candidates[0]?.content.parts
        .filter((p) => !p.thought)
        .map((p) => p.text)
        .join(''),
    ).toBe('hello from kiro')
    const gStream = await post(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, {
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
    })
    expect(gStream.status).toBe(200)
    expect(await gStream.text()).toContain('from kiro')
  })

  test('Kiro models are listed, and an upstream refusal reaches the client in its own envelope', async () => {
    const { auth, api, gw, openai, anthropic } = await loggedIn()
    await using _a = auth
    await using _api = api
    await using _gw = gw
    const listed = (await openai.models.list()).data.map((m) => m.id)
    expect(listed).toEqual(expect.arrayContaining(['kiro-auto', 'kiro-claude-sonnet-4-5']))
    api.refuseNext(429, 'ThrottlingException', 'Monthly request limit reached', 'MONTHLY_REQUEST_COUNT')
    const err = (await anthropic.messages
      .create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>
    expect(err).toBeInstanceOf(Anthropic.APIError)
    expect(err.status).toBe(429)
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
    expect(JSON.stringify(err.error)).toContain('Monthly request limit reached')
    await gw.store.usage.flush()
    expect((await gw.store.usage.recent(1))[0]).toMatchObject({ provider: 'kiro', status: 429 })
  })

  test("an image Kiro cannot take is refused in the client's envelope, before any call", async () => {
    const { auth, api, gw, anthropic } = await loggedIn()
    await using _a = auth
    await using _api = api
    await using _gw = gw
    // a URL image cannot be sent to Kiro: refused before any upstream call, in Anthropic's envelope
    const err = (await anthropic.messages
      .create({
        model: MODEL,
        max_tokens: 16,
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }],
          },
        ],
      })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>
    expect(err).toBeInstanceOf(Anthropic.APIError)
    expect(err.status).toBe(400)
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    expect(api.calls()).toHaveLength(0)
  })
})
