/**
 * The dialects' lookup tables are keyed by strings from the wire (a client's file names and field
 * names, an upstream's stop reasons and error types); a string that names a property of
 * `Object.prototype` must be an unknown key like any other.
 */
import { describe, expect, test } from 'bun:test'
import { anthropicMessages } from '../../src/dialects/anthropic-messages/index.ts'
import { guessMediaType } from '../../src/dialects/common/media.ts'
import { gemini } from '../../src/dialects/gemini/index.ts'

const KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']

describe('hardening: wire strings that are Object.prototype keys', () => {
  test('a file extension is an unknown media type', () => {
    for (const k of KEYS) {
      expect(guessMediaType(`https://example.com/a.${k}`)).toBe('application/octet-stream')
      expect(guessMediaType(`report.${k}`, 'application/pdf')).toBe('application/pdf')
    }
  })

  test('an Anthropic stop reason or error type is an unknown one', () => {
    for (const k of KEYS) {
      const res = anthropicMessages.decodeResponse({
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'm',
        content: [{ type: 'text', text: 'hi' }],
        stop_reason: k,
        usage: { input_tokens: 1, output_tokens: 1 },
      })
      expect(res.stopReason).toBe('other')
      expect(res.rawStopReason).toBe(k)
      const err = anthropicMessages.decodeError(400, { type: 'error', error: { type: k, message: 'no' } })
      expect(err).toMatchObject({ kind: 'invalid_request', code: k, status: 400 })
    }
  })

  test('a Gemini error status name is an unknown one, coming in and going out', () => {
    for (const k of KEYS) {
      const err = gemini.decodeError(400, { error: { code: 400, message: 'no', status: k } })
      expect(err).toMatchObject({ kind: 'invalid_request', code: k, status: 400 })
      const out = gemini.encodeError({ kind: 'invalid_request', message: 'no', code: k })
      expect(out.body).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } })
    }
  })

  test('a Gemini field named like a prototype key is not renamed after an inherited property', () => {
    const body = JSON.parse(
      '{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generation_config":{"temperature":0.5},"__proto__":{"x":1},"hasOwnProperty_x":2}',
    ) as Record<string, unknown>
    const ir = gemini.decodeRequest(body, { model: 'm', stream: false })
    const encoded = JSON.stringify(gemini.encodeRequest(ir, { provider: 'gemini', model: 'm' }))
    expect(encoded).not.toContain('[object Object]')
    expect(encoded).not.toContain('function')
    expect(JSON.parse(encoded)).toMatchObject({ hasOwnProperty_x: 2, generationConfig: { temperature: 0.5 } })
  })
})
