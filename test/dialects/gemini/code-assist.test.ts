import { describe, expect, test } from 'bun:test'
import {
  unwrapCodeAssistRequest,
  unwrapCodeAssistResponse,
  wrapCodeAssistRequest,
} from '../../../src/dialects/gemini/code-assist.ts'
import { codeAssist, gemini } from '../../../src/dialects/gemini/index.ts'
import type { Request } from '../../../src/dialects/ir.ts'
import { fixtureJson, plain } from './helpers.ts'

describe('Code Assist envelope helpers', () => {
  test('wrap puts the body under request, with session_id inside and user_prompt_id outside', () => {
    const body = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }
    expect(
      wrapCodeAssistRequest(body, {
        model: 'gemini-2.5-pro',
        project: 'p-1',
        userPromptId: 'u-1',
        sessionId: 's-1',
      }),
    ).toEqual({
      model: 'gemini-2.5-pro',
      project: 'p-1',
      user_prompt_id: 'u-1',
      request: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], session_id: 's-1' },
    })
    expect(plain<unknown>(wrapCodeAssistRequest(body, { model: 'm', project: 'p' }))).toEqual({
      model: 'm',
      project: 'p',
      request: body,
    })
  })

  test('unwrap returns the body and the envelope fields', () => {
    const env = fixtureJson('codeassist-request.json')
    const u = unwrapCodeAssistRequest(env)
    expect(u.model).toBe('gemini-2.5-pro')
    expect(u.project).toBe('useful-wave-a1b2c')
    expect(u.userPromptId).toBe('e4d4b812-8c1e-4a7b-9f20-3c1b7d2a6e55########0')
    expect(u.sessionId).toBe('3f1c7a2e-5b9d-4e61-8a0f-2d4c6b8e9a10')
    expect(u.body).toBe(env.request as Record<string, unknown>)
    expect(() => unwrapCodeAssistRequest({ model: 'm' })).toThrow('request object')
  })

  test('unwrapCodeAssistResponse: the inner response, traceId as responseId when missing', () => {
    expect(unwrapCodeAssistResponse(fixtureJson('codeassist-response.json'))).toMatchObject({
      modelVersion: 'gemini-2.5-pro',
      responseId: '9a8b7c6d5e4f3a2b',
    })
    expect(unwrapCodeAssistResponse({ response: { responseId: 'own' }, traceId: 't' })).toEqual({
      responseId: 'own',
    })
    expect(unwrapCodeAssistResponse({ candidates: [] })).toEqual({ candidates: [] })
  })
})

describe('Code Assist dialect', () => {
  test('request identity through the envelope', () => {
    const env = fixtureJson('codeassist-request.json')
    const req = codeAssist.decodeRequest(env)
    expect(req.model).toBe('gemini-2.5-pro')
    expect((req.extra.gemini as { fields: Record<string, unknown> }).fields.session_id).toBe(
      '3f1c7a2e-5b9d-4e61-8a0f-2d4c6b8e9a10',
    )
    expect(req.reasoning).toEqual({ mode: 'auto', includeThoughts: true })
    expect(plain(codeAssist.encodeRequest(req))).toEqual(env)
  })

  test('a foreign request is wrapped with the project and ids the provider gives', () => {
    const req: Request = {
      source: 'anthropic-messages',
      model: 'gemini-2.5-pro',
      system: [{ type: 'text', text: 'sys' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      stream: true,
      extra: { anthropic_only: true },
    }
    const encode = codeAssist.encodeRequest as (
      r: Request,
      o: Record<string, unknown>,
    ) => Record<string, unknown>
    expect(
      plain(encode(req, { model: 'gemini-2.5-flash', project: 'proj', userPromptId: 'u', sessionId: 's' })),
    ).toEqual({
      model: 'gemini-2.5-flash',
      project: 'proj',
      user_prompt_id: 'u',
      request: {
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
        systemInstruction: { parts: [{ text: 'sys' }] },
        session_id: 's',
      },
    })
  })

  test('response identity through the envelope; traceId is the IR id', () => {
    const env = fixtureJson('codeassist-response.json')
    const res = codeAssist.decodeResponse(env)
    expect(res.id).toBe('9a8b7c6d5e4f3a2b')
    expect(res.usage).toMatchObject({
      inputTokens: 200,
      cacheReadTokens: 4000,
      outputTokens: 30,
      reasoningTokens: 24,
    })
    expect(plain(codeAssist.encodeResponse(res))).toEqual(env)
  })

  test('Code Assist answer → public Gemini client: unwrapped, with traceId as responseId', () => {
    const res = codeAssist.decodeResponse(fixtureJson('codeassist-response.json'))
    const out = plain(gemini.encodeResponse(res)) as Record<string, unknown>
    expect(out.response).toBeUndefined()
    expect(out.responseId).toBe('9a8b7c6d5e4f3a2b')
    expect(out.automaticFunctionCallingHistory).toEqual([])
  })

  test('errors use the plain Google envelope', () => {
    expect(codeAssist.encodeError({ kind: 'rate_limit', message: 'q' }).body).toEqual({
      error: { code: 429, message: 'q', status: 'RESOURCE_EXHAUSTED' },
    })
    expect(codeAssist.decodeError(429, fixtureJson('error-429.json')).retryAfter).toBe(34)
  })
})
