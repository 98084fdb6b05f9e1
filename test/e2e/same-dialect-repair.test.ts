/**
 * Same-dialect requests get the fixes their upstream needs: an Anthropic client's body that the
 * Messages API would refuse (empty system prompt, sampling that thinking forbids, a too small
 * budget) is patched on the way, one that needs nothing arrives exactly as the client sent it, and
 * OpenAI API-key Responses calls carry a prompt cache key for their conversation. Strict fakes on
 * 127.0.0.1; the real Anthropic and OpenAI SDKs.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { CLAUDE_CODE_IDENTITY } from '../../src/providers/claude/subscription.ts'
import { fakeAnthropic, fakeOpenAI } from '../helpers/fakes/index.ts'
import { seedLogin, testGateway } from '../helpers/gateway.ts'

const ANTHROPIC_KEY = 'sk-ant-test-key-never-logged'

function postMessages(url: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  })
}

describe('same-dialect Anthropic bodies', () => {
  test('a body the API would refuse is fixed; one that needs nothing passes as sent', async () => {
    await using up = fakeAnthropic(() => ({ text: 'ok', usage: { input: 5, output: 1 } }))
    await using gw = await testGateway({
      providers: { claude: { base_url: up.url, api_keys: [{ api_key: ANTHROPIC_KEY }] } },
    })
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'any', maxRetries: 0 })
    // The SDK's types no longer offer temperature or top_k; other clients still send them.
    const refused = {
      model: 'claude-sonnet-4-6',
      max_tokens: 800,
      system: [{ type: 'text', text: '' }],
      thinking: { type: 'enabled', budget_tokens: 512 },
      temperature: 0.2,
      top_k: 10,
      messages: [{ role: 'user', content: 'hi' }],
    }
    const answer = (await postMessages(gw.url, refused).then((r) => r.json())) as { content: unknown[] }
    expect(answer.content[0]).toMatchObject({ type: 'text', text: 'ok' })
    const sent = up.requests[0]!.body as Record<string, unknown>
    expect(sent).not.toHaveProperty('system')
    expect(sent).not.toHaveProperty('temperature')
    expect(sent).not.toHaveProperty('top_k')
    expect(sent['thinking']).toEqual({ type: 'enabled', budget_tokens: 1024 })
    expect(sent['max_tokens']).toBeGreaterThan(1024)

    // A forced tool keeps the tool and loses thinking, as the translated path does.
    await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [{ role: 'user', content: 'weather?' }],
    })
    expect(up.requests[1]!.body).not.toHaveProperty('thinking')

    // Nothing to fix: the upstream gets the client's body field for field, in the client's order.
    const own = {
      model: 'claude-sonnet-4-6',
      max_tokens: 4096,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      thinking: { type: 'enabled', budget_tokens: 2048 },
      temperature: 1,
      messages: [{ role: 'user', content: 'hi' }],
      metadata: { user_id: 'u-1' },
    }
    const res = await postMessages(gw.url, own)
    expect(res.status).toBe(200)
    expect(up.requests[2]!.rawBody).toBe(JSON.stringify(own))
  })

  test('a Claude login gets no empty block beside its identity prompt', async () => {
    await using up = fakeAnthropic(() => ({ text: 'ok' }))
    await using gw = await testGateway({ providers: { claude: { base_url: up.url } } })
    seedLogin(gw.store, 'claude', 'me', { access_token: 'at-1', refresh_token: 'rt-1' })
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'any', maxRetries: 0 })
    await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      system: [{ type: 'text', text: ' ' }],
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect((up.requests[0]!.body as { system: unknown }).system).toEqual([
      { type: 'text', text: CLAUDE_CODE_IDENTITY },
    ])
  })
})

describe('prompt cache keys on OpenAI API-key Responses calls', () => {
  const config = (url: string) => ({
    providers: { codex: { base_url: `${url}/v1`, api_keys: [{ api_key: 'sk-openai-test-key' }] } },
  })

  test('every turn of one conversation carries the same key, and its session header', async () => {
    await using up = fakeOpenAI(() => ({ text: 'ok' }))
    await using gw = await testGateway(config(up.url))
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'any', maxRetries: 0 })
    const opening = { model: 'gpt-5.4', instructions: 'Be brief.' }
    await client.responses.create({ ...opening, input: [{ role: 'user', content: 'hi' }] })
    await client.responses.create({
      ...opening,
      input: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'and now?' },
      ],
    })
    await client.responses.create({ ...opening, input: [{ role: 'user', content: 'another talk' }] })
    const keys = up.requests.map((r) => (r.body as { prompt_cache_key?: string }).prompt_cache_key)
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(keys[1]).toBe(keys[0]!)
    expect(keys[2]).not.toBe(keys[0]!)
    expect(up.requests[0]!.headers['session_id']).toBe(keys[0]!)
  })

  test("Codex CLI's own key and session headers go upstream unchanged", async () => {
    await using up = fakeOpenAI(() => ({ text: 'ok' }))
    await using gw = await testGateway(config(up.url))
    const body = {
      model: 'gpt-5.4',
      instructions: 'x',
      input: [{ role: 'user', content: 'hi' }],
      prompt_cache_key: 'conv-123',
      stream: false,
    }
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        session_id: 'conv-123',
        conversation_id: 'conv-123',
        originator: 'codex_cli_rs',
        version: '0.120.0',
      },
      body: JSON.stringify(body),
    })
    expect(res.status).toBe(200)
    const rec = up.requests[0]!
    expect(rec.rawBody).toBe(JSON.stringify(body))
    expect(rec.headers).toMatchObject({
      session_id: 'conv-123',
      conversation_id: 'conv-123',
      originator: 'codex_cli_rs',
      version: '0.120.0',
    })
  })

  test('a Claude Code conversation translated to OpenAI keeps one key across turns', async () => {
    await using up = fakeOpenAI(() => ({ text: 'ok' }))
    await using gw = await testGateway(config(up.url))
    const client = new Anthropic({
      baseURL: gw.url,
      apiKey: 'any',
      maxRetries: 0,
      defaultHeaders: { 'x-claude-code-session-id': 'cc-session-1' },
    })
    for (const content of ['hi', 'again']) {
      await client.messages.create({
        model: 'gpt-5.4',
        max_tokens: 64,
        messages: [{ role: 'user', content }],
      })
    }
    const keys = up.requests.map((r) => (r.body as { prompt_cache_key?: string }).prompt_cache_key)
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(keys[1]).toBe(keys[0]!)
    // the client's session id itself does not go upstream
    expect(JSON.stringify(up.requests[0]!.body)).not.toContain('cc-session-1')
  })
})
