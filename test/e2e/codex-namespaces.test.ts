/**
 * Regression: Codex CLI 0.171 sends a `namespace` tool (`multi_agent_v1`) in its Responses body,
 * which made every translated upstream fail with 400 "the openai-responses server tool
 * "namespace" has no … equivalent". The namespace's functions now reach an Anthropic upstream as
 * plain `multi_agent_v1__close_agent` functions, and the call comes back to the Responses client
 * as `{name: "close_agent", namespace: "multi_agent_v1"}`, then its output as a tool_result.
 */
import { describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { fakeAnthropic } from '../helpers/fakes/index.ts'
import { testGateway } from '../helpers/gateway.ts'
import { CLIENT_KEY, exchangeOf } from './support.ts'

const NS = 'multi_agent_v1'
const CALL_ID = 'toolu_close_01'

const TOOLS: OpenAI.Responses.Tool[] = [
  {
    type: 'function',
    name: 'shell',
    description: 'Runs a shell command.',
    strict: false,
    parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
  },
  {
    type: 'namespace',
    name: NS,
    description: 'Tools for spawning and managing sub-agents.',
    tools: [
      {
        type: 'function',
        name: 'close_agent',
        description: 'Close a sub-agent by id.',
        strict: false,
        parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      },
      {
        type: 'function',
        name: 'spawn_agent',
        description: 'Spawn a sub-agent with a task.',
        strict: false,
        parameters: { type: 'object', properties: { task: { type: 'string' } }, required: ['task'] },
      },
    ],
  },
]

type Item = OpenAI.Responses.ResponseOutputItem

/** One `responses.create`, streamed or not; returns the completed response's output. */
async function create(
  client: OpenAI,
  input: OpenAI.Responses.ResponseInputItem[],
  stream: boolean,
): Promise<{ output: Item[]; added: Item[] }> {
  const base = { model: 'up/claude-sonnet-4-5', input, tools: TOOLS, store: false }
  if (!stream) return { output: (await client.responses.create(base)).output, added: [] }
  const added: Item[] = []
  let output: Item[] | undefined
  for await (const ev of await client.responses.create({ ...base, stream: true })) {
    if (ev.type === 'response.output_item.added') added.push(ev.item)
    if (ev.type === 'response.completed') output = ev.response.output
  }
  if (!output) throw new Error('the stream ended without response.completed')
  return { output, added }
}

describe.each([false, true])('Codex namespace tools to an Anthropic upstream (stream: %p)', (stream) => {
  test('the upstream sees flattened functions; the client gets the namespaced call back', async () => {
    await using up = fakeAnthropic([
      { toolCalls: [{ id: CALL_ID, name: `${NS}__close_agent`, arguments: { id: 'agent-7' } }] },
      { text: 'Closed agent-7.' },
    ])
    await using gw = await testGateway({
      upstreams: [{ name: 'up', dialect: 'anthropic-messages', base_url: up.url, api_key: 'k' }],
    })
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 })
    const prompt: OpenAI.Responses.ResponseInputItem = { role: 'user', content: 'Close agent-7.' }

    // Turn 1: the model calls the namespaced function.
    const first = await create(client, [prompt], stream)
    expect(exchangeOf('anthropic-messages', up.requests[0]?.body).tools).toEqual([
      'shell',
      `${NS}__close_agent`,
      `${NS}__spawn_agent`,
    ])
    const calls = first.output.filter((i) => i.type === 'function_call')
    expect(calls).toEqual([
      expect.objectContaining({
        type: 'function_call',
        call_id: CALL_ID,
        name: 'close_agent',
        namespace: NS,
        arguments: '{"id":"agent-7"}',
      }),
    ])
    if (stream) {
      expect(first.added).toEqual([
        expect.objectContaining({ type: 'function_call', name: 'close_agent', namespace: NS }),
      ])
    }

    // Turn 2: the call and its output, as Codex sends them back.
    const second = await create(
      client,
      [prompt, ...calls, { type: 'function_call_output', call_id: CALL_ID, namespace: NS, output: 'closed' }],
      stream,
    )
    const exchange = exchangeOf('anthropic-messages', up.requests[1]?.body)
    expect(exchange.calls).toEqual([{ id: CALL_ID, name: `${NS}__close_agent`, args: { id: 'agent-7' } }])
    expect(exchange.results).toEqual([{ id: CALL_ID, value: 'closed' }])
    const message = second.output.find((i) => i.type === 'message')
    expect(message?.type === 'message' ? message.content : []).toEqual([
      expect.objectContaining({ type: 'output_text', text: 'Closed agent-7.' }),
    ])
  })
})
