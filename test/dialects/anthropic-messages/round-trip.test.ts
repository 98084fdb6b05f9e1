/**
 * This dialect's hints follow the one round-trip convention: kept under
 * `extra['anthropic-messages']`, put back by this dialect's encoders whenever they are present, and
 * never by another dialect's.
 */
import { describe, expect, test } from 'bun:test'
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../src/dialects/anthropic-messages/index.ts'
import { openaiChat } from '../../../src/dialects/openai-chat/index.ts'

const BODY =
  '{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"hi"}],"__proto__":{"x":1},"container":"c_1"}'

describe('anthropic-messages round trip', () => {
  test('a client field named __proto__ comes back as a field, without touching any prototype', () => {
    const ir = decodeRequest(JSON.parse(BODY))
    expect(ir.extra).toEqual({
      'anthropic-messages': { fields: JSON.parse('{"__proto__":{"x":1},"container":"c_1"}') },
    })
    const out = encodeRequest(ir)
    expect(JSON.stringify(out)).toBe(BODY)
    expect(({} as { x?: number }).x).toBeUndefined()
  })

  test('an upstream response field named __proto__ comes back to an Anthropic client', () => {
    const raw =
      '{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1},"__proto__":{"y":2}}'
    expect(JSON.stringify(encodeResponse(decodeResponse(JSON.parse(raw))))).toBe(raw)
  })

  test('kept fields go back to this dialect only', () => {
    const ir = decodeRequest(JSON.parse(BODY))
    const chat = openaiChat.encodeRequest(ir, {}) as Record<string, unknown>
    expect(chat.container).toBeUndefined()
    expect(JSON.stringify(chat)).not.toContain('__proto__')
  })
})
