/**
 * A GitHub Copilot login serving requests: the stored GitHub token is exchanged for a Copilot
 * token once (however many requests need it), calls go to the API base the exchange named with
 * the editor's headers and `x-initiator`, Anthropic clients are translated, and a revoked GitHub
 * token tells the client which command fixes it. Fake GitHub and Copilot API servers on
 * 127.0.0.1; real SQLite; the real OpenAI and Anthropic SDKs.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { errorReply, fakeOpenAI, type Recorded } from '../helpers/fakes/index.ts'
import { type FakeOAuth, startFakeOAuth } from '../helpers/fakes/oauth.ts'
import { testGateway } from '../helpers/gateway.ts'
import { waitFor } from '../helpers/tmp.ts'

const EXCHANGE_PATH = '/copilot_internal/v2/token'
const MODEL = 'copilot/gpt-4.1'

type Gw = Awaited<ReturnType<typeof testGateway>>

/** The Copilot API fake: `{api}/chat/completions` with api = `<fake>/v1`, taking only Copilot tokens. */
/** Calls to the chat endpoint (a token exchange also refreshes the model list from `/models`). */
const chats = (up: { requests: Recorded[] }) => up.requests.filter((r) => r.path === '/v1/chat/completions')

function copilotApi() {
  return fakeOpenAI(
    (rec: Recorded) =>
      (rec.headers['authorization'] ?? '').startsWith('Bearer tid=')
        ? { text: 'hello from copilot', chunkText: 4, usage: { input: 8, output: 3 } }
        : errorReply(401, { message: 'unauthorized: token expired' }),
    { models: [{ id: 'copilot-only-model', owned_by: 'github' }] },
  )
}

async function setup(up: { url: string }) {
  const oauth = startFakeOAuth({ copilotApiBase: `${up.url}/v1` })
  const gw = await testGateway({
    providers: { copilot: { oauth: { token_exchange_url: oauth.copilotTokenUrl } } },
  })
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'any', maxRetries: 0 })
  return { oauth, gw, client }
}

/** A stored login as `byokey login copilot` leaves it: the GitHub token only, no Copilot token yet. */
function seed(gw: Gw, githubToken: string) {
  gw.store.accounts.upsert({
    provider: 'copilot',
    accountId: 'octocat',
    kind: 'oauth',
    token: { github_token: githubToken },
  })
}

const exchanges = (oauth: FakeOAuth) => oauth.server.requests.filter((r) => r.path === EXCHANGE_PATH)

function expectEditorShaped(rec: Recorded) {
  expect(rec.path).toBe('/v1/chat/completions')
  expect(rec.headers['authorization']).toStartWith('Bearer tid=')
  expect(rec.headers['editor-version']).toStartWith('vscode/')
  expect(rec.headers['editor-plugin-version']).toStartWith('copilot-chat/')
  expect(rec.headers['copilot-integration-id']).toBe('vscode-chat')
  expect(rec.headers['openai-intent']).toBe('conversation-panel')
  expect(rec.headers['x-github-api-version']).toBeTruthy()
  expect((rec.body as Record<string, unknown>)['model']).toBe('gpt-4.1')
}

describe('GitHub Copilot login', () => {
  test('the GitHub token is exchanged once; chat, streaming and not, reaches the Copilot API as an editor', async () => {
    await using up = copilotApi()
    const { oauth, gw, client } = await setup(up)
    await using _oauth = oauth
    await using _gw = gw
    seed(gw, oauth.issue().access_token)

    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(res.choices[0]?.message.content).toBe('hello from copilot')
    expect(res.usage?.completion_tokens).toBe(3)

    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [
        { role: 'user', content: 'what is the weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
    })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('hello from copilot')

    expect(exchanges(oauth)).toHaveLength(1)
    expect(exchanges(oauth)[0]!.headers['authorization']).toStartWith('token at-')
    expect(chats(up)).toHaveLength(2)
    for (const rec of chats(up)) expectEditorShaped(rec)
    expect(chats(up)[0]!.headers['x-initiator']).toBe('user')
    expect(chats(up)[1]!.headers['x-initiator']).toBe('agent')
    expect(chats(up)[1]!.headers['accept-encoding']).toBe('identity')
    expect(chats(up)[0]!.headers['copilot-vision-request']).toBeUndefined()

    const acc = gw.store.accounts.get('copilot', 'octocat')!
    expect(acc.token['access_token']).toStartWith('tid=')
    expect(acc.token['api_base']).toBe(`${up.url}/v1`)
    expect(acc.token['github_token']).toStartWith('at-')
    expect(acc.expiresAt).toBeGreaterThan(Date.now())

    await gw.store.usage.flush()
    const rows = await gw.store.usage.recent(2)
    for (const row of rows)
      expect(row).toMatchObject({ provider: 'copilot', account: 'octocat', status: 200 })
  })

  test('20 concurrent requests share one token exchange; images set the vision header', async () => {
    await using up = copilotApi()
    const { oauth, gw, client } = await setup(up)
    await using _oauth = oauth
    await using _gw = gw
    seed(gw, oauth.issue().access_token)
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
      ),
    )
    expect(results.every((r) => r.choices[0]?.message.content === 'hello from copilot')).toBe(true)
    expect(exchanges(oauth)).toHaveLength(1)

    await client.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    })
    expect(chats(up).at(-1)!.headers['copilot-vision-request']).toBe('true')
    expect(exchanges(oauth)).toHaveLength(1)
  })

  test('an Anthropic client is served through Copilot, translated to Chat', async () => {
    await using up = copilotApi()
    const { oauth, gw } = await setup(up)
    await using _oauth = oauth
    await using _gw = gw
    seed(gw, oauth.issue().access_token)
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'any', maxRetries: 0 })
    const msg = await client.messages.create({
      model: 'claude-sonnet-4.5',
      max_tokens: 64,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'hello from copilot' })
    expect(msg.usage.output_tokens).toBe(3)
    const rec = chats(up)[0]!
    expect(rec.path).toBe('/v1/chat/completions')
    expect(rec.headers['copilot-integration-id']).toBe('vscode-chat')
    expect(rec.headers['x-initiator']).toBe('user')
    const body = rec.body as { model: string; messages: Array<{ role: string }> }
    expect(body.model).toBe('claude-sonnet-4.5')
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user'])
  })

  test('a revoked GitHub token is a 401 naming `byokey login copilot`, and the account is marked', async () => {
    await using up = copilotApi()
    const { oauth, gw, client } = await setup(up)
    await using _oauth = oauth
    await using _gw = gw
    seed(gw, 'gho_revoked_token_value')
    const err = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.APIError)
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(401)
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('byokey login copilot')
    expect(exchanges(oauth)).toHaveLength(1)
    expect(chats(up)).toHaveLength(0)
    expect(gw.store.accounts.get('copilot', 'octocat')!.state).toBe('needs_login')
    expect(gw.logText()).not.toContain('gho_revoked_token_value')
  })
  test("the model list comes from the subscription's own /models once the login is used", async () => {
    await using up = copilotApi()
    const { oauth, gw, client } = await setup(up)
    await using _o = oauth
    await using _g = gw
    seed(gw, oauth.issue().access_token)
    const before = (await client.models.list()).data.map((m) => m.id)
    expect(before).not.toContain('copilot-only-model')
    await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
    await waitFor(async () => (await client.models.list()).data.some((m) => m.id === 'copilot-only-model'))
    expect(
      up.requests.some(
        (r) => r.path === '/v1/models' && r.headers['authorization']?.startsWith('Bearer tid='),
      ),
    ).toBe(true)
  })
  test("a subscription's model list stays with the gateway whose login reported it", async () => {
    await using up = copilotApi()
    const first = await setup(up)
    const second = await setup(up)
    await using _o1 = first.oauth
    await using _g1 = first.gw
    await using _o2 = second.oauth
    await using _g2 = second.gw
    seed(first.gw, first.oauth.issue().access_token)
    await first.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
    await waitFor(async () =>
      (await first.client.models.list()).data.some((m) => m.id === 'copilot-only-model'),
    )
    // the second gateway, in the same process, never used a login: it still lists the static models
    const listed = (await second.client.models.list()).data.map((m) => m.id)
    expect(listed).toContain('gpt-4.1')
    expect(listed).not.toContain('copilot-only-model')
  })
})
