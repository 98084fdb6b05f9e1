/**
 * The dialect's round-trip hints: everything a Chat decoder keeps for its own encoder sits under
 * `extra['openai-chat']`, typed as `Hints`, and the client's own fields come back as sent.
 */
import { describe, expect, test } from 'bun:test'
import { decodeRequest, decodeResponse, encodeRequest } from '../../../src/dialects/openai-chat/index.ts'
import { chatHints } from '../../../src/dialects/openai-chat/types.ts'
import { decodeChunks, fixtureNames, readBytes, readJson } from './util.ts'

/** Every `extra` bag anywhere in `v`, with its path. */
function extras(v: unknown, path = '', out: [string, Record<string, unknown>][] = []) {
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) extras(x, `${path}.${i}`, out)
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'extra' && typeof x === 'object' && x !== null) out.push([path, x as Record<string, unknown>])
      else extras(x, `${path}.${k}`, out)
    }
  }
  return out
}

describe('openai-chat round-trip hints', () => {
  test('every decoded extra holds only the openai-chat key (requests, responses, stream events)', async () => {
    const decoded: unknown[] = [
      ...fixtureNames('request-', '.json').map((n) => decodeRequest(readJson(n))),
      ...fixtureNames('response-', '.json').map((n) => decodeResponse(readJson(n))),
    ]
    for (const n of fixtureNames('stream-', '.sse')) decoded.push(await decodeChunks([readBytes(n)]))
    const found = decoded.flatMap((d) => extras(d))
    expect(found.length).toBeGreaterThan(10)
    for (const [path, extra] of found) {
      const keys = Object.keys(extra)
      if (keys.length > 0) expect({ path, keys }).toEqual({ path, keys: ['openai-chat'] })
    }
  })

  test('a field named __proto__ is kept as a field, not turned into a prototype', () => {
    const body = JSON.parse(
      '{"model":"m","messages":[{"role":"user","content":"hi","__proto__":{"y":2}}],"__proto__":{"x":1}}',
    )
    const ir = decodeRequest(body)
    expect(Object.hasOwn(chatHints(ir.extra)?.fields ?? {}, '__proto__')).toBe(true)
    expect(JSON.stringify(encodeRequest(ir))).toBe(
      '{"__proto__":{"x":1},"model":"m","messages":[{"__proto__":{"y":2},"role":"user","content":"hi"}]}',
    )
  })

  test('hints count only for a Chat client’s own request', () => {
    const ir = decodeRequest({ model: 'm', messages: [], stop: 'END', store: true })
    expect(chatHints(ir.extra)).toEqual({ stop: 'string', fields: { store: true } })
    expect(chatHints(ir.extra, false)).toBeUndefined()
    expect(encodeRequest(ir)).toEqual({ store: true, model: 'm', messages: [], stop: 'END' })
    expect(encodeRequest({ ...ir, source: 'gemini' })).toEqual({ model: 'm', messages: [], stop: ['END'] })
  })
})
