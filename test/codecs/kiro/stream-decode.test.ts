/**
 * Kiro's event stream → IR events: text, thinking from tags, tool calls from input fragments,
 * the end, and failures (exceptions, damaged frames, a cut) as error events. Streams are built
 * with the reference encoder (test/helpers/aws-event-stream.ts) and fed in arbitrary splits.
 */
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { kiro } from '../../../src/codecs/kiro/index.ts'
import type { StreamEvent } from '../../../src/dialects/ir.ts'
import { concat, cutAt, encodeMessage, kiroEvent, kiroException } from '../../helpers/aws-event-stream.ts'

function decode(chunks: readonly Uint8Array[]): StreamEvent[] {
  const core = kiro.decodeStreamCore({
    provenance: { dialect: 'kiro', provider: 'kiro', model: 'kiro-auto' },
  })
  const out: StreamEvent[] = []
  for (const c of chunks) core.push(c, (e) => out.push(e))
  core.end((e) => out.push(e))
  return out
}

/** The events without the start's random id. */
function shape(events: StreamEvent[]): unknown[] {
  return events.map((e) => (e.type === 'start' ? { type: 'start', model: e.model } : e))
}

const STREAM = concat([
  kiroEvent('assistantResponseEvent', { content: '<thinking>check the' }),
  kiroEvent('assistantResponseEvent', { content: ' weather</thinking>\n\nLet me look.' }),
  kiroEvent('toolUseEvent', { toolUseId: 'tooluse_1', name: 'weather', input: '{"city":' }),
  kiroEvent('toolUseEvent', { toolUseId: 'tooluse_1', name: 'weather', input: '"Paris"}' }),
  kiroEvent('toolUseEvent', { toolUseId: 'tooluse_1', name: 'weather', stop: true }),
  kiroEvent('followupPromptEvent', { followupPrompt: { content: 'more?' } }),
  kiroEvent('messageStopEvent', {}),
])

const EXPECTED = [
  { type: 'start', model: 'kiro-auto' },
  {
    type: 'block_start',
    index: 0,
    block: { kind: 'thinking', provenance: { dialect: 'kiro', provider: 'kiro', model: 'kiro-auto' } },
  },
  { type: 'thinking_delta', index: 0, text: 'check the' },
  { type: 'thinking_delta', index: 0, text: ' weather' },
  { type: 'block_stop', index: 0 },
  { type: 'block_start', index: 1, block: { kind: 'text' } },
  { type: 'text_delta', index: 1, text: 'Let me look.' },
  { type: 'block_stop', index: 1 },
  { type: 'block_start', index: 2, block: { kind: 'tool_call', id: 'tooluse_1', name: 'weather' } },
  { type: 'tool_args_delta', index: 2, delta: '{"city":' },
  { type: 'tool_args_delta', index: 2, delta: '"Paris"}' },
  { type: 'block_stop', index: 2 },
  { type: 'finish', stopReason: 'tool_use' },
]

test('thinking, text and a tool call in fragments, then the end', () => {
  expect(shape(decode([STREAM]))).toEqual(EXPECTED)
})

test('any split of the bytes gives the same text, thinking and arguments', () => {
  const joined = (events: StreamEvent[]) => {
    const by: Record<string, string> = {}
    for (const e of events) {
      if (e.type === 'text_delta') by['text'] = (by['text'] ?? '') + e.text
      if (e.type === 'thinking_delta') by['thinking'] = (by['thinking'] ?? '') + e.text
      if (e.type === 'tool_args_delta') by['args'] = (by['args'] ?? '') + e.delta
      if (e.type === 'finish') by['finish'] = e.stopReason
    }
    return by
  }
  fc.assert(
    fc.property(fc.array(fc.nat({ max: STREAM.length }), { maxLength: 30 }), (cuts) => {
      const chunks = cutAt(STREAM, cuts)
      expect(joined(decode(chunks))).toEqual({
        thinking: 'check the weather',
        text: 'Let me look.',
        args: '{"city":"Paris"}',
        finish: 'tool_use',
      })
    }),
    { numRuns: 300 },
  )
})

test('a tool call without input gets "{}"; text alone ends as end_turn', () => {
  const ev = decode([
    concat([
      kiroEvent('toolUseEvent', { toolUseId: 't', name: 'now', stop: true }),
      kiroEvent('messageStopEvent', {}),
    ]),
  ])
  expect(ev.filter((e) => e.type === 'tool_args_delta')).toEqual([
    { type: 'tool_args_delta', index: 0, delta: '{}' },
  ])
  const text = decode([
    concat([kiroEvent('assistantResponseEvent', { content: 'hi' }), kiroEvent('messageStopEvent', {})]),
  ])
  expect(text.at(-1)).toEqual({ type: 'finish', stopReason: 'end_turn' })
})

test('an exception message is an error event with its kind, and nothing follows it', () => {
  const ev = decode([
    concat([
      kiroEvent('assistantResponseEvent', { content: 'partial' }),
      kiroException('ThrottlingException', 'Too many requests'),
      kiroEvent('assistantResponseEvent', { content: 'never' }),
    ]),
  ])
  expect(ev.at(-1)).toEqual({
    type: 'error',
    error: { kind: 'rate_limit', message: 'Too many requests', code: 'ThrottlingException' },
  })
  expect(JSON.stringify(ev)).not.toContain('never')
})

test('an error message takes its code and text from the headers', () => {
  const ev = decode([
    encodeMessage(
      {
        ':message-type': { type: 'string', value: 'error' },
        ':error-code': { type: 'string', value: 'InternalServerException' },
        ':error-message': { type: 'string', value: 'boom' },
      },
      '',
    ),
  ])
  expect(ev).toEqual([
    { type: 'error', error: { kind: 'api_error', message: 'boom', code: 'InternalServerException' } },
  ])
})

test('a damaged frame is an error event, not text', () => {
  const bad = kiroEvent('assistantResponseEvent', { content: 'secret garbage' })
  bad[bad.length - 10]! ^= 0x20
  const ev = decode([concat([kiroEvent('assistantResponseEvent', { content: 'ok ' }), bad])])
  const texts = ev.flatMap((e) => (e.type === 'text_delta' ? [e.text] : []))
  expect(texts).toEqual(['ok '])
  expect(ev.at(-1)).toMatchObject({ type: 'error', error: { kind: 'api_error', status: 502 } })
  expect((ev.at(-1) as { error: { message: string } }).error.message).toContain('CRC')
})

test('a stream cut inside a message is an error; one that stops between messages is complete', () => {
  const whole = kiroEvent('assistantResponseEvent', { content: 'hello' })
  const cut = decode([whole, whole.subarray(0, 10)])
  expect(cut.at(-1)).toMatchObject({ type: 'error', error: { status: 502 } })
  const clean = decode([whole])
  expect(clean.at(-1)).toEqual({ type: 'finish', stopReason: 'end_turn' })
  expect(decode([]).at(-1)).toMatchObject({ type: 'error' })
})
