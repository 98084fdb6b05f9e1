/** A usage row for store-level tests: one request's worth of defaults, any field overridden. */
import type { UsageRecord } from '../../src/store/types.ts'

export function usageRow(over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    ts: 1000,
    provider: 'claude',
    model: 'claude-sonnet-4-5',
    dialect: 'anthropic-messages',
    inputTokens: 1,
    outputTokens: 1,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    status: 200,
    latencyMs: 1,
    stream: false,
    ...over,
  }
}
