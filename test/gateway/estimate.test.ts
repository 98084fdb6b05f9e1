import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import fc from 'fast-check'
import type { Request } from '../../src/dialects/ir.ts'
import { countRequestTokens, jsonLength, roughRequestTokens } from '../../src/gateway/estimate.ts'

/** One user turn of `text`. */
const prompt = (text: string): Request => ({
  source: 'openai-chat',
  model: 'm',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text }] }],
  stream: false,
  extra: {},
})

/** The framing allowance of one message. */
const FRAMING = 4

describe('countRequestTokens', () => {
  test('ordinary text, and long runs without whitespace, counted by the o200k tokenizer', async () => {
    expect(await countRequestTokens(prompt('Hello world, how are you today?'))).toBe(8 + FRAMING)
    expect(await countRequestTokens(prompt('y'.repeat(40_000)))).toBe(10_000 + FRAMING)
  })
})

describe('roughRequestTokens', () => {
  test('the joined prompt text over 3.6 characters a token, plus the framing and media allowance', () => {
    const req: Request = {
      ...prompt('hello'),
      system: [{ type: 'text', text: 'sys' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hello' }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', text: 'hmm' },
            { type: 'tool_call', id: 'c1', name: 'look', arguments: '{"q":"x"}' },
          ],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', toolCallId: 'c1', content: [{ type: 'text', text: 'found' }] }],
        },
      ],
      tools: [{ kind: 'function', name: 't', description: 'd', parameters: { type: 'object' } }],
    }
    const joined = ['sys', 'hello', 'hmm', 'look', '{"q":"x"}', 'found', 't', 'd', '{"type":"object"}'].join(
      '\n',
    )
    expect(roughRequestTokens(req)).toBe(Math.ceil(joined.length / 3.6) + 3 * FRAMING)
    expect(roughRequestTokens({ ...prompt(''), messages: [] })).toBe(0)
  })
})

describe('jsonLength', () => {
  test('is the length of JSON.stringify for any JSON value whose strings need no escapes', () => {
    const unit = fc.constantFrom('a', 'Z', ' ', '_', '0', 'é', '漢', '😀')
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: unit }), (v) => {
        expect(jsonLength(v)).toBe(JSON.stringify(v).length)
      }),
      { numRuns: 500 },
    )
    expect(jsonLength({ a: undefined, b: [undefined, 1], c: () => 1 })).toBe(
      JSON.stringify({ b: [null, 1] }).length,
    )
    expect(jsonLength({})).toBe(2)
    expect(jsonLength([])).toBe(2)
  })
})

describe('hardening: fuzz findings', () => {
  // The tokenizer is synchronous, so the count runs in a child process: the test's own timeout
  // then still works. Before the fix this one count took minutes, blocking the event loop.
  test('count_tokens of a 300,000-character run without whitespace answers in a moment', async () => {
    const estimate = join(import.meta.dir, '../../src/gateway/estimate.ts')
    const script = `
      const { countRequestTokens } = await import(${JSON.stringify(estimate)})
      const text = 'y'.repeat(300000)
      console.log(await countRequestTokens({ system: [], messages: [{ role: 'user', content: [{ type: 'text', text }] }] }))`
    const child = Bun.spawn([process.execPath, '-e', script], { stdout: 'pipe', stderr: 'inherit' })
    expect((await new Response(child.stdout).text()).trim()).toBe(String(75_000 + FRAMING))
    expect(await child.exited).toBe(0)
  }, 15_000)
})
