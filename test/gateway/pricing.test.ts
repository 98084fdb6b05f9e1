/**
 * Usage rows priced by hand. The expected numbers are worked out from the prices the bundled
 * table publishes (USD per million tokens): claude-sonnet-4-5 input 3, cache write 3.75, cache
 * read 0.30, output 15, and above 200k input tokens 6 / 7.50 / 0.60 / 22.50; gpt-5 input 1.25,
 * cache read 0.125, output 10; gemini-2.5-flash input 0.30, cache read 0.03, output 2.50.
 */
import { describe, expect, test } from 'bun:test'
import { calcPrice } from '@pydantic/genai-prices'
import type { Config } from '../../src/config/schema.ts'
import { PriceBook, type PricedTokens } from '../../src/gateway/pricing.ts'

const tokens = (t: Partial<PricedTokens>): PricedTokens => ({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  ...t,
})

function book(
  pricing: Config['pricing'] = {},
  upstreams: Partial<Config['upstreams'][number]>[] = [],
): PriceBook {
  return new PriceBook({ pricing, upstreams: upstreams as Config['upstreams'] })
}

/** The package's own total for the same row, in its terms (input counts cache reads and writes). */
function packageTotal(model: string, t: PricedTokens): number {
  return calcPrice(
    {
      input_tokens: t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens,
      cache_read_tokens: t.cacheReadTokens,
      cache_write_tokens: t.cacheWriteTokens,
      output_tokens: t.outputTokens,
    },
    model,
  )!.total_price
}

describe('rows priced from the table', () => {
  test('a Claude subscription row costs what the API would charge, part by part', () => {
    const row = tokens({
      inputTokens: 1000,
      cacheReadTokens: 2000,
      cacheWriteTokens: 500,
      outputTokens: 400,
      reasoningTokens: 100,
    })
    const cost = book().cost('claude', 'claude-sonnet-4-5', row)!
    expect(cost.input).toBeCloseTo(0.003, 12) // 1000 × 3
    expect(cost.cacheRead).toBeCloseTo(0.0006, 12) // 2000 × 0.30
    expect(cost.cacheWrite).toBeCloseTo(0.001875, 12) // 500 × 3.75
    expect(cost.output).toBeCloseTo(0.0045, 12) // (400 − 100) × 15
    expect(cost.reasoning).toBeCloseTo(0.0015, 12) // 100 × 15
    expect(cost.total).toBeCloseTo(0.011475, 12)
    expect(cost.total).toBeCloseTo(packageTotal('claude-sonnet-4-5', row), 12)
  })

  test('the same model through Copilot and through a dated id costs the same', () => {
    const row = tokens({ inputTokens: 1000, outputTokens: 1000 })
    const prices = book()
    expect(prices.cost('copilot', 'claude-sonnet-4-5', row)!.total).toBeCloseTo(0.018, 12) // 3 + 15 per 1M
    expect(prices.cost('claude', 'claude-sonnet-4-5-20250929', row)!.total).toBeCloseTo(0.018, 12)
  })

  test('above 200k input tokens the whole request takes the higher tier', () => {
    const row = tokens({ inputTokens: 150_000, cacheReadTokens: 60_000, outputTokens: 1000 })
    const cost = book().cost('claude', 'claude-sonnet-4-5', row)!
    expect(cost.input).toBeCloseTo(0.9, 12) // 150k × 6
    expect(cost.cacheRead).toBeCloseTo(0.036, 12) // 60k × 0.60
    expect(cost.output).toBeCloseTo(0.0225, 12) // 1000 × 22.50
    expect(cost.total).toBeCloseTo(0.9585, 12)
    expect(cost.total).toBeCloseTo(packageTotal('claude-sonnet-4-5', row), 12)
  })

  test('a Codex row: reasoning is part of the output and priced as output', () => {
    const row = tokens({
      inputTokens: 10_000,
      cacheReadTokens: 4000,
      outputTokens: 2000,
      reasoningTokens: 1500,
    })
    const cost = book().cost('codex', 'gpt-5', row)!
    expect(cost).toEqual({
      input: expect.closeTo(0.0125, 12) as number, // 10k × 1.25
      cacheRead: expect.closeTo(0.0005, 12) as number, // 4k × 0.125
      cacheWrite: 0,
      output: expect.closeTo(0.005, 12) as number, // 500 × 10
      reasoning: expect.closeTo(0.015, 12) as number, // 1500 × 10
      total: expect.closeTo(0.033, 12) as number,
    })
    expect(cost.total).toBeCloseTo(packageTotal('gpt-5', row), 12)
  })

  test('a Gemini row', () => {
    const row = tokens({ inputTokens: 20_000, cacheReadTokens: 10_000, outputTokens: 4000 })
    // 20k × 0.30 + 10k × 0.03 + 4k × 2.50 = 0.006 + 0.0003 + 0.01
    expect(book().cost('gemini', 'gemini-2.5-flash', row)!.total).toBeCloseTo(0.0163, 12)
  })

  test('a model the table does not know has no cost, not a zero cost', () => {
    expect(book().cost('claude', 'no-such-model-1', tokens({ inputTokens: 5 }))).toBeUndefined()
  })

  test('a compatible upstream is looked up by its URL: a local server is not priced as OpenAI', () => {
    const prices = book({}, [{ name: 'local', base_url: 'http://127.0.0.1:11434/v1' }])
    expect(prices.cost('local', 'gpt-4o', tokens({ inputTokens: 1000 }))).toBeUndefined()
    expect(prices.cost('copilot', 'gpt-4o', tokens({ inputTokens: 1000 }))!.total).toBeCloseTo(0.0025, 12)
  })
})

describe('config overrides', () => {
  test('an override replaces the table; cache prices default to input, reasoning to output', () => {
    const prices = book({ 'claude-sonnet-4-5': { input: 1, output: 2 } })
    const cost = prices.cost(
      'claude',
      'claude-sonnet-4-5',
      tokens({
        inputTokens: 1e6,
        cacheReadTokens: 1e6,
        cacheWriteTokens: 1e6,
        outputTokens: 2e6,
        reasoningTokens: 1e6,
      }),
    )!
    expect(cost).toEqual({ input: 1, cacheRead: 1, cacheWrite: 1, output: 2, reasoning: 2, total: 7 })
    expect(prices.pricesOf('claude', 'claude-sonnet-4-5')?.source).toBe('config')
  })

  test('provider/model keys come before model keys, an exact key before a glob', () => {
    const prices = book({
      'claude-*': { input: 1, output: 1 },
      'claude-sonnet-4-5': { input: 2, output: 2 },
      'copilot/*': { input: 0, output: 0 },
      'local/my-model': { input: 4, output: 4 },
    })
    const row = tokens({ inputTokens: 1e6 })
    expect(prices.cost('claude', 'claude-sonnet-4-5', row)!.total).toBe(2)
    expect(prices.cost('claude', 'claude-opus-4-1', row)!.total).toBe(1)
    expect(prices.cost('copilot', 'claude-sonnet-4-5', row)!.total).toBe(0)
    expect(prices.cost('local', 'my-model', row)!.total).toBe(4)
    expect(prices.cost('other', 'my-model', row)).toBeUndefined()
  })
})

test('nothing in byokey switches on the price table’s remote update', async () => {
  const glob = new Bun.Glob('**/*.ts')
  const callers: string[] = []
  for await (const f of glob.scan({ cwd: `${import.meta.dir}/../../src` })) {
    const text = await Bun.file(`${import.meta.dir}/../../src/${f}`).text()
    if (/\bupdatePrices\b|\bwaitForUpdate\b/.test(text)) callers.push(f)
  }
  expect(callers).toEqual([])
})
