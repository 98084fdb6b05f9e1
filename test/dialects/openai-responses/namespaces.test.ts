/**
 * Responses `namespace` tools (Codex CLI 0.171 sends `multi_agent_v1`) and the `namespace` of
 * function calls: decoded into namespaced IR functions, regrouped by a same-dialect encode, and
 * split back from the flattened names an upstream without namespaces saw.
 */
import { describe, expect, test } from 'bun:test'
import type { EncodeResponseOptions } from '../../../src/dialects/contract.ts'
import type { FunctionTool, Request, Response, StreamEvent } from '../../../src/dialects/ir.ts'
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../src/dialects/openai-responses/index.ts'
import { decodeBytes, encodeEvents, fixtureJson, responseOf, sseData } from './support.ts'

const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>
const utf8 = (s: string) => new TextEncoder().encode(s)
const NS = 'multi_agent_v1'

describe('namespace tools in requests', () => {
  test('a Codex body with namespace tools among function tools round-trips to the identical body', () => {
    const body = fixtureJson('request-codex-namespace.json')
    expect(json(encodeRequest(decodeRequest(body)))).toEqual(body)
  })

  test('a namespace of functions decodes into IR functions carrying the namespace, in place', () => {
    const req = decodeRequest(fixtureJson('request-codex-namespace.json'))
    expect(req.tools?.map((t) => (t.kind === 'function' ? [t.namespace ?? '', t.name] : t.kind))).toEqual([
      ['', 'shell'],
      ['', 'update_plan'],
      'web_search',
      ['', 'view_image'],
      [NS, 'close_agent'],
      [NS, 'spawn_agent'],
      ['crm', 'close_agent'],
      ['', 'apply_patch'],
    ])
    const [close, spawn] = req.tools!.slice(4, 6) as FunctionTool[]
    expect(close).toEqual({
      kind: 'function',
      name: 'close_agent',
      namespace: NS,
      description: 'Close a sub-agent by id.',
      strict: false,
      parameters: {
        type: 'object',
        properties: { id: { type: 'string' } },
        required: ['id'],
        additionalProperties: false,
      },
      extra: {
        'openai-responses': {
          namespace: { fields: { description: 'Tools for spawning and managing sub-agents.' } },
        },
      },
    })
    expect(spawn?.extra).toEqual({ 'openai-responses': { fields: { defer_loading: false } } })
  })

  test('a function_call with a namespace decodes into a namespaced tool call; its output keeps the bare name', () => {
    const req = decodeRequest(fixtureJson('request-codex-namespace.json'))
    expect(req.messages[1]).toEqual({
      role: 'assistant',
      content: [
        {
          type: 'tool_call',
          id: 'call_Cl1',
          name: 'close_agent',
          namespace: NS,
          arguments: '{"id":"agent-7"}',
        },
      ],
    })
    expect(req.messages[2]?.content[0]).toMatchObject({
      type: 'tool_result',
      toolCallId: 'call_Cl1',
      name: 'close_agent',
    })
  })

  test('a namespace holding a custom tool stays an opaque server tool', () => {
    const ns = {
      type: 'namespace',
      name: 'editor',
      description: 'Editing tools.',
      tools: [
        { type: 'function', name: 'open', parameters: { type: 'object', properties: {} } },
        { type: 'custom', name: 'apply_patch', description: 'Freeform patch.' },
      ],
    }
    const body = { model: 'gpt-5.5', input: 'hi', tools: [ns] }
    const req = decodeRequest(body)
    expect(req.tools).toEqual([{ kind: 'server', dialect: 'openai-responses', raw: ns }])
    expect(json(encodeRequest(req))).toEqual(body)
  })

  test('one namespace declared twice, apart, comes back as two namespace tools', () => {
    const fn = (name: string) => ({ type: 'function', name, parameters: { type: 'object' } })
    const body = {
      model: 'gpt-5.5',
      input: 'hi',
      tools: [
        { type: 'namespace', name: 'a', description: 'first', tools: [fn('x'), fn('y')] },
        { type: 'namespace', name: 'a', description: 'again', tools: [fn('z')] },
        fn('plain'),
        { type: 'namespace', name: 'a', description: 'third', tools: [fn('w')] },
      ],
    }
    expect(json(encodeRequest(decodeRequest(body)))).toEqual(body)
  })

  test("another dialect's namespaced functions are grouped into namespace tools", () => {
    const req: Request = {
      source: 'anthropic-messages',
      model: 'm',
      system: [],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      tools: [
        { kind: 'function', name: 'close_agent', namespace: NS, parameters: { type: 'object' } },
        { kind: 'function', name: 'spawn_agent', namespace: NS, parameters: { type: 'object' } },
      ],
      stream: false,
      extra: {},
    }
    expect(encodeRequest(req).tools).toEqual([
      {
        type: 'namespace',
        name: NS,
        description: '',
        tools: [
          { type: 'function', name: 'close_agent', parameters: { type: 'object' }, strict: false },
          { type: 'function', name: 'spawn_agent', parameters: { type: 'object' }, strict: false },
        ],
      },
    ])
  })
})

/** An answer from an upstream without namespaces, calling a flattened function. */
function foreignAnswer(name: string): Response {
  return {
    source: 'anthropic-messages',
    id: 'msg_01',
    model: 'claude-sonnet-4-5',
    content: [{ type: 'tool_call', id: 'toolu_01', name, arguments: '{"id":"agent-7"}' }],
    stopReason: 'tool_use',
    usage: { inputTokens: 10, outputTokens: 5 },
  }
}

describe('namespaced function calls in responses', () => {
  test('a function_call with a namespace survives decode and encode', () => {
    const body = {
      id: 'resp_1',
      object: 'response',
      created_at: 1,
      status: 'completed',
      error: null,
      incomplete_details: null,
      model: 'gpt-5.5',
      output: [
        {
          id: 'fc_1',
          type: 'function_call',
          status: 'completed',
          call_id: 'call_1',
          name: 'close_agent',
          namespace: NS,
          arguments: '{"id":"agent-7"}',
        },
      ],
      usage: null,
    }
    const res = decodeResponse(body)
    expect(res.content[0]).toMatchObject({ type: 'tool_call', name: 'close_agent', namespace: NS })
    expect(json(encodeResponse(res))).toEqual(body)
  })

  test('a flattened name is split back with toolNamespaces', () => {
    const out = encodeResponse(foreignAnswer(`${NS}__close_agent`), { toolNamespaces: [NS] })
    expect(out.output).toEqual([
      {
        id: expect.stringMatching(/^fc_/),
        type: 'function_call',
        status: 'completed',
        call_id: 'toolu_01',
        name: 'close_agent',
        namespace: NS,
        arguments: '{"id":"agent-7"}',
      },
    ])
  })

  test('names are left alone without toolNamespaces, or when the prefix is not a namespace', () => {
    const cases: [string, EncodeResponseOptions][] = [
      [`${NS}__close_agent`, {}],
      ['other__close_agent', { toolNamespaces: [NS] }],
      ['close_agent', { toolNamespaces: [NS] }],
    ]
    for (const [name, opts] of cases) {
      const item = (encodeResponse(foreignAnswer(name), opts).output as Record<string, unknown>[])[0]
      expect(item?.name).toBe(name)
      expect(item).not.toHaveProperty('namespace')
    }
  })
})

describe('namespaced function calls in streams', () => {
  const call = (name: string, namespace?: string): StreamEvent[] => [
    { type: 'start', id: 'msg_01', model: 'claude-sonnet-4-5' },
    {
      type: 'block_start',
      index: 0,
      block: { kind: 'tool_call', id: 'toolu_01', name, ...(namespace ? { namespace } : {}) },
    },
    { type: 'tool_args_delta', index: 0, delta: '{"id":"agent-7"}' },
    { type: 'block_stop', index: 0 },
    { type: 'finish', stopReason: 'tool_use', usage: { inputTokens: 10, outputTokens: 5 } },
  ]

  /** The function_call items of output_item.added, output_item.done and response.completed. */
  function callItems(sse: string): Record<string, unknown>[] {
    const data = sseData(sse)
    const added = data.find((d) => d.type === 'response.output_item.added')?.item
    const done = data.find((d) => d.type === 'response.output_item.done')?.item
    const completed = responseOf(data.find((d) => d.type === 'response.completed')).output as unknown[]
    return [added, done, ...completed] as Record<string, unknown>[]
  }

  test('the stream decoder puts the namespace on the tool_call block', async () => {
    const sse = [
      'event: response.output_item.added',
      `data: {"type":"response.output_item.added","output_index":0,"item":{"id":"fc_1","type":"function_call","status":"in_progress","call_id":"call_1","name":"close_agent","namespace":"${NS}","arguments":""}}`,
      '',
      '',
    ].join('\n')
    const events = await decodeBytes(utf8(sse))
    expect(events.find((e) => e.type === 'block_start')).toEqual({
      type: 'block_start',
      index: 0,
      block: { kind: 'tool_call', id: 'call_1', name: 'close_agent', itemId: 'fc_1', namespace: NS },
    })
  })

  test("a block's namespace goes on the added and done items and the completed output", async () => {
    const items = callItems(await encodeEvents(call('close_agent', NS)))
    expect(items).toHaveLength(3)
    for (const item of items) expect(item).toMatchObject({ name: 'close_agent', namespace: NS })
  })

  test('a flattened name is split back with toolNamespaces', async () => {
    const items = callItems(await encodeEvents(call(`${NS}__close_agent`), { toolNamespaces: [NS] }))
    expect(items).toHaveLength(3)
    for (const item of items) expect(item).toMatchObject({ name: 'close_agent', namespace: NS })
    const done = sseData(await encodeEvents(call(`${NS}__close_agent`), { toolNamespaces: [NS] })).find(
      (d) => d.type === 'response.function_call_arguments.done',
    )
    expect(done?.name).toBe('close_agent')
  })

  test('without toolNamespaces a flattened name stays as it is', async () => {
    for (const item of callItems(await encodeEvents(call(`${NS}__close_agent`)))) {
      expect(item.name).toBe(`${NS}__close_agent`)
      expect(item).not.toHaveProperty('namespace')
    }
  })
})
