import { describe, expect, test } from 'bun:test'
import { unwrapSignature, wrapSignature } from '../../../src/dialects/common/provenance.ts'
import type { Dialect } from '../../../src/dialects/contract.ts'
import { codeAssist, gemini } from '../../../src/dialects/gemini/index.ts'
import type { StreamEvent, Usage } from '../../../src/dialects/ir.ts'
import { concatText, fixtureBytes, fixtureText, normalizeIds, pipe, splitAt } from './helpers.ts'

const STREAMS: Array<[string, Dialect]> = [
  ['stream-text.sse', gemini],
  ['stream-thinking.sse', gemini],
  ['stream-tools.sse', gemini],
  ['stream-error.sse', gemini],
  ['stream-blocked.sse', gemini],
  ['codeassist-stream.sse', codeAssist],
]

async function decode(d: Dialect, chunks: Uint8Array[], opts?: Parameters<Dialect['decodeStream']>[0]) {
  return pipe(chunks, d.decodeStream(opts))
}

async function encode(d: Dialect, events: StreamEvent[], opts?: Parameters<Dialect['encodeStream']>[0]) {
  return concatText(await pipe(events, d.encodeStream(opts)))
}

const usage8 = (candidates: number): Usage => ({
  inputTokens: 8,
  outputTokens: candidates,
  extra: { gemini: { promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }] } },
})

describe('gemini stream identity', () => {
  for (const [name, d] of STREAMS) {
    test(`${name}: decode then encode is byte-identical`, async () => {
      const bytes = fixtureBytes(name)
      const events = await decode(d, [bytes])
      expect(await encode(d, events)).toBe(fixtureText(name))
    })
  }

  test('fixtures are framed the way Google frames alt=sse: data line + CRLF CRLF, no [DONE]', () => {
    for (const [name] of STREAMS) {
      const text = fixtureText(name)
      expect(text.endsWith('}\r\n\r\n')).toBe(true)
      expect(text).not.toContain('[DONE]')
      expect(text.split('\r\n\r\n').every((e) => e === '' || e.startsWith('data: {'))).toBe(true)
    }
  })
})

describe('gemini stream decode', () => {
  test('plain text: one text block, running usage, finish with the last usage', async () => {
    const events = await decode(gemini, [fixtureBytes('stream-text.sse')])
    const extra = { gemini: { promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }] } }
    expect(events).toEqual([
      {
        type: 'start',
        id: 'mB2taJ-xEouKvdIPq8qY4Qo',
        model: 'gemini-2.5-flash',
        extra: { gemini: {} },
        usage: usage8(1),
      },
      { type: 'block_start', index: 0, block: { kind: 'text' } },
      { type: 'text_delta', index: 0, text: 'Hello' },
      { type: 'usage', usage: usage8(1) },
      { type: 'text_delta', index: 0, text: ' there — how can' },
      { type: 'usage', usage: usage8(5) },
      { type: 'text_delta', index: 0, text: ' I help? 👋' },
      { type: 'block_stop', index: 0 },
      {
        type: 'finish',
        stopReason: 'end_turn',
        usage: {
          inputTokens: 8,
          outputTokens: 9,
          extra: {
            gemini: { ...extra.gemini, candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 9 }] },
          },
        },
      },
    ])
  })

  test('thinking: thought parts form one thinking block; signatures follow the part they sit on', async () => {
    const prov = { dialect: 'gemini' as const, provider: 'gemini-cli', model: 'gemini-2.5-pro' }
    const events = await decode(gemini, [fixtureBytes('stream-thinking.sse')], { provenance: prov })
    const kinds = events.filter((e) => e.type !== 'usage').map((e) => e.type)
    expect(kinds).toEqual([
      'start',
      'block_start',
      'thinking_delta',
      'thinking_delta',
      'block_stop',
      'block_start',
      'text_delta',
      'signature',
      'text_delta',
      'text_delta',
      'signature',
      'block_stop',
      'finish',
    ])
    expect(events[1]).toEqual({
      type: 'block_start',
      index: 0,
      block: { kind: 'thinking', summary: true, provenance: prov },
    })
    const sigs = events.filter((e) => e.type === 'signature')
    expect(sigs).toEqual([
      {
        type: 'signature',
        index: 1,
        signature: 'CiQBcsjafBq0Pxl0l0QeUEPAp2Bc0zVUjyaaCZBq1UuJKhLmrDgKZQFyyNp8',
        provenance: prov,
      },
      { type: 'signature', index: 1, signature: 'Eq0CCqoCAXLI2nyBq1o1SigCv1QXb0l+vQ==', provenance: prov },
    ])
    // usage: prompt includes cached, candidates exclude thoughts
    const finish = events.at(-1)
    expect(finish).toMatchObject({
      type: 'finish',
      stopReason: 'end_turn',
      usage: { inputTokens: 16, cacheReadTokens: 1024, outputTokens: 162, reasoningTokens: 155 },
    })
  })

  test('parallel function calls: each whole, own index, one args delta, empty args become {}', async () => {
    const events = normalizeIds(await decode(gemini, [fixtureBytes('stream-tools.sse')]))
    const calls = events.filter(
      (e) => e.type === 'block_start' || e.type === 'tool_args_delta' || e.type === 'block_stop',
    )
    expect(calls.slice(2)).toEqual([
      {
        type: 'block_start',
        index: 1,
        block: {
          kind: 'tool_call',
          id: '<id0>',
          name: 'get_weather',
          thoughtSignature: 'EjQKMgFyyNp8kXk1pWzR1F4t0a6Zs3p2mJ8Cq0vY',
          provenance: { dialect: 'gemini' },
        },
      },
      { type: 'tool_args_delta', index: 1, delta: '{"city":"Paris","unit":"celsius"}' },
      { type: 'block_stop', index: 1 },
      { type: 'block_start', index: 2, block: { kind: 'tool_call', id: '<id1>', name: 'get_weather' } },
      { type: 'tool_args_delta', index: 2, delta: '{"city":"東京","unit":"celsius"}' },
      { type: 'block_stop', index: 2 },
      { type: 'block_start', index: 3, block: { kind: 'tool_call', id: '<id2>', name: 'get_time' } },
      { type: 'tool_args_delta', index: 3, delta: '{}' },
      { type: 'block_stop', index: 3 },
    ])
    expect(events.at(-1)).toMatchObject({
      type: 'finish',
      stopReason: 'tool_use',
      usage: { outputTokens: 73 },
    })
  })

  test('minted tool-call ids are distinct across streams (no duplicate ids across turns)', async () => {
    const a = await decode(gemini, [fixtureBytes('stream-tools.sse')])
    const b = await decode(gemini, [fixtureBytes('stream-tools.sse')])
    const ids = [...a, ...b].flatMap((e) =>
      e.type === 'block_start' && e.block.kind === 'tool_call' ? [e.block.id] : [],
    )
    expect(new Set(ids).size).toBe(6)
    for (const id of ids) expect(id).toMatch(/^gemini_call_[A-Za-z0-9]{16}$/)
  })

  test('an error chunk mid-stream closes the open block and becomes an IR error', async () => {
    const events = await decode(gemini, [fixtureBytes('stream-error.sse')])
    expect(events.slice(-2)).toEqual([
      { type: 'block_stop', index: 0 },
      {
        type: 'error',
        error: {
          kind: 'overloaded',
          message: 'The model is overloaded. Please try again later.',
          status: 503,
        },
      },
    ])
  })

  test('a blocked prompt (promptFeedback, no candidates) finishes with content_filter', async () => {
    const events = await decode(gemini, [fixtureBytes('stream-blocked.sse')])
    expect(events).toEqual([
      {
        type: 'start',
        id: 'b1',
        model: 'gemini-2.5-flash',
        extra: { gemini: {} },
        usage: { inputTokens: 7, outputTokens: 0 },
      },
      {
        type: 'finish',
        stopReason: 'content_filter',
        rawStopReason: 'PROHIBITED_CONTENT',
        usage: { inputTokens: 7, outputTokens: 0 },
        extra: { gemini: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, noCandidates: true } },
      },
    ])
  })

  test('Code Assist chunks are unwrapped; traceId stands in for the missing responseId', async () => {
    const events = await decode(codeAssist, [fixtureBytes('codeassist-stream.sse')])
    expect(events[0]).toMatchObject({
      type: 'start',
      id: '4f1e2d3c4b5a6978',
      model: 'gemini-2.5-pro',
      extra: { gemini: { omitResponseId: true, traceId: '4f1e2d3c4b5a6978' } },
    })
    expect(events.at(-1)).toMatchObject({ type: 'finish', stopReason: 'tool_use' })
    // the public decoder does not unwrap: it sees no candidates and no finish
    const plainEvents = await decode(gemini, [fixtureBytes('codeassist-stream.sse')])
    expect(plainEvents.at(-1)).toMatchObject({ type: 'error', error: { kind: 'api_error' } })
  })

  for (const [name, d] of STREAMS) {
    test(`${name}: the same events for a split at every byte offset`, async () => {
      const bytes = fixtureBytes(name)
      const whole = normalizeIds(await decode(d, [bytes]))
      for (let at = 1; at < bytes.length; at++) {
        const got = normalizeIds(await decode(d, splitAt(bytes, [at])))
        expect(got).toEqual(whole)
      }
    })
  }

  test('the same events for many random multi-way splits (mid UTF-8, mid CRLF)', async () => {
    const bytes = fixtureBytes('stream-tools.sse')
    const whole = normalizeIds(await decode(gemini, [bytes]))
    let seed = 7
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    for (let run = 0; run < 200; run++) {
      const cuts = [
        ...new Set(
          Array.from(
            { length: 1 + Math.floor(rand() * 12) },
            () => 1 + Math.floor(rand() * (bytes.length - 1)),
          ),
        ),
      ].sort((a, b) => a - b)
      expect(normalizeIds(await decode(gemini, splitAt(bytes, cuts)))).toEqual(whole)
    }
  })

  test('accepts LF framing, data: without a space and snake_case fields', async () => {
    const text =
      'data:{"candidates":[{"content":{"parts":[{"text":"a"}],"role":"model"}}],"usage_metadata":{"prompt_token_count":2},"model_version":"m","response_id":"r"}\n\n' +
      'data: {"candidates":[{"content":{"parts":[{"text":"b"}],"role":"model"},"finish_reason":"MAX_TOKENS"}]}\n\n'
    const events = await decode(gemini, [new TextEncoder().encode(text)])
    expect(events.map((e) => e.type)).toEqual([
      'start',
      'block_start',
      'text_delta',
      'usage',
      'text_delta',
      'block_stop',
      'finish',
    ])
    expect(events[0]).toMatchObject({ id: 'r', model: 'm' })
    expect(events.at(-1)).toEqual({
      type: 'finish',
      stopReason: 'max_tokens',
      usage: { inputTokens: 2, outputTokens: 0 },
    })
  })

  test('a stream that closes without finishReason ends with an error, not a silent end_turn', async () => {
    const text =
      'data: {"candidates":[{"content":{"parts":[{"text":"cut"}],"role":"model"}}],"responseId":"r"}\r\n\r\n'
    const events = await decode(gemini, [new TextEncoder().encode(text)])
    expect(events.slice(-2)).toEqual([
      { type: 'block_stop', index: 0 },
      {
        type: 'error',
        error: { kind: 'api_error', message: 'the Gemini stream ended without a finishReason' },
      },
    ])
    expect(await decode(gemini, [])).toEqual([
      { type: 'error', error: { kind: 'api_error', message: 'the Gemini stream ended without a response' } },
    ])
  })

  test('finish reasons: filters → content_filter with raw, MALFORMED_FUNCTION_CALL → other with raw', async () => {
    for (const [raw, stop] of [
      ['SAFETY', 'content_filter'],
      ['RECITATION', 'content_filter'],
      ['SPII', 'content_filter'],
      ['IMAGE_SAFETY', 'content_filter'],
      ['MALFORMED_FUNCTION_CALL', 'other'],
      ['UNEXPECTED_TOOL_CALL', 'other'],
    ] as const) {
      const text = `data: {"candidates":[{"finishReason":"${raw}"}],"responseId":"r"}\r\n\r\n`
      const events = await decode(gemini, [new TextEncoder().encode(text)])
      expect(events.at(-1)).toEqual({ type: 'finish', stopReason: stop, rawStopReason: raw })
    }
  })

  test('regression: running usage — the last snapshot wins, also when the final chunk carries none', async () => {
    const chunk = (body: string) => `data: {${body},"responseId":"r"}\r\n\r\n`
    const text =
      chunk(
        '"candidates":[{"content":{"parts":[{"text":"a"}],"role":"model"}}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":1}',
      ) +
      chunk(
        '"candidates":[{"content":{"parts":[{"text":"b"}],"role":"model"}}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":64}',
      ) +
      chunk('"candidates":[{"content":{"parts":[{"text":"c"}],"role":"model"},"finishReason":"STOP"}]')
    const events = await decode(gemini, [new TextEncoder().encode(text)])
    const usages = events.flatMap((e) => (e.type === 'usage' ? [e.usage.outputTokens] : []))
    expect(usages).toEqual([1, 64])
    expect(events.at(-1)).toEqual({
      type: 'finish',
      stopReason: 'end_turn',
      usage: { inputTokens: 9, outputTokens: 64 },
    })
  })

  test('a Gemini-sent functionCall id is kept as the IR id', async () => {
    const text =
      'data: {"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":1},"id":"fc-7"}}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":4,"totalTokenCount":4},"responseId":"r"}\r\n\r\n'
    const events = await decode(gemini, [new TextEncoder().encode(text)])
    expect(events[1]).toEqual({
      type: 'block_start',
      index: 0,
      block: {
        kind: 'tool_call',
        id: 'fc-7',
        name: 'f',
        extra: { gemini: { functionCall: { id: 'fc-7' } } },
      },
    })
    expect(await encode(gemini, events)).toBe(text)
  })

  test('a signature the gateway wrapped for another dialect decodes with that provenance', async () => {
    const wrapped = wrapSignature('ANTHROPIC-SIG', { dialect: 'anthropic-messages', provider: 'claude' })
    const text = `data: {"candidates":[{"content":{"parts":[{"text":"t","thought":true,"thoughtSignature":"${wrapped}"}],"role":"model"},"finishReason":"STOP"}],"responseId":"r"}\r\n\r\n`
    const events = await decode(gemini, [new TextEncoder().encode(text)])
    expect(events.find((e) => e.type === 'signature')).toEqual({
      type: 'signature',
      index: 0,
      signature: 'ANTHROPIC-SIG',
      provenance: { dialect: 'anthropic-messages', provider: 'claude' },
    })
  })
})

describe('gemini stream encode (from another dialect)', () => {
  /** Events the way the Anthropic decoder produces them: thinking with a signature, text, a tool call in pieces. */
  const anthropicEvents: StreamEvent[] = [
    { type: 'start', id: 'msg_01', model: 'claude-sonnet-4-5', usage: { inputTokens: 10, outputTokens: 1 } },
    {
      type: 'block_start',
      index: 0,
      block: { kind: 'thinking', provenance: { dialect: 'anthropic-messages' } },
    },
    { type: 'thinking_delta', index: 0, text: 'Hmm.' },
    { type: 'signature', index: 0, signature: 'EqQBsig' },
    { type: 'block_stop', index: 0 },
    { type: 'block_start', index: 1, block: { kind: 'text' } },
    { type: 'text_delta', index: 1, text: 'Checking.' },
    { type: 'block_stop', index: 1 },
    { type: 'ping' },
    { type: 'block_start', index: 2, block: { kind: 'tool_call', id: 'toolu_01', name: 'get_weather' } },
    { type: 'tool_args_delta', index: 2, delta: '' },
    { type: 'tool_args_delta', index: 2, delta: '{"city": "Par' },
    { type: 'tool_args_delta', index: 2, delta: 'is"}' },
    { type: 'block_stop', index: 2 },
    { type: 'block_start', index: 3, block: { kind: 'tool_call', id: 'toolu_02', name: 'get_time' } },
    { type: 'block_stop', index: 3 },
    { type: 'usage', usage: { inputTokens: 10, outputTokens: 30, cacheReadTokens: 5, cacheWriteTokens: 2 } },
    { type: 'finish', stopReason: 'tool_use', rawStopReason: 'tool_use' },
  ]

  test('one chunk per delta and per finished call; usage as running totals; finish last', async () => {
    const out = await encode(gemini, anthropicEvents, { model: 'claude-sonnet-4-5' })
    const sig = wrapSignature('EqQBsig', { dialect: 'anthropic-messages' })
    const tail = ',"modelVersion":"claude-sonnet-4-5","responseId":"msg_01"}\r\n\r\n'
    const u1 = '"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":1,"totalTokenCount":11}'
    const u2 =
      '"usageMetadata":{"promptTokenCount":17,"candidatesTokenCount":30,"totalTokenCount":47,"cachedContentTokenCount":5}'
    expect(out).toBe(
      `data: {"candidates":[{"content":{"parts":[{"text":"Hmm.","thought":true}],"role":"model"}}],${u1}${tail}` +
        `data: {"candidates":[{"content":{"parts":[{"text":"","thought":true,"thoughtSignature":"${sig}"}],"role":"model"}}],${u1}${tail}` +
        `data: {"candidates":[{"content":{"parts":[{"text":"Checking."}],"role":"model"}}],${u1}${tail}` +
        `data: {"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}],"role":"model"}}],${u1}${tail}` +
        `data: {"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_time","args":{}}}],"role":"model"}}],${u1}${tail}` +
        `data: {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP"}],${u2}${tail}`,
    )
    // the wrapped signature comes back to the right place
    expect(unwrapSignature(sig, 'gemini').provenance).toEqual({ dialect: 'anthropic-messages' })
  })

  test('a tool call still open at finish is flushed as a functionCall part', async () => {
    const out = await encode(gemini, [
      { type: 'start', id: 'chatcmpl-1', model: 'gpt-5' },
      { type: 'block_start', index: 0, block: { kind: 'tool_call', id: 'call_1', name: 'f' } },
      { type: 'tool_args_delta', index: 0, delta: '{"a":' },
      { type: 'tool_args_delta', index: 0, delta: '1}' },
      {
        type: 'finish',
        stopReason: 'tool_use',
        usage: { inputTokens: 3, outputTokens: 4, reasoningTokens: 2 },
      },
    ])
    expect(out).toBe(
      'data: {"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":1}}}],"role":"model"},"finishReason":"STOP"}],' +
        '"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,"totalTokenCount":7,"thoughtsTokenCount":2},' +
        '"modelVersion":"gpt-5","responseId":"chatcmpl-1"}\r\n\r\n',
    )
  })

  test('stop reasons of other dialects map onto Gemini finish reasons; their raw values are not leaked', async () => {
    const cases = [
      ['end_turn', 'STOP'],
      ['stop_sequence', 'STOP'],
      ['max_tokens', 'MAX_TOKENS'],
      ['context_window_exceeded', 'MAX_TOKENS'],
      ['content_filter', 'SAFETY'],
      ['refusal', 'SAFETY'],
      ['other', 'OTHER'],
    ] as const
    for (const [stop, reason] of cases) {
      const out = await encode(gemini, [
        { type: 'start', id: 'x', model: 'm' },
        { type: 'finish', stopReason: stop, rawStopReason: 'length' },
      ])
      expect(out).toContain(`"finishReason":"${reason}"`)
    }
  })

  test('an IR error becomes a final data: {"error":…} chunk with Google status names and RetryInfo', async () => {
    const out = await encode(gemini, [
      { type: 'start', id: 'x', model: 'm' },
      { type: 'block_start', index: 0, block: { kind: 'text' } },
      { type: 'text_delta', index: 0, text: 'part' },
      { type: 'error', error: { kind: 'rate_limit', message: 'slow down', retryAfter: 1.5 } },
      { type: 'finish', stopReason: 'end_turn' },
    ])
    expect(out).toBe(
      'data: {"candidates":[{"content":{"parts":[{"text":"part"}],"role":"model"}}],"modelVersion":"m","responseId":"x"}\r\n\r\n' +
        'data: {"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}\r\n\r\n',
    )
  })

  test('extras of another dialect are not emitted, even under the gemini-looking keys', async () => {
    const out = await encode(gemini, [
      { type: 'start', id: 'x', model: 'm', extra: { 'openai-chat': { system_fingerprint: 'fp' } } },
      { type: 'block_start', index: 0, block: { kind: 'text' } },
      { type: 'text_delta', index: 0, text: 'a' },
      {
        type: 'finish',
        stopReason: 'end_turn',
        rawStopReason: 'stop',
        extra: { 'openai-chat': { logprobs: null } },
      },
    ])
    expect(out).not.toContain('fingerprint')
    expect(out).not.toContain('logprobs')
    expect(out).toContain('"finishReason":"STOP"')
  })

  test('regression: output is not held back — every delta of a foreign stream leaves as its own chunk', async () => {
    const chunks = await pipe(anthropicEvents, gemini.encodeStream())
    const texts = chunks.map((c) => new TextDecoder().decode(c))
    // one output chunk per text/thinking delta, signature, finished call and the finish
    expect(texts).toHaveLength(6)
    for (const t of texts) expect(t.match(/\r\n\r\n/g)).toHaveLength(1)
  })

  test('regression: the first chunk’s usage rides on start, so message_start-style clients get input tokens', async () => {
    const events = await decode(gemini, [fixtureBytes('stream-thinking.sse')])
    expect(events[0]).toMatchObject({ type: 'start', usage: { inputTokens: 16, cacheReadTokens: 1024 } })
  })

  test('Code Assist encoding wraps every chunk; the error chunk stays unwrapped', async () => {
    const out = await encode(codeAssist, [
      { type: 'start', id: 'trace-1', model: 'gemini-2.5-pro' },
      { type: 'block_start', index: 0, block: { kind: 'text' } },
      { type: 'text_delta', index: 0, text: 'hi' },
      { type: 'error', error: { kind: 'overloaded', message: 'busy' } },
    ])
    expect(out).toBe(
      'data: {"response":{"candidates":[{"content":{"parts":[{"text":"hi"}],"role":"model"}}],"modelVersion":"gemini-2.5-pro","responseId":"trace-1"},"traceId":"trace-1"}\r\n\r\n' +
        'data: {"error":{"code":503,"message":"busy","status":"UNAVAILABLE"}}\r\n\r\n',
    )
  })

  test('Code Assist upstream → public Gemini client: unwrapped, traceId becomes responseId', async () => {
    const events = await decode(codeAssist, [fixtureBytes('codeassist-stream.sse')])
    const out = await encode(gemini, events)
    const chunks = out.split('\r\n\r\n').filter(Boolean)
    expect(chunks).toHaveLength(2)
    for (const c of chunks) {
      const obj = JSON.parse(c.slice(6))
      expect(obj.response).toBeUndefined()
      expect(obj.responseId).toBe('4f1e2d3c4b5a6978')
    }
  })

  test('the candidate index of the upstream is repeated on every chunk', async () => {
    const text =
      'data: {"candidates":[{"content":{"parts":[{"text":"a"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":1,"totalTokenCount":1},"modelVersion":"m","responseId":"r"}\r\n\r\n' +
      'data: {"candidates":[{"content":{"parts":[{"text":"b"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":2,"totalTokenCount":3},"modelVersion":"m","responseId":"r"}\r\n\r\n'
    const events = await decode(gemini, [new TextEncoder().encode(text)])
    expect(await encode(gemini, events)).toBe(text)
  })
})
