/**
 * The Gemini codecs keep what a Gemini client's body needs to come back as it was under
 * `extra.gemini` only (the shared round-trip convention), and give it back only to Gemini.
 */
import { describe, expect, test } from 'bun:test'
import { codeAssist, gemini } from '../../../src/dialects/gemini/index.ts'
import type { Extra, Request, Response } from '../../../src/dialects/ir.ts'
import { concatText, fixtureJson, pipe, plain } from './helpers.ts'

/** Every `extra` of an IR request or response, wherever it sits. */
function extrasOf(x: Request | Response): Extra[] {
  const out: Extra[] = []
  const add = (e: Extra | undefined) => {
    if (e) out.push(e)
  }
  add(x.extra)
  if ('messages' in x) {
    for (const p of x.system) add(p.extra)
    for (const m of x.messages) {
      add(m.extra)
      for (const p of m.content) {
        add(p.extra)
        if (p.type === 'tool_result') for (const c of p.content) add(c.extra)
      }
    }
    for (const t of x.tools ?? []) if (t.kind === 'function') add(t.extra)
  } else for (const p of x.content) add(p.extra)
  return out
}

const REQUESTS = ['request-tools.json', 'request-image.json', 'request-extras.json', 'request-thinking.json']
const RESPONSES = ['response-tools.json', 'response-image.json', 'response-blocked.json']

describe('gemini round-trip hints', () => {
  test('decoders write nothing but extra.gemini', () => {
    for (const name of REQUESTS) {
      const extras = extrasOf(gemini.decodeRequest(fixtureJson(name), { model: 'gemini-2.5-pro' }))
      expect(extras.some((e) => 'gemini' in e)).toBe(true)
      for (const e of extras) expect(Object.keys(e).filter((k) => k !== 'gemini')).toEqual([])
    }
    for (const name of RESPONSES) {
      const extras = extrasOf(gemini.decodeResponse(fixtureJson(name)))
      expect(extras.some((e) => 'gemini' in e)).toBe(true)
      for (const e of extras) expect(Object.keys(e).filter((k) => k !== 'gemini')).toEqual([])
    }
  })

  test('the Code Assist envelope rides in the same hints as the body', () => {
    const req = codeAssist.decodeRequest(fixtureJson('codeassist-request.json'))
    expect(Object.keys(req.extra)).toEqual(['gemini'])
    expect(Object.keys(req.extra.gemini as object)).toContain('codeAssist')
  })

  test('a field the IR does not model comes back to Gemini only', () => {
    const body = {
      contents: [{ role: 'user', parts: [{ text: 'hi', futurePartField: 1 }], futureContentField: 2 }],
      futureTopField: { a: 1 },
    }
    const req = gemini.decodeRequest(body, { model: 'gemini-2.5-pro' })
    expect(plain(gemini.encodeRequest(req))).toEqual(body)
    const asForeign = gemini.encodeRequest({ ...req, source: 'openai-chat' })
    expect(plain(asForeign)).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] })
  })

  test('unknown fields of stream chunks come back in place, byte for byte', async () => {
    const sse =
      'data: {"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":3,"totalTokenCount":3},"modelVersion":"gemini-2.5-flash","responseId":"r1","createTime":"2026-01-01T00:00:00Z"}\r\n\r\n' +
      'data: {"candidates":[{"content":{"parts":[{"text":"!"}],"role":"model"},"finishReason":"STOP","index":0,"safetyRatings":[]}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,"totalTokenCount":5},"modelVersion":"gemini-2.5-flash","responseId":"r1","createTime":"2026-01-01T00:00:00Z"}\r\n\r\n'
    const events = await pipe([new TextEncoder().encode(sse)], gemini.decodeStream())
    expect(events[0]).toMatchObject({ extra: { gemini: { fields: { createTime: '2026-01-01T00:00:00Z' } } } })
    expect(concatText(await pipe(events, gemini.encodeStream()))).toBe(sse)
  })
})
