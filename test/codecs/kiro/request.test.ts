/** IR requests → Kiro's conversation-state body. */
import { expect, test } from 'bun:test'
import { kiro } from '../../../src/codecs/kiro/index.ts'
import { encodeRequest, withModelId } from '../../../src/codecs/kiro/request.ts'
import { DialectError, type Request } from '../../../src/dialects/ir.ts'

function req(over: Partial<Request>): Request {
  return {
    source: 'openai-chat',
    model: 'kiro-auto',
    system: [],
    messages: [],
    stream: false,
    extra: {},
    ...over,
  }
}

test('history, tool calls and results, tools, images and the system prompt', () => {
  const body = encodeRequest(
    req({
      system: [{ type: 'text', text: 'Be brief.' }],
      temperature: 0.3,
      maxOutputTokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in Paris?' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', text: 'hmm' },
            { type: 'text', text: 'Looking.' },
            { type: 'tool_call', id: 'tooluse_1', name: 'weather', arguments: '{"city":"Paris"}' },
          ],
        },
        {
          role: 'tool',
          content: [
            { type: 'tool_result', toolCallId: 'tooluse_1', content: [{ type: 'text', text: 'sunny' }] },
          ],
        },
      ],
      tools: [
        {
          kind: 'function',
          name: 'weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      ],
    }),
    { model: 'claude-sonnet-4.5', conversationId: 'conv-1' },
  )
  expect(body).toEqual({
    conversationState: {
      chatTriggerType: 'MANUAL',
      conversationId: 'conv-1',
      currentMessage: {
        userInputMessage: {
          content: 'Tool results.',
          modelId: 'claude-sonnet-4.5',
          origin: 'AI_EDITOR',
          userInputMessageContext: {
            toolResults: [{ toolUseId: 'tooluse_1', status: 'success', content: [{ text: 'sunny' }] }],
            tools: [
              {
                toolSpecification: {
                  name: 'weather',
                  description: 'weather',
                  inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } },
                },
              },
            ],
          },
        },
      },
      history: [
        {
          userInputMessage: {
            content: 'Be brief.\n\nWeather in Paris?',
            modelId: 'claude-sonnet-4.5',
            origin: 'AI_EDITOR',
            images: [{ format: 'png', source: { bytes: 'iVBORw0KGgo=' } }],
          },
        },
        {
          assistantResponseMessage: {
            content: 'Looking.',
            toolUses: [{ toolUseId: 'tooluse_1', name: 'weather', input: { city: 'Paris' } }],
          },
        },
      ],
    },
  })
})

test('consecutive user turns merge; a conversation ending with the assistant gets a user turn', () => {
  const body = encodeRequest(
    req({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'a' }] },
        { role: 'user', content: [{ type: 'text', text: 'b' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Sure,' }] },
      ],
    }),
    { conversationId: 'c' },
  ) as {
    conversationState: { history: unknown[]; currentMessage: { userInputMessage: { content: string } } }
  }
  expect(body.conversationState.history).toEqual([
    { userInputMessage: { content: 'a\n\nb', modelId: 'kiro-auto', origin: 'AI_EDITOR' } },
    { assistantResponseMessage: { content: 'Sure,' } },
  ])
  expect(body.conversationState.currentMessage.userInputMessage.content).toBe('Continue.')
})

test('an image by URL is refused with the field at fault', () => {
  expect(() =>
    kiro.encodeRequest(
      req({
        messages: [
          { role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://x/y.png' } }] },
        ],
      }),
    ),
  ).toThrow(DialectError)
})

test('withModelId copies only what it changes and leaves the original alone', () => {
  const body = kiro.encodeRequest(
    req({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }),
  )
  const before = JSON.stringify(body)
  const next = withModelId(body, 'auto') as {
    conversationState: { currentMessage: { userInputMessage: { modelId: string } } }
  }
  expect(next.conversationState.currentMessage.userInputMessage.modelId).toBe('auto')
  expect(JSON.stringify(body)).toBe(before)
})

test('errors: an AWS JSON answer keeps its exception type and reason', () => {
  expect(
    kiro.decodeError(429, {
      __type: 'com.amazon.aws.codewhisperer#ThrottlingException',
      message: 'slow down',
      reason: 'MONTHLY_REQUEST_COUNT',
    }),
  ).toEqual({ kind: 'rate_limit', message: 'slow down', status: 429, code: 'MONTHLY_REQUEST_COUNT' })
  expect(kiro.decodeError(403, { __type: 'AccessDeniedException', message: 'no' })).toMatchObject({
    kind: 'permission',
    code: 'AccessDeniedException',
  })
  expect(kiro.decodeError(500, 'oops')).toEqual({ kind: 'api_error', message: 'oops', status: 500 })
})
