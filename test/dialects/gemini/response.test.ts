import { describe, expect, test } from 'bun:test'
import { unwrapSignature, wrapSignature } from '../../../src/dialects/common/provenance.ts'
import { gemini } from '../../../src/dialects/gemini/index.ts'
import { decodeUsage, encodeUsage } from '../../../src/dialects/gemini/response.ts'
import type { Response } from '../../../src/dialects/ir.ts'
import { fixtureJson, plain } from './helpers.ts'

const RESPONSES = [
  'response-text.json',
  'response-tools.json',
  'response-image.json',
  'response-blocked.json',
  'response-malformed.json',
]

describe('gemini response identity', () => {
  for (const name of RESPONSES) {
    test(`${name}: encode(decode(x)) deep-equals x`, () => {
      const body = fixtureJson(name)
      expect(plain(gemini.encodeResponse(gemini.decodeResponse(body)))).toEqual(body)
    })
  }

  test('several candidates: the first maps to the IR, the others ride back to Gemini clients', () => {
    const body = {
      candidates: [
        { content: { parts: [{ text: 'A' }], role: 'model' }, finishReason: 'STOP', index: 0 },
        { content: { parts: [{ text: 'B' }], role: 'model' }, finishReason: 'STOP', index: 1 },
      ],
      responseId: 'r',
    }
    const res = gemini.decodeResponse(body)
    expect(res.content).toEqual([{ type: 'text', text: 'A' }])
    expect(plain(gemini.encodeResponse(res))).toEqual(body)
  })
})

describe('gemini response decode', () => {
  test('thought, parallel calls with minted ids, tool_use, usage with cache and thoughts', () => {
    const res = gemini.decodeResponse(fixtureJson('response-tools.json'), {
      provenance: { dialect: 'gemini', provider: 'gemini', model: 'gemini-2.5-pro' },
    })
    const prov = { dialect: 'gemini', provider: 'gemini', model: 'gemini-2.5-pro' } as const
    expect(res.id).toBe('zB6taNfZKMuQvdIP0t6j0Ag')
    expect(res.model).toBe('gemini-2.5-pro')
    expect(res.stopReason).toBe('tool_use')
    expect(res.rawStopReason).toBeUndefined()
    const [thought, c1, c2] = res.content
    expect(thought).toEqual({
      type: 'thinking',
      text: '**Planning**\n\nTwo lookups are needed.',
      summary: true,
      provenance: prov,
    })
    expect(c1).toMatchObject({
      type: 'tool_call',
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
      thoughtSignature: 'CtgBAVSoXO4n2wK1',
      provenance: prov,
    })
    expect(c2).toMatchObject({ type: 'tool_call', name: 'get_weather', arguments: '{"city":"Tokyo"}' })
    expect(c2).not.toHaveProperty('thoughtSignature')
    if (c1?.type !== 'tool_call' || c2?.type !== 'tool_call') throw new Error('calls expected')
    expect(c1.id).not.toBe(c2.id)
    expect(c1.id).toMatch(/^gemini_call_/)
    // prompt 140 includes 100 cached; candidates 24 exclude 192 thoughts
    expect(res.usage).toMatchObject({
      inputTokens: 40,
      cacheReadTokens: 100,
      outputTokens: 216,
      reasoningTokens: 192,
    })
  })

  test('a prompt blocked before any candidate is content_filter with the block reason', () => {
    const res = gemini.decodeResponse(fixtureJson('response-blocked.json'))
    expect({
      content: res.content,
      stopReason: res.stopReason,
      raw: res.rawStopReason,
      usage: res.usage,
    }).toEqual({
      content: [],
      stopReason: 'content_filter',
      raw: 'SAFETY',
      usage: { inputTokens: 12, outputTokens: 0 },
    })
  })

  test('MALFORMED_FUNCTION_CALL is other with the raw reason', () => {
    const res = gemini.decodeResponse(fixtureJson('response-malformed.json'))
    expect([res.stopReason, res.rawStopReason]).toEqual(['other', 'MALFORMED_FUNCTION_CALL'])
  })

  test('generated images decode as image parts', () => {
    const res = gemini.decodeResponse(fixtureJson('response-image.json'))
    expect(res.content.map((p) => p.type)).toEqual(['text', 'image'])
    expect(res.content[1]).toMatchObject({ source: { kind: 'base64', mediaType: 'image/png' } })
    expect(res.usage).toMatchObject({ inputTokens: 9, outputTokens: 1295 })
  })

  test('a non-object body throws DialectError', () => {
    expect(() => gemini.decodeResponse([])).toThrow('JSON object')
  })
})

describe('gemini usage mapping', () => {
  test('prompt includes cached, candidates exclude thoughts, toolUsePrompt counts as input', () => {
    const u = decodeUsage({
      promptTokenCount: 1000,
      cachedContentTokenCount: 600,
      candidatesTokenCount: 50,
      thoughtsTokenCount: 200,
      toolUsePromptTokenCount: 30,
      totalTokenCount: 1280,
    })
    expect(u).toEqual({
      inputTokens: 430,
      cacheReadTokens: 600,
      outputTokens: 250,
      reasoningTokens: 200,
      extra: { gemini: { toolUsePromptTokenCount: 30 } },
    })
    expect(encodeUsage(u)).toEqual({
      promptTokenCount: 1000,
      candidatesTokenCount: 50,
      totalTokenCount: 1280,
      cachedContentTokenCount: 600,
      toolUsePromptTokenCount: 30,
      thoughtsTokenCount: 200,
    })
  })

  test('usage of another dialect: cache writes count as prompt, total = prompt + candidates + thoughts', () => {
    expect(
      encodeUsage({
        inputTokens: 10,
        cacheReadTokens: 5,
        cacheWriteTokens: 3,
        outputTokens: 40,
        reasoningTokens: 15,
      }),
    ).toEqual({
      promptTokenCount: 18,
      candidatesTokenCount: 25,
      totalTokenCount: 58,
      cachedContentTokenCount: 5,
      thoughtsTokenCount: 15,
    })
    // extras of other dialects are ignored
    expect(encodeUsage({ inputTokens: 1, outputTokens: 1, extra: { 'openai-chat': { x: 1 } } })).toEqual({
      promptTokenCount: 1,
      candidatesTokenCount: 1,
      totalTokenCount: 2,
    })
  })

  test('an upstream total that disagrees with the parts is kept as it was', () => {
    const raw = { promptTokenCount: 5, candidatesTokenCount: 5, totalTokenCount: 12 }
    expect(encodeUsage(decodeUsage(raw))).toEqual(raw)
  })
})

describe('gemini response encode (from another dialect)', () => {
  const anthropic: Response = {
    source: 'anthropic-messages',
    id: 'msg_01',
    model: 'claude-sonnet-4-5',
    content: [
      {
        type: 'thinking',
        text: 'Let me think.',
        signature: 'EqQBsig',
        provenance: { dialect: 'anthropic-messages', provider: 'claude' },
      },
      { type: 'thinking', text: '', redacted: 'opaque', provenance: { dialect: 'anthropic-messages' } },
      { type: 'text', text: 'Calling.', citations: [{ type: 'x' }] },
      { type: 'tool_call', id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'tool_call', id: 'toolu_02', name: 'get_time', arguments: '' },
    ],
    stopReason: 'tool_use',
    rawStopReason: 'tool_use',
    usage: {
      inputTokens: 20,
      outputTokens: 60,
      cacheReadTokens: 100,
      cacheWriteTokens: 10,
      extra: { anthropic: 1 },
    },
    extra: { $noCandidates: true, stop_sequence: null },
  }

  test('exact Gemini body; foreign signature wrapped; redacted thinking not sent; ids not sent', () => {
    const out = plain(gemini.encodeResponse(anthropic, { model: 'my-alias' }))
    const sig = wrapSignature('EqQBsig', { dialect: 'anthropic-messages', provider: 'claude' })
    expect(out).toEqual({
      candidates: [
        {
          content: {
            parts: [
              { text: 'Let me think.', thought: true, thoughtSignature: sig },
              { text: 'Calling.' },
              { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
              { functionCall: { name: 'get_time', args: {} } },
            ],
            role: 'model',
          },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: {
        promptTokenCount: 130,
        candidatesTokenCount: 60,
        totalTokenCount: 190,
        cachedContentTokenCount: 100,
      },
      modelVersion: 'my-alias',
      responseId: 'msg_01',
    })
    // and back: the wrapped signature is recognised as Anthropic's
    const back = gemini.decodeResponse(out)
    expect(back.content[0]).toMatchObject({
      signature: 'EqQBsig',
      provenance: { dialect: 'anthropic-messages', provider: 'claude' },
    })
    expect(unwrapSignature(sig, 'gemini').signature).toBe('EqQBsig')
  })

  test('stop reasons of other dialects', () => {
    const reason = (stopReason: Response['stopReason']) =>
      (
        plain(gemini.encodeResponse({ ...anthropic, content: [], stopReason, rawStopReason: 'length' })) as {
          candidates: Array<{ finishReason: string }>
        }
      ).candidates[0]!.finishReason
    expect(reason('end_turn')).toBe('STOP')
    expect(reason('max_tokens')).toBe('MAX_TOKENS')
    expect(reason('content_filter')).toBe('SAFETY')
    expect(reason('refusal')).toBe('SAFETY')
    expect(reason('error')).toBe('OTHER')
  })

  test('a Gemini signature from another Gemini provider is sent raw (same dialect)', () => {
    const out = plain(
      gemini.encodeResponse({
        source: 'gemini',
        id: 'r',
        model: 'm',
        content: [
          {
            type: 'text',
            text: 'x',
            thoughtSignature: 'S',
            provenance: { dialect: 'gemini', provider: 'antigravity' },
          },
        ],
        stopReason: 'end_turn',
      }),
    ) as { candidates: Array<{ content: { parts: unknown[] } }> }
    expect(out.candidates[0]!.content.parts).toEqual([{ text: 'x', thoughtSignature: 'S' }])
  })
})
