/** The Antigravity provider's own pieces: hosts from config, the envelope, Claude's rules, model names. */
import { describe, expect, test } from 'bun:test'
import { validate } from '../../src/config/load.ts'
import { isClaudeModel, isImageModel, upstreamModel } from '../../src/providers/antigravity/models.ts'
import {
  antigravityEnvelope,
  claudeRequest,
  sessionIdOf,
  subscriptionHeaders,
} from '../../src/providers/antigravity/subscription.ts'
import {
  ANTIGRAVITY_API,
  ANTIGRAVITY_FALLBACK_HOSTS,
  antigravity,
  antigravityHosts,
} from '../../src/providers/antigravity/upstream.ts'
import type { Credential } from '../../src/providers/types.ts'

const login: Credential = { kind: 'oauth', secret: 'ya29.tok', label: 'ada', extra: { projectId: 'p-1' } }
const configOf = (antigravity: Record<string, unknown> = {}) =>
  validate({ providers: { antigravity } }, 't').config

describe('antigravityHosts', () => {
  test('defaults: the daily host, then the sandbox host', () => {
    expect(antigravityHosts({ credential: login, config: configOf() })).toEqual([
      ANTIGRAVITY_API,
      ...ANTIGRAVITY_FALLBACK_HOSTS,
    ])
  })
  test('a base_url alone has no fallback; fallback_base_urls names them; [] turns them off', () => {
    const own = 'http://127.0.0.1:9/'
    expect(antigravityHosts({ credential: login, config: configOf({ base_url: own }) })).toEqual([
      'http://127.0.0.1:9',
    ])
    const both = configOf({ base_url: own, fallback_base_urls: ['http://127.0.0.1:8'] })
    expect(antigravityHosts({ credential: login, config: both })).toEqual([
      'http://127.0.0.1:9',
      'http://127.0.0.1:8',
    ])
    expect(antigravityHosts({ credential: login, config: configOf({ fallback_base_urls: [] }) })).toEqual([
      ANTIGRAVITY_API,
    ])
  })
})

describe('prepare', () => {
  const call = (over: Record<string, unknown> = {}, stream = true) =>
    antigravity.prepare({
      dialect: 'gemini',
      model: 'ag-gemini-3-flash',
      stream,
      body: { model: 'gemini-3-flash', request: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] } },
      credential: login,
      inbound: new Headers(),
      config: configOf(over),
    })
  test('URL, fallback URL, headers and envelope of a stream', () => {
    const p = call({ fallback_base_urls: ['http://127.0.0.1:8'] })
    expect(p.url).toBe(`${ANTIGRAVITY_API}/v1internal:streamGenerateContent?alt=sse`)
    expect(p.fallbackUrls).toEqual(['http://127.0.0.1:8/v1internal:streamGenerateContent?alt=sse'])
    expect(p.headers).toMatchObject({
      authorization: 'Bearer ya29.tok',
      accept: 'text/event-stream',
      'accept-encoding': 'identity',
    })
    expect(p.headers['user-agent']).toMatch(/^antigravity\/\d+\.\d+\.\d+ darwin\/arm64$/)
    expect(p.body).toMatchObject({ model: 'gemini-3-flash', project: 'p-1', userAgent: 'antigravity' })
    expect(call({}, false).url).toBe(`${ANTIGRAVITY_API}/v1internal:generateContent`)
  })
  test('a configured project_id wins over the login’s', () => {
    expect(call({ project_id: 'configured' }).body['project']).toBe('configured')
  })
})

describe('antigravityEnvelope', () => {
  const facts = { project: 'p', requestId: 'agent-x' }
  test('wraps a bare Gemini body too, without safety settings or the snake_case session', () => {
    const env = antigravityEnvelope(
      { contents: [{ role: 'user', parts: [{ text: 'a' }] }], safetySettings: [{}], session_id: 's' },
      'ag-imagen-image-preview',
      facts,
    )
    expect(env).toMatchObject({
      model: 'imagen-image-preview',
      requestType: 'image_gen',
      requestId: 'agent-x',
    })
    const inner = env['request'] as Record<string, unknown>
    expect(Object.keys(inner).sort()).toEqual(['contents', 'sessionId'])
  })
  test('without a project the field is left out rather than invented', () => {
    expect(
      antigravityEnvelope({ contents: [] }, 'gemini-2.5-pro', { requestId: 'agent-x', project: undefined }),
    ).not.toHaveProperty('project')
  })
})

describe('sessionIdOf', () => {
  test('one conversation keeps its session over turns; another conversation gets another', () => {
    const first = { role: 'user', parts: [{ text: 'plan a trip' }] }
    const a = sessionIdOf({ contents: [first] })
    const b = sessionIdOf({ contents: [first, { role: 'model', parts: [{ text: 'ok' }] }, first] })
    expect(a).toBe(b)
    expect(a).toMatch(/^-?\d+$/)
    expect(sessionIdOf({ contents: [{ role: 'user', parts: [{ text: 'other' }] }] })).not.toBe(a)
  })
})

describe('claudeRequest', () => {
  const tools = [{ functionDeclarations: [{ name: 'f', parameters: { type: 'object' } }] }]
  test('tools are VALIDATED unless the client forced a mode', () => {
    expect(claudeRequest({ tools })['toolConfig']).toEqual({ functionCallingConfig: { mode: 'VALIDATED' } })
    const auto = {
      tools,
      toolConfig: { functionCallingConfig: { mode: 'AUTO', allowedFunctionNames: ['f'] } },
    }
    expect(claudeRequest(auto)['toolConfig']).toEqual({
      functionCallingConfig: { mode: 'VALIDATED', allowedFunctionNames: ['f'] },
    })
    const none = { tools, toolConfig: { functionCallingConfig: { mode: 'NONE' } } }
    expect(claudeRequest(none)['toolConfig']).toEqual(none.toolConfig)
    expect(claudeRequest({ contents: [] })['toolConfig']).toBeUndefined()
  })
  test('unsigned thought parts go, and a turn left empty with them', () => {
    const out = claudeRequest({
      contents: [
        { role: 'user', parts: [{ text: 'q' }] },
        { role: 'model', parts: [{ text: 'unsigned', thought: true }] },
        { role: 'model', parts: [{ text: 'signed', thought: true, thoughtSignature: 's' }, { text: 'a' }] },
      ],
    })
    expect(out['contents']).toEqual([
      { role: 'user', parts: [{ text: 'q' }] },
      { role: 'model', parts: [{ text: 'signed', thought: true, thoughtSignature: 's' }, { text: 'a' }] },
    ])
  })
})

describe('model names', () => {
  test('ag- is the catalogue’s, not the upstream’s; families and image models', () => {
    expect(upstreamModel('ag-claude-sonnet-4-5')).toBe('claude-sonnet-4-5')
    expect(upstreamModel('gemini-2.5-pro')).toBe('gemini-2.5-pro')
    expect(isClaudeModel('ag-claude-opus-4-5-thinking')).toBe(true)
    expect(isClaudeModel('ag-gemini-3-flash')).toBe(false)
    expect(isImageModel('gemini-3-pro-image')).toBe(true)
    expect(subscriptionHeaders('t', false)['accept']).toBe('application/json')
  })
})
