import { describe, expect, test } from 'bun:test'
import {
  flattenToolNamespaces,
  NAMESPACE_SEPARATOR,
  splitNamespacedName,
} from '../../../src/dialects/common/tool-namespaces.ts'
import type { Request } from '../../../src/dialects/ir.ts'

const NS = 'multi_agent_v1'

function codexLike(): Request {
  return {
    source: 'openai-responses',
    model: 'gpt-5.5',
    system: [],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'close it' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_call', id: 'call_1', name: 'close_agent', namespace: NS, arguments: '{}' },
          { type: 'tool_call', id: 'call_2', name: 'shell', arguments: '{}' },
        ],
      },
      {
        role: 'tool',
        content: [{ type: 'tool_result', toolCallId: 'call_1', name: 'close_agent', content: [] }],
      },
      { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'call_2', name: 'shell', content: [] }] },
      { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'call_9', content: [] }] },
    ],
    tools: [
      { kind: 'function', name: 'shell', parameters: {} },
      { kind: 'function', name: 'close_agent', namespace: NS, parameters: {} },
      { kind: 'function', name: 'spawn_agent', namespace: NS, parameters: {} },
      { kind: 'function', name: 'close_agent', namespace: 'crm', parameters: {} },
      { kind: 'web_search' },
    ],
    stream: false,
    extra: {},
  }
}

describe('flattenToolNamespaces', () => {
  test('folds namespaces into tool, call and result names and returns them once each', () => {
    const req = codexLike()
    expect(NAMESPACE_SEPARATOR).toBe('__')
    expect(flattenToolNamespaces(req)).toEqual([NS, 'crm'])
    expect(req.tools).toEqual([
      { kind: 'function', name: 'shell', parameters: {} },
      { kind: 'function', name: `${NS}__close_agent`, parameters: {} },
      { kind: 'function', name: `${NS}__spawn_agent`, parameters: {} },
      { kind: 'function', name: 'crm__close_agent', parameters: {} },
      { kind: 'web_search' },
    ])
    expect(req.messages[1]?.content).toEqual([
      { type: 'tool_call', id: 'call_1', name: `${NS}__close_agent`, arguments: '{}' },
      { type: 'tool_call', id: 'call_2', name: 'shell', arguments: '{}' },
    ])
    expect(req.messages.slice(2).map((m) => m.content[0])).toEqual([
      { type: 'tool_result', toolCallId: 'call_1', name: `${NS}__close_agent`, content: [] },
      { type: 'tool_result', toolCallId: 'call_2', name: 'shell', content: [] },
      { type: 'tool_result', toolCallId: 'call_9', content: [] },
    ])
  })

  test('a request without namespaces is untouched', () => {
    const req = codexLike()
    req.tools = req.tools?.filter((t) => t.kind !== 'function' || t.namespace === undefined)
    req.messages = req.messages.slice(0, 1)
    const before = structuredClone(req)
    expect(flattenToolNamespaces(req)).toEqual([])
    expect(req).toEqual(before)
  })
})

describe('splitNamespacedName', () => {
  test('splits a flattened name whose prefix is a given namespace', () => {
    expect(splitNamespacedName(`${NS}__close_agent`, [NS])).toEqual({ namespace: NS, name: 'close_agent' })
    expect(splitNamespacedName('crm__a__b', [NS, 'crm'])).toEqual({ namespace: 'crm', name: 'a__b' })
  })

  test('the longest matching namespace wins', () => {
    expect(splitNamespacedName('a__b__c', ['a', 'a__b'])).toEqual({ namespace: 'a__b', name: 'c' })
  })

  test('no split for unknown prefixes, plain names or an empty rest', () => {
    expect(splitNamespacedName('other__close_agent', [NS])).toEqual({ name: 'other__close_agent' })
    expect(splitNamespacedName('close_agent', [NS])).toEqual({ name: 'close_agent' })
    expect(splitNamespacedName(`${NS}__`, [NS])).toEqual({ name: `${NS}__` })
    expect(splitNamespacedName(`${NS}__close_agent`, [])).toEqual({ name: `${NS}__close_agent` })
  })
})
