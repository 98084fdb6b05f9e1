/**
 * Random IR requests (as another dialect would hand them over, restricted to what Messages can
 * carry) survive `decodeRequest(encodeRequest(ir))` with every typed field unchanged.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { decodeRequest, encodeRequest } from '../../../src/dialects/anthropic-messages/index.ts'
import type {
  CacheControl,
  FunctionTool,
  ImagePart,
  Message,
  Part,
  ReasoningRequest,
  Request,
  TextPart,
  ToolChoice,
  ToolResultPart,
} from '../../../src/dialects/ir.ts'
import { withoutExtra } from './helpers.ts'

const AM = 'anthropic-messages'

const word = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,.!?'é☕-]{0,24}[A-Za-z0-9.!?]$/)
const cache = fc.option(
  fc.constantFrom<CacheControl>({ type: 'ephemeral' }, { type: 'ephemeral', ttl: '1h' }),
  {
    nil: undefined,
  },
)
const textPart: fc.Arbitrary<TextPart> = fc.record(
  { type: fc.constant('text'), text: word, cacheControl: cache },
  {
    requiredKeys: ['type', 'text'],
  },
)
const imagePart: fc.Arbitrary<ImagePart> = fc.oneof(
  fc.record({
    type: fc.constant('image' as const),
    source: fc.record({
      kind: fc.constant('base64' as const),
      mediaType: fc.constantFrom('image/png', 'image/jpeg'),
      data: fc.base64String({ minLength: 4, maxLength: 16 }),
    }),
  }),
  fc.record({
    type: fc.constant('image' as const),
    source: fc.record({ kind: fc.constant('url' as const), url: fc.webUrl() }),
  }),
)
const args = fc
  .dictionary(
    fc.stringMatching(/^[a-z]{1,6}$/),
    fc.oneof(fc.integer(), word, fc.boolean(), fc.constant(null)),
    {
      maxKeys: 3,
    },
  )
  .map((o) => JSON.stringify(o))
const toolName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,15}$/)
const callId = fc.stringMatching(/^[a-zA-Z0-9_-]{1,12}$/)

const userContent = fc.array(fc.oneof({ weight: 3, arbitrary: textPart }, imagePart), {
  minLength: 1,
  maxLength: 3,
})

/** An assistant turn and the user turn that answers its tool calls. */
const exchange = fc
  .record({
    text: fc.option(textPart, { nil: undefined }),
    calls: fc.array(fc.record({ id: callId, name: toolName, arguments: args }), { maxLength: 3 }),
    results: fc.array(
      fc.record({
        content: fc.oneof(
          word.map((t): ToolResultPart['content'] => [{ type: 'text', text: t }]),
          fc.array(fc.oneof(textPart, imagePart), { minLength: 1, maxLength: 2 }),
        ),
        isError: fc.option(fc.boolean(), { nil: undefined }),
        cacheControl: cache,
      }),
      { minLength: 3, maxLength: 3 },
    ),
    signature: fc.base64String({ minLength: 8, maxLength: 24 }),
    thought: word,
    after: fc.option(userContent, { nil: undefined }),
  })
  .filter((x) => x.text !== undefined || x.calls.length > 0)

const tool: fc.Arbitrary<FunctionTool> = fc.record(
  {
    kind: fc.constant('function' as const),
    name: toolName,
    description: word,
    parameters: fc.constant({ type: 'object', properties: { q: { type: 'string' } } }),
    cacheControl: cache,
  },
  { requiredKeys: ['kind', 'name', 'parameters'] },
)

const request = fc
  .record({
    first: userContent,
    exchanges: fc.array(exchange, { maxLength: 3 }),
    system: fc.array(textPart, { maxLength: 2 }),
    tools: fc.option(fc.uniqueArray(tool, { selector: (t) => t.name, maxLength: 2 }), { nil: undefined }),
    choice: fc.constantFrom<ToolChoice | undefined>(
      undefined,
      { type: 'auto' },
      { type: 'required' },
      { type: 'none' },
    ),
    parallel: fc.constantFrom<boolean | undefined>(undefined, true, false),
    reasoning: fc.oneof(
      fc.constant<ReasoningRequest | undefined>(undefined),
      fc.constant<ReasoningRequest>({ mode: 'off' }),
      fc.constant<ReasoningRequest>({ mode: 'auto' }),
      fc.integer({ min: 1024, max: 60000 }).map((b): ReasoningRequest => ({ mode: 'on', budgetTokens: b })),
    ),
    maxOutputTokens: fc.integer({ min: 1, max: 200000 }),
    temperature: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    topP: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    topK: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
    stop: fc.option(fc.array(word, { maxLength: 3 }), { nil: undefined }),
    user: fc.option(word, { nil: undefined }),
    stream: fc.boolean(),
    schema: fc.boolean(),
  })
  .map((g): Request => {
    const thinkingOn = g.reasoning?.mode === 'on' || g.reasoning?.mode === 'auto'
    const messages: Message[] = [{ role: 'user', content: g.first }]
    g.exchanges.forEach((x, i) => {
      const assistant: Part[] = []
      // With thinking on, history must open each tool turn with a native thinking block.
      if (thinkingOn) {
        assistant.push({
          type: 'thinking',
          text: x.thought,
          signature: x.signature,
          provenance: { dialect: AM },
        })
      }
      if (x.text) assistant.push(x.text)
      const calls = x.calls.map((c, j) => ({ type: 'tool_call' as const, ...c, id: `${c.id}_${i}_${j}` }))
      assistant.push(...calls)
      messages.push({ role: 'assistant', content: assistant })
      const answer: Part[] = calls.map((c, j) => {
        const r = x.results[j]!
        const part: ToolResultPart = { type: 'tool_result', toolCallId: c.id, content: r.content }
        if (r.isError !== undefined) part.isError = r.isError
        if (r.cacheControl) part.cacheControl = r.cacheControl
        return part
      })
      if (x.after || answer.length === 0) answer.push(...(x.after ?? [{ type: 'text', text: 'continue' }]))
      messages.push({ role: 'user', content: answer })
    })
    const req: Request = {
      source: 'openai-chat',
      model: 'claude-sonnet-4-5',
      system: g.system,
      messages,
      stream: g.stream,
      extra: {},
      maxOutputTokens: g.maxOutputTokens,
    }
    if (g.tools) req.tools = g.tools
    const forced = g.choice?.type === 'required'
    if (g.choice && !(forced && thinkingOn)) req.toolChoice = g.choice
    // disable_parallel_tool_use only exists inside a tool_choice that is not `none` (without one,
    // the encoder adds `{type:'auto'}`, which decodes as an explicit auto: a unit test covers it).
    const choiceTakesFlag = req.toolChoice !== undefined && req.toolChoice.type !== 'none'
    if (g.parallel !== undefined && choiceTakesFlag) req.parallelToolCalls = g.parallel
    if (g.reasoning) req.reasoning = g.reasoning
    if (g.reasoning?.mode === 'on' && req.maxOutputTokens! <= g.reasoning.budgetTokens!) {
      req.maxOutputTokens = g.reasoning.budgetTokens! + 1
    }
    if (!thinkingOn) {
      if (g.temperature !== undefined) req.temperature = g.temperature
      if (g.topK !== undefined) req.topK = g.topK
    }
    if (g.topP !== undefined && (!thinkingOn || g.topP >= 0.95)) req.topP = g.topP
    if (g.stop) req.stop = g.stop
    if (g.user) req.user = g.user
    if (g.schema) req.responseFormat = { type: 'json_schema', schema: { type: 'object', properties: {} } }
    return req
  })

describe('anthropic-messages property: IR → wire → IR', () => {
  test('typed fields survive decodeRequest(encodeRequest(ir))', () => {
    fc.assert(
      fc.property(request, (ir) => {
        const back = decodeRequest(JSON.parse(JSON.stringify(encodeRequest(ir))))
        expect(withoutExtra(back)).toEqual(withoutExtra({ ...ir, source: AM }))
      }),
      { numRuns: 300 },
    )
  })
})
