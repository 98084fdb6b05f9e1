import { describe, expect, test } from 'bun:test'
import { Value } from '@sinclair/typebox/value'
import { codeAssistRequestSchema, requestSchema } from '../../../src/dialects/gemini/index.ts'
import { fixtureJson } from './helpers.ts'

describe('gemini request schema', () => {
  test('every request fixture validates, snake_case included', () => {
    for (const name of [
      'request-text.json',
      'request-tools.json',
      'request-thinking.json',
      'request-image.json',
      'request-extras.json',
      'request-snake.json',
    ]) {
      expect([name, Value.Check(requestSchema, fixtureJson(name))]).toEqual([name, true])
    }
    expect(Value.Check(codeAssistRequestSchema, fixtureJson('codeassist-request.json'))).toBe(true)
  })

  test('unknown fields are allowed at every depth', () => {
    const body = {
      contents: [{ role: 'user', parts: [{ text: 'x', futurePartField: 1 }], futureContentField: 2 }],
      generationConfig: { thinkingConfig: { futureThinkingField: 3 }, futureGenField: 4 },
      futureTopField: 5,
    }
    expect(Value.Check(requestSchema, body)).toBe(true)
  })

  test('every object schema declares additionalProperties: true (so no normaliser strips nested fields)', () => {
    const open: string[] = []
    const closed: string[] = []
    const walk = (s: unknown, path: string) => {
      if (Array.isArray(s)) {
        s.forEach((v, i) => {
          walk(v, `${path}[${i}]`)
        })
        return
      }
      if (typeof s !== 'object' || s === null) return
      const o = s as Record<string, unknown>
      if (o.type === 'object' && o.patternProperties === undefined)
        (o.additionalProperties === true ? open : closed).push(path)
      for (const [k, v] of Object.entries(o)) walk(v, `${path}.${k}`)
    }
    walk(requestSchema, 'request')
    walk(codeAssistRequestSchema, 'codeAssist')
    expect(closed).toEqual([])
    expect(open.length).toBeGreaterThan(20)
  })

  test('known fields are type-checked', () => {
    const bad = [
      {},
      { contents: {} },
      { contents: [{ role: 'assistant', parts: [] }] },
      { contents: [{ role: 'user', parts: [{ text: 1 }] }] },
      { contents: [{ parts: [{ inlineData: { mimeType: 'image/png', data: 5 } }] }] },
      { contents: [{ parts: [{ inline_data: { mime_type: 7, data: 'x' } }] }] },
      { contents: [], generationConfig: { temperature: 'hot' } },
      { contents: [], generation_config: { max_output_tokens: 1.5 } },
      { contents: [], generationConfig: { thinkingConfig: { includeThoughts: 'yes' } } },
      { contents: [], tools: [{ functionDeclarations: [{ description: 'no name' }] }] },
      { contents: [], toolConfig: { functionCallingConfig: { allowedFunctionNames: 'f' } } },
    ]
    for (const body of bad) expect([body, Value.Check(requestSchema, body)]).toEqual([body, false])
  })
})
