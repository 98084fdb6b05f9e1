import { describe, expect, test } from 'bun:test'
import { gemini } from '../../../src/dialects/gemini/index.ts'
import { DialectError, type Request } from '../../../src/dialects/ir.ts'

/** Every flat sampling field of `generationConfig`, in the order Gemini's own clients write them. */
const WIRE = {
  temperature: 0.4,
  topP: 0.9,
  topK: 32,
  candidateCount: 2,
  maxOutputTokens: 512,
  stopSequences: ['END', '###'],
  seed: 11,
  presencePenalty: 0.2,
  frequencyPenalty: -0.3,
}

const IR = {
  temperature: 0.4,
  topP: 0.9,
  topK: 32,
  n: 2,
  maxOutputTokens: 512,
  stop: ['END', '###'],
  seed: 11,
  presencePenalty: 0.2,
  frequencyPenalty: -0.3,
}

function decode(generationConfig: unknown): Request {
  return gemini.decodeRequest(
    { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig },
    { model: 'gemini-2.5-flash' },
  )
}

describe('gemini sampling fields', () => {
  test('each generationConfig field decodes to its IR field', () => {
    expect(decode(WIRE)).toMatchObject(IR)
  })

  test('a foreign IR encodes each field under its wire name, in wire order', () => {
    const req: Request = {
      source: 'openai-chat',
      model: 'gpt-x',
      system: [],
      messages: [],
      stream: false,
      extra: {},
      ...IR,
    }
    const body = gemini.encodeRequest(req, { model: 'gemini-2.5-flash' })
    // JSON text, not toEqual: the key order is part of the bytes an upstream sees.
    expect(JSON.stringify(body.generationConfig)).toBe(JSON.stringify(WIRE))
  })

  test('a same-dialect round trip gives the fields back byte for byte', () => {
    const body = gemini.encodeRequest(decode(WIRE))
    expect(JSON.stringify(body.generationConfig)).toBe(JSON.stringify(WIRE))
  })

  test('snake_case spellings decode like camelCase', () => {
    const req = decode({ top_p: 0.5, max_output_tokens: 9, stop_sequences: ['x'], candidate_count: 1 })
    expect([req.topP, req.maxOutputTokens, req.stop, req.n]).toEqual([0.5, 9, ['x'], 1])
  })

  test('a mistyped field is a client error naming it', () => {
    for (const [field, bad] of [
      ['temperature', 'hot'],
      ['candidateCount', '2'],
      ['stopSequences', 'END'],
      ['stopSequences', [1]],
    ] as const) {
      let err: unknown
      try {
        decode({ [field]: bad })
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(DialectError)
      expect((err as DialectError).info.param).toBe(`generationConfig.${field}`)
    }
  })
})
