/**
 * A Gemini CLI (Google) login serving requests through Google's Code Assist server: the login runs
 * against the fake Google OAuth server (the test plays the browser) and discovers the account's
 * project on the fake Code Assist server, which then takes only the envelope Gemini CLI sends,
 * only the project it knows and only tokens the OAuth fake issued. Clients: a plain Gemini-dialect
 * client (fetch), the real `openai` and `@anthropic-ai/sdk` packages, and Gemini CLI's own recorded
 * request. Then expiry (one refresh), revocation (a 401 naming the login command) and a project
 * that is gone (found again).
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { validate } from '../../src/config/load.ts'
import { loginGemini } from '../../src/providers/gemini/login.ts'
import { parseSSE } from '../../src/sse.ts'
import geminiCli from '../fixtures/clients/gemini-cli-generate.json' with { type: 'json' }
import { fakeGemini, type Recorded, type Reply } from '../helpers/fakes/index.ts'
import { browser, type FakeOAuth, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { type TestGateway, testGateway } from '../helpers/gateway.ts'

const MODEL = 'gemini-2.5-pro'
const SECRET = 'fake-client-secret'

/** Turn with the tool's output → the answer; a weather question → thinking and a signed tool call; else text. */
function script(rec: Recorded): Reply {
  const sent = JSON.stringify(rec.body)
  if (sent.includes('72F and sunny')) return { text: 'It is 72F and sunny in Paris.', chunkText: 6 }
  if (sent.includes('Weather in Paris')) {
    return {
      thinking: { text: 'The user wants the weather.', signature: 'sig-gemini-weather' },
      toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
    }
  }
  return {
    thinking: { text: 'A greeting is due.', signature: 'sig-gemini-hello' },
    text: 'Hello from Code Assist.',
    chunkText: 5,
  }
}

interface Setup {
  oauth: FakeOAuth
  up: ReturnType<typeof fakeGemini>
  gw: TestGateway
  providers: Record<string, unknown>
  [Symbol.asyncDispose](): Promise<void>
}

async function setup(project: string | null = 'proj-1', onboardPolls = 1): Promise<Setup> {
  const oauth = startFakeOAuth({
    tokenStyle: 'form',
    rotate: false,
    clientSecret: SECRET,
    clientSecretIn: 'body',
  })
  const up = fakeGemini(script, {
    codeAssist: {
      project,
      onboardPolls,
      onboardedProject: 'proj-onboarded',
      requireProject: true,
      strict: true,
    },
    acceptToken: (t) => oauth.isValidAccess(t),
    requireThoughtSignatures: true,
  })
  const providers = {
    gemini: {
      base_url: up.url,
      oauth: {
        authorize_url: oauth.authorizeUrl,
        token_url: oauth.tokenUrl,
        userinfo_url: oauth.userinfoUrl,
        client_id: oauth.clientId,
        client_secret: SECRET,
      },
    },
  }
  const gw = await testGateway({ providers })
  return {
    oauth,
    up,
    gw,
    providers,
    async [Symbol.asyncDispose]() {
      await gw[Symbol.asyncDispose]()
      await up.stop()
      await oauth.stop()
    },
  }
}

async function login(s: Setup) {
  const account = await loginGemini({
    config: validate({ providers: s.providers }, 't').config,
    print: () => {},
    openBrowser: browser().openBrowser,
    redirectPort: 0,
    pollIntervalMs: 0,
  })
  s.gw.store.accounts.upsert(account)
  return account
}

const HI = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }

/** A Gemini-dialect client's call to the gateway (`alt=sse` when streaming). */
function ask(
  gw: TestGateway,
  body: unknown,
  opts: { stream?: boolean; headers?: Record<string, string> } = {},
): Promise<Response> {
  const method = opts.stream ? 'streamGenerateContent?alt=sse' : 'generateContent'
  return fetch(`${gw.url}/v1beta/models/${MODEL}:${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'any', ...opts.headers },
    body: JSON.stringify(body),
  })
}

/** Generation calls the Code Assist fake received. */
const generations = (up: Setup['up']) =>
  up.requests.filter((r) => /:(stream)?[gG]enerateContent$/.test(r.path))

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
}

describe('gemini login through Code Assist', () => {
  test('login stores token, email and project; a Gemini client passes through inside the envelope', async () => {
    await using s = await setup()
    const account = await login(s)
    expect(account).toMatchObject({ provider: 'gemini', accountId: 'ada@example.com', kind: 'oauth' })
    expect(account.token).toMatchObject({ email: 'ada@example.com', project_id: 'proj-1' })
    const stored = s.gw.store.accounts.get('gemini', 'ada@example.com')!
    expect(stored.token.project_id).toBe('proj-1')

    const body = {
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      generationConfig: { temperature: 0.2, thinkingConfig: { includeThoughts: true } },
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
    }
    const res = await ask(s.gw, body)
    expect(res.status).toBe(200)
    const answer = (await res.json()) as Record<string, unknown> & {
      candidates: Array<{ content: { parts: Array<Record<string, unknown>> } }>
    }
    // unwrapped: a plain generateContent answer, the trace id standing in for the response id
    expect(answer.response).toBeUndefined()
    expect(answer.responseId).toBe('fake-response-1')
    expect(answer.candidates[0]?.content.parts).toEqual([
      { text: 'A greeting is due.', thought: true },
      { text: 'Hello from Code Assist.', thoughtSignature: 'sig-gemini-hello' },
    ])

    const [call] = generations(s.up)
    expect(call!.path).toBe('/v1internal:generateContent')
    expect(call!.headers.authorization).toBe(`Bearer ${stored.token.access_token}`)
    expect(call!.headers['user-agent']).toMatch(new RegExp(`^GeminiCLI/\\d+\\.\\d+\\.\\d+/${MODEL} \\(`))
    expect(call!.headers['x-goog-api-key']).toBeUndefined()
    const env = call!.body as Record<string, unknown>
    expect(Object.keys(env).sort()).toEqual(['model', 'project', 'request', 'user_prompt_id'])
    expect(env).toMatchObject({ model: MODEL, project: 'proj-1' })
    expect(env.user_prompt_id).toMatch(/^[0-9a-f-]{36}$/)
    // the client's body, untouched, inside the envelope
    expect(env.request).toEqual(body)

    await s.gw.store.usage.flush()
    const row = (await s.gw.store.usage.recent(1))[0]!
    expect(row).toMatchObject({ provider: 'gemini', account: 'ada@example.com', status: 200 })
    expect(row.inputTokens).toBeGreaterThan(0)
    expect(row.outputTokens).toBeGreaterThan(0)
    expect(s.gw.logText()).not.toContain(String(stored.token.access_token))
    expect(s.gw.logText()).not.toContain(String(stored.token.refresh_token))
  })

  test('a Gemini client streams (alt=sse), answers unwrapped chunk by chunk', async () => {
    await using s = await setup()
    await login(s)
    const res = await ask(s.gw, HI, { stream: true })
    expect(res.status).toBe(200)
    const chunks = parseSSE(await res.text()).map((e) => JSON.parse(e.data) as Record<string, unknown>)
    expect(chunks.every((c) => c.response === undefined && Array.isArray(c.candidates))).toBe(true)
    const parts = chunks.flatMap(
      (c) =>
        (c.candidates as Array<{ content?: { parts?: Array<{ text?: string; thought?: boolean }> } }>)[0]
          ?.content?.parts ?? [],
    )
    expect(
      parts
        .filter((p) => !p.thought)
        .map((p) => p.text)
        .join(''),
    ).toBe('Hello from Code Assist.')
    expect(
      parts
        .filter((p) => p.thought)
        .map((p) => p.text)
        .join(''),
    ).toBe('A greeting is due.')
    const [call] = generations(s.up)
    expect(call!.path).toBe('/v1internal:streamGenerateContent')
    expect(call!.query).toEqual({ alt: 'sse' })
    expect(call!.headers.accept).toBe('text/event-stream')
  })

  test('a Gemini client: a tool round trip with thinking, its signature sent back as it came', async () => {
    await using s = await setup()
    await login(s)
    const turn = (contents: unknown[]) =>
      ask(
        s.gw,
        {
          contents,
          tools: [{ functionDeclarations: [weatherTool] }],
          generationConfig: { thinkingConfig: { includeThoughts: true } },
        },
        { stream: true },
      )
    const turn1: unknown[] = [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }]
    const r1 = await turn(turn1)
    expect(r1.status).toBe(200)
    const parts = parseSSE(await r1.text()).flatMap(
      (e) =>
        (JSON.parse(e.data) as { candidates: Array<{ content: { parts: Array<Record<string, unknown>> } }> })
          .candidates[0]?.content.parts ?? [],
    )
    expect(parts).toEqual([
      { text: 'The user wants the weather.', thought: true },
      {
        functionCall: { name: 'get_weather', args: { city: 'Paris' } },
        thoughtSignature: 'sig-gemini-weather',
      },
    ])
    const turn2 = [
      ...turn1,
      { role: 'model', parts },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'get_weather', response: { result: '72F and sunny' } } }],
      },
    ]
    const r2 = await turn(turn2)
    expect(r2.status).toBe(200)
    const text = parseSSE(await r2.text())
      .flatMap(
        (e) =>
          (JSON.parse(e.data) as { candidates: Array<{ content: { parts: Array<{ text?: string }> } }> })
            .candidates[0]?.content.parts ?? [],
      )
      .map((p) => p.text ?? '')
      .join('')
    expect(text).toBe('It is 72F and sunny in Paris.')
    // the history, signature included, reached Code Assist exactly as the client sent it
    const sent = generations(s.up).at(-1)!.body as { request: { contents: unknown } }
    expect(sent.request.contents).toEqual(turn2)
  })

  test('Gemini CLI 0.61 itself (its recorded streamGenerateContent with a signed call in history)', async () => {
    await using s = await setup()
    await login(s)
    const res = await ask(s.gw, geminiCli, {
      stream: true,
      headers: { 'user-agent': `GeminiCLI/0.61.0/${MODEL} (linux; x64)` },
    })
    expect(res.status).toBe(200)
    const text = parseSSE(await res.text())
      .map(
        (e) =>
          JSON.parse(e.data) as {
            candidates?: Array<{ content?: { parts?: Array<{ text?: string; thought?: boolean }> } }>
          },
      )
      .flatMap((c) => c.candidates?.[0]?.content?.parts ?? [])
      .filter((p) => !p.thought)
      .map((p) => p.text ?? '')
      .join('')
    expect(text).toBe('Hello from Code Assist.')
    const [call] = generations(s.up)
    // Gemini CLI's own user agent goes on; its body is the envelope's request as it was sent
    expect(call!.headers['user-agent']).toBe(`GeminiCLI/0.61.0/${MODEL} (linux; x64)`)
    expect((call!.body as { request: unknown }).request).toEqual(geminiCli)
  })

  test('openai: text, stream, a tool round trip with thinking', async () => {
    await using s = await setup()
    await login(s)
    const openai = new OpenAI({ baseURL: `${s.gw.url}/v1`, apiKey: 'any', maxRetries: 0 })
    const plain = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(plain.choices[0]?.message.content).toBe('Hello from Code Assist.')
    expect((plain.choices[0]!.message as { reasoning_content?: string }).reasoning_content).toBe(
      'A greeting is due.',
    )
    const streamed = await openai.chat.completions
      .stream({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .finalChatCompletion()
    expect(streamed.choices[0]?.message.content).toBe('Hello from Code Assist.')

    const tools = [{ type: 'function' as const, function: weatherTool }]
    const chat: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const c1 = await openai.chat.completions
      .stream({ model: MODEL, messages: chat, tools })
      .finalChatCompletion()
    const tc = c1.choices[0]?.message.tool_calls?.[0]
    expect(tc?.type === 'function' && JSON.parse(tc.function.arguments)).toEqual({ city: 'Paris' })
    chat.push(c1.choices[0]!.message, { role: 'tool', tool_call_id: tc!.id, content: '72F and sunny' })
    // the fake refuses a function call in history without its thought signature
    const c2 = await openai.chat.completions
      .stream({ model: MODEL, messages: chat, tools })
      .finalChatCompletion()
    expect(c2.choices[0]?.message.content).toBe('It is 72F and sunny in Paris.')
    const last = generations(s.up).at(-1)!
    expect((last.body as { project: string }).project).toBe('proj-1')
  })

  test('anthropic: text, stream, a tool round trip with thinking (Gemini 3 history signed)', async () => {
    await using s = await setup()
    await login(s)
    const client = new Anthropic({ baseURL: s.gw.url, apiKey: 'any', maxRetries: 0 })
    const plain = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(plain.content.find((b) => b.type === 'text')).toMatchObject({ text: 'Hello from Code Assist.' })
    expect(plain.content.find((b) => b.type === 'thinking')).toMatchObject({ thinking: 'A greeting is due.' })

    const tools = [
      { name: weatherTool.name, description: weatherTool.description, input_schema: weatherTool.parameters },
    ]
    // Gemini 3, which refuses a function call in history without a signature
    const model = 'gemini-3-pro-preview'
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    // each turn sends the whole conversation so far, thinking on
    const turn = () =>
      client.messages
        .stream({
          model,
          max_tokens: 1024,
          tools,
          messages,
          thinking: { type: 'enabled', budget_tokens: 512 },
        })
        .finalMessage()
    const first = await turn()
    const thinking = first.content.find((b) => b.type === 'thinking')
    expect(thinking).toMatchObject({ thinking: 'The user wants the weather.' })
    const call = first.content.find((b) => b.type === 'tool_use')
    expect(call).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })
    messages.push({ role: 'assistant', content: first.content })
    const toolUseId = call!.type === 'tool_use' ? call!.id : ''
    messages.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: toolUseId, content: '72F and sunny' }],
    })
    const second = await turn()
    expect(second.content.find((b) => b.type === 'text')).toMatchObject({
      text: 'It is 72F and sunny in Paris.',
    })
    // an Anthropic tool_use block has no place for Google's signature on the call: the history
    // carries Gemini's documented sentinel instead, and nothing byokey wrapped goes upstream
    const history = JSON.stringify((generations(s.up).at(-1)!.body as { request: unknown }).request)
    expect(history).toContain('"thoughtSignature":"skip_thought_signature_validator"')
    expect(history).not.toContain('byok1.')
  })

  test('an expired token is refreshed once for many requests; Google’s refresh token is kept', async () => {
    await using s = await setup()
    const account = await login(s)
    s.gw.store.accounts.upsert({ ...account, expiresAt: Date.now() - 1000 })
    const before = String(account.token.access_token)
    const results = await Promise.all(Array.from({ length: 20 }, () => ask(s.gw, HI).then((r) => r.status)))
    expect(results.every((st) => st === 200)).toBe(true)
    expect(s.oauth.counters.refreshes).toBe(1)
    const stored = s.gw.store.accounts.get('gemini', 'ada@example.com')!
    expect(stored.token.access_token).not.toBe(before)
    expect(stored.token.refresh_token).toBe(account.token.refresh_token)
    expect(stored.token.project_id).toBe('proj-1')
    expect(
      generations(s.up).every((r) => r.headers.authorization === `Bearer ${stored.token.access_token}`),
    ).toBe(true)
  })

  test('a revoked login: 401 in the client’s dialect naming `byokey login gemini`', async () => {
    await using s = await setup()
    const account = await login(s)
    s.gw.store.accounts.upsert({ ...account, expiresAt: Date.now() - 1000 })
    s.oauth.revoke(String(account.token.refresh_token))
    const gem = await ask(s.gw, HI)
    expect(gem.status).toBe(401)
    const gBody = (await gem.json()) as { error: { code: number; status: string; message: string } }
    expect(gBody.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' })
    expect(gBody.error.message).toContain('byokey login gemini')
    const oai = await fetch(`${s.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(oai.status).toBe(401)
    const oBody = (await oai.json()) as { error: { message: string; type: string } }
    expect(oBody.error.message).toContain('byokey login gemini')
    expect(s.gw.store.accounts.get('gemini', 'ada@example.com')?.state).toBe('needs_login')
    expect(generations(s.up)).toHaveLength(0)
    expect(JSON.stringify([gBody, oBody])).not.toContain(String(account.token.refresh_token))
  })

  test('a project that is gone is found again and the call retried once', async () => {
    await using s = await setup()
    await login(s)
    s.up.project = 'proj-2'
    const res = await ask(s.gw, HI)
    expect(res.status).toBe(200)
    expect(generations(s.up).map((r) => (r.body as { project: string }).project)).toEqual([
      'proj-1',
      'proj-2',
    ])
    expect(s.gw.store.accounts.get('gemini', 'ada@example.com')?.token.project_id).toBe('proj-2')
    await s.gw.store.usage.flush()
    expect((await s.gw.store.usage.recent(5)).map((u) => u.status)).toEqual([200])
  })

  test('a login without a project (imported) is onboarded on its first call; a configured project wins', async () => {
    // done at once: a request-time onboarding polls every 5 s, as Gemini CLI does
    await using s = await setup(null, 0)
    const t = s.oauth.issue()
    s.gw.store.accounts.upsert({
      provider: 'gemini',
      accountId: 'imported',
      kind: 'oauth',
      token: { access_token: t.access_token, refresh_token: t.refresh_token },
      expiresAt: Date.now() + 3_600_000,
    })
    expect((await ask(s.gw, HI)).status).toBe(200)
    expect(s.up.onboardCalls).toBe(1)
    expect(s.gw.store.accounts.get('gemini', 'imported')?.token.project_id).toBe('proj-onboarded')

    s.gw.rewrite({ providers: { gemini: { ...(s.providers.gemini as object), project_id: 'proj-mine' } } })
    const refused = await ask(s.gw, HI)
    // the fake only knows the onboarded project: the configured one goes out as it is, and stays
    expect(refused.status).toBe(403)
    expect(generations(s.up).at(-1)!.body).toMatchObject({ project: 'proj-mine' })
    expect(s.gw.store.accounts.get('gemini', 'imported')?.token.project_id).toBe('proj-onboarded')
  })

  test('setup refused with 401 (a token Google no longer takes) refreshes once, then sets up', async () => {
    await using s = await setup()
    const t = s.oauth.issue()
    s.gw.store.accounts.upsert({
      provider: 'gemini',
      accountId: 'imported',
      kind: 'oauth',
      token: { access_token: 'ya29.revoked-access-token', refresh_token: t.refresh_token },
      expiresAt: Date.now() + 3_600_000,
    })
    expect((await ask(s.gw, HI)).status).toBe(200)
    expect(s.oauth.counters.refreshes).toBe(1)
    const setupCalls = s.up.requests.filter((r) => r.path === '/v1internal:loadCodeAssist')
    expect(setupCalls.map((r) => r.headers.authorization)).toEqual([
      'Bearer ya29.revoked-access-token',
      `Bearer ${s.gw.store.accounts.get('gemini', 'imported')?.token.access_token}`,
    ])
    expect(s.gw.store.accounts.get('gemini', 'imported')?.token.project_id).toBe('proj-1')
  })

  test('token counts with a login are estimated locally (Code Assist counts in another envelope)', async () => {
    await using s = await setup()
    await login(s)
    const res = await fetch(`${s.gw.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: 'user', content: 'Hello there, how are you?' }],
      }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-byokey-token-count')).toBe('estimate')
    expect(((await res.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0)
    expect(s.up.requests.filter((r) => r.path.includes('countTokens'))).toHaveLength(0)
  })
})
