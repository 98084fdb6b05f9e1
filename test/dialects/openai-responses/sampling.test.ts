import { describe, expect, test } from 'bun:test'
import type { Request } from '../../../src/dialects/ir.ts'
import { decodeRequest, encodeRequest } from '../../../src/dialects/openai-responses/request.ts'
import { decodeSampling, encodeSampling, SAMPLING } from '../../../src/dialects/openai-responses/sampling.ts'

const base = (): Request => ({
  source: 'openai-chat',
  model: 'm',
  system: [],
  messages: [],
  stream: false,
  extra: {},
})

describe('responses sampling table', () => {
  test('decode takes each flat field the IR models and names it taken', () => {
    const req = base()
    const taken = new Set<string>()
    const metadata = { k: 'v' }
    decodeSampling(
      { max_output_tokens: 64, temperature: 0.5, top_p: 0.9, metadata, user: 'u1', seed: 7 },
      req,
      taken,
    )
    expect(req).toMatchObject({ maxOutputTokens: 64, temperature: 0.5, topP: 0.9, metadata, user: 'u1' })
    expect([...taken]).toEqual(['max_output_tokens', 'temperature', 'top_p', 'metadata', 'user'])
  })

  test('decode leaves a value of the wrong type for extra', () => {
    const req = base()
    const taken = new Set<string>()
    decodeSampling({ temperature: 'hot', metadata: ['x'], user: 3 }, req, taken)
    expect([...taken]).toEqual([])
    expect(req.temperature).toBeUndefined()
    expect(decodeRequest({ model: 'm', temperature: 'hot' }).extra).toEqual({
      'openai-responses': { fields: { temperature: 'hot' } },
    })
  })

  test('encode writes the fields in table order, skipping absent ones', () => {
    const body: Record<string, unknown> = {}
    encodeSampling({ ...base(), user: 'u', topP: 1, maxOutputTokens: 5 }, body)
    expect(Object.keys(body)).toEqual(['max_output_tokens', 'top_p', 'user'])
    expect(body).toEqual({ max_output_tokens: 5, top_p: 1, user: 'u' })
  })

  test('every table entry survives a same-dialect round trip', () => {
    const wire: Record<string, unknown> = { model: 'm' }
    for (const f of SAMPLING) wire[f.wire] = f.wire === 'metadata' ? { a: '1' } : f.wire === 'user' ? 'u' : 2
    expect(encodeRequest(decodeRequest(wire))).toEqual(wire)
  })
})
