/**
 * The fixes a same-dialect Anthropic body gets before it goes upstream, each against the 400 the
 * API would give: applied only where needed, and a body that needs none is left as it came.
 */
import { describe, expect, test } from 'bun:test'
import { repairRequest } from '../../../src/dialects/anthropic-messages/passthrough-repair.ts'

function repaired(body: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...body }
  repairRequest(copy)
  return copy
}

const base = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }

describe('anthropic passthrough repair', () => {
  test('a body that needs nothing keeps every field, nested values by identity', () => {
    const body = {
      ...base,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      thinking: { type: 'enabled', budget_tokens: 2048 },
      max_tokens: 4096,
      temperature: 1,
      top_p: 0.99,
      tool_choice: { type: 'auto' },
    }
    const out = repaired(body)
    expect(out).toEqual(body)
    expect(out['system']).toBe(body.system)
    expect(out['thinking']).toBe(body.thinking)
  })

  test('an empty system prompt is removed, empty text blocks are dropped from a list', () => {
    expect(repaired({ ...base, system: '' })).not.toHaveProperty('system')
    expect(repaired({ ...base, system: '  \n' })).not.toHaveProperty('system')
    expect(repaired({ ...base, system: [] })).toEqual({ ...base, system: [] })
    expect(repaired({ ...base, system: [{ type: 'text', text: '' }] })).not.toHaveProperty('system')
    const mixed = [
      { type: 'text', text: ' ', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Be brief.' },
    ]
    const out = repaired({ ...base, system: mixed })
    expect(out['system']).toEqual([{ type: 'text', text: 'Be brief.' }])
    // the client's list is not mutated
    expect(mixed).toHaveLength(2)
  })

  test('thinking forbids temperature other than 1, top_k and a low top_p', () => {
    const out = repaired({
      ...base,
      max_tokens: 8192,
      thinking: { type: 'enabled', budget_tokens: 4096 },
      temperature: 0.2,
      top_k: 40,
      top_p: 0.5,
    })
    expect(out).not.toHaveProperty('temperature')
    expect(out).not.toHaveProperty('top_k')
    expect(out).not.toHaveProperty('top_p')
    const adaptive = repaired({ ...base, thinking: { type: 'adaptive' }, temperature: 0 })
    expect(adaptive).not.toHaveProperty('temperature')
    // without thinking, sampling is the client's business
    expect(repaired({ ...base, temperature: 0.2, top_k: 5 })).toMatchObject({ temperature: 0.2, top_k: 5 })
    expect(repaired({ ...base, thinking: { type: 'disabled' }, temperature: 0.2 })).toMatchObject({
      temperature: 0.2,
    })
  })

  test('a small budget is raised to 1024 and max_tokens made larger than the budget', () => {
    const thinking = { type: 'enabled', budget_tokens: 100, extra_field: 'kept' }
    const out = repaired({ ...base, max_tokens: 512, thinking })
    expect(out['thinking']).toEqual({ type: 'enabled', budget_tokens: 1024, extra_field: 'kept' })
    expect(out['max_tokens']).toBeGreaterThan(1024)
    expect(thinking.budget_tokens).toBe(100)
    const equal = repaired({ ...base, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 2048 } })
    expect(equal['max_tokens']).toBeGreaterThan(2048)
  })

  test('a forced tool choice drops thinking and keeps the sampling the client set', () => {
    for (const choice of [{ type: 'any' }, { type: 'tool', name: 'get_weather' }]) {
      const out = repaired({
        ...base,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        max_tokens: 4096,
        tool_choice: choice,
        temperature: 0.3,
      })
      expect(out).not.toHaveProperty('thinking')
      expect(out).toMatchObject({ tool_choice: choice, temperature: 0.3 })
    }
  })
})
