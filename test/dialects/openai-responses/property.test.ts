import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import type {
  Message,
  Part,
  Request,
  StreamEvent,
  Tool,
  ToolResultContent,
} from '../../../src/dialects/ir.ts'
import { decodeRequest, encodeRequest } from '../../../src/dialects/openai-responses/index.ts'
import { decodeBytes, encodeEvents } from './support.ts'

const NATIVE = { dialect: 'openai-responses' } as const

const word = fc.string({ unit: 'grapheme', maxLength: 16 })
const ident = fc.stringMatching(/^[A-Za-z0-9]{1,10}$/)
const fnName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/)
const base64 = fc.base64String({ maxLength: 24 })
const args = fc
  .dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), word), { maxKeys: 3 })
  .map((o) => JSON.stringify(o))
const unit = fc.integer({ min: 0, max: 200 }).map((n) => n / 100)

const textPart = word.map((text): Part => ({ type: 'text', text }))
const imagePart = fc.oneof(
  fc.record(
    {
      type: fc.constant('image' as const),
      source: fc.record({
        kind: fc.constant('base64' as const),
        mediaType: fc.constantFrom('image/png', 'image/jpeg'),
        data: base64,
      }),
      detail: fc.constantFrom('auto' as const, 'low' as const, 'high' as const),
    },
    { requiredKeys: ['type', 'source'] },
  ),
  fc.record({
    type: fc.constant('image' as const),
    source: fc.record({ kind: fc.constant('url' as const), url: fc.webUrl() }),
  }),
  fc.record({
    type: fc.constant('image' as const),
    source: fc.record({ kind: fc.constant('file_id' as const), fileId: ident }),
  }),
)
const filePart = fc.record(
  {
    type: fc.constant('file' as const),
    source: fc.record({
      kind: fc.constant('base64' as const),
      mediaType: fc.constant('application/pdf'),
      data: base64,
    }),
    filename: fc.stringMatching(/^[a-z]{1,8}\.pdf$/),
  },
  { requiredKeys: ['type', 'source'] },
)

const userMessage = fc
  .array(fc.oneof(textPart, imagePart, filePart), { minLength: 1, maxLength: 4 })
  .map((content): Message => ({ role: 'user', content }))
const systemMessage = fc
  .array(textPart, { minLength: 1, maxLength: 2 })
  .map((content): Message => ({ role: 'system', content }))
const assistantPart = fc.oneof(
  textPart,
  fc.record(
    {
      type: fc.constant('tool_call' as const),
      id: ident.map((s) => `call_${s}`),
      name: fnName,
      arguments: args,
      itemId: ident.map((s) => `fc_${s}`),
    },
    { requiredKeys: ['type', 'id', 'name', 'arguments'] },
  ),
  // Native reasoning with encrypted content: what a Responses upstream accepts back.
  fc.record({
    type: fc.constant('thinking' as const),
    text: word,
    summary: fc.constant(true),
    encrypted: base64,
  }),
)
const assistantMessage = fc
  .array(assistantPart, { minLength: 1, maxLength: 5 })
  .map((content): Message => ({ role: 'assistant', content: content as Part[] }))
const toolMessage = fc
  .record({
    id: ident.map((s) => `call_${s}`),
    content: fc.oneof(
      word.map((text): ToolResultContent[] => [{ type: 'text', text }]),
      fc
        .tuple(word, imagePart)
        .map(([text, image]): ToolResultContent[] => [{ type: 'text', text }, image as ToolResultContent]),
    ),
  })
  .map(
    ({ id, content }): Message => ({
      role: 'tool',
      content: [{ type: 'tool_result', toolCallId: id, content }],
    }),
  )

/** Adjacent assistant messages would be one turn on the wire: keep them apart; number reasoning items. */
function conversation(messages: Message[]): Message[] {
  const out: Message[] = []
  for (const m of messages) {
    if (m.role === 'assistant' && out.at(-1)?.role === 'assistant') continue
    out.push(m)
  }
  for (const [i, m] of out.entries()) {
    for (const [j, p] of m.content.entries()) {
      if (p.type === 'thinking') {
        p.itemId = `rs_${i}_${j}`
        p.provenance = NATIVE
      }
    }
  }
  return out
}

const tool = fc.record(
  {
    kind: fc.constant('function' as const),
    name: fnName,
    description: word,
    parameters: fc.constant({ type: 'object', properties: {} }),
    strict: fc.boolean(),
  },
  { requiredKeys: ['kind', 'name', 'parameters', 'strict'] },
)

const request = fc.record(
  {
    system: fc.option(word, { nil: undefined }),
    messages: fc.array(fc.oneof(userMessage, systemMessage, assistantMessage, toolMessage), { maxLength: 8 }),
    tools: fc.array(tool as fc.Arbitrary<Tool>, { maxLength: 3 }),
    toolChoice: fc.oneof(
      fc.constantFrom({ type: 'auto' as const }, { type: 'none' as const }, { type: 'required' as const }),
      fnName.map((name) => ({ type: 'tool' as const, name })),
    ),
    parallelToolCalls: fc.boolean(),
    maxOutputTokens: fc.nat(),
    temperature: unit,
    topP: unit,
    metadata: fc.dictionary(ident, word, { maxKeys: 3 }),
    user: ident,
    stream: fc.boolean(),
    responseFormat: fc.oneof(
      fc.constantFrom({ type: 'text' as const }, { type: 'json_object' as const }),
      fc.record({
        type: fc.constant('json_schema' as const),
        name: fnName,
        schema: fc.constant({ type: 'object' }),
        strict: fc.boolean(),
      }),
    ),
    reasoning: fc.record(
      {
        effort: fc.constantFrom(
          'none' as const,
          'minimal' as const,
          'low' as const,
          'medium' as const,
          'high' as const,
          'xhigh' as const,
        ),
        summary: fc.constantFrom('auto' as const, 'concise' as const, 'detailed' as const),
      },
      { requiredKeys: ['effort'] },
    ),
  },
  { requiredKeys: ['messages', 'stream'] },
)

/** The fields this dialect carries, without bookkeeping (`extra`) and derived names. */
function carried(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(carried)
  if (typeof v !== 'object' || v === null) return v
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) {
    if (k === 'extra' || k === 'source' || x === undefined) continue
    // A tool result's function name is looked up from its call on decode.
    if (k === 'name' && (v as Record<string, unknown>).type === 'tool_result') continue
    out[k] = carried(x)
  }
  return out
}

describe('property: IR requests survive encodeRequest → decodeRequest', () => {
  test('for every field the Responses API carries', () => {
    fc.assert(
      fc.property(request, (r) => {
        const ir: Request = {
          source: 'openai-chat',
          model: 'gpt-5',
          extra: {},
          ...r,
          system: r.system === undefined ? [] : [{ type: 'text', text: r.system }],
          messages: conversation(r.messages),
        }
        const back = decodeRequest(encodeRequest(ir))
        const expected = carried(ir) as Record<string, unknown>
        if (ir.reasoning?.summary) expected.reasoning = { ...ir.reasoning, includeThoughts: true }
        expect(carried(back)).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })
})

// ---------------------------------------------------------------------------------------------

type BlockSpec =
  | { kind: 'text'; deltas: string[] }
  | { kind: 'thinking'; deltas: string[]; encrypted?: string }
  | { kind: 'tool_call'; id: string; name: string; deltas: string[] }

const block: fc.Arbitrary<BlockSpec> = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), deltas: fc.array(word, { maxLength: 4 }) }),
  fc.record(
    {
      kind: fc.constant('thinking' as const),
      deltas: fc.array(word, { maxLength: 4 }),
      encrypted: fc.base64String({ minLength: 4, maxLength: 24 }),
    },
    { requiredKeys: ['kind', 'deltas'] },
  ),
  fc.record({
    kind: fc.constant('tool_call' as const),
    id: ident.map((s) => `call_${s}`),
    name: fnName,
    deltas: fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }),
  }),
)

/** What a block amounts to, however it was split into deltas. */
function summarize(events: StreamEvent[]) {
  const blocks: Record<string, unknown>[] = []
  const byIndex = new Map<number, Record<string, unknown>>()
  let stop: string | undefined
  let usage: unknown
  for (const ev of events) {
    if (ev.type === 'block_start') {
      const b: Record<string, unknown> = { kind: ev.block.kind, text: '' }
      if (ev.block.kind === 'tool_call') Object.assign(b, { id: ev.block.id, name: ev.block.name })
      blocks.push(b)
      byIndex.set(ev.index, b)
    } else if (ev.type === 'text_delta' || ev.type === 'thinking_delta') {
      ;(byIndex.get(ev.index) as { text: string }).text += ev.text
    } else if (ev.type === 'tool_args_delta') {
      ;(byIndex.get(ev.index) as { text: string }).text += ev.delta
    } else if (ev.type === 'encrypted_reasoning') {
      ;(byIndex.get(ev.index) as Record<string, unknown>).encrypted = ev.data
    } else if (ev.type === 'finish') {
      stop = ev.stopReason
      usage = ev.usage
    }
  }
  for (const b of blocks) if (b.kind === 'tool_call' && b.text === '') b.text = '{}'
  return { blocks, stop, usage }
}

describe('property: IR streams survive encodeStream → decodeStream', () => {
  test('blocks, their text, call ids, encrypted reasoning, stop reason and usage', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(block, { maxLength: 6 }),
        fc.record({
          inputTokens: fc.nat(),
          outputTokens: fc.nat(),
          cacheReadTokens: fc.nat(),
          reasoningTokens: fc.nat(),
        }),
        async (specs, usage) => {
          const events: StreamEvent[] = [{ type: 'start', id: 'resp_p', model: 'm', created: 1 }]
          specs.forEach((s, i) => {
            if (s.kind === 'tool_call') {
              events.push({
                type: 'block_start',
                index: i,
                block: { kind: 'tool_call', id: s.id, name: s.name },
              })
              for (const d of s.deltas) events.push({ type: 'tool_args_delta', index: i, delta: d })
            } else if (s.kind === 'thinking') {
              events.push({
                type: 'block_start',
                index: i,
                block: { kind: 'thinking', summary: true, provenance: NATIVE },
              })
              for (const d of s.deltas) events.push({ type: 'thinking_delta', index: i, text: d })
              if (s.encrypted !== undefined)
                events.push({ type: 'encrypted_reasoning', index: i, data: s.encrypted })
            } else {
              events.push({ type: 'block_start', index: i, block: { kind: 'text' } })
              for (const d of s.deltas) events.push({ type: 'text_delta', index: i, text: d })
            }
            events.push({ type: 'block_stop', index: i })
          })
          const stopReason = specs.some((s) => s.kind === 'tool_call') ? 'tool_use' : 'end_turn'
          events.push({ type: 'finish', stopReason, usage })
          const sse = await encodeEvents(events)
          const back = await decodeBytes(new TextEncoder().encode(sse))
          expect(summarize(back)).toEqual(summarize(events))
        },
      ),
      { numRuns: 200 },
    )
  })
})
