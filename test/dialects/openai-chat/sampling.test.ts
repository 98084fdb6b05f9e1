import { describe, expect, test } from 'bun:test'
import { DialectError, type Request } from '../../../src/dialects/ir.ts'
import { decodeSampling, encodeSampling } from '../../../src/dialects/openai-chat/sampling.ts'
import type { Hints } from '../../../src/dialects/openai-chat/types.ts'

function blank(): Request {
  return { source: 'openai-chat', model: 'm', system: [], messages: [], stream: false, extra: {} }
}

/** Decodes every key of `body` the table owns, then encodes the result back. */
function roundTrip(body: Record<string, unknown>): { req: Request; h: Hints; out: Record<string, unknown> } {
  const req = blank()
  const h: Hints = {}
  for (const key in body) decodeSampling(key, body[key], req, h, body)
  const out: Record<string, unknown> = {}
  encodeSampling(req, h, out)
  return { req, h, out }
}

describe('openai-chat sampling table', () => {
  test('every flat field reaches its IR name and comes back under its wire name, in table order', () => {
    const body = {
      metadata: { run: 'a' },
      user: 'u-1',
      stop: ['END'],
      n: 2,
      seed: 7,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      top_k: 40,
      top_p: 0.9,
      temperature: 0.2,
      max_completion_tokens: 100,
    }
    const { req, out } = roundTrip(body)
    expect(req).toMatchObject({
      maxOutputTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      presencePenalty: -0.5,
      frequencyPenalty: 0.5,
      seed: 7,
      n: 2,
      stop: ['END'],
      user: 'u-1',
      metadata: { run: 'a' },
    })
    expect(out).toEqual(body)
    expect(Object.keys(out)).toEqual([...Object.keys(body)].reverse())
  })

  test('the wire spelling of max tokens and stop survives a round trip', () => {
    const { req, out } = roundTrip({ max_tokens: 64, stop: 'END' })
    expect(req.maxOutputTokens).toBe(64)
    expect(req.stop).toEqual(['END'])
    expect(out).toEqual({ max_tokens: 64, stop: 'END' })
  })

  test('with both caps, max_completion_tokens is the cap and max_tokens rides along verbatim', () => {
    const { req, h, out } = roundTrip({ max_tokens: 10, max_completion_tokens: 20 })
    expect(req.maxOutputTokens).toBe(20)
    expect(h).toEqual({ fields: { max_tokens: 10 } })
    expect(out).toEqual({ max_completion_tokens: 20 })
  })

  test('a foreign request gets the canonical spellings', () => {
    const req = { ...blank(), source: 'anthropic-messages' as const, maxOutputTokens: 5, stop: ['X'] }
    const out: Record<string, unknown> = {}
    encodeSampling(req, undefined, out)
    expect(out).toEqual({ max_completion_tokens: 5, stop: ['X'] })
  })

  test('a mistyped value is a client error naming the field; other keys are not the table’s', () => {
    for (const [key, v, expected] of [
      ['max_tokens', '5', '`max_tokens` must be a number'],
      ['stop', 5, '`stop` must be a string or an array of strings'],
      ['user', 1, '`user` must be a string'],
      ['metadata', [], '`metadata` must be an object'],
    ] as const) {
      const req = blank()
      let err: unknown
      try {
        decodeSampling(key, v, req, {}, {})
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(DialectError)
      expect((err as DialectError).message).toBe(expected)
      expect((err as DialectError).info.param).toBe(key)
    }
    expect(decodeSampling('logit_bias', {}, blank(), {}, {})).toBe(false)
  })
})
