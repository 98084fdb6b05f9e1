import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { gemini } from '../../../src/dialects/gemini/index.ts'
import type {
  Message,
  ReasoningRequest,
  Request,
  ResponseFormat,
  Tool,
  ToolChoice,
} from '../../../src/dialects/ir.ts'
import { plain } from './helpers.ts'

const text = fc.string({ minLength: 1, maxLength: 16 })
/** Tool results that are not JSON-object text (those are sent as the object itself, see request.ts). */
const resultText = text.filter((s) => !s.trimStart().startsWith('{'))
const fnName = fc.constantFrom('get_weather', 'search', 'run_cmd', 'ns.lookup', '_private')
const args = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 6 }),
  fc.oneof(fc.integer(), fc.string(), fc.boolean()),
  {
    maxKeys: 3,
  },
)
const image = fc.record({
  mediaType: fc.constantFrom('image/png', 'image/jpeg', 'image/webp'),
  data: fc.base64String({ minLength: 4, maxLength: 24 }),
})
const ratio = fc.integer({ min: 0, max: 200 }).map((n) => n / 100)

const turn = fc.record({
  user: fc.array(text, { minLength: 1, maxLength: 2 }),
  img: fc.option(image, { nil: undefined }),
  assistant: fc.array(text, { minLength: 1, maxLength: 2 }),
  calls: fc.array(fc.record({ name: fnName, args, result: resultText, isError: fc.boolean() }), {
    maxLength: 3,
  }),
  after: fc.array(text, { minLength: 1, maxLength: 2 }),
})

const reasoning = fc.oneof(
  fc.constant<ReasoningRequest>({ mode: 'off' }),
  fc.constant<ReasoningRequest>({ mode: 'auto' }),
  fc.integer({ min: 1, max: 32768 }).map<ReasoningRequest>((budgetTokens) => ({ mode: 'on', budgetTokens })),
)

const format = fc.oneof(
  fc.constant<ResponseFormat>({ type: 'json_object' }),
  fc.constant<ResponseFormat>({ type: 'text' }),
  fc
    .dictionary(
      fc.string({ minLength: 1, maxLength: 6 }),
      fc.constantFrom({ type: 'string' }, { type: 'integer' }),
      { maxKeys: 3 },
    )
    .map<ResponseFormat>((properties) => ({ type: 'json_schema', schema: { type: 'object', properties } })),
)

const irRequest = fc.record({
  system: fc.array(text, { maxLength: 2 }),
  turns: fc.array(turn, { minLength: 1, maxLength: 3 }),
  toolNames: fc.uniqueArray(fnName, { maxLength: 3 }),
  describe: fc.boolean(),
  choice: fc.option(fc.constantFrom('auto', 'none', 'required', 'tool'), { nil: undefined }),
  temperature: fc.option(ratio, { nil: undefined }),
  topP: fc.option(ratio, { nil: undefined }),
  topK: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
  maxOutputTokens: fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
  stop: fc.option(fc.array(text, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  seed: fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
  presencePenalty: fc.option(ratio, { nil: undefined }),
  frequencyPenalty: fc.option(ratio, { nil: undefined }),
  n: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  responseFormat: fc.option(format, { nil: undefined }),
  reasoning: fc.option(reasoning, { nil: undefined }),
})

type Gen = typeof irRequest extends fc.Arbitrary<infer T> ? T : never

/** The IR another dialect would hand over, and what decoding Gemini's body must give back. */
function build(g: Gen): { ir: Request; expected: Partial<Request> } {
  const messages: Message[] = []
  const back: Message[] = []
  let k = 0
  let t = 0
  for (const tr of g.turns) {
    const user: Message = { role: 'user', content: tr.user.map((s) => ({ type: 'text', text: s })) }
    if (tr.img) user.content.push({ type: 'image', source: { kind: 'base64', ...tr.img } })
    messages.push(user)
    back.push(user)
    const asst: Message = { role: 'assistant', content: tr.assistant.map((s) => ({ type: 'text', text: s })) }
    const asstBack: Message = { role: 'assistant', content: [...asst.content] }
    const ids: string[] = []
    tr.calls.forEach((c, i) => {
      const id = `call_${t}_${i}`
      const minted = `gemini_call_${k++}`
      ids.push(minted)
      asst.content.push({ type: 'tool_call', id, name: c.name, arguments: JSON.stringify(c.args) })
      asstBack.content.push({
        type: 'tool_call',
        id: minted,
        name: c.name,
        arguments: JSON.stringify(c.args),
      })
    })
    messages.push(asst)
    back.push(asstBack)
    if (tr.calls.length > 0) {
      messages.push({
        role: 'tool',
        content: tr.calls.map((c, i) => ({
          type: 'tool_result',
          toolCallId: `call_${t}_${i}`,
          content: [{ type: 'text', text: c.result }],
          ...(c.isError ? { isError: true } : {}),
        })),
      })
      back.push({
        role: 'tool',
        content: tr.calls.map((c, i) => ({
          type: 'tool_result',
          toolCallId: ids[i]!,
          name: c.name,
          content: [{ type: 'text', text: c.result }],
          ...(c.isError ? { isError: true } : {}),
        })),
      })
      const after: Message = { role: 'assistant', content: tr.after.map((s) => ({ type: 'text', text: s })) }
      messages.push(after)
      back.push(after)
    }
    t++
  }
  const tools: Tool[] = g.toolNames.map((name) => ({
    kind: 'function',
    name,
    ...(g.describe ? { description: `does ${name}` } : {}),
    parameters: { type: 'object', properties: { q: { type: 'string' } } },
  }))
  let toolChoice: ToolChoice | undefined
  if (g.choice === 'tool') toolChoice = g.toolNames[0] ? { type: 'tool', name: g.toolNames[0] } : undefined
  else if (g.choice) toolChoice = { type: g.choice }
  const scalars = {
    temperature: g.temperature,
    topP: g.topP,
    topK: g.topK,
    maxOutputTokens: g.maxOutputTokens,
    stop: g.stop,
    seed: g.seed,
    presencePenalty: g.presencePenalty,
    frequencyPenalty: g.frequencyPenalty,
    n: g.n,
    responseFormat: g.responseFormat,
  }
  const ir: Request = {
    source: 'openai-chat',
    model: 'gemini-2.5-pro',
    system: g.system.map((s) => ({ type: 'text', text: s })),
    messages,
    stream: false,
    extra: {},
    ...(tools.length > 0 ? { tools } : {}),
    ...(toolChoice ? { toolChoice } : {}),
    ...(g.reasoning ? { reasoning: g.reasoning } : {}),
    ...scalars,
  }
  let reasoningBack: ReasoningRequest | undefined
  if (g.reasoning?.mode === 'off') reasoningBack = { mode: 'off' }
  else if (g.reasoning) reasoningBack = { ...g.reasoning, includeThoughts: true }
  return {
    ir,
    expected: plain({
      system: ir.system,
      messages: back,
      tools: tools.length > 0 ? tools : undefined,
      toolChoice,
      reasoning: reasoningBack,
      ...scalars,
    }),
  }
}

describe('gemini property tests', () => {
  test('IR of another dialect survives encodeRequest → decodeRequest for everything Gemini carries', () => {
    fc.assert(
      fc.property(irRequest, (g) => {
        const { ir, expected } = build(g)
        const body = plain(gemini.encodeRequest(ir))
        const back = gemini.decodeRequest(body, { model: 'gemini-2.5-pro' })
        const got = plain({
          system: back.system,
          messages: back.messages,
          tools: back.tools,
          toolChoice: back.toolChoice,
          reasoning: back.reasoning,
          temperature: back.temperature,
          topP: back.topP,
          topK: back.topK,
          maxOutputTokens: back.maxOutputTokens,
          stop: back.stop,
          seed: back.seed,
          presencePenalty: back.presencePenalty,
          frequencyPenalty: back.frequencyPenalty,
          n: back.n,
          responseFormat: back.responseFormat,
        })
        expect(got as unknown).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })

  const sig = fc.base64String({ minLength: 4, maxLength: 24 })
  const part = fc.oneof(
    fc.record({ text: fc.string({ maxLength: 12 }) }),
    fc.record(
      { text: fc.string({ maxLength: 12 }), thought: fc.constant(true), thoughtSignature: sig },
      { requiredKeys: ['text', 'thought'] },
    ),
    fc.record({ text: text, thoughtSignature: sig }),
    fc.record({
      inlineData: fc.record({
        mimeType: fc.constantFrom('image/png', 'application/pdf', 'audio/wav'),
        data: sig,
      }),
    }),
    fc.record({
      fileData: fc.record(
        {
          mimeType: fc.constantFrom('image/png', 'video/mp4'),
          fileUri: text.map((s) => `gs://b/${encodeURIComponent(s)}`),
        },
        { requiredKeys: ['fileUri'] },
      ),
    }),
    fc.record(
      { functionCall: fc.record({ name: fnName, args }), thoughtSignature: sig },
      { requiredKeys: ['functionCall'] },
    ),
    fc.record({
      functionResponse: fc.record({
        name: fnName,
        response: fc.dictionary(fc.constantFrom('result', 'error', 'data'), fc.jsonValue({ maxDepth: 2 }), {
          maxKeys: 2,
        }),
      }),
    }),
    fc.record({ executableCode: fc.record({ language: fc.constant('PYTHON'), code: text }) }),
  )
  const content = fc.record(
    { role: fc.constantFrom('user', 'model'), parts: fc.array(part, { minLength: 1, maxLength: 4 }) },
    { requiredKeys: ['parts'] },
  )
  const geminiBody = fc.record(
    {
      contents: fc.array(content, { maxLength: 4 }),
      systemInstruction: fc.record({ parts: fc.array(fc.record({ text }), { minLength: 1, maxLength: 2 }) }),
      tools: fc.array(
        fc.oneof(
          fc.record({
            functionDeclarations: fc.array(
              fc.record(
                {
                  name: fnName,
                  description: text,
                  parametersJsonSchema: fc.constant({
                    type: 'object',
                    properties: { a: { type: 'string' } },
                  }),
                },
                { requiredKeys: ['name'] },
              ),
              { minLength: 1, maxLength: 2 },
            ),
          }),
          fc.record({ googleSearch: fc.constant({}) }),
          fc.record({ codeExecution: fc.constant({}) }),
        ),
        { maxLength: 3 },
      ),
      toolConfig: fc.record({
        functionCallingConfig: fc.record(
          {
            mode: fc.constantFrom('AUTO', 'ANY', 'NONE', 'VALIDATED'),
            allowedFunctionNames: fc.array(fnName, { maxLength: 2 }),
          },
          { requiredKeys: [] },
        ),
      }),
      generationConfig: fc.record(
        {
          temperature: ratio,
          topK: fc.integer({ min: 1, max: 64 }),
          candidateCount: fc.integer({ min: 1, max: 4 }),
          stopSequences: fc.array(text, { maxLength: 2 }),
          responseMimeType: fc.constantFrom('application/json', 'text/plain', 'text/x.enum'),
          thinkingConfig: fc.record(
            {
              thinkingBudget: fc.integer({ min: -1, max: 24576 }),
              includeThoughts: fc.boolean(),
              thinkingLevel: fc.constantFrom('low', 'HIGH', 'minimal'),
            },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: [] },
      ),
      safetySettings: fc.constant([{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }]),
    },
    { requiredKeys: ['contents'] },
  )

  test('random Gemini bodies survive decodeRequest → encodeRequest unchanged', () => {
    fc.assert(
      fc.property(geminiBody, (raw) => {
        const body = plain(raw)
        const out = plain(gemini.encodeRequest(gemini.decodeRequest(body, { model: 'gemini-2.5-flash' })))
        expect(out).toEqual(body)
      }),
      { numRuns: 400 },
    )
  })
})
