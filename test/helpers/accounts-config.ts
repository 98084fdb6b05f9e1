/** Configs and accounts the tests build: a parsed config whose `claude` provider has one key per label (`sk-<label>`) and `extra` settings. */
import { parseConfig } from '../../src/config/load.ts'
import type { Config } from '../../src/config/schema.ts'
import type { Account } from '../../src/store/types.ts'

export function claudeWithKeys(labels: readonly string[], extra: Record<string, unknown> = {}): Config {
  const claude = { ...extra, api_keys: labels.map((l) => ({ api_key: `sk-${l}`, label: l })) }
  return parseConfig(JSON.stringify({ port: 0, providers: { claude } }), 'c.yaml').config
}

/** The `claude` provider settings of an e2e config: keys `sk-key-a` (label a) and `sk-key-b` (b) at `url`, plus `extra`. */
export function twoClaudeKeys(url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    base_url: url,
    api_keys: [
      { api_key: 'sk-key-a', label: 'a' },
      { api_key: 'sk-key-b', label: 'b' },
    ],
    ...extra,
  }
}

/** A stored, active oauth account holding `token`, as a refresher receives it. */
export function storedOAuthAccount(
  provider: string,
  accountId: string,
  token: Record<string, unknown>,
): Account {
  return { provider, accountId, kind: 'oauth', active: true, token, state: 'ok', createdAt: 0, updatedAt: 0 }
}
