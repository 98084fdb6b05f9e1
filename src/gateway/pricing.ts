/**
 * What a usage row cost, in USD at API prices: from the price table bundled with
 * `@pydantic/genai-prices` (compiled into the binary; its remote update is never switched on, so
 * nothing is fetched at run time), or from the config's `pricing` overrides. Subscription traffic
 * is priced like the same tokens through the vendor's API: the model name decides, not the
 * provider, so `claude-sonnet-4-5` costs the same through `claude`, `copilot` or an API key.
 * Compatible upstreams (`upstreams:`) are looked up by their base URL instead, so a local model
 * that shares a name with a paid one is not priced as that one. Unknown models have no cost.
 *
 * Token arithmetic (the table's, per million tokens): a row's `inputTokens` are the uncached
 * ones, so the table's "input" is input + cache reads + cache writes; a cache read or write
 * without a price of its own costs the input price; `outputTokens` include reasoning, priced at
 * the output price unless the model has a reasoning price. Tiered prices (Claude and Gemini above
 * 200k input tokens) take the tier of the request's whole input. Per-request and web-search
 * fees are not counted.
 */
import type { ModelPrice } from '@pydantic/genai-prices'
import type { Config } from '../config/schema.ts'
import { matchesGlob } from '../routing/glob.ts'
import type { UsageCost, UsageRecord } from '../store/types.ts'

/** A price per million tokens: flat, or stepping up once the request's input passes `start`. */
export type TokenPrice = number | { base: number; tiers: readonly { start: number; price: number }[] }

/** One model's prices per million tokens. */
export interface ModelPrices {
  input: TokenPrice
  output: TokenPrice
  cacheRead: TokenPrice
  cacheWrite: TokenPrice
  reasoning: TokenPrice
  /** Where the prices came from: `config` or the table's `provider/model` id. */
  source: string
}

/** The token counts of a usage row that cost money. */
export type PricedTokens = Pick<
  UsageRecord,
  'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'reasoningTokens'
>

/** Prices the rows of one config snapshot; lookups are cached, so pricing a row is a map lookup and a few multiplications. */
export class PriceBook {
  readonly #overrides: readonly [pattern: string, prices: ModelPrices][]
  readonly #upstreamUrls: ReadonlyMap<string, string>
  readonly #cache = new Map<string, ModelPrices | null>()

  constructor(config: Pick<Config, 'pricing' | 'upstreams'>) {
    this.#overrides = Object.entries(config.pricing).map(([pattern, p]) => [
      pattern,
      {
        input: p.input,
        output: p.output,
        cacheRead: p.cache_read ?? p.input,
        cacheWrite: p.cache_write ?? p.input,
        reasoning: p.reasoning ?? p.output,
        source: 'config',
      },
    ])
    this.#upstreamUrls = new Map(config.upstreams.map((u) => [u.name, u.base_url]))
  }

  /** The prices of `model` as served by `provider`; null when neither the config nor the table knows it. */
  pricesOf(provider: string, model: string): ModelPrices | null {
    const key = `${provider}/${model}`
    let found = this.#cache.get(key)
    if (found === undefined) {
      found = this.#override(key, model) ?? this.#fromTable(provider, model)
      this.#cache.set(key, found)
    }
    return found
  }

  /** The row's cost, or undefined when its model has no known price (unknown is not free). */
  cost(provider: string, model: string, tokens: PricedTokens): UsageCost | undefined {
    const prices = this.pricesOf(provider, model)
    return prices ? costOf(prices, tokens) : undefined
  }

  #override(qualified: string, model: string): ModelPrices | null {
    const pick = (test: (pattern: string) => boolean) => this.#overrides.find(([p]) => test(p))?.[1]
    return (
      pick((p) => p === qualified) ??
      pick((p) => matchesGlob(p, qualified)) ??
      pick((p) => p === model) ??
      pick((p) => matchesGlob(p, model)) ??
      null
    )
  }

  #fromTable(provider: string, model: string): ModelPrices | null {
    const baseUrl = this.#upstreamUrls.get(provider)
    // The table is loaded at the first model that needs it, not at every start (~5–10 ms of the
    // binary's cold start); `require` keeps it synchronous and still bundled.
    const { calcPrice } = require('@pydantic/genai-prices') as typeof import('@pydantic/genai-prices')
    const found = calcPrice({}, model, baseUrl === undefined ? {} : { providerApiUrl: baseUrl })
    if (!found) return null
    const p = found.model_price
    const input = tokenPrice(p, 'input_mtok')
    const output = tokenPrice(p, 'output_mtok')
    if (input === undefined || output === undefined) return null
    return {
      input,
      output,
      cacheRead: tokenPrice(p, 'cache_read_mtok') ?? input,
      cacheWrite: tokenPrice(p, 'cache_write_mtok') ?? input,
      reasoning: tokenPrice(p, 'output_reasoning_mtok') ?? output,
      source: `${found.provider.id}/${found.model.id}`,
    }
  }
}

/** One row's cost at `prices`. */
export function costOf(prices: ModelPrices, t: PricedTokens): UsageCost {
  const wholeInput = t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens
  const at = (price: TokenPrice, tokens: number) => (tokens * perMillion(price, wholeInput)) / 1e6
  const reasoning = Math.min(t.reasoningTokens, t.outputTokens)
  const cost = {
    input: at(prices.input, t.inputTokens),
    output: at(prices.output, t.outputTokens - reasoning),
    cacheRead: at(prices.cacheRead, t.cacheReadTokens),
    cacheWrite: at(prices.cacheWrite, t.cacheWriteTokens),
    reasoning: at(prices.reasoning, reasoning),
  }
  return { ...cost, total: cost.input + cost.output + cost.cacheRead + cost.cacheWrite + cost.reasoning }
}

/** The price per million tokens that applies when the request's whole input is `inputTokens`. */
function perMillion(price: TokenPrice, inputTokens: number): number {
  if (typeof price === 'number') return price
  let p = price.base
  for (const tier of price.tiers) if (inputTokens > tier.start) p = tier.price
  return p
}

function tokenPrice(p: ModelPrice, key: string): TokenPrice | undefined {
  const v = p[key]
  if (typeof v === 'number') return v
  if (v && typeof v === 'object') return { base: v.base, tiers: v.tiers }
  return undefined
}
