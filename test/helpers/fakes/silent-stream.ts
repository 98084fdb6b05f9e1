/**
 * An upstream stream that sends its head, then goes silent with the connection open before it
 * sends the rest: for what the gateway does while an upstream thinks (idle timeout, keep-alives).
 */

import { fakeAnthropic } from './anthropic.ts'
import { fakeOpenAI } from './openai.ts'
import { type FakeServer, sseFrame, sseResponse } from './server.ts'

export type SilentDialect = 'openai-chat' | 'anthropic-messages'

const chatChunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  sseFrame({
    id: 'chatcmpl-idle',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'm',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })

/** One Anthropic SSE event, named by its type. */
export const anthropicEvent = (type: string, data: Record<string, unknown>) =>
  sseFrame({ type, ...data }, type)

/** A stream in `dialect` cut in two: `head` carries the text `Hello, wor`, `tail` the rest and the end. */
export function twoHalves(dialect: SilentDialect): { head: string; tail: string } {
  if (dialect === 'openai-chat') {
    return {
      head: [
        chatChunk({ role: 'assistant', content: '' }),
        chatChunk({ content: 'Hello' }),
        chatChunk({ content: ', wor' }),
      ].join(''),
      tail: [chatChunk({ content: 'ld' }), chatChunk({}, 'stop'), 'data: [DONE]\n\n'].join(''),
    }
  }
  const delta = (text: string) =>
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })
  return {
    head: [
      anthropicEvent('message_start', {
        message: {
          id: 'msg_idle',
          type: 'message',
          role: 'assistant',
          model: 'm',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 40, output_tokens: 1 },
        },
      }),
      anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      anthropicEvent('ping', {}),
      delta('Hello'),
      delta(', wor'),
    ].join(''),
    tail: [
      delta('ld'),
      anthropicEvent('content_block_stop', { index: 0 }),
      anthropicEvent('message_delta', {
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 3 },
      }),
      anthropicEvent('message_stop', {}),
    ].join(''),
  }
}

/**
 * An upstream that sends the head of its stream at once and then goes silent for `silenceMs`
 * with the connection open (it sends the tail then, if nobody cut it off).
 */
export function silentUpstream(dialect: SilentDialect, silenceMs: number): FakeServer {
  const { head, tail } = twoHalves(dialect)
  const reply = () => sseResponse([head, tail], { delayMs: silenceMs })
  return dialect === 'openai-chat' ? fakeOpenAI(reply) : fakeAnthropic(reply)
}
