import { describe, expect, test } from 'bun:test'
import {
  decodeMaxTokens,
  decodeSampling,
  decodeStop,
  encodeSampling,
  encodeStop,
  maxTokensOf,
} from '../../../src/dialects/anthropic-messages/sampling.ts'
import { DialectError, type Request } from '../../../src/dialects/ir.ts'

function ir(over: Partial<Request> = {}): Request {
  return { source: 'openai-chat', model: 'm', system: [], messages: [], stream: false, extra: {}, ...over }
}

describe('anthropic-messages sampling table', () => {
  test('decode walks every numeric field onto the IR name', () => {
    const req = ir()
    decodeSampling({ temperature: 0.3, top_p: 0.9, top_k: 40, seed: 7 }, req)
    expect(req).toMatchObject({ temperature: 0.3, topP: 0.9, topK: 40 })
    expect(req.seed).toBeUndefined()
  })

  test('a non-number names its wire field', () => {
    for (const wire of ['temperature', 'top_p', 'top_k']) {
      let err: unknown
      try {
        decodeSampling({ [wire]: '1' }, ir())
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(DialectError)
      expect((err as DialectError).info.param).toBe(wire)
    }
  })

  test('encode writes the fields in wire order, all of them with thinking off', () => {
    const body: Record<string, unknown> = {}
    encodeSampling(ir({ topK: 5, topP: 0.5, temperature: 0.2 }), body, false)
    expect(Object.keys(body)).toEqual(['temperature', 'top_p', 'top_k'])
    expect(body).toEqual({ temperature: 0.2, top_p: 0.5, top_k: 5 })
  })

  test('with thinking on only top_p ≥ 0.95 goes out', () => {
    const low: Record<string, unknown> = {}
    encodeSampling(ir({ temperature: 0.2, topP: 0.9, topK: 5 }), low, true)
    expect(low).toEqual({})
    const high: Record<string, unknown> = {}
    encodeSampling(ir({ temperature: 1, topP: 0.95, topK: 5 }), high, true)
    expect(high).toEqual({ top_p: 0.95 })
  })

  test('max_tokens: a positive integer, absent for count_tokens, 32000 by default', () => {
    const req = ir()
    decodeMaxTokens({}, req)
    expect(req.maxOutputTokens).toBeUndefined()
    expect(maxTokensOf(req)).toBe(32000)
    decodeMaxTokens({ max_tokens: 1024 }, req)
    expect(maxTokensOf(req)).toBe(1024)
    expect(() => decodeMaxTokens({ max_tokens: 0 }, ir())).toThrow(DialectError)
  })

  test('stop_sequences both ways', () => {
    const req = ir()
    decodeStop({ stop_sequences: ['END'] }, req)
    expect(req.stop).toEqual(['END'])
    const body: Record<string, unknown> = {}
    encodeStop(req, body)
    expect(body).toEqual({ stop_sequences: ['END'] })
    expect(() => decodeStop({ stop_sequences: [1] }, ir())).toThrow(DialectError)
  })
})
