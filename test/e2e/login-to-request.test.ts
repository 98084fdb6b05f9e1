/**
 * From login to a served tool loop, per subscription provider: the login flow runs against the
 * fake OAuth server (the test plays the browser, or approves the device), its account lands in
 * the gateway's SQLite store, and the real SDK then streams a tool call and its follow-up through
 * the gateway to a fake upstream that only takes the access token the login obtained.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { validate } from '../../src/config/load.ts'
import { loginClaude } from '../../src/providers/claude/login.ts'
import { loginCodex } from '../../src/providers/codex/login.ts'
import { loginCopilot } from '../../src/providers/copilot/login.ts'
import { errorReply, fakeAnthropic, fakeOpenAI, type Recorded, type Reply } from '../helpers/fakes/index.ts'
import { browser, openaiIdToken, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { testGateway } from '../helpers/gateway.ts'

const quiet = () => {}

const bearer = (rec: Recorded) => (rec.headers['authorization'] ?? '').replace(/^Bearer /, '')

/** Turn 1 asks for a tool; turn 2 (carrying the tool's output) answers with it. */
function toolLoop(accepts: (rec: Recorded) => boolean) {
  return (rec: Recorded): Reply | ReturnType<typeof errorReply> => {
    if (!accepts(rec)) return errorReply(401, { message: 'invalid token' })
    return JSON.stringify(rec.body).includes('72F and sunny')
      ? { text: 'It is 72F and sunny in Paris.', chunkText: 6 }
      : { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }
  }
}

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
}

describe('login, then a streamed tool loop through the gateway', () => {
  test('claude: PKCE login → Anthropic SDK stream with a tool round trip', async () => {
    await using oauth = startFakeOAuth({
      tokenStyle: 'json',
      tokenFields: () => ({ account: { email_address: 'ada@example.com' } }),
    })
    await using up = fakeAnthropic(
      toolLoop((rec) => oauth.isValidAccess(bearer(rec))),
      { requireOAuthBeta: true },
    )
    const providers = {
      claude: {
        base_url: up.url,
        oauth: { authorize_url: oauth.authorizeUrl, token_url: oauth.tokenUrl, client_id: oauth.clientId },
      },
    }
    await using gw = await testGateway({ providers })
    const account = await loginClaude({
      config: validate({ providers }, 't').config,
      print: quiet,
      openBrowser: browser().openBrowser,
      redirectPort: 0,
    })
    gw.store.accounts.upsert(account)

    const client = new Anthropic({ baseURL: gw.url, apiKey: 'any', maxRetries: 0 })
    const tools = [
      { name: weatherTool.name, description: weatherTool.description, input_schema: weatherTool.parameters },
    ]
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await client.messages
      .stream({ model: 'claude-sonnet-4-6', max_tokens: 256, tools, messages })
      .finalMessage()
    const call = first.content.find((b) => b.type === 'tool_use')
    expect(call).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })
    messages.push({ role: 'assistant', content: first.content })
    messages.push({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: call!.type === 'tool_use' ? call!.id : '',
          content: '72F and sunny',
        },
      ],
    })
    const second = await client.messages
      .stream({ model: 'claude-sonnet-4-6', max_tokens: 256, tools, messages })
      .finalMessage()
    expect(second.content[0]).toMatchObject({ type: 'text', text: 'It is 72F and sunny in Paris.' })
    expect(up.requests.every((r) => oauth.isValidAccess(bearer(r)))).toBe(true)
    expect(gw.logText()).not.toContain(String(account.token['access_token']))

    // the other SDK through the same login: an OpenAI chat client, streamed, with the tool loop
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'any', maxRetries: 0 })
    const chatTools = [{ type: 'function' as const, function: weatherTool }]
    const chat: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const c1 = await openai.chat.completions
      .stream({ model: 'claude-sonnet-4-6', messages: chat, tools: chatTools })
      .finalChatCompletion()
    const tc = c1.choices[0]?.message.tool_calls?.[0]
    expect(tc?.type === 'function' && JSON.parse(tc.function.arguments)).toEqual({ city: 'Paris' })
    chat.push(c1.choices[0]!.message, { role: 'tool', tool_call_id: tc!.id, content: '72F and sunny' })
    const c2 = await openai.chat.completions
      .stream({ model: 'claude-sonnet-4-6', messages: chat, tools: chatTools })
      .finalChatCompletion()
    expect(c2.choices[0]?.message.content).toBe('It is 72F and sunny in Paris.')
  })

  test('codex: PKCE login → OpenAI SDK Responses stream with a tool round trip on the Codex backend', async () => {
    await using oauth = startFakeOAuth({
      tokenStyle: 'form',
      tokenFields: () => ({ id_token: openaiIdToken('acc-77') }),
    })
    await using up = fakeOpenAI(
      toolLoop((rec) => oauth.isValidAccess(bearer(rec))),
      { codexBackend: true },
    )
    const providers = {
      codex: {
        base_url: `${up.url}/backend-api/codex`,
        oauth: { authorize_url: oauth.authorizeUrl, token_url: oauth.tokenUrl, client_id: oauth.clientId },
      },
    }
    await using gw = await testGateway({ providers })
    const account = await loginCodex({
      config: validate({ providers }, 't').config,
      print: quiet,
      openBrowser: browser().openBrowser,
      redirectPort: 0,
    })
    expect(account.accountId).toBe('acc-77')
    gw.store.accounts.upsert(account)

    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'any', maxRetries: 0 })
    const tools = [{ type: 'function' as const, strict: false, ...weatherTool }]
    const first = await client.responses
      .stream({ model: 'gpt-5', input: 'Weather in Paris?', tools })
      .finalResponse()
    const call = first.output.find((o) => o.type === 'function_call')
    expect(call).toMatchObject({ name: 'get_weather' })
    expect(JSON.parse(call!.type === 'function_call' ? call!.arguments : '{}')).toEqual({ city: 'Paris' })
    const second = await client.responses
      .stream({
        model: 'gpt-5',
        tools,
        input: [
          { role: 'user', content: 'Weather in Paris?' },
          ...first.output.filter((o) => o.type === 'function_call'),
          {
            type: 'function_call_output',
            call_id: call!.type === 'function_call' ? call!.call_id : '',
            output: '72F and sunny',
          },
        ],
      })
      .finalResponse()
    expect(second.output_text).toBe('It is 72F and sunny in Paris.')
    expect(up.requests.every((r) => r.headers['chatgpt-account-id'] === 'acc-77')).toBe(true)

    // the other SDK through the same login: an Anthropic client, streamed, with the tool loop
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'any', maxRetries: 0 })
    const aTools = [
      { name: weatherTool.name, description: weatherTool.description, input_schema: weatherTool.parameters },
    ]
    const msgs: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const m1 = await anthropic.messages
      .stream({ model: 'gpt-5', max_tokens: 256, tools: aTools, messages: msgs })
      .finalMessage()
    const use = m1.content.find((b) => b.type === 'tool_use')
    expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })
    msgs.push({ role: 'assistant', content: m1.content })
    msgs.push({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: use?.type === 'tool_use' ? use.id : '',
          content: '72F and sunny',
        },
      ],
    })
    const m2 = await anthropic.messages
      .stream({ model: 'gpt-5', max_tokens: 256, tools: aTools, messages: msgs })
      .finalMessage()
    expect(m2.content[0]).toMatchObject({ type: 'text', text: 'It is 72F and sunny in Paris.' })
  })

  test('copilot: device login → OpenAI SDK chat stream with a tool round trip', async () => {
    let copilotTokens = 0
    await using up = fakeOpenAI(toolLoop((rec) => bearer(rec).startsWith('tid=') && ++copilotTokens > 0))
    await using oauth = startFakeOAuth({
      copilotApiBase: `${up.url}/v1`,
      githubLogin: 'octocat',
      deviceInterval: 0,
    })
    const providers = {
      copilot: {
        oauth: {
          device_code_url: oauth.deviceCodeUrl,
          token_url: oauth.tokenUrl,
          client_id: oauth.clientId,
          token_exchange_url: oauth.copilotTokenUrl,
        },
      },
    }
    await using gw = await testGateway({ providers })
    const login = loginCopilot({
      config: validate({ providers }, 't').config,
      // the user approves as soon as the code is shown
      print: () => oauth.approveDevice(),
    })
    const account = await login
    expect(account.accountId).toBe('octocat')
    gw.store.accounts.upsert(account)

    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'any', maxRetries: 0 })
    const tools = [{ type: 'function' as const, function: weatherTool }]
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await client.chat.completions
      .stream({ model: 'copilot/gpt-4.1', messages, tools })
      .finalChatCompletion()
    const call = first.choices[0]?.message.tool_calls?.[0]
    expect(call?.type === 'function' && call.function.name).toBe('get_weather')
    messages.push(first.choices[0]!.message)
    messages.push({ role: 'tool', tool_call_id: call!.id, content: '72F and sunny' })
    const second = await client.chat.completions
      .stream({ model: 'copilot/gpt-4.1', messages, tools })
      .finalChatCompletion()
    expect(second.choices[0]?.message.content).toBe('It is 72F and sunny in Paris.')
    const chats = up.requests.filter((r) => r.path === '/v1/chat/completions')
    expect(chats.map((r) => r.headers['x-initiator'])).toEqual(['user', 'agent'])
    expect(copilotTokens).toBe(2)
  }, 15_000)
})
